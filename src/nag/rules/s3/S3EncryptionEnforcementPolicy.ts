import { ALGORITHM, LogBucketRole, bucketEncryption, logBucketRole, modeName } from '../../engine/bucket-model';
import { EncryptionModeKind } from '../../engine/encryption-mode-kind';
import { ProbeRequest, SSE_C_KEY, SSE_KEY, SSE_KMS_KEY_ID_KEY, Verdict, probe } from '../../engine/policy-statements';
import { EncryptionRule, RuleResult, cannotResolve, compliant, nonCompliant, notApplicable } from '../../engine/rule';
import { describeUpload } from '../../engine/upload-request';

const OTHER_KEY = 'arn:aws:kms:us-east-1:111122223333:key/00000000-0000-0000-0000-000000000000';

/** The uploads a bucket policy of the given mode must refuse. */
function mustDeny(mode: EncryptionModeKind): ProbeRequest[] {
  const all = [ALGORITHM.AES256, ALGORITHM.SSE_KMS, ALGORITHM.DSSE_KMS];
  if (mode === EncryptionModeKind.SSE_C) {
    return [{}, ...all.map((a) => ({ [SSE_KEY]: a })), { [SSE_C_KEY]: 'AES128' }];
  }
  const own = mode === EncryptionModeKind.SSE_S3 ? ALGORITHM.AES256 : ALGORITHM[mode];
  const probes: ProbeRequest[] = [];
  for (const other of all.filter((a) => a !== own)) {
    probes.push({ [SSE_KEY]: other });
    if (other !== ALGORITHM.AES256) probes.push({ [SSE_KEY]: other, [SSE_KMS_KEY_ID_KEY]: OTHER_KEY });
  }
  if (mode !== EncryptionModeKind.SSE_S3) {
    probes.push({ [SSE_KEY]: own, [SSE_KMS_KEY_ID_KEY]: OTHER_KEY }); // another key
    probes.push({ [SSE_KEY]: own }); // no key id: S3 would use aws/s3
  }
  return probes;
}

/**
 * The bucket policy refuses uploads that ask for another encryption mode
 * (and, in KMS modes, another key or no key id), as the SecureBucket
 * enforcement statements do. Equivalent forms (`Null` + `StringNotEquals`,
 * `StringNotEquals`, `StringNotEqualsIfExists`, ...) are evaluated, not
 * pattern-matched, by probing the policy with the uploads it must refuse.
 */
export const S3EncryptionEnforcementPolicy: EncryptionRule = {
  name: 'S3EncryptionEnforcementPolicy',
  finding: 'The S3 bucket policy does not refuse uploads that request another encryption mode or key.',
  fix: 'Add Deny statements on s3:PutObject for arn:...:bucket/* as SecureBucket does for the mode: deny a present x-amz-server-side-encryption header other than the mode\'s algorithm; in KMS modes also deny another key id and a missing key id; in SSE-C mode deny uploads without the SSE-C algorithm header.',
  evaluate(bucket, index): RuleResult {
    if (bucket.type !== 'AWS::S3::Bucket') return notApplicable();
    const enc = bucketEncryption(bucket, index);
    if (enc.unresolved) return cannotResolve(enc.unresolved);
    if (enc.mode === undefined) return notApplicable('no default encryption mode (S3DefaultEncryptionMode reports it)');
    if (logBucketRole(bucket, index) !== LogBucketRole.NONE) {
      return notApplicable('log bucket: written only by an AWS service with the bucket\'s default encryption');
    }
    const { statements, unresolved } = index.denyStatementsOf(bucket);
    const objects = index.bucketArns(bucket).map((a) => `${a}/probe-object`);
    const missing: string[] = [];
    let unknownDetail: string | undefined;
    for (const request of mustDeny(enc.mode)) {
      const out = probe(statements, 's3:PutObject', objects, request);
      if (out.verdict === Verdict.UNKNOWN) unknownDetail = unknownDetail ?? out.detail;
      if (out.verdict !== Verdict.DENIES) missing.push(describeUpload(request));
    }
    if (missing.length === 0) return compliant();
    if (unknownDetail) return cannotResolve(unknownDetail);
    if (unresolved) return cannotResolve(unresolved);
    return nonCompliant(`${statements.length === 0 ? 'no bucket policy denies anything' : 'the bucket policy does not deny'}: ${missing.join('; ')} (${modeName(enc.mode)} mode)`);
  },
};
