/** Strict base64 (RFC 4648 section 4, padded) for metadata values, with a size bound. */
import { MetadataTooLargeError, UnsupportedFormatError } from '../errors';

/**
 * Longest base64 field accepted, in characters: 8 KiB of text = 6 KiB decoded. The largest field of the format
 * is the wrapped data key (a KMS ciphertext blob is at most 6144 bytes); checked before any parsing, so a
 * huge value costs nothing and fails with a typed error.
 */
export const MAX_BASE64_FIELD_CHARS = 8192;

/** Base64 alphabet only, then padding; linear, no backtracking (a repeated-group regex overflowed the stack on 16 MB). */
const BASE64_CHARS = /^[A-Za-z0-9+/]*={0,2}$/;

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Decode strictly; optionally require an exact decoded length. */
export function fromBase64(value: string, what: string, expectedLength?: number): Buffer {
  if (value.length > MAX_BASE64_FIELD_CHARS) {
    throw new MetadataTooLargeError(`${what} is ${value.length} characters long; at most ${MAX_BASE64_FIELD_CHARS} are accepted`);
  }
  if (value.length % 4 !== 0 || !BASE64_CHARS.test(value)) {
    throw new UnsupportedFormatError(`${what} is not valid base64`);
  }
  const bytes = Buffer.from(value, 'base64');
  // Canonical form only (no stray bits in the last character): re-encoding must give the input back.
  if (bytes.toString('base64') !== value) {
    throw new UnsupportedFormatError(`${what} is not valid base64`);
  }
  if (expectedLength !== undefined && bytes.length !== expectedLength) {
    throw new UnsupportedFormatError(`${what} must be ${expectedLength} bytes, got ${bytes.length}`);
  }
  return bytes;
}
