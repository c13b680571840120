/**
 * Synth time of a stack with N SecureBuckets (SSE-KMS) against the same buckets written by hand
 * with the plain L2s and the same settings (see handWrittenStack for what "the same" covers).
 * Each run builds a fresh App and Stack, constructs the buckets and calls app.synth().
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Lazy, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { EncryptionMode, SecureBucket } from '../src';
import { fmt, fmtRatio, fmtSummary, table } from './report';
import { maybeGc, nowMs, pairRatios, summarize, Summary } from './stats';

const ENV = { account: '111111111111', region: 'us-east-1' };

/** Stack with `n` SecureBuckets in SSE-KMS mode (defaults: shared access-log bucket and shared audit trail). */
export function secureBucketStack(stack: Stack, n: number): void {
  for (let i = 0; i < n; i++) {
    new SecureBucket(stack, `Bucket${i}`, { mode: EncryptionMode.sseKms() });
  }
}

function denyPut(sid: string, objectsArn: string, conditions: Record<string, Record<string, string>>): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid, effect: iam.Effect.DENY, principals: [new iam.AnyPrincipal()], actions: ['s3:PutObject'], resources: [objectsArn], conditions,
  });
}

function logDelivery(target: s3.Bucket, source: s3.IBucket, prefix: string): void {
  target.addToResourcePolicy(new iam.PolicyStatement({
    effect: iam.Effect.ALLOW,
    principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
    actions: ['s3:PutObject'],
    resources: [target.arnForObjects(`${prefix}*`)],
    conditions: {
      ArnLike: { 'aws:SourceArn': source.bucketArn },
      StringEquals: { 'aws:SourceAccount': Stack.of(source).account },
    },
  }));
}

/** A bucket an AWS service delivers into (access logs, inventory reports), written with the plain L2. */
function deliveryBucket(stack: Stack, id: string, ruleId: string, days: number, noncurrentDays: number): s3.Bucket {
  return new s3.Bucket(stack, id, {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C],
    versioned: true,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [{
      id: ruleId,
      expiration: Duration.days(days),
      noncurrentVersionExpiration: Duration.days(noncurrentDays),
      abortIncompleteMultipartUploadAfter: Duration.days(7),
    }],
  });
}

/** The daily encryption inventory of `source` into `target`, with the scoped delivery grant (as InventoryBucket writes it). */
function inventoryDelivery(target: s3.Bucket, source: s3.Bucket, prefix: string): void {
  target.addToResourcePolicy(new iam.PolicyStatement({
    effect: iam.Effect.ALLOW,
    principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
    actions: ['s3:PutObject'],
    resources: [target.arnForObjects(`${prefix}/*`)],
    conditions: {
      ArnLike: { 'aws:SourceArn': source.bucketArn },
      StringEquals: { 'aws:SourceAccount': Stack.of(source).account, 's3:x-amz-acl': 'bucket-owner-full-control' },
    },
  }));
  (source.node.defaultChild as s3.CfnBucket).inventoryConfigurations = [{
    id: 'EncryptionAudit',
    enabled: true,
    includedObjectVersions: 'Current',
    scheduleFrequency: 'Daily',
    optionalFields: ['Size', 'LastModifiedDate', 'StorageClass', 'EncryptionStatus', 'BucketKeyStatus'],
    destination: { bucketArn: target.bucketArn, bucketAccountId: Stack.of(target).account, format: 'CSV', prefix },
  }];
}

/**
 * The same resources written by hand with the plain L2s: per bucket an s3.Bucket (SSE-KMS with a
 * rotating retained key and a bucket key, versioning, BLOCK_ALL, enforceSSL, TLS 1.2, bucket-owner-
 * enforced, SSE-C blocked, the four Deny statements of enforcement-statements.ts, server access
 * logs into a shared log bucket with a scoped log-delivery grant, a daily encryption inventory into a
 * shared inventory bucket with a scoped delivery grant); once per stack the access-log bucket, the
 * inventory bucket and a CloudTrail trail (KMS key with the CloudTrail / CloudWatch Logs key policy, log
 * bucket with lifecycle and policy, log group, role, managed policy, CfnTrail with advanced event
 * selectors over every bucket). Without SecureBucket's validation and cdk-nag acknowledgements.
 */
export function handWrittenStack(stack: Stack, n: number): void {
  const accessLogs = deliveryBucket(stack, 'AccessLogs', 'ExpireAccessLogs', 365, 30);
  // The per-stack inventory destination, secured like the access-log bucket.
  const inventoryBucket = deliveryBucket(stack, 'InventoryBucket', 'ExpireInventoryReports', 90, 7);

  // Trail: key, log bucket, log group, role, policy, CfnTrail.
  const ct = new iam.ServicePrincipal('cloudtrail.amazonaws.com');
  const sourceArn = { ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudtrail', resource: 'trail', resourceName: '*' }) } };
  const anyTrail = `arn:${stack.partition}:cloudtrail:*:${stack.account}:trail/*`;
  const trailKey = new kms.Key(stack, 'TrailKey', {
    description: 'Encrypts the CloudTrail log files', enableKeyRotation: true, rotationPeriod: Duration.days(365), removalPolicy: RemovalPolicy.RETAIN,
  });
  trailKey.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AllowCloudTrailToEncryptLogs',
    principals: [ct],
    actions: ['kms:GenerateDataKey*'],
    resources: ['*'],
    conditions: { ...sourceArn, StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': anyTrail } },
  }));
  trailKey.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AllowCloudTrailToDescribeKey', principals: [ct], actions: ['kms:DescribeKey'], resources: ['*'], conditions: sourceArn,
  }));
  trailKey.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AllowPrincipalsInAccountToDecryptLogFiles',
    principals: [new iam.AccountRootPrincipal()],
    actions: ['kms:Decrypt'],
    resources: ['*'],
    conditions: { StringEquals: { 'kms:CallerAccount': stack.account }, StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': anyTrail } },
  }));
  const logGroupName = `/aws/cloudtrail/${Names.uniqueResourceName(trailKey, { maxLength: 256, separator: '-' })}`;
  trailKey.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AllowCloudWatchLogsToUseKeyForTrailLogGroup',
    principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    resources: ['*'],
    conditions: { ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:${logGroupName}` } },
  }));
  const trailBucket = new s3.Bucket(stack, 'TrailLogBucket', {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: true,
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: trailKey,
    bucketKeyEnabled: true,
    lifecycleRules: [{
      id: 'ExpireTrailLogFiles',
      expiration: Duration.days(365),
      noncurrentVersionExpiration: Duration.days(30),
      abortIncompleteMultipartUploadAfter: Duration.days(7),
    }],
    removalPolicy: RemovalPolicy.RETAIN,
    serverAccessLogsBucket: undefined,
  });
  const trailPrefix = `${trailBucket.node.path}/`;
  (trailBucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = { destinationBucketName: accessLogs.bucketName, logFilePrefix: trailPrefix };
  logDelivery(accessLogs, trailBucket, trailPrefix);
  trailBucket.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AWSCloudTrailAclCheck', principals: [ct], actions: ['s3:GetBucketAcl'], resources: [trailBucket.bucketArn], conditions: sourceArn,
  }));
  trailBucket.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AWSCloudTrailWrite',
    principals: [ct],
    actions: ['s3:PutObject'],
    resources: [trailBucket.arnForObjects(`AWSLogs/${stack.account}/*`)],
    conditions: { ...sourceArn, StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } },
  }));
  const logGroup = new logs.LogGroup(stack, 'TrailLogGroup', {
    logGroupName, encryptionKey: trailKey, retention: logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN,
  });
  const role = new iam.Role(stack, 'TrailCloudWatchLogsRole', { assumedBy: ct, description: 'Lets CloudTrail deliver to CloudWatch Logs' });
  const policy = new iam.ManagedPolicy(stack, 'TrailCloudWatchLogsPolicy', {
    roles: [role],
    statements: [new iam.PolicyStatement({
      sid: 'AWSCloudTrailCreateLogStreamAndPutLogEvents', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn],
    })],
  });

  const buckets: s3.Bucket[] = [];
  for (let i = 0; i < n; i++) {
    const b = new s3.Bucket(stack, `Bucket${i}`, {
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: s3.BucketEncryption.KMS,
      bucketKeyEnabled: true,
      blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C],
    });
    const key = b.encryptionKey as kms.Key;
    const cfnKey = key.node.defaultChild as kms.CfnKey;
    cfnKey.enableKeyRotation = true;
    cfnKey.rotationPeriodInDays = 365;
    cfnKey.description = `SSE-KMS key of ${b.node.path}`;
    key.applyRemovalPolicy(RemovalPolicy.RETAIN);
    const objects = b.arnForObjects('*');
    const sse = 's3:x-amz-server-side-encryption';
    const keyId = 's3:x-amz-server-side-encryption-aws-kms-key-id';
    b.addToResourcePolicy(denyPut('DenyOtherServerSideEncryption', objects, { Null: { [sse]: 'false' }, StringNotEquals: { [sse]: 'aws:kms' } }));
    b.addToResourcePolicy(denyPut('DenyOtherKmsKey', objects, { Null: { [keyId]: 'false' }, StringNotEquals: { [keyId]: key.keyArn } }));
    b.addToResourcePolicy(denyPut('DenyKmsWithoutKeyId', objects, { Null: { [sse]: 'false', [keyId]: 'true' } }));
    b.addToResourcePolicy(denyPut('DenySseC', objects, { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } }));
    const prefix = `${b.node.path}/`;
    (b.node.defaultChild as s3.CfnBucket).loggingConfiguration = { destinationBucketName: accessLogs.bucketName, logFilePrefix: prefix };
    logDelivery(accessLogs, b, prefix);
    inventoryDelivery(inventoryBucket, b, b.node.path);
    buckets.push(b);
  }

  const trail = new cloudtrail.CfnTrail(stack, 'Trail', {
    isLogging: true,
    enableLogFileValidation: true,
    includeGlobalServiceEvents: true,
    isMultiRegionTrail: false,
    kmsKeyId: trailKey.keyArn,
    s3BucketName: trailBucket.bucketName,
    cloudWatchLogsLogGroupArn: logGroup.logGroupArn,
    cloudWatchLogsRoleArn: role.roleArn,
    advancedEventSelectors: Lazy.any({
      produce: () => [
        { name: 'Management events', fieldSelectors: [{ field: 'eventCategory', equalTo: ['Management'] }] },
        {
          name: 'S3 data events',
          fieldSelectors: [
            { field: 'eventCategory', equalTo: ['Data'] },
            { field: 'resources.type', equalTo: ['AWS::S3::Object'] },
            { field: 'resources.ARN', startsWith: buckets.map((b) => `${b.bucketArn}/`) },
          ],
        },
      ],
    }),
  });
  trail.node.addDependency(trailBucket.policy!);
  trail.node.addDependency(policy);
}

/** Build and synthesize one stack; returns ms and the resource counts by type. */
function synthOnce(kind: 'secure' | 'hand', n: number): { ms: number; counts: Record<string, number> } {
  const outdir = mkdtempSync(join(tmpdir(), 'bench-synth-'));
  try {
    maybeGc();
    const t0 = nowMs();
    const app = new App({ outdir });
    const stack = new Stack(app, 'Bench', { env: ENV });
    if (kind === 'secure') {
      secureBucketStack(stack, n);
    } else {
      handWrittenStack(stack, n);
    }
    const assembly = app.synth();
    const ms = nowMs() - t0;
    const template = assembly.getStackByName('Bench').template as { Resources: Record<string, { Type: string }> };
    const counts: Record<string, number> = {};
    for (const r of Object.values(template.Resources)) {
      counts[r.Type] = (counts[r.Type] ?? 0) + 1;
    }
    return { ms, counts };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export interface SynthResult {
  readonly n: number;
  readonly secure: Summary;
  readonly hand: Summary;
  readonly ratio: Summary;
  readonly secureResources: number;
  readonly handResources: number;
  readonly countDiff: string;
}

export function runSynth(o: { quick: boolean }, log: (s: string) => void): SynthResult[] {
  const sizes = o.quick ? [1, 10] : [1, 10, 100];
  // More rounds where a run is short (and noisier).
  const roundsFor = (n: number) => (o.quick ? (n === 1 ? 5 : 3) : (n === 1 ? 15 : n === 10 ? 9 : 5));
  // Warm-up: load and JIT both paths.
  for (let w = 0; w < 2; w++) {
    synthOnce('secure', 10);
    synthOnce('hand', 10);
  }
  const out: SynthResult[] = [];
  for (const n of sizes) {
    const s: number[] = [];
    const h: number[] = [];
    let sc: Record<string, number> = {};
    let hc: Record<string, number> = {};
    for (let r = 0; r < roundsFor(n); r++) {
      // Interleaved, alternating which goes first.
      const first = r % 2 === 0 ? 'secure' : 'hand';
      for (const kind of [first, first === 'secure' ? 'hand' : 'secure'] as const) {
        const res = synthOnce(kind, n);
        (kind === 'secure' ? s : h).push(res.ms);
        if (kind === 'secure') {
          sc = res.counts;
        } else {
          hc = res.counts;
        }
      }
    }
    const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
    const types = [...new Set([...Object.keys(sc), ...Object.keys(hc)])].sort();
    const diff = types.filter((t) => (sc[t] ?? 0) !== (hc[t] ?? 0)).map((t) => `${t.replace('AWS::', '')} ${sc[t] ?? 0} vs ${hc[t] ?? 0}`);
    const result: SynthResult = {
      n,
      secure: summarize(s),
      hand: summarize(h),
      ratio: summarize(pairRatios(s, h)),
      secureResources: total(sc),
      handResources: total(hc),
      countDiff: diff.length === 0 ? 'same types and counts' : diff.join('; '),
    };
    out.push(result);
    log(`  synth n=${n}: SecureBucket ${fmt(result.secure.median)} ms, hand-written ${fmt(result.hand.median)} ms, ratio ${fmtRatio(result.ratio)}`);
  }
  return out;
}

export function synthMarkdown(results: readonly SynthResult[]): string {
  return table(
    ['buckets', 'SecureBucket ms median (min–max)', 'hand-written L2 ms median (min–max)', 'ratio (pairwise)', 'target ≤1.5x', 'resources (SecureBucket / hand)', 'resource-type differences'],
    results.map((r) => [
      String(r.n), fmtSummary(r.secure), fmtSummary(r.hand), fmtRatio(r.ratio), r.ratio.median <= 1.5 ? 'met' : 'MISSED',
      `${r.secureResources} / ${r.handResources}`, r.countDiff,
    ]),
  );
}
