/**
 * Ranged (partial) decryption: AES-GCM is CTR underneath, so a block-aligned slice of the
 * ciphertext can be decrypted with AES-CTR. NOT AUTHENTICATED: the tag covers the whole object.
 *
 * Spec: s3-encryption/decryption.md#ranged-gets (0x0072 -> ALG_AES_256_CTR_IV16_TAG16_NO_KDF,
 * 0x0073 -> ALG_AES_256_CTR_HKDF_SHA512_COMMIT_KEY); Java: legacy/internal/AesCtrUtils.java, RangedGetUtils.java.
 * Counter: J0 = IV || 00000001; the first content block uses IV || 00000002; a block-aligned byte offset o
 * uses IV || (2 + o/16). For V3 the key is the derived key and the IV twelve 0x01 bytes.
 */
import { createDecipheriv } from 'node:crypto';
import { InvalidArgumentError, needs } from '../errors';
import { ByteRange } from './types';
import { AES_BLOCK_SIZE, DATA_KEY_LENGTH, GCM_IV_LENGTH, GCM_TAG_LENGTH } from '../format/algorithm-suite';

function checkRange(range: ByteRange): void {
  needs(Number.isSafeInteger(range.start) && Number.isSafeInteger(range.end) && range.start >= 0 && range.end >= range.start,
    () => new InvalidArgumentError('range must satisfy 0 <= start <= end (inclusive end)'));
}

/**
 * Widen a requested plaintext range (inclusive end) to the ciphertext range to fetch:
 * start - start%16 - 16 (clamped at 0) and end + (16 - end%16) + 16, clamped to the last
 * content byte (before the 16-byte tag) when the object's total length is known.
 * (Java RangedGetUtils.getCipherBlockLowerBound / getCipherBlockUpperBound.)
 */
export function widenRange(range: ByteRange, ciphertextLength?: number): ByteRange {
  checkRange(range);
  const start = Math.max(0, range.start - (range.start % AES_BLOCK_SIZE) - AES_BLOCK_SIZE);
  let end = range.end + (AES_BLOCK_SIZE - (range.end % AES_BLOCK_SIZE)) + AES_BLOCK_SIZE;
  if (ciphertextLength !== undefined) {
    needs(Number.isSafeInteger(ciphertextLength) && ciphertextLength >= GCM_TAG_LENGTH,
      () => new InvalidArgumentError('ciphertextLength must include the 16-byte tag'));
    end = Math.min(end, ciphertextLength - GCM_TAG_LENGTH - 1);
  }
  return { start, end: Math.max(end, start) };
}

/** The 16-byte AES-CTR counter block for a block-aligned content offset: IV || be32(2 + offset/16). */
export function counterBlockAt(iv: Uint8Array, offset: number): Buffer {
  needs(iv.length === GCM_IV_LENGTH, () => new InvalidArgumentError('iv must be 12 bytes'));
  needs(Number.isSafeInteger(offset) && offset >= 0 && offset % AES_BLOCK_SIZE === 0,
    () => new InvalidArgumentError('offset must be a non-negative multiple of 16'));
  const block = Buffer.alloc(AES_BLOCK_SIZE);
  block.set(iv, 0);
  block.writeUInt32BE((2 + offset / AES_BLOCK_SIZE) % 2 ** 32, GCM_IV_LENGTH);
  return block;
}

export interface DecryptRangeInput {
  /** Content key: the data key (V2) or the HKDF-derived key (V3). */
  readonly contentKey: Uint8Array;
  /** Content IV: x-amz-iv (V2) or twelve 0x01 bytes (V3). */
  readonly iv: Uint8Array;
  /** Ciphertext bytes of the object starting at {@link ciphertextStart} (e.g. a widened ranged GET body). */
  readonly ciphertext: Uint8Array;
  /** Object offset of the first byte of {@link ciphertext}; a multiple of 16. */
  readonly ciphertextStart: number;
  /** Total object length (content + 16-byte tag), e.g. from Content-Range; trims the tag off. */
  readonly ciphertextLength: number;
  /** Requested plaintext range, inclusive end; clamped to the plaintext length. */
  readonly range: ByteRange;
}

/**
 * Decrypt the plaintext bytes `range` out of a block-aligned ciphertext slice. Pure; UNAUTHENTICATED.
 * Returns fewer bytes than requested only when the range runs past the end of the plaintext.
 */
export function decryptRange(input: DecryptRangeInput): Buffer {
  checkRange(input.range);
  needs(input.contentKey.length === DATA_KEY_LENGTH, () => new InvalidArgumentError('contentKey must be 32 bytes'));
  const plaintextLength = input.ciphertextLength - GCM_TAG_LENGTH;
  needs(Number.isSafeInteger(input.ciphertextLength) && plaintextLength >= 0,
    () => new InvalidArgumentError('ciphertextLength must include the 16-byte tag'));
  const counter = counterBlockAt(input.iv, input.ciphertextStart);
  needs(input.ciphertextStart <= input.range.start, () => new InvalidArgumentError('ciphertext slice starts after the requested range'));
  const lastWanted = Math.min(input.range.end, plaintextLength - 1);
  if (input.range.start > lastWanted) {
    return Buffer.alloc(0);
  }
  const need = lastWanted - input.ciphertextStart + 1;
  needs(input.ciphertext.length >= need, () => new InvalidArgumentError('ciphertext slice does not cover the requested range'));
  const decipher = createDecipheriv('aes-256-ctr', input.contentKey, counter);
  const pt = Buffer.concat([decipher.update(input.ciphertext.subarray(0, need)), decipher.final()]);
  return pt.subarray(input.range.start - input.ciphertextStart);
}
