import { modeRow } from '../../../encryption-modes/mode-lookup';
import { kmsBucket } from '../../engine/encrypted-bucket';
import { EncryptionRule, RuleResult, cannotResolve, compliant, nonCompliant, notApplicable } from '../../engine/rule';

/** An SSE-KMS bucket has an S3 Bucket Key (DSSE-KMS does not support one). */
export const S3KmsBucketKeyEnabled: EncryptionRule = {
  name: 'S3KmsBucketKeyEnabled',
  finding: 'The SSE-KMS S3 bucket does not enable an S3 Bucket Key.',
  fix: 'Set BucketKeyEnabled: true on the default encryption rule (s3.Bucket bucketKeyEnabled: true; SecureBucket does this for SSE-KMS).',
  evaluate: kmsBucket(({ encryption: enc, mode }): RuleResult => {
    if (!modeRow(mode).defaultEncryption.bucketKey) return notApplicable();
    if (!enc.bucketKeyEnabled!.ok) return cannotResolve(`BucketKeyEnabled: ${enc.bucketKeyEnabled!.reason}`);
    return enc.bucketKeyEnabled!.value ? compliant() : nonCompliant('BucketKeyEnabled is not true');
  }),
};
