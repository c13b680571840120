import { s3Bucket } from '../../engine/encrypted-bucket';
import { RequestClass, Transport, proveDenied } from '../../engine/policy-statements';
import { EncryptionRule, RuleResult, cannotResolve, compliant, nonCompliant } from '../../engine/rule';

/** The transports a TLS-only bucket refuses: plain HTTP, and TLS older than 1.2. */
const REFUSED: ReadonlyArray<{ what: string; transports: Transport[] }> = [
  { what: 'plain HTTP', transports: [{ secure: false }] },
  { what: 'TLS older than 1.2', transports: [{ secure: true, tlsVersion: '1.0' }, { secure: true, tlsVersion: '1.1' }] },
];

/**
 * The bucket policy denies every S3 action on the bucket and on every object
 * over plain HTTP and over TLS older than 1.2, for every principal and
 * network origin.
 */
export const S3TlsOnly: EncryptionRule = {
  name: 'S3TlsOnly',
  finding: 'The S3 bucket policy does not deny requests that are not sent over TLS 1.2 or later.',
  fix: 'Add Deny statements of s3:* for principal * on the bucket ARN and arn/* with Condition Bool aws:SecureTransport false, and NumericLessThan s3:TlsVersion 1.2 (s3.Bucket enforceSSL: true, minimumTLSVersion: 1.2), with no other condition.',
  evaluate: s3Bucket(({ resource: bucket }, index): RuleResult => {
    const { statements, unresolved } = index.denyStatementsOf(bucket);
    const arns = index.bucketArns(bucket);
    const missing: string[] = [];
    const reasons = new Set<string>();
    const gaps = new Set<string>();
    for (const { what, transports } of REFUSED) {
      for (const target of ['bucket', 'objects'] as const) {
        const cls: RequestClass = { description: what, target, keys: {}, transports };
        const proof = proveDenied(statements, cls, arns);
        if (!proof.proven) {
          missing.push(`${what} on ${target === 'bucket' ? 'the bucket' : 'every object'}`);
          proof.reasons.forEach((r) => reasons.add(r));
          proof.gaps.forEach((g) => gaps.add(g));
        }
      }
    }
    if (missing.length === 0) return compliant();
    const what = `not proven that the bucket policy denies every S3 action over ${missing.join(', ')}`;
    if (unresolved) return cannotResolve(`${unresolved}; ${what}`);
    if (reasons.size > 0) return cannotResolve(`${what} (${[...reasons, ...gaps].join('; ')})`);
    const gapText = gaps.size > 0 ? ` (${[...gaps].join('; ')})` : '';
    return nonCompliant(statements.length === 0 ? 'the bucket has no policy denying anything'
      : `no Deny statement of s3:* for every principal denies ${missing.join(', ')}${gapText}`);
  }),
};
