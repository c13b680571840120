import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { EncryptionModeRow } from '../encryption-modes/mode-table';

/**
 * The L2 encryption props of a bucket in the mode `row` describes: its default encryption, S3
 * Bucket Key and blocked encryption types. Every bucket of this library takes its encryption from
 * here (SecureBucket in its mode, the delivery buckets in SSE-S3, the trail log bucket in SSE-KMS).
 *
 * @param key the KMS key of a KMS mode; without one, the L2 creates a key at `<bucket>/Key`
 */
export function encryptionProps(row: EncryptionModeRow, key?: kms.IKey): Partial<s3.BucketProps> {
  const d = row.defaultEncryption;
  return {
    encryption: s3.BucketEncryption[d.l2Encryption],
    ...(row.usesKms ? { encryptionKey: key, bucketKeyEnabled: d.bucketKey ? true : undefined } : {}),
    blockedEncryptionTypes: [s3.BlockedEncryptionType.custom(d.blockedEncryptionType)],
  };
}
