import { Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { EncryptionMode } from './encryption-mode';
import type { SecureBucket } from './secure-bucket';
import { DataEvents } from '../audit/data-events';
import { expectedBucketEncryption } from '../encryption-modes/expected-bucket-encryption';
import { modeRow } from '../encryption-modes/mode-lookup';
import { runRule } from '../nag/engine/evaluate';
import { toEnginePolicy } from '../nag/engine/policy';
import { RuleStatus, ruleId } from '../nag/engine/rule';
import { ALL_RULES } from '../nag/rules';
import { CheckContext, Problem, cfnBucketOf, cfnKeyOf, checkBucketInvariants, checkFinalTemplate, checkKey } from '../private/final-template-check';
import { foreignPolicyProblems } from '../private/foreign-bucket-policies';
import { baselineExpectations } from '../private/secure-baseline';

/** What a SecureBucket set at construction and its final template must keep. */
export interface SecureBucketExpectations {
  readonly mode: EncryptionMode;
  /** Whether SecureBucket created the KMS key (then it also owns its rotation period, retention and key policy). */
  readonly createdKey: boolean;
  /** The bucket-policy statements it added (TLS and enforcement), in `toStatementJson()` form. */
  readonly requiredStatements: unknown[];
  /** The key-policy statements of the key it created. */
  readonly keyStatements: unknown[];
  /** The S3 Metadata configuration it wrote (L1 form), if any. */
  readonly metadataConfiguration?: s3.CfnBucket.MetadataConfigurationProperty;
}

/**
 * Registers the synth-time check of a SecureBucket's final template: the
 * construct's own invariants on its L1s (encryption, public access block,
 * ownership, access logging, its bucket-policy statements, the key's
 * rotation and policy), then every rule of the S3Encryption compliance pack
 * (the same engine as `S3EncryptionChecks` and `cdk-secure-bucket check`)
 * with the bucket's own mode as the only allowed one.
 */
export function checkSecureBucketTemplate(bucket: SecureBucket, e: SecureBucketExpectations): void {
  const cfnKey = bucket.encryptionKey ? cfnKeyOf(bucket.encryptionKey) : undefined;
  // Captured now: an L1 swapped in later is still checked (it renders what is deployed).
  const rotationPeriodInDays = e.createdKey && cfnKey ? Stack.of(cfnKey).resolve(cfnKey.rotationPeriodInDays) as number : undefined;
  const policy = toEnginePolicy({ allowedModes: [e.mode.kind] });
  const baseline = baselineExpectations(bucket);

  checkFinalTemplate(bucket, (ctx) => {
    const problems: Problem[] = [];
    const { problems: invariants, resource } = checkBucketInvariants(ctx, bucket, {
      properties: {
        BucketEncryption: expectedBucketEncryption(modeRow(e.mode.kind), bucket.encryptionKey?.keyArn),
        ...baseline.properties,
        // Only when SecureBucket wrote it: without the option, one set on the L1 is the user's own.
        ...(e.metadataConfiguration ? { MetadataConfiguration: metadataConfigurationJson(e.metadataConfiguration) } : {}),
      },
      subset: baseline.subset,
      requiredStatements: e.requiredStatements,
      policy,
    });
    problems.push(...invariants);

    if (cfnKey) {
      problems.push(...checkKey(ctx, {
        key: bucket.encryptionKey!,
        cfnKey,
        prop: e.createdKey ? 'encryption key' : 'mode.encryptionKey',
        rotationPeriodInDays,
        retained: e.createdKey,
        requiredStatements: e.keyStatements,
      }));
    }
    problems.push(...logTargetProblems(ctx, bucket));
    problems.push(...foreignPolicyProblems(ctx, bucket));
    if (resource === undefined) return problems;

    // The compliance pack's rules, on the same resolved template.
    const keyInThisStack = cfnKey !== undefined && Stack.of(cfnKey) === Stack.of(bucket);
    const trail = bucket.auditTrail;
    const dataEventsRecordedHere = (e.mode.kmsOptions?.dataEvents ?? DataEvents.ALL) !== DataEvents.NONE
      && trail !== undefined && Stack.of(trail) === Stack.of(bucket);
    for (const rule of ALL_RULES) {
      const r = runRule(rule, resource.view, resource.index);
      if (r.status === RuleStatus.COMPLIANT || r.status === RuleStatus.NOT_APPLICABLE) continue;
      // Acknowledged by construction, each checked another way: a key outside this stack
      // (rotation checked on its L1 above, or the imported-key warning), data events turned
      // off (DataEvents.NONE) or recorded by a trail of another stack.
      if (r.status === RuleStatus.UNKNOWN && !keyInThisStack
        && (rule.name === 'S3KmsCustomerManagedKey' || rule.name === 'S3KmsKeyRotation')) continue;
      if (rule.name === 'S3KmsDataEventsTrail' && !dataEventsRecordedHere) continue;
      // Template features (Transforms, modules, ...) are the pack's and `check`'s to report: they
      // are about the whole stack, not about what this construct built.
      if (rule.name === 'S3TemplateUnderstood') continue;
      // A cross-stack reference (a key of another stack in the policy) is a value the engine
      // cannot follow; the invariants above compared those statements with what was built.
      if (r.status === RuleStatus.UNKNOWN && /Fn::ImportValue/.test(r.message) && invariants.length === 0) continue;
      problems.push({
        prop: ruleId(rule),
        problem: `the final template fails the compliance rule: ${r.message}`,
        fix: `${rule.fix} SecureBucket configures this itself: remove the escape hatch or Aspect that undoes it`,
      });
    }
    return problems;
  });
}

/** S3 delivers server access logs only to SSE-S3 buckets: the destination's final template must say AES256. */
function logTargetProblems(ctx: CheckContext, bucket: SecureBucket): Problem[] {
  const target = bucket.serverAccessLogsBucket;
  const cfn = cfnBucketOf(target as s3.IBucket);
  if (cfn === undefined) return [];
  const found = ctx.resourceOf(cfn);
  if (found === undefined) return [];
  const rules = (found.raw.Properties?.BucketEncryption?.ServerSideEncryptionConfiguration ?? []) as any[];
  const algorithm = rules[0]?.ServerSideEncryptionByDefault?.SSEAlgorithm;
  if (rules.length === 1 && algorithm === 'AES256') return [];
  return [{
    prop: 'serverAccessLogsBucket',
    problem: `the access-log destination ${target.node.path} has ${algorithm === undefined ? 'no SSE-S3 default encryption' : `default encryption ${algorithm}`} in the final template, `
      + 'but S3 server access log delivery only writes to SSE-S3 buckets, so the logs would silently stop',
    fix: 'give the destination SSE-S3 (AES256) default encryption, or omit serverAccessLogsBucket to use the stack\'s AccessLogsBucket',
  }];
}

/**
 * The S3 Metadata configuration in CloudFormation form, as the L1 renders it:
 * each property of `MetadataConfiguration` is its L1 name capitalized.
 */
function metadataConfigurationJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(metadataConfigurationJson);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.charAt(0).toUpperCase() + k.slice(1), metadataConfigurationJson(v)]));
}
