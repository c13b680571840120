import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { EncryptionDriftAlerts, EncryptionMode, EncryptionModeKind, InventoryBucket, S3EncryptionChecks, SecureBucket } from '../../src';

const MODES: Array<[string, () => EncryptionMode, EncryptionModeKind]> = [
  ['SSE-S3', () => EncryptionMode.sseS3(), EncryptionModeKind.SSE_S3],
  ['SSE-KMS', () => EncryptionMode.sseKms(), EncryptionModeKind.SSE_KMS],
  ['DSSE-KMS', () => EncryptionMode.dsseKms(), EncryptionModeKind.DSSE_KMS],
  ['SSE-C', () => EncryptionMode.sseC(), EncryptionModeKind.SSE_C],
];

function build(mode: () => EncryptionMode) {
  const app = new App();
  const stack = new Stack(app, 'S');
  const bucket = new SecureBucket(stack, 'Data', { mode: mode(), alertOnDrift: true });
  return { app, stack, bucket };
}

describe.each(MODES)('a %s SecureBucket with the default inventory and alertOnDrift', (_name, mode, kind) => {
  test('has the encryption inventory, into the stack\'s InventoryBucket, and is watched for drift', () => {
    const { stack, bucket } = build(mode);
    const t = Template.fromStack(stack);
    const cfn = t.toJSON().Resources[stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket)].Properties;
    expect(cfn.InventoryConfigurations.map((c: any) => c.Id)).toEqual(['EncryptionAudit']);
    expect(InventoryBucket.isInventoryBucket(stack.node.findChild(InventoryBucket.SHARED_ID))).toBe(true);
    const alerts = EncryptionDriftAlerts.of(stack);
    expect(alerts.bucketRule).toBeDefined();
    expect(alerts.keyRule !== undefined).toBe(bucket.encryptionKey !== undefined);
  });

  test('no cdk-nag finding (four packs) on any helper resource', () => {
    const { app } = build(mode);
    const out: string[] = [];
    for (const Pack of [AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks]) {
      for (const v of new Pack(app).validateScope(app).violations) {
        for (const r of v.violatingResources) {
          if (!(r.constructPath ?? '').startsWith('S/Data/')) out.push(`${v.ruleName} @ ${r.constructPath}`);
        }
      }
    }
    expect(out).toEqual([]);
  });

  test('S3EncryptionChecks passes with a policy allowing only this mode', () => {
    const { app } = build(mode);
    const report = new S3EncryptionChecks(app, { allowedModes: [kind] }).validateScope(app);
    expect(report.violations.map((v) => `${v.ruleName} @ ${v.violatingResources.map((r) => r.constructPath).join(',')}`)).toEqual([]);
  });
});
