/**
 * SSE-C request parameters: server-side encryption with a key the customer
 * supplies on every request.
 *
 * S3 needs the algorithm (`AES256`), the 256-bit key (base64) and the base64
 * MD5 of the raw key (an integrity check of the key in transit, not a secret)
 * on PutObject, GetObject, HeadObject, CreateMultipartUpload, UploadPart and
 * CompleteMultipartUpload; a copy needs the source key under the
 * `CopySourceSSECustomer*` names. S3 stores only a salted HMAC of the key and
 * returns the MD5, so a lost key means lost data: keep it in a secret store.
 *
 * Docs: https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerSideEncryptionCustomerKeys.html
 */
import { createHash, randomBytes } from 'node:crypto';
import { InvalidArgumentError, needs } from './errors';

/** Length of an SSE-C key: AES-256. */
export const SSE_C_KEY_LENGTH = 32;

/** The only SSE-C algorithm S3 accepts. */
export const SSE_C_ALGORITHM = 'AES256';

/** SSE-C fields of PutObject / GetObject / HeadObject / CreateMultipartUpload / UploadPart / CompleteMultipartUpload. */
export interface SseCustomerParams {
  readonly SSECustomerAlgorithm: 'AES256';
  /** base64 of the 32-byte key. */
  readonly SSECustomerKey: string;
  /** base64 of MD5(key). */
  readonly SSECustomerKeyMD5: string;
}

/** SSE-C fields naming the key of the copy source (CopyObject, UploadPartCopy). */
export interface SseCopySourceParams {
  readonly CopySourceSSECustomerAlgorithm: 'AES256';
  readonly CopySourceSSECustomerKey: string;
  readonly CopySourceSSECustomerKeyMD5: string;
}

/** A fresh random 32-byte SSE-C key. The caller owns (and should zero) it. */
export function generateCustomerKey(): Uint8Array {
  return new Uint8Array(randomBytes(SSE_C_KEY_LENGTH));
}

/** Request fields that encrypt (put) or decrypt (get/head) an object with `key`. */
export function sseCustomerParams(key: Uint8Array): SseCustomerParams {
  const { encoded, md5 } = encodeKey(key);
  return { SSECustomerAlgorithm: SSE_C_ALGORITHM, SSECustomerKey: encoded, SSECustomerKeyMD5: md5 };
}

/** Request fields that name `key` as the key of a copy source. */
export function sseCopySourceParams(key: Uint8Array): SseCopySourceParams {
  const { encoded, md5 } = encodeKey(key);
  return {
    CopySourceSSECustomerAlgorithm: SSE_C_ALGORITHM,
    CopySourceSSECustomerKey: encoded,
    CopySourceSSECustomerKeyMD5: md5,
  };
}

/** base64 MD5 of an SSE-C key, as S3 returns it in `SSECustomerKeyMD5`. */
export function customerKeyMd5(key: Uint8Array): string {
  return encodeKey(key).md5;
}

/** Validate an SSE-C key; return its base64 form and base64 MD5. */
function encodeKey(key: Uint8Array): { encoded: string; md5: string } {
  needs(key instanceof Uint8Array, () => new InvalidArgumentError(`SSE-C key must be a Uint8Array of ${SSE_C_KEY_LENGTH} bytes`));
  needs(key.length === SSE_C_KEY_LENGTH, () => new InvalidArgumentError(
    `SSE-C key must be ${SSE_C_KEY_LENGTH} bytes (AES-256), got ${key.length}`));
  const bytes = Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  return {
    encoded: bytes.toString('base64'),
    md5: createHash('md5').update(bytes).digest('base64'),
  };
}
