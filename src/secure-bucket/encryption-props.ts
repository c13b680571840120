import * as s3 from 'aws-cdk-lib/aws-s3';
import { EncryptionMode } from './encryption-mode';
import { EncryptionModeRow } from '../encryption-modes/mode-table';

/** The L2 encryption props of a bucket in the mode `row` describes; `mode` gives the KMS key, if any. */
export function encryptionProps(row: EncryptionModeRow, mode?: EncryptionMode): Partial<s3.BucketProps> {
  const d = row.defaultEncryption;
  return {
    encryption: s3.BucketEncryption[d.l2Encryption],
    // Without a key, the L2 creates one at `<bucket>/Key`; SecureBucket then sets its rotation.
    ...(row.usesKms ? { encryptionKey: mode?.kmsOptions?.encryptionKey } : {}),
    ...(row.usesKms ? { bucketKeyEnabled: d.bucketKey ? true : undefined } : {}),
    blockedEncryptionTypes: [s3.BlockedEncryptionType.custom(d.blockedEncryptionType)],
  };
}
