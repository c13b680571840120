import { ALIAS_IS_NOT_A_KEY, LogBucketRole, logBucketRole } from '../../engine/bucket-model';
import { kmsBucketWithKey } from '../../engine/encrypted-bucket';
import { EncryptionRule, RuleResult, cannotResolve, compliant, nonCompliant } from '../../engine/rule';
import { canonArn, show } from '../../engine/symbolic-values';

/**
 * A KMS-mode bucket encrypts with a customer-managed key, and with one of
 * the policy's allowed keys when the policy names any (log buckets, see
 * `exemptLogBuckets`, only need a customer-managed key).
 */
export const S3KmsCustomerManagedKey: EncryptionRule = {
  name: 'S3KmsCustomerManagedKey',
  finding: 'The KMS-encrypted S3 bucket does not use a customer-managed KMS key from the allowed set.',
  fix: 'Set KMSMasterKeyID to a customer-managed key by its ARN (a kms.Key of the app, or one named in allowedKmsKeyArns); never the AWS managed aws/s3 key, nor an alias.',
  evaluate: kmsBucketWithKey(({ resource: bucket, key }, index): RuleResult => {
    if (key.alias !== undefined) return nonCompliant(`KMSMasterKeyID is ${key.alias}: ${ALIAS_IS_NOT_A_KEY}. Fix: give the key's ARN`);
    if (key.awsManaged) {
      return nonCompliant(key.external ? `the bucket uses the AWS managed key ${key.external}` : 'KMSMasterKeyID is not set, so S3 uses the AWS managed key aws/s3');
    }
    // A log bucket's key is chosen for its service (the trail key): held to customer-managed only.
    const allowed = logBucketRole(bucket, index) === LogBucketRole.NONE ? index.policy.allowedKmsKeyArns : undefined;
    if (allowed !== undefined) {
      // Compared in canonical form: `arn:aws:` and `Fn::Sub` / `Fn::Join` forms with `${AWS::Partition}` are one ARN.
      if (key.external !== undefined && allowed.map(canonArn).includes(canonArn(key.external))) return compliant();
      const which = key.key ? `the key ${key.key.logicalId} created in this template` : `the key ${show(key.external)}`;
      return nonCompliant(`the bucket uses ${which}; the policy allows only ${allowed.join(', ')}`);
    }
    if (key.external !== undefined) {
      return cannotResolve(`the KMS key ${key.external} is defined outside this template, so it cannot be confirmed to be customer-managed (name it in allowedKmsKeyArns)`);
    }
    return compliant();
  }),
};
