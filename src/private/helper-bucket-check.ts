import { Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ESCAPE_HATCH_FIX, Problem, checkBucketInvariants, checkFinalTemplate } from './final-template-check';
import { baselineExpectations } from './secure-baseline';
import { runRule } from '../nag/engine/evaluate';
import { RuleStatus, ruleId } from '../nag/engine/rule';
import { s3 as rules } from '../nag/rules';

/** What a helper bucket of this library (access-log bucket, trail log bucket) set and must keep. */
export interface HelperBucketExpectations {
  /** `ServerSideEncryptionByDefault` (tokens allowed). */
  readonly encryption: Record<string, unknown>;
  /** Whether the default encryption rule has BucketKeyEnabled. */
  readonly bucketKey?: boolean;
}

/**
 * The compliance rules that hold for a helper bucket whatever role the
 * template gives it (a log bucket needs no enforcement policy nor data events).
 */
const HELPER_RULES = [rules.S3DefaultEncryptionMode, rules.S3KmsCustomerManagedKey, rules.S3KmsBucketKeyEnabled,
  rules.S3KmsKeyRotation, rules.S3SseCBlocked, rules.S3TlsOnly];

/**
 * Registers the synth-time check of a helper bucket: its encryption, the
 * secure baseline (public access block, ownership, logging) and the
 * bucket-policy statements present at this point (call it at the end of the
 * constructor), then the compliance rules that apply to a log bucket, on the
 * final template.
 */
export function guardHelperBucket(bucket: s3.Bucket, e: HelperBucketExpectations): void {
  const requiredStatements = bucket.policy?.document.toJSON()?.Statement ?? [];
  const baseline = baselineExpectations(bucket);
  checkFinalTemplate(bucket, (ctx) => {
    const { problems, resource } = checkBucketInvariants(ctx, bucket, {
      properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{
            ServerSideEncryptionByDefault: e.encryption,
            BucketKeyEnabled: e.bucketKey,
            BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
          }],
        },
        ...baseline.properties,
      },
      subset: baseline.subset,
      requiredStatements,
    });
    if (resource === undefined) return problems;
    for (const rule of HELPER_RULES) {
      const r = runRule(rule, resource.view, resource.index);
      if (r.status === RuleStatus.COMPLIANT || r.status === RuleStatus.NOT_APPLICABLE) continue;
      problems.push({ prop: ruleId(rule), problem: `the final template fails the compliance rule: ${r.message}`, fix: ESCAPE_HATCH_FIX });
    }
    return problems;
  }, false);
}

/** What the trail's L1 must keep: logging on, log-file validation, its KMS key and log bucket. */
export function trailProblems(
  stack: Stack, raw: Record<string, any> | undefined, trailPath: string, key: kms.IKey, logBucket: s3.IBucket,
): Problem[] {
  if (raw === undefined) return [];
  const props = (raw.Properties ?? {}) as Record<string, unknown>;
  const want: Record<string, unknown> = {
    IsLogging: true,
    EnableLogFileValidation: true,
    KMSKeyId: stack.resolve(key.keyArn),
    S3BucketName: stack.resolve(logBucket.bucketName),
  };
  return Object.entries(want)
    .filter(([k, v]) => JSON.stringify(props[k]) !== JSON.stringify(v))
    .map(([k, v]) => ({
      prop: k,
      problem: `the final template has ${props[k] === undefined ? 'no' : JSON.stringify(props[k]) + ' as the'} ${k} of the trail ${trailPath}, but it must be ${JSON.stringify(v)}`,
      fix: ESCAPE_HATCH_FIX,
    }));
}
