import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { TrailSettings } from './trail-settings';
import { EncryptionModeKind } from '../encryption-modes/encryption-mode-kind';
import { ESCAPE_HATCH_FIX, Problem, checkFinalTemplate, checkKey } from '../private/final-template-check';
import { guardHelperBucket } from '../private/helper-bucket-check';

/** What an audit trail built and its final template must keep. */
export interface TrailExpectations {
  readonly cfnTrail: cloudtrail.CfnTrail;
  readonly encryptionKey: kms.Key;
  readonly logBucket: s3.Bucket;
  readonly settings: TrailSettings;
  /** Whether the user created the trail (its problems are reported before those of helpers). */
  readonly primary: boolean;
}

/**
 * Registers the synth-time checks of an audit trail (call it at the end of its constructor):
 * its log bucket as a helper bucket (SSE-KMS with the trail key and a Bucket Key, the secure
 * baseline, its policy statements), its key (rotation, period, retention, key policy) and the
 * trail's L1 (logging on, log-file validation, its key and log bucket).
 */
export function checkTrailTemplate(trail: IConstruct, e: TrailExpectations): void {
  guardHelperBucket(e.logBucket, { mode: EncryptionModeKind.SSE_KMS });
  const stack = Stack.of(trail);
  const cfnKey = e.encryptionKey.node.defaultChild as kms.CfnKey;
  const keyStatements = (cfnKey.keyPolicy as iam.PolicyDocument).toJSON()?.Statement ?? [];
  const rotationPeriod = e.settings.rotationPeriod;
  checkFinalTemplate(trail, (ctx) => [
    ...checkKey(ctx, {
      key: e.encryptionKey,
      cfnKey,
      prop: 'encryptionKey',
      rotationPeriodInDays: rotationPeriod.isUnresolved() ? undefined : rotationPeriod.toDays(),
      retained: e.settings.removalPolicy === RemovalPolicy.RETAIN,
      requiredStatements: keyStatements,
    }),
    ...trailProblems(stack, ctx.resourceOf(e.cfnTrail)?.raw, trail.node.path, e.encryptionKey, e.logBucket),
  ], e.primary);
}

/** What the trail's L1 must keep: logging on, log-file validation, its KMS key and log bucket. */
function trailProblems(
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
