import { modeRow } from '../../../encryption-modes/mode-lookup';
import { LogBucketRole, logBucketRole } from '../../engine/bucket-model';
import { bucketWithMode } from '../../engine/encrypted-bucket';
import { SSE_C_KEY, anyExcept, proveDenied } from '../../engine/policy-statements';
import { EncryptionRule, RuleResult, cannotResolve, compliant, nonCompliant, notApplicable } from '../../engine/rule';

/**
 * SSE-C is blocked unless the bucket is in SSE-C mode (BlockedEncryptionTypes
 * SSE-C, or a Deny on uploads carrying the SSE-C algorithm header); in SSE-C
 * mode it is explicitly allowed (BlockedEncryptionTypes NONE), since S3
 * blocks SSE-C on new buckets by default.
 */
export const S3SseCBlocked: EncryptionRule = {
  name: 'S3SseCBlocked',
  finding: 'The S3 bucket does not block SSE-C (or, in SSE-C mode, does not explicitly allow it).',
  fix: 'Outside SSE-C mode set BlockedEncryptionTypes: { EncryptionType: [SSE-C] } (s3.Bucket blockedEncryptionTypes: [BlockedEncryptionType.SSE_C]) or deny s3:PutObject when s3:x-amz-server-side-encryption-customer-algorithm is present; in SSE-C mode set BlockedEncryptionTypes NONE.',
  evaluate: bucketWithMode(({ resource: bucket, encryption: enc, mode }, index): RuleResult => {
    const blocked = enc.blockedTypes ?? [];
    if (modeRow(mode).uploads.customerAlgorithm !== undefined) {
      return blocked.includes('NONE') && !blocked.includes('SSE-C') ? compliant()
        : nonCompliant(`the bucket is in SSE-C mode but BlockedEncryptionTypes is ${enc.blockedTypes ? JSON.stringify(enc.blockedTypes) : 'not set'} (S3 blocks SSE-C on new buckets unless it is NONE)`);
    }
    if (logBucketRole(bucket, index) === LogBucketRole.TRAIL_LOG_BUCKET) {
      return notApplicable('CloudTrail log bucket: written only by CloudTrail with the trail\'s key');
    }
    if (blocked.includes('SSE-C')) return compliant();
    const { statements, unresolved } = index.denyStatementsOf(bucket);
    const keys = { [SSE_C_KEY]: [anyExcept()] };
    const proof = proveDenied(statements, { description: 'an upload with SSE-C headers', action: 's3:PutObject', target: 'objects', keys }, index.bucketArns(bucket));
    if (proof.proven) return compliant();
    if (proof.reasons.length > 0) return cannotResolve(`not proven that uploads with SSE-C headers are denied (${proof.reasons.join('; ')})`);
    if (unresolved) return cannotResolve(unresolved);
    return nonCompliant('BlockedEncryptionTypes does not include SSE-C and no bucket policy statement denies uploads with SSE-C headers');
  }),
};
