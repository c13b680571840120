/**
 * --verify-kms-keys: S3 Inventory has no KMS key field, so the key of each SSE-KMS (and DSSE-KMS)
 * object is read with one HeadObject request (of the version, when the inventory lists versions).
 * HeadObject returns `x-amz-server-side-encryption-aws-kms-key-id`, the key's ARN
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html, SSEKMSKeyId). Each request
 * is bounded by --request-timeout; an object deleted since the inventory (404) is counted apart;
 * any other error (403: the role cannot read the object) ends the audit: a key not read is not proven.
 *
 * Cost: one HeadObject per SSE-KMS object, billed as a GET-class request (per 1,000 requests).
 */
import { InventoryObject, objectKey } from './inventory-object';
import { InventoryReader } from './inventory-reader';
import { KeyLookup, KeyLookupResult } from './object-judge';
import { sdkProblem } from './sdk';
import { InputError } from '../cli-input/input-error';

export const DEFAULT_CONCURRENCY = 16;

export function headObjectKeyLookup(source: InventoryReader, concurrency: number): KeyLookup {
  return {
    concurrency,
    lookup: async (o: InventoryObject): Promise<KeyLookupResult> => {
      const key = objectKey(o);
      const where = `s3://${o.bucket}/${key}${o.versionId ? ` (version ${o.versionId})` : ''}`;
      try {
        const out: any = await source.request(`HeadObject ${where}`, (s3, options) => s3.headObject({
          Bucket: o.bucket,
          Key: key,
          ...(o.versionId ? { VersionId: o.versionId } : {}),
        }, options));
        return { kmsKeyArn: typeof out.SSEKMSKeyId === 'string' && out.SSEKMSKeyId !== '' ? out.SSEKMSKeyId : null };
      } catch (e) {
        if (e instanceof InputError) throw e;
        const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
        if (err.name === 'NotFound' || err.name === 'NoSuchKey' || err.name === 'NoSuchVersion' || err.$metadata?.httpStatusCode === 404) return { gone: true };
        throw new InputError(`--verify-kms-keys: HeadObject ${where} failed (${sdkProblem(e)}); the key of that object is not proven`);
      }
    },
  };
}
