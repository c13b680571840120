/**
 * Cache identifiers for the data-key cache.
 *
 * An identifier is SHA-512 over an unambiguous (length-prefixed) encoding of
 * everything that makes two requests interchangeable, with a different
 * domain tag for encrypt and decrypt entries:
 *
 * - encrypt: format version + the caller's encryption context. The version is
 *   part of it because the keyring binds it into the wrapped key
 *   (`aws:x-amz-cek-alg` / raw AES wrap AAD).
 * - decrypt: format version, wrap and content algorithms, wrapped data key,
 *   stored context / material description AND the context the caller
 *   expects. The expected context must be in the identifier: the wrapped
 *   keyring is what checks it against the stored one, so an entry may only
 *   answer a request that would have passed that same check.
 *
 * Contexts are encoded with their entries sorted by key, so key order does
 * not matter. Hashing keeps identifiers fixed-size and keeps the wrapped key
 * out of the map's keys.
 */
import { createHash, Hash } from 'node:crypto';
import { DecryptionRequest, EncryptionContext, EncryptionRequest } from '../keyring/keyring';

export function encryptCacheId(request: EncryptionRequest): string {
  const hash = createHash('sha512');
  field(hash, 'encrypt');
  field(hash, request.formatVersion);
  context(hash, request.encryptionContext);
  return hash.digest('base64');
}

export function decryptCacheId(request: DecryptionRequest): string {
  const hash = createHash('sha512');
  field(hash, 'decrypt');
  field(hash, request.formatVersion);
  field(hash, request.wrapAlgorithm);
  field(hash, request.contentAlgorithm);
  field(hash, request.encryptedDataKey);
  context(hash, request.materialsDescription);
  context(hash, request.expectedContext);
  return hash.digest('base64');
}

function field(hash: Hash, value: string | Uint8Array): void {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  hash.update(length);
  hash.update(bytes);
}

function context(hash: Hash, map: EncryptionContext): void {
  const keys = Object.keys(map).sort();
  field(hash, String(keys.length));
  for (const key of keys) {
    field(hash, key);
    field(hash, map[key]);
  }
}
