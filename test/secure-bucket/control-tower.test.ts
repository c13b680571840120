import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, CfnResource, Duration, Stack } from 'aws-cdk-lib';
import { EncryptionMode, SecureBucket } from '../../src';

/**
 * The AWS Control Tower proactive controls (the cfn-guard rules bundled in
 * `@cdklabs/cdk-validator-cfnguard`), run once over one app with a SecureBucket
 * per mode and drift alerts. cfn-guard takes seconds per run on this machine:
 * every assertion shares the one evaluation.
 */

interface Failure { readonly control: string; readonly path: string }

const MODES: Array<[string, () => EncryptionMode]> = [
  ['SseS3', () => EncryptionMode.sseS3()],
  ['SseKms', () => EncryptionMode.sseKms()],
  ['DsseKms', () => EncryptionMode.dsseKms()],
  ['SseC', () => EncryptionMode.sseC()],
];

/** Every failure of the validator, as `<control id> <construct path of the resource>`. */
function controlTowerFailures(app: App, validator = new CfnGuardValidator()): Failure[] {
  const assembly = app.synth();
  const stacks = assembly.stacks;
  // `<template path> <logical id>` -> construct path of the L1, without its trailing `/Resource`.
  const paths = new Map<string, string>();
  for (const c of app.node.findAll()) {
    if (!CfnResource.isCfnResource(c)) continue;
    const stack = Stack.of(c);
    const template = stacks.find((s) => s.stackName === stack.stackName)!.templateFullPath;
    paths.set(`${template} ${stack.resolve(c.logicalId)}`, c.node.path.replace(/\/Resource$/, ''));
  }
  const report = validator.validate({ templatePaths: stacks.map((s) => s.templateFullPath) } as any);
  const failures: Failure[] = [];
  for (const v of report.violations) {
    const control = /\[(CT\.[A-Z0-9-]+\.PR\.\d+)\]/.exec(v.description)?.[1] ?? v.ruleName;
    for (const r of v.violatingResources) {
      failures.push({ control, path: paths.get(`${r.templatePath} ${r.resourceLogicalId}`) ?? `(no resource: ${r.resourceLogicalId})` });
    }
  }
  return failures;
}

const key = (f: Failure) => `${f.control} ${f.path}`;
const each = (control: string, paths: string[]) => paths.map((p) => `${control} ${p}`);
const DEFAULT_BUCKETS = MODES.map(([id]) => `S/${id}`);

/**
 * Failures left to the user: each goes away with a prop of the bucket (the
 * `OptedIn` bucket below shows it), or is the mode itself.
 */
const USERS_CHOICE = [
  // SSE-S3 and SSE-C encrypt without KMS: the mode the user picked.
  ...each('CT.S3.PR.10', ['S/SseC', 'S/SseS3']),
  // Lifecycle rules (`lifecycleRules`): how long data is kept is the user's call.
  ...each('CT.S3.PR.3', DEFAULT_BUCKETS),
  ...each('CT.S3.PR.6', DEFAULT_BUCKETS),
  // Object Lock (`objectLockEnabled`): cannot be turned off again once on, so never a default.
  ...each('CT.S3.PR.9', DEFAULT_BUCKETS),
];

/** Failures on the library's own resources that no design removes (docs/compliance.md says why). */
const CONFLICTS = [
  // S3 delivers server access logs only to SSE-S3 buckets, not into a bucket with Object Lock, and
  // the destination cannot log into itself or into another log bucket without a loop of logs.
  'CT.S3.PR.10 S/SecureBucketAccessLogs',
  'CT.S3.PR.2 S/SecureBucketAccessLogs',
  'CT.S3.PR.9 S/SecureBucketAccessLogs',
  // SSE-S3 by design (see InventoryBucket): the reports are read by Athena, the audit command and
  // S3 Batch Operations, none of which would need a key grant for SSE-S3.
  'CT.S3.PR.10 S/SecureBucketInventory',
];

describe('AWS Control Tower proactive controls on one SecureBucket per mode, with drift alerts', () => {
  let failures: string[];

  beforeAll(() => {
    const app = new App();
    const stack = new Stack(app, 'S');
    for (const [id, mode] of MODES) {
      new SecureBucket(stack, id, { mode: mode(), alertOnDrift: true });
    }
    // Every user's choice made: lifecycle rules, Object Lock, a KMS mode.
    new SecureBucket(stack, 'OptedIn', {
      mode: EncryptionMode.sseKms(),
      alertOnDrift: true,
      objectLockEnabled: true,
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(7) }],
    });
    failures = controlTowerFailures(app).map(key).sort();
  }, 300_000);

  test('every failure is a user\'s choice or a documented conflict (exact sets: a new or a vanished failure fails)', () => {
    expect(failures).toEqual([...USERS_CHOICE, ...CONFLICTS].sort());
  });

  test('no failure on what the library owns besides the documented conflicts: keys, trail, log group, roles, topic, rules, helper buckets', () => {
    const onLibraryResources = failures.filter((f) => !DEFAULT_BUCKETS.some((b) => f.endsWith(` ${b}`)));
    expect(onLibraryResources).toEqual([...CONFLICTS].sort());
  });

  test('a SecureBucket whose user made every choice fails no control', () => {
    expect(failures.filter((f) => f.includes(' S/OptedIn'))).toEqual([]);
  });
});
