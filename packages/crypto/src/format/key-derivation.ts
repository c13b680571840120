/**
 * HKDF-SHA512 key derivation and key commitment for suite 0x0073 (V3).
 *
 * Spec: s3-encryption/key-derivation.md#hkdf-operation, decryption.md#decrypting-with-commitment.
 */
import { hkdfSync, timingSafeEqual } from 'node:crypto';
import { needs, InvalidArgumentError, TamperedCiphertextError } from '../errors';
import {
  ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY, COMMITMENT_LENGTH, DATA_KEY_LENGTH, GCM_IV_LENGTH, MESSAGE_ID_LENGTH, suiteIdBytes,
} from './algorithm-suite';

const SUITE_ID = suiteIdBytes(ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY);
/** Expand info for the derived encryption key: suite id bytes || UTF-8 "DERIVEKEY". */
export const DERIVE_KEY_INFO = Buffer.concat([SUITE_ID, Buffer.from('DERIVEKEY', 'utf8')]);
/** Expand info for the commit key: suite id bytes || UTF-8 "COMMITKEY". */
export const COMMIT_KEY_INFO = Buffer.concat([SUITE_ID, Buffer.from('COMMITKEY', 'utf8')]);
/** V3 content IV: twelve 0x01 bytes (key-derivation.md: "the IV ... MUST contain only ones"). */
export const V3_CONTENT_IV: Buffer = Buffer.alloc(GCM_IV_LENGTH, 0x01);
/** V3 content AAD: the suite id as bytes, 0x00 0x73 ("The client MUST set the AAD to the Algorithm Suite ID represented as bytes."). */
export const V3_CONTENT_AAD: Buffer = SUITE_ID;

function checkInputs(dataKey: Uint8Array, messageId: Uint8Array): void {
  // key-derivation.md: "The length of the input keying material MUST equal the key derivation input length" (32).
  needs(dataKey.length === DATA_KEY_LENGTH, () => new InvalidArgumentError('data key must be 32 bytes'));
  // "The salt MUST be the Message ID with the length defined in the algorithm suite" (28).
  needs(messageId.length === MESSAGE_ID_LENGTH, () => new InvalidArgumentError('message id must be 28 bytes'));
}

/** HKDF-SHA512(ikm = data key, salt = message id, info = 0x0073 || "COMMITKEY", L = 28). */
export function deriveCommitment(dataKey: Uint8Array, messageId: Uint8Array): Buffer {
  checkInputs(dataKey, messageId);
  return Buffer.from(hkdfSync('sha512', dataKey, messageId, COMMIT_KEY_INFO, COMMITMENT_LENGTH));
}

/** HKDF-SHA512(ikm = data key, salt = message id, info = 0x0073 || "DERIVEKEY", L = 32). */
export function deriveContentKey(dataKey: Uint8Array, messageId: Uint8Array): Buffer {
  checkInputs(dataKey, messageId);
  return Buffer.from(hkdfSync('sha512', dataKey, messageId, DERIVE_KEY_INFO, DATA_KEY_LENGTH));
}

/**
 * Recompute the commitment and compare it to the stored one in constant time; throws
 * TamperedCiphertextError on mismatch. Must run BEFORE deriving the content key or decrypting
 * (decryption.md#decrypting-with-commitment: "MUST verify the key commitment values match before deriving the derived encryption key",
 * "MUST be done in constant time", "MUST throw an exception when [they] do not match").
 */
export function verifyCommitment(dataKey: Uint8Array, messageId: Uint8Array, storedCommitment: Uint8Array): void {
  const derived = deriveCommitment(dataKey, messageId);
  try {
    const ok = storedCommitment.length === COMMITMENT_LENGTH && timingSafeEqual(derived, storedCommitment);
    needs(ok, () => new TamperedCiphertextError('key commitment mismatch: wrong data key or tampered metadata'));
  } finally {
    derived.fill(0);
  }
}
