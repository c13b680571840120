import { LogBucketRole, bucketEncryption, logBucketRole } from '../../engine/bucket-model';
import { EncryptionModeKind } from '../../engine/encryption-mode-kind';
import { SSE_C_KEY, Verdict, probe } from '../../engine/policy-statements';
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
  evaluate(bucket, index): RuleResult {
    if (bucket.type !== 'AWS::S3::Bucket') return notApplicable();
    const enc = bucketEncryption(bucket, index);
    if (enc.unresolved) return cannotResolve(enc.unresolved);
    if (enc.mode === undefined) return notApplicable('no default encryption mode (S3DefaultEncryptionMode reports it)');
    const blocked = enc.blockedTypes ?? [];
    if (enc.mode === EncryptionModeKind.SSE_C) {
      return blocked.includes('NONE') && !blocked.includes('SSE-C') ? compliant()
        : nonCompliant(`the bucket is in SSE-C mode but BlockedEncryptionTypes is ${enc.blockedTypes ? JSON.stringify(enc.blockedTypes) : 'not set'} (S3 blocks SSE-C on new buckets unless it is NONE)`);
    }
    if (logBucketRole(bucket, index) === LogBucketRole.TRAIL_LOG_BUCKET) {
      return notApplicable('CloudTrail log bucket: written only by CloudTrail with the trail\'s key');
    }
    if (blocked.includes('SSE-C')) return compliant();
    const { statements, unresolved } = index.denyStatementsOf(bucket);
    const objects = index.bucketArns(bucket).map((a) => `${a}/probe-object`);
    const out = probe(statements, 's3:PutObject', objects, { [SSE_C_KEY]: 'AES256' });
    if (out.verdict === Verdict.DENIES) return compliant();
    if (out.verdict === Verdict.UNKNOWN) return cannotResolve(out.detail);
    if (unresolved) return cannotResolve(unresolved);
    return nonCompliant('BlockedEncryptionTypes does not include SSE-C and no bucket policy statement denies uploads with SSE-C headers');
  },
};
