import { RemovalPolicy } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { assertEncryptionModeKind } from './assert-mode-kind';
import { aliasOf } from './key-alias';
import { keyRotationPeriodProblem } from './key-rotation-period';
import type { SecureBucketProps } from './secure-bucket';
import { replicationProblems } from './validate-replication-rules';
import { DataEvents } from '../audit/data-events';
import { listWords, modeRow, modeRows } from '../encryption-modes/mode-lookup';
import { SecureBucketConfigError } from '../private/errors';

/**
 * Checks the props that must be right before the bucket exists. All problems
 * are collected and reported together.
 */
export function validateBeforeCreate(scope: Construct, id: string, props: SecureBucketProps): void {
  // The bucket does not exist yet: the errors name the path it would have.
  const at = { node: { path: scope.node.path ? `${scope.node.path}/${id}` : id } } as Construct;
  const mode = props.mode;
  const problems: SecureBucketConfigError[] = [];
  if (mode === undefined || mode === null) {
    throw new SecureBucketConfigError(at, 'mode', 'is required', `pass mode: EncryptionMode.${listWords(modeRows().map((r) => `${r.factory}()`))}`);
  }
  assertEncryptionModeKind(mode.kind, at, 'mode.kind');
  const o = mode.kmsOptions;
  if (!mode.usesKms && o !== undefined) {
    const given = Object.entries(o).filter(([, v]) => v !== undefined).map(([k]) => k);
    if (given.length > 0) {
      const kmsFactories = modeRows((r) => r.usesKms).map((r) => `EncryptionMode.${r.factory}({...})`);
      problems.push(new SecureBucketConfigError(at, `mode.${given[0]}`,
        `${mode.kind} ${modeRow(mode.kind).keySource} and takes no KMS options (got ${given.join(', ')})`,
        `use ${listWords(kmsFactories)} to encrypt with a KMS key, or drop the options`));
    }
  }
  const rotation = keyRotationPeriodProblem(at, o);
  if (rotation !== undefined) problems.push(rotation);
  const alias = o?.encryptionKey !== undefined ? aliasOf(o.encryptionKey) : undefined;
  if (alias !== undefined) {
    problems.push(new SecureBucketConfigError(at, 'mode.encryptionKey',
      `${alias} is a KMS alias, not a key: the bucket's KMSMasterKeyID and its deny-other-keys statement would name the alias, `
      + 'so anyone allowed kms:UpdateAlias could redirect new writes to another key, and clients that send the key ARN would be refused',
      'pass the key itself: alias.aliasTargetKey for a kms.Alias of this app, or kms.Key.fromKeyArn(this, id, keyArn) with the key ARN'));
  }
  const logs = props.serverAccessLogsBucket;
  if (logs !== undefined && logs.encryptionKey !== undefined) {
    problems.push(new SecureBucketConfigError(at, 'serverAccessLogsBucket',
      `${logs.node.path} is encrypted with the KMS key ${logs.encryptionKey.node.path}, but S3 server access log delivery only writes to SSE-S3 buckets, so the logs would silently stop`,
      'omit serverAccessLogsBucket to use the stack\'s AccessLogsBucket, or pass a bucket with SSE-S3 (s3.BucketEncryption.S3_MANAGED) default encryption'));
  }
  problems.push(...replicationProblems(scope, at, props));
  if (o?.dataEvents !== undefined && !Object.values(DataEvents).includes(o.dataEvents)) {
    problems.push(new SecureBucketConfigError(at, 'mode.dataEvents', `unknown value '${o.dataEvents}'`,
      'use DataEvents.ALL, DataEvents.WRITE_ONLY or DataEvents.NONE'));
  }
  if (props.autoDeleteObjects && props.removalPolicy !== RemovalPolicy.DESTROY) {
    problems.push(new SecureBucketConfigError(at, 'autoDeleteObjects',
      'empties the bucket on deletion, but the bucket is retained (removalPolicy is not DESTROY), so the objects would be deleted and the bucket kept',
      'set removalPolicy: RemovalPolicy.DESTROY as well, or drop autoDeleteObjects'));
  }
  if (props.versioned === false && (props.objectLockEnabled || props.objectLockDefaultRetention)) {
    problems.push(new SecureBucketConfigError(at, 'versioned',
      'is false, but S3 Object Lock requires versioning',
      'drop versioned: false (it defaults to true)'));
  }
  if (problems.length === 1) {
    throw problems[0];
  }
  if (problems.length > 1) {
    throw new SecureBucketConfigError(at, problems.map((p) => p.prop).join(', '),
      `${problems.length} problems:\n  - ${problems.map((p) => p.message).join('\n  - ')}`,
      'see each problem above');
  }
}
