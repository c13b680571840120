import * as s3 from 'aws-cdk-lib/aws-s3';
import { ESCAPE_HATCH_FIX, checkBucketInvariants, checkFinalTemplate } from './final-template-check';
import { baselineExpectations } from './secure-baseline';
import { EncryptionModeKind } from '../encryption-modes/encryption-mode-kind';
import { expectedBucketEncryption } from '../encryption-modes/expected-bucket-encryption';
import { modeRow } from '../encryption-modes/mode-lookup';
import { runRule } from '../nag/engine/evaluate';
import { RuleStatus, ruleId } from '../nag/engine/rule';
import { s3 as rules } from '../nag/rules';

/** What a helper bucket of this library (access-log, trail log and inventory buckets) set and must keep. */
export interface HelperBucketExpectations {
  /** The encryption mode it is built in (its default encryption is the mode table's, with the bucket's own KMS key). */
  readonly mode: EncryptionModeKind;
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
        BucketEncryption: expectedBucketEncryption(modeRow(e.mode), bucket.encryptionKey?.keyArn),
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
