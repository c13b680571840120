import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { EncryptionAuditTrail, EncryptionMode, SecureBucket } from '../../src';
import { DENY_GRANTS_SID } from '../../src/private/key-grants';
import { synthError } from '../fixtures/synth-error';

/** The statement AWS Control Tower's CT.KMS.PR.3 looks for. */
const DENY_GRANTS = {
  Sid: DENY_GRANTS_SID,
  Effect: 'Deny',
  Principal: { AWS: '*' },
  Action: 'kms:CreateGrant',
  Resource: '*',
  Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
};

function appWithEveryKey() {
  const app = new App();
  const stack = new Stack(app, 'S');
  const sseKms = new SecureBucket(stack, 'SseKms', { mode: EncryptionMode.sseKms(), alertOnDrift: true });
  const dsseKms = new SecureBucket(stack, 'DsseKms', { mode: EncryptionMode.dsseKms() });
  return { app, stack, sseKms, dsseKms };
}

test('every key the library creates denies kms:CreateGrant unless the grant is for an AWS resource or from an AWS service', () => {
  const { stack } = appWithEveryKey();
  const keys = Template.fromStack(stack).findResources('AWS::KMS::Key');
  // SSE-KMS key, DSSE-KMS key, the trail key, the drift-alert topic key.
  expect(Object.keys(keys)).toHaveLength(4);
  for (const k of Object.values(keys) as any[]) {
    expect(k.Properties.KeyPolicy.Statement).toContainEqual(DENY_GRANTS);
  }
});

test('a key the user gives is left alone (its policy is the user\'s)', () => {
  const app = new App();
  const stack = new Stack(app, 'S');
  const key = new kms.Key(stack, 'Mine', { enableKeyRotation: true });
  new SecureBucket(stack, 'Data', { mode: EncryptionMode.sseKms({ encryptionKey: key }) });
  const policy = (Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(key.node.defaultChild as kms.CfnKey)] as any).Properties.KeyPolicy;
  expect(policy.Statement.map((s: any) => s.Sid)).not.toContain(DENY_GRANTS_SID);
});

describe('the final-template check keeps the statement', () => {
  const removeDeny = (key: kms.IKey) => {
    const cfn = key.node.defaultChild as kms.CfnKey;
    const doc = Stack.of(cfn).resolve(cfn.keyPolicy);
    cfn.keyPolicy = { ...doc, Statement: doc.Statement.filter((s: any) => s.Sid !== DENY_GRANTS_SID) };
  };

  test('on a SecureBucket\'s key', () => {
    const { app, sseKms } = appWithEveryKey();
    removeDeny(sseKms.encryptionKey!);
    expect(synthError(app).message).toMatch(new RegExp(`key policy of the key S/SseKms/Key lost or changed the statement\\(s\\) '${DENY_GRANTS_SID}'`));
  });

  test('on the trail\'s key', () => {
    const { app, stack } = appWithEveryKey();
    removeDeny(EncryptionAuditTrail.of(stack).encryptionKey);
    expect(synthError(app).message).toMatch(new RegExp(`key policy of the key S/SecureBucketAuditTrail/Key lost or changed the statement\\(s\\) '${DENY_GRANTS_SID}'`));
  });
});
