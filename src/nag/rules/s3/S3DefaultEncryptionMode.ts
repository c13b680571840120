import { modeLabel, modeLabels, modeRow } from '../../../encryption-modes/mode-lookup';
import { ALIAS_IS_NOT_A_KEY, LogBucketRole, isInventoryDestination, isKmsMode, logBucketRole, resolveKey } from '../../engine/bucket-model';
import { encryptedBucket } from '../../engine/encrypted-bucket';
import { EncryptionRule, RuleResult, compliant, nonCompliant } from '../../engine/rule';

/**
 * Default encryption is configured and its mode is one the policy allows.
 * Log buckets are held to what their service supports instead: S3 server
 * access logs need SSE-S3, CloudTrail log files SSE-S3 or SSE-KMS. An S3
 * Inventory destination may use SSE-S3 or SSE-KMS whatever the policy says
 * (in another mode it is held to the policy).
 */
export const S3DefaultEncryptionMode: EncryptionRule = {
  name: 'S3DefaultEncryptionMode',
  finding: 'The S3 bucket has no default encryption, or its mode is not allowed by the encryption policy.',
  fix: 'Configure default encryption (BucketEncryption.ServerSideEncryptionConfiguration) with an allowed mode, e.g. new SecureBucket(this, id, { mode: EncryptionMode.sseKms() }).',
  evaluate: encryptedBucket(({ resource: bucket, encryption: enc }, index): RuleResult => {
    if (!enc.present) return nonCompliant('no default encryption is configured');
    if (enc.mode === undefined) return nonCompliant(`default encryption algorithm '${enc.algorithm}' is not ${modeLabels((r) => r.uploads.sseHeader !== undefined)}`);
    if (isKmsMode(enc.mode)) {
      // The mode is "KMS with the bucket's key": an alias as the default key does not configure that.
      const alias = resolveKey(enc.kmsKeyId, index).alias;
      if (alias !== undefined) return nonCompliant(`${modeLabel(enc.mode)} with ${alias} as the default key: ${ALIAS_IS_NOT_A_KEY}`);
    }
    const role = logBucketRole(bucket, index);
    if (role === LogBucketRole.ACCESS_LOG_DESTINATION) {
      return modeRow(enc.mode).services.accessLogs ? compliant()
        : nonCompliant(`the bucket receives S3 server access logs, which S3 delivers only to ${modeLabels((r) => r.services.accessLogs)} buckets, but it uses ${modeLabel(enc.mode)}`);
    }
    if (role === LogBucketRole.TRAIL_LOG_BUCKET) {
      return modeRow(enc.mode).services.cloudTrailLogs ? compliant()
        : nonCompliant(`the bucket receives CloudTrail log files, which need ${modeLabels((r) => r.services.cloudTrailLogs)}, but it uses ${modeLabel(enc.mode)}`);
    }
    if (isInventoryDestination(bucket, index) && modeRow(enc.mode).services.inventoryReports) {
      return compliant();
    }
    if (!index.policy.allowedModes.includes(enc.mode)) {
      return nonCompliant(`the bucket uses ${modeLabel(enc.mode)}; the policy allows ${index.policy.allowedModes.map(modeLabel).join(', ')}`);
    }
    return compliant();
  }),
};
