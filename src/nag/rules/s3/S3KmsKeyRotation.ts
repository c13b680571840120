import { ALIAS_IS_NOT_A_KEY } from '../../engine/bucket-model';
import { kmsBucketWithKey } from '../../engine/encrypted-bucket';
import { EncryptionRule, RuleResult, cannotResolve, compliant, nonCompliant } from '../../engine/rule';
import { resolveBool } from '../../engine/symbolic-values';

/** The KMS key of a KMS-mode bucket has automatic rotation enabled. */
export const S3KmsKeyRotation: EncryptionRule = {
  name: 'S3KmsKeyRotation',
  finding: 'The KMS key of the S3 bucket does not rotate automatically.',
  fix: 'Set EnableKeyRotation: true on the key (kms.Key enableKeyRotation: true, with a rotationPeriod). For a key outside the template, confirm rotation and acknowledge the finding.',
  evaluate: kmsBucketWithKey(({ key }, index): RuleResult => {
    if (key.alias !== undefined) return nonCompliant(`the default key is ${key.alias}, so the key that encrypts is not known and neither is its rotation (${ALIAS_IS_NOT_A_KEY})`);
    if (key.awsManaged) return compliant(); // AWS managed keys rotate every year; S3KmsCustomerManagedKey reports them
    if (!key.key) return cannotResolve(`the KMS key ${key.external} is defined outside this template, so its rotation cannot be seen`);
    if (key.key.unresolvable) return cannotResolve(`the key ${key.key.logicalId}: ${key.key.unresolvable}`);
    const rot = resolveBool(key.key.properties.EnableKeyRotation, index);
    if (!rot.ok) return cannotResolve(`EnableKeyRotation of ${key.key.logicalId}: ${rot.reason}`);
    return rot.value ? compliant() : nonCompliant(`the key ${key.key.logicalId} does not have EnableKeyRotation: true`);
  }),
};
