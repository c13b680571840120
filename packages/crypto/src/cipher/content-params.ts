/**
 * The AES-GCM parameters (key, IV, AAD) of an object's content, per suite.
 *
 * - 0x0072 (V2): key = data key, IV = x-amz-iv (random, 12 bytes), no AAD.
 * - 0x0073 (V3): key = HKDF-SHA512 derived key, IV = twelve 0x01 bytes, AAD = 0x00 0x73 (key-derivation.md#hkdf-operation).
 */
import { createCipheriv, createDecipheriv, CipherGCM, DecipherGCM } from 'node:crypto';
import { GCM_TAG_LENGTH } from '../format/algorithm-suite';

export interface ContentParams {
  /** 32-byte AES key (data key for V2, derived key for V3). Zero it when done. */
  readonly key: Buffer;
  /** 12-byte GCM IV (16 for legacy CBC). */
  readonly iv: Buffer;
  /** Additional authenticated data, if any. */
  readonly aad?: Buffer;
  /** Legacy V1 content in AES/CBC/PKCS5Padding (unauthenticated). */
  readonly legacyCbc?: boolean;
}

export function gcmEncryptor(p: ContentParams): CipherGCM {
  const c = createCipheriv('aes-256-gcm', p.key, p.iv, { authTagLength: GCM_TAG_LENGTH });
  if (p.aad) {
    c.setAAD(p.aad);
  }
  return c;
}

export function gcmDecryptor(p: ContentParams): DecipherGCM {
  const d = createDecipheriv('aes-256-gcm', p.key, p.iv, { authTagLength: GCM_TAG_LENGTH });
  if (p.aad) {
    d.setAAD(p.aad);
  }
  return d;
}

/** GCM limit per NIST SP 800-38D: 2^39 - 256 bits of plaintext. */
export const GCM_MAX_PLAINTEXT_BYTES = (2 ** 39 - 256) / 8;
