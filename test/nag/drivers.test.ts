import { Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { cliFindings, newApp, packFindings } from './helpers';
import { ExampleStack } from '../../examples/app';
import { DataEvents, EncryptionAuditTrail, EncryptionMode, EncryptionModeKind, SecureBucket } from '../../src';
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
