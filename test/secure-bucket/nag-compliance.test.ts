import * as fs from 'fs';
import * as path from 'path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { buildExampleApp } from '../../examples/app';
import { EncryptionMode, S3EncryptionChecks, SecureBucket } from '../../src';

const PACKS = [AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks];
const NON_KMS_ALGORITHM = ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'].map((p) => `${p}-S3DefaultEncryptionKMS`);
const NO_REPLICATION = ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'].map((p) => `${p}-S3BucketReplicationEnabled`);

interface Finding { readonly rule: string; readonly path: string }

function findings(app: App): Finding[] {
  const out: Finding[] = [];
  for (const Pack of PACKS) {
    const report = new Pack(app).validateScope(app);
    for (const v of report.violations) {
      for (const r of v.violatingResources) {
        out.push({ rule: v.ruleName, path: (r as any).constructPath ?? (r as any).resourceLogicalId });
      }
    }
  }
  return out;
}

function acknowledgementsUnder(scope: IConstruct): Array<{ path: string; id: string; reason: string }> {
  const out: Array<{ path: string; id: string; reason: string }> = [];
  for (const c of scope.node.findAll()) {
    for (const m of c.node.metadata) {
      if (m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY) {
        for (const [id, reason] of Object.entries(m.data as Record<string, string>)) {
          out.push({ path: c.node.path, id, reason });
        }
      }
    }
  }
  return out;
}

const CASES: Array<[string, () => EncryptionMode, string[]]> = [
  ['SSE-S3', () => EncryptionMode.sseS3(), [...NO_REPLICATION, ...NON_KMS_ALGORITHM]],
  ['SSE-KMS', () => EncryptionMode.sseKms(), [...NO_REPLICATION]],
  ['DSSE-KMS', () => EncryptionMode.dsseKms(), [...NO_REPLICATION, ...NON_KMS_ALGORITHM]],
  ['SSE-C', () => EncryptionMode.sseC(), [...NO_REPLICATION, ...NON_KMS_ALGORITHM]],
];

describe.each(CASES)('cdk-nag 3 packs on a %s SecureBucket', (_name, mode, expectedOnBucket) => {
  let app: App;
  let bucket: SecureBucket;
  let all: Finding[];

  beforeAll(() => {
    app = new App();
    const stack = new Stack(app, 'S');
    bucket = new SecureBucket(stack, 'Data', { mode: mode() });
    all = findings(app);
  });

  test('no finding on any resource the library creates besides the bucket', () => {
    expect(all.filter((f) => f.path !== 'S/Data/Resource')).toEqual([]);
  });

  test('exactly the findings the mode implies on the bucket itself', () => {
    const onBucket = all.filter((f) => f.path === 'S/Data/Resource').map((f) => f.rule).sort();
    expect(onBucket).toEqual([...expectedOnBucket].sort());
  });

  test('the library acknowledges nothing on the user\'s bucket', () => {
    expect(acknowledgementsUnder(bucket)).toEqual([]);
  });

  test('every acknowledgement on helper resources carries a real reason', () => {
    const acks = acknowledgementsUnder(app);
    expect(acks.length).toBeGreaterThan(0);
    for (const a of acks) {
      expect(a.reason.length).toBeGreaterThan(40);
      expect(a.path.startsWith('S/Data')).toBe(false);
    }
  });
});

test('configuring replication removes the replication finding', () => {
  const app = new App();
  const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'us-east-1' } });
  const replica = new SecureBucket(stack, 'Replica', { mode: EncryptionMode.sseKms() });
  new SecureBucket(stack, 'Data', {
    mode: EncryptionMode.sseKms(),
    replicationRules: [{
      destination: replica,
      priority: 1,
      sseKmsEncryptedObjects: true,
      kmsKey: replica.encryptionKey,
    } as s3.ReplicationRule],
  });
  const onBucket = findings(app).filter((f) => f.path === 'S/Data/Resource').map((f) => f.rule);
  expect(onBucket).toEqual([]);
  // Mode-aware replication (replica key, KMS objects selected) passes the synth-time self-check.
  expect(() => app.synth()).not.toThrow();
});

test('the example app synthesizes (self-check included) with no finding from any pack', () => {
  const app = buildExampleApp(new App());
  let assembly: CloudAssembly | undefined;
  expect(() => { assembly = app.synth(); }).not.toThrow();
  const s3Encryption = new S3EncryptionChecks(app).validateScope(app);
  expect(s3Encryption.violations).toEqual([]);
  expect(findings(app)).toEqual([]);
  // The plugins ran in synth, the Control Tower controls among them, and none reported an
  // unacknowledged violation (a plugin failure does not throw: CDK prints it and sets the exit code).
  const report = JSON.parse(fs.readFileSync(path.join(assembly!.directory, 'validation-report.json'), 'utf8'));
  expect(report.pluginReports.map((r: any) => r.pluginName)).toContain('cdk-validator-cfnguard');
  expect(report.pluginReports.filter((r: any) => r.conclusion !== 'success' || r.violations.length > 0)).toEqual([]);
}, 600_000);

test('the acknowledged rule ids on helper resources are pinned', () => {
  const app = new App();
  const stack = new Stack(app, 'S');
  new SecureBucket(stack, 'Data', { mode: EncryptionMode.sseKms() });
  const ids = [...new Set(acknowledgementsUnder(app).map((a) => `${a.path} ${a.id.replace(/^annotation::/i, '')}`))].sort();
  const packs = ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'];
  expect(ids).toEqual([
    'S/SecureBucketAccessLogs AwsSolutions-S1',
    ...packs.flatMap((p) => ['S3BucketLoggingEnabled', 'S3BucketReplicationEnabled', 'S3DefaultEncryptionKMS']
      .map((r) => `S/SecureBucketAccessLogs ${p}-${r}`)),
    ...packs.map((p) => `S/SecureBucketAuditTrail/LogBucket ${p}-S3BucketReplicationEnabled`),
    ...packs.flatMap((p) => ['S3BucketReplicationEnabled', 'S3DefaultEncryptionKMS']
      .map((r) => `S/SecureBucketInventory ${p}-${r}`)),
  ].sort());
});
