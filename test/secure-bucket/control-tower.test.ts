import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
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

describe('AWS Control Tower proactive controls on one SecureBucket per mode, with drift alerts', () => {
  let failures: string[];

  beforeAll(() => {
    const app = new App();
    const stack = new Stack(app, 'S');
    for (const [id, mode] of MODES) {
      new SecureBucket(stack, id, { mode: mode(), alertOnDrift: true });
    }
    failures = controlTowerFailures(app).map(key).sort();
  }, 180_000);

  test('the failures left', () => {
    expect(failures).toEqual([
      ...['S/SecureBucketAccessLogs', 'S/SecureBucketInventory', 'S/SseC', 'S/SseS3'].map((p) => `CT.S3.PR.10 ${p}`),
      'CT.S3.PR.2 S/SecureBucketAccessLogs',
      ...['S/DsseKms', 'S/SseC', 'S/SseKms', 'S/SseS3'].map((p) => `CT.S3.PR.3 ${p}`),
      ...['S/DsseKms', 'S/SseC', 'S/SseKms', 'S/SseS3'].map((p) => `CT.S3.PR.6 ${p}`),
      ...['S/DsseKms', 'S/SecureBucketAccessLogs', 'S/SecureBucketAuditTrail/LogBucket', 'S/SecureBucketInventory', 'S/SseC', 'S/SseKms', 'S/SseS3'].map((p) => `CT.S3.PR.9 ${p}`),
    ].sort());
  });
});
