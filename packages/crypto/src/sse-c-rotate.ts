/**
 * Rotate the SSE-C key of one object: CopyObject onto itself, reading with
 * the old key (`CopySourceSSECustomer*`) and writing with the new one
 * (`SSECustomer*`), metadata kept (`MetadataDirective: COPY`). S3 accepts a
 * copy onto the same key because the encryption changes.
 *
 * Limits (S3's, not ours): CopyObject handles objects up to 5 GiB; larger
 * objects need a multipart copy (UploadPartCopy). On a versioned bucket the
 * old version, still encrypted under the old key, remains.
 */
import { timingSafeEqual } from 'node:crypto';
import { InvalidArgumentError, needs } from './errors';
import { S3ClientLike, S3CopyObjectOutput } from './s3/s3-client';
import { SSE_C_KEY_LENGTH, sseCopySourceParams, sseCustomerParams } from './sse-c';

export interface RotateCustomerKeyOptions {
  /** Any client with `copyObject`, e.g. `new S3({})`. */
  readonly client: Pick<S3ClientLike, 'copyObject'>;
  readonly bucket: string;
  readonly key: string;
  /** The SSE-C key the object is encrypted with now (32 bytes). */
  readonly oldKey: Uint8Array;
  /** The SSE-C key to re-encrypt with (32 bytes, different from `oldKey`). */
  readonly newKey: Uint8Array;
}

/** Re-encrypt an SSE-C object under `newKey`; returns the CopyObject output. */
export async function rotateCustomerKey(options: RotateCustomerKeyOptions): Promise<S3CopyObjectOutput> {
  const { client, bucket, key, oldKey, newKey } = options;
  needs(typeof bucket === 'string' && bucket.length > 0, () => new InvalidArgumentError('rotateCustomerKey: bucket is required'));
  needs(typeof key === 'string' && key.length > 0, () => new InvalidArgumentError('rotateCustomerKey: key is required'));
  for (const [name, value] of [['oldKey', oldKey], ['newKey', newKey]] as const) {
    needs(value instanceof Uint8Array && value.length === SSE_C_KEY_LENGTH, () => new InvalidArgumentError(
      `rotateCustomerKey: ${name} must be ${SSE_C_KEY_LENGTH} bytes (AES-256)`));
  }
  // S3 refuses a copy onto itself that changes nothing; fail early with a clear message.
  needs(!timingSafeEqual(oldKey, newKey), () => new InvalidArgumentError('rotateCustomerKey: newKey equals oldKey'));

  return client.copyObject({
    Bucket: bucket,
    Key: key,
    CopySource: `${bucket}/${encodeCopySourceKey(key)}`,
    MetadataDirective: 'COPY',
    ...sseCopySourceParams(oldKey),
    ...sseCustomerParams(newKey),
  });
}

/** URL-encode an object key for `x-amz-copy-source`, keeping `/` separators. */
function encodeCopySourceKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}
