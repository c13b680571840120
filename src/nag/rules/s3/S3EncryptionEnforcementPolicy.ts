import { modeLabel, modeRow, modeRows } from '../../../encryption-modes/mode-lookup';
import { EncryptionModeRow } from '../../../encryption-modes/mode-table';
import { ALIAS_IS_NOT_A_KEY, LogBucketRole, isKmsMode, logBucketRole, ownKeyForms, resolveKey } from '../../engine/bucket-model';
import { bucketWithMode } from '../../engine/encrypted-bucket';
import { ABSENT, KeyValue, SSE_C_KEY, SSE_KEY, SSE_KMS_KEY_ID_KEY, anyExcept, exact, proveDenied } from '../../engine/policy-statements';
import { replicaKeyProblem, replicationsInto } from '../../engine/replication-into';
import { EncryptionRule, RuleResult, cannotResolve, compliant, nonCompliant, notApplicable } from '../../engine/rule';
import { describeUpdate, describeUpload } from '../../engine/upload-request';

type Keys = Record<string, readonly KeyValue[]>;

/**
 * The uploads a bucket policy of the given mode must refuse, as request
 * classes: every request of each must be denied, whatever its principal,
 * network origin or object key. `ownKeys`: the forms of the bucket's key.
 */
function mustDeny(row: EncryptionModeRow, ownKeys: string[]): Keys[] {
  // Every algorithm an upload can name in x-amz-server-side-encryption, one per mode that names one.
  const all = [...new Set(modeRows((r) => r.uploads.sseHeader !== undefined).map((r) => r.uploads.sseHeader!))];
  const customerAlgorithm = row.uploads.customerAlgorithm;
  if (customerAlgorithm !== undefined) {
    return [
      { [SSE_KEY]: [ABSENT], [SSE_C_KEY]: [ABSENT] }, // no encryption headers at all
      ...all.map((a) => ({ [SSE_KEY]: [exact(a)] })),
      { [SSE_C_KEY]: [anyExcept(customerAlgorithm)] },
    ];
  }
  const own = row.uploads.sseHeader!;
  const classes: Keys[] = all.filter((a) => a !== own).map((a) => ({ [SSE_KEY]: [exact(a)] }));
  if (row.usesKms) {
    // Another key: any but the bucket's own (none to pin to with an AWS managed bucket key).
    if (ownKeys.length > 0) classes.push({ [SSE_KEY]: [exact(own)], [SSE_KMS_KEY_ID_KEY]: [anyExcept(...ownKeys)] });
    classes.push({ [SSE_KEY]: [exact(own)], [SSE_KMS_KEY_ID_KEY]: [ABSENT] }); // no key id: S3 would use aws/s3
  }
  return classes;
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
  finding: 'The S3 bucket policy does not refuse uploads, or in-place encryption changes (UpdateObjectEncryption), that request another encryption mode or key; or, in KMS modes, another bucket replicates into it under another key.',
  fix: 'Add Deny statements on s3:PutObject for arn:...:bucket/* as SecureBucket does for the mode: deny a present x-amz-server-side-encryption header other than the mode\'s algorithm; in KMS modes also deny another key id and a missing key id; in SSE-C mode deny uploads without the SSE-C algorithm header. Deny s3:UpdateObjectEncryption the same way (in SSE-C mode, always). A replication rule of another bucket into a KMS-mode bucket needs Destination.EncryptionConfiguration.ReplicaKmsKeyID set to that bucket\'s key.',
  evaluate: bucketWithMode(({ resource: bucket, encryption: enc, mode }, index): RuleResult => {
    if (isKmsMode(mode)) {
      // Replicas are written by S3 Replication, which the upload denials do not govern: each must use the bucket's key.
      const problems = replicationsInto(bucket, index).map((r) => replicaKeyProblem(r, enc.kmsKeyId, index)).filter((p) => p !== undefined);
      const definite = problems.filter((p) => p.definite).map((p) => p.reason);
      if (definite.length > 0) return nonCompliant(`${modeLabel(mode)} mode: ${definite.join('; ')}`);
      if (problems.length > 0) return cannotResolve(`${modeLabel(mode)} mode: not proven that replicas use the bucket's key (${problems.map((p) => p.reason).join('; ')})`);
    }
    if (logBucketRole(bucket, index) !== LogBucketRole.NONE) {
      return notApplicable('log bucket: written only by an AWS service with the bucket\'s default encryption');
    }
    const { statements, unresolved } = index.denyStatementsOf(bucket);
    const arns = index.bucketArns(bucket);
    const missing: string[] = [];
    const reasons = new Set<string>();
    const gaps = new Set<string>();
    // An AWS managed bucket key leaves none to pin uploads to (S3KmsCustomerManagedKey reports it).
    const keyRef = resolveKey(enc.kmsKeyId, index);
    const row = modeRow(mode);
    if (keyRef.alias !== undefined && row.usesKms) {
      // Uploads without a key id go to whatever the alias names for the requester, and no key id is "the bucket's".
      return nonCompliant(`${modeLabel(mode)} mode: the default key is ${keyRef.alias}, so no policy can pin uploads to the bucket's key (${ALIAS_IS_NOT_A_KEY})`);
    }
    const ownKeys = keyRef.awsManaged ? [] : ownKeyForms(enc.kmsKeyId, index);
    const uploads = mustDeny(row, ownKeys);
    // s3:UpdateObjectEncryption (S3, January 2026) changes the encryption of stored objects in place:
    // the same classes as uploads, but for SSE-C mode every such change (its targets are SSE-S3 and SSE-KMS).
    const updates = row.uploads.customerAlgorithm !== undefined ? [{}] : uploads;
    const classes = [
      ...uploads.map((keys) => ({ action: 's3:PutObject', keys, what: describeUpload(keys) })),
      ...updates.map((keys) => ({ action: 's3:UpdateObjectEncryption', keys, what: describeUpdate(keys) })),
    ];
    for (const { action, keys, what } of classes) {
      const proof = proveDenied(statements, { description: what, action, target: 'objects', keys }, arns);
      if (!proof.proven) {
        missing.push(what);
        proof.reasons.forEach((r) => reasons.add(r));
        proof.gaps.forEach((g) => gaps.add(g));
      }
    }
    if (missing.length === 0) return compliant();
    const what = `${modeLabel(mode)} mode: not proven that the bucket policy denies ${missing.join('; ')}`;
    if (unresolved) return cannotResolve(`${unresolved}; ${what}`);
    if (reasons.size > 0) return cannotResolve(`${what} (${[...reasons, ...gaps].join('; ')})`);
    const gapText = gaps.size > 0 ? ` (${[...gaps].join('; ')})` : '';
    return nonCompliant(`${statements.length === 0 ? 'no bucket policy denies anything' : 'the bucket policy does not deny'}: ${missing.join('; ')} (${modeLabel(mode)} mode)${gapText}`);
  }),
};
