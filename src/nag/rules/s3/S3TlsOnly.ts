import { SECURE_TRANSPORT_KEY, Verdict, coversAllS3Actions, coversResource, conditionsHold } from '../../engine/policy-statements';
import { EncryptionRule, RuleResult, cannotResolve, compliant, nonCompliant, notApplicable } from '../../engine/rule';

/** The bucket policy denies every S3 action on the bucket and its objects over plain HTTP. */
export const S3TlsOnly: EncryptionRule = {
  name: 'S3TlsOnly',
  finding: 'The S3 bucket policy does not deny requests that are not sent over TLS.',
  fix: 'Add a Deny of s3:* for principal * on the bucket ARN and arn/* with Condition Bool aws:SecureTransport false (s3.Bucket enforceSSL: true).',
  evaluate(bucket, index): RuleResult {
    if (bucket.type !== 'AWS::S3::Bucket') return notApplicable();
    if (bucket.unresolvable) return cannotResolve(bucket.unresolvable);
    const { statements, unresolved } = index.denyStatementsOf(bucket);
    const arns = index.bucketArns(bucket);
    const objects = arns.map((a) => `${a}/probe-object`);
    let unknownDetail: string | undefined;
    for (const st of statements) {
      if (st.unresolved) {
        unknownDetail = unknownDetail ?? `statement ${st.sid}: ${st.unresolved}`;
        continue;
      }
      if (!coversAllS3Actions(st) || !coversResource(st, arns) || !coversResource(st, objects)) continue;
      const plain = conditionsHold(st, { [SECURE_TRANSPORT_KEY]: 'false' });
      const tls = conditionsHold(st, { [SECURE_TRANSPORT_KEY]: 'true' });
      if (plain === Verdict.DENIES && tls === Verdict.DOES_NOT_DENY) return compliant();
    }
    if (unknownDetail) return cannotResolve(unknownDetail);
    if (unresolved) return cannotResolve(unresolved);
    return nonCompliant(statements.length === 0 ? 'the bucket has no policy denying anything'
      : 'no Deny statement for s3:* on the bucket and its objects with Bool aws:SecureTransport false');
  },
};
