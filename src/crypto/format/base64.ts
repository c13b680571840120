/** Strict base64 (RFC 4648 section 4, padded) for metadata values. */
import { UnsupportedFormatError } from '../errors';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Decode strictly; optionally require an exact decoded length. */
export function fromBase64(value: string, what: string, expectedLength?: number): Buffer {
  if (!BASE64.test(value)) {
    throw new UnsupportedFormatError(`${what} is not valid base64`);
  }
  const bytes = Buffer.from(value, 'base64');
  if (expectedLength !== undefined && bytes.length !== expectedLength) {
    throw new UnsupportedFormatError(`${what} must be ${expectedLength} bytes, got ${bytes.length}`);
  }
  return bytes;
}
