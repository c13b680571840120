import { EncryptionModeRow } from './mode-table';

/**
 * `BucketEncryption` as a bucket in the mode renders it in CloudFormation (L1 JSON):
 * what SecureBucket's self-check expects in the final template. `keyArn` is the
 * bucket's KMS key in the form the template will hold (KMS modes).
 */
export function expectedBucketEncryption(row: EncryptionModeRow, keyArn?: string): unknown {
  const d = row.defaultEncryption;
  return {
    ServerSideEncryptionConfiguration: [{
      ServerSideEncryptionByDefault: { SSEAlgorithm: d.sseAlgorithm, ...(d.kmsMasterKey ? { KMSMasterKeyID: keyArn } : {}) },
      BucketKeyEnabled: d.bucketKey ? true : undefined,
      BlockedEncryptionTypes: { EncryptionType: [d.blockedEncryptionType] },
    }],
  };
}
