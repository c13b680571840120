/**
 * GET an S3EC object and its metadata (from the object or its instruction
 * file). Internal: shared by the whole-object and streaming readers.
 */
import { requireBucketAndKey } from './require-bucket-and-key';
import { resolveObjectMetadata } from './resolve-object-metadata';
import { discardResponseBody } from './response-body';
import { S3ClientLike } from './s3-client';
import { ObjectMetadata } from '../cipher/types';

export interface EncryptedObject {
  /** The response body (ciphertext), not yet read. */
  readonly body: unknown;
  /** The S3EC metadata. */
  readonly metadata: ObjectMetadata;
  /** The response's Content-Length (ciphertext and tag), when S3 sent one. */
  readonly contentLength?: number;
}

export async function getEncryptedObject(
  operation: string, client: Pick<S3ClientLike, 'getObject'>, bucket: string, key: string,
): Promise<EncryptedObject> {
  requireBucketAndKey(operation, bucket, key);
  const out = await client.getObject({ Bucket: bucket, Key: key });
  try {
    const metadata = await resolveObjectMetadata({ client, bucket, key, objectMetadata: out.Metadata ?? {} });
    const contentLength = out.ContentLength;
    return { body: out.Body, metadata, ...(typeof contentLength === 'number' && Number.isSafeInteger(contentLength) ? { contentLength } : {}) };
  } catch (e) {
    // Release the connection: the body will never be read.
    discardResponseBody(out.Body);
    throw e;
  }
}
