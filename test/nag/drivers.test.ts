import { CfnStack, NestedStack, Stack, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3express from 'aws-cdk-lib/aws-s3express';
import * as s3tables from 'aws-cdk-lib/aws-s3tables';
import { cliFindings, newApp, packFindings } from './helpers';
import { ExampleStack } from '../../examples/app';
import { DataEvents, EncryptionAuditTrail, EncryptionMode, EncryptionModeKind, S3EncryptionChecks, SecureBucket } from '../../src';
import { ALL_RULES } from '../../src/nag/rules';
import { S3DefaultEncryptionMode } from '../../src/nag/rules/s3';
import { enforcementStatements } from '../../src/secure-bucket/enforcement-statements';

const MODES: Array<[EncryptionModeKind, () => EncryptionMode, string]> = [
  [EncryptionModeKind.SSE_S3, () => EncryptionMode.sseS3(), 'SSE-S3'],
  [EncryptionModeKind.SSE_KMS, () => EncryptionMode.sseKms(), 'SSE-KMS'],
  [EncryptionModeKind.DSSE_KMS, () => EncryptionMode.dsseKms(), 'DSSE-KMS'],
  [EncryptionModeKind.SSE_C, () => EncryptionMode.sseC(), 'SSE-C'],
];

describe.each(MODES)('a %s SecureBucket, policy allowing only that mode', (kind, mode, flag) => {
  test('passes the pack with no acknowledgement', () => {
    const app = newApp();
    new SecureBucket(new Stack(app, 'S'), 'B', { mode: mode() });
    expect(packFindings(app, { allowedModes: [kind] })).toEqual([]);
  });

  test('passes the command', async () => {
    const app = newApp();
    new SecureBucket(new Stack(app, 'S'), 'B', { mode: mode() });
    const dir = app.synth().directory;
    expect(await cliFindings(['check', dir, '--allowed-modes', flag])).toEqual([]);
  });
});

test('the example app passes both drivers', async () => {
  const app = newApp();
  new ExampleStack(app, 'SecureBucketExample');
  expect(packFindings(app)).toEqual([]);
  expect(await cliFindings(['check', app.synth().directory])).toEqual([]);
});

/** A plain SSE-S3 bucket without a policy, a KMS bucket with a non-rotating key, a KMS bucket outside every trail. */
function weakApp() {
  const app = newApp();
  const stack = new Stack(app, 'Weak');
  new s3.Bucket(stack, 'Plain', { encryption: s3.BucketEncryption.S3_MANAGED });
  // Built like an SSE-KMS SecureBucket, but with a key that does not rotate (a SecureBucket whose
  // key's rotation is turned off through its L1 fails synthesis: test/secure-bucket/escape-hatches.test.ts).
  const key = new kms.Key(stack, 'NonRotatingKey', { enableKeyRotation: false });
  const nonRotating = new s3.Bucket(stack, 'NonRotating', {
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: key,
    bucketKeyEnabled: true,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C],
  });
  enforcementStatements(EncryptionModeKind.SSE_KMS, { objectsArn: nonRotating.arnForObjects('*'), keyArn: key.keyArn })
    .forEach((st) => nonRotating.addToResourcePolicy(st));
  EncryptionAuditTrail.of(stack).recordDataEvents(nonRotating, DataEvents.ALL);
  new SecureBucket(stack, 'Untrailed', { mode: EncryptionMode.sseKms({ dataEvents: DataEvents.NONE }) });
  const id = (path: string) => stack.getLogicalId(stack.node.findChild(path).node.defaultChild as s3.CfnBucket);
  const expected = [
    `S3Encryption-S3EncryptionEnforcementPolicy @ ${id('Plain')}`,
    `S3Encryption-S3KmsDataEventsTrail @ ${id('Untrailed')}`,
    `S3Encryption-S3KmsKeyRotation @ ${id('NonRotating')}`,
    `S3Encryption-S3SseCBlocked @ ${id('Plain')}`,
    `S3Encryption-S3TlsOnly @ ${id('Plain')}`,
  ].sort();
  return { app, expected };
}

test('the weak app fails the pack with exactly the expected findings', () => {
  const { app, expected } = weakApp();
  expect(packFindings(app)).toEqual(expected);
});

test('the weak app fails the command with exactly the same findings, exit 1', async () => {
  const { app, expected } = weakApp();
  const dir = app.synth().directory;
  expect(await cliFindings(['check', dir])).toEqual(expected);
});

describe('nested stacks and every bucket type, through both drivers', () => {
  test('a bare CfnBucket in a NestedStack (and one nested deeper) fails both drivers alike', async () => {
    const app = newApp();
    const child = new NestedStack(new Stack(app, 'Parent'), 'Child');
    new s3.CfnBucket(child, 'Bare');
    new s3.CfnBucket(new NestedStack(child, 'Grand'), 'Bare2');
    const expected = [
      'S3Encryption-S3DefaultEncryptionMode @ Bare',
      'S3Encryption-S3DefaultEncryptionMode @ Bare2',
      'S3Encryption-S3TlsOnly @ Bare',
      'S3Encryption-S3TlsOnly @ Bare2',
    ];
    expect(packFindings(app)).toEqual(expected);
    expect(await cliFindings(['check', app.synth().directory])).toEqual(expected);
  });

  test('a CfnStack whose template is not in the app fails both drivers [Unresolved]; a NestedStack does not', async () => {
    const app = newApp();
    const parent = new Stack(app, 'Parent');
    new CfnStack(parent, 'External', { templateUrl: 'https://s3.amazonaws.com/example-templates/child.template.json' });
    new SecureBucket(new NestedStack(parent, 'Child'), 'B', { mode: EncryptionMode.sseS3() });
    const expected = ['S3Encryption-S3NestedStackTemplate[Unresolved] @ External'];
    expect(packFindings(app)).toEqual(expected);
    expect(await cliFindings(['check', app.synth().directory])).toEqual(expected);
  });

  test('directory and table buckets are reported by both drivers, never skipped', async () => {
    const app = newApp();
    const stack = new Stack(app, 'S');
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    new s3express.CfnDirectoryBucket(stack, 'DirKms', {
      dataRedundancy: 'SingleAvailabilityZone',
      locationName: 'use1-az4--x-s3',
      bucketEncryption: { serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: key.keyArn } }] },
    });
    new s3express.CfnDirectoryBucket(stack, 'DirNone', { dataRedundancy: 'SingleAvailabilityZone', locationName: 'use1-az4--x-s3' });
    new s3tables.CfnTableBucket(stack, 'Table', { tableBucketName: 'analytics' });
    const expected = [
      'S3Encryption-S3BucketTypeSupported @ DirKms',
      'S3Encryption-S3BucketTypeSupported @ DirNone',
      'S3Encryption-S3BucketTypeSupported @ Table',
      'S3Encryption-S3DirectoryBucketEncryption @ DirNone',
    ];
    expect(packFindings(app)).toEqual(expected);
    expect(await cliFindings(['check', app.synth().directory])).toEqual(expected);
    expect(packFindings(app, { allowedModes: [EncryptionModeKind.SSE_S3] })).toContain('S3Encryption-S3DirectoryBucketEncryption @ DirKms');
  });
});

describe('the pack\'s report', () => {
  /** Two buckets failing S3DefaultEncryptionMode for different reasons, a third for the same reason as the first. */
  function twoReasons() {
    const app = newApp();
    const stack = new Stack(app, 'S');
    new s3.CfnBucket(stack, 'NoEncryption');
    new SecureBucket(stack, 'SseC', { mode: EncryptionMode.sseC() });
    new s3.CfnBucket(stack, 'AlsoNoEncryption');
    return app;
  }
  const PROPS = { allowedModes: [EncryptionModeKind.SSE_KMS] };

  test('each violating resource is described by its own detail, with the fix, without verbose', () => {
    const app = twoReasons();
    const report = new S3EncryptionChecks(app, PROPS).validateScope(app);
    const rule = report.violations.filter((v) => v.ruleName === 'S3Encryption-S3DefaultEncryptionMode');
    const shown = rule.map((v) => [v.description, v.violatingResources.map((r) => r.constructPath)]);
    expect(shown).toEqual(expect.arrayContaining([
      ['The S3 bucket has no default encryption, or its mode is not allowed by the encryption policy. No default encryption is configured.',
        ['S/NoEncryption', 'S/AlsoNoEncryption']],
      ['The S3 bucket has no default encryption, or its mode is not allowed by the encryption policy. The bucket uses SSE-C; the policy allows SSE-KMS.',
        ['S/SseC/Resource']],
    ]));
    expect(shown).toHaveLength(2);
    for (const v of report.violations) expect(v.fix).toBe(ALL_RULES.find((r) => v.ruleName.startsWith(`S3Encryption-${r.name}`))!.fix);
  });

  test('the CDK validation report printed at synth shows each detail and "How to fix"', () => {
    const app = twoReasons();
    Validations.of(app).addPlugins(new S3EncryptionChecks(app, PROPS));
    const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const exitCode = process.exitCode;
    try {
      app.synth();
      const printed = spy.mock.calls.flat().join('\n');
      expect(printed).toContain('Description: The S3 bucket has no default encryption, or its mode is not allowed by the encryption policy. No default encryption is configured.');
      expect(printed).toContain('Description: The S3 bucket has no default encryption, or its mode is not allowed by the encryption policy. The bucket uses SSE-C; the policy allows SSE-KMS.');
      expect(printed).toContain(`How to fix: ${S3DefaultEncryptionMode.fix}`);
    } finally {
      process.exitCode = exitCode;
      spy.mockRestore();
    }
  });
});
