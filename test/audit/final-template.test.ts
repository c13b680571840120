/**
 * The library's helper resources (the shared access-log and inventory buckets, the audit trail,
 * its log bucket and key) keep their guarantees on the final template too: an
 * escape hatch that weakens one fails synthesis with a SecureBucketConfigError
 * naming the helper's path.
 */
import { App, Aspects, IAspect, Stack, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { AccessLogsBucket, EncryptionAuditTrail, EncryptionMode, InventoryBucket, SecureBucket } from '../../src';
import { SecureBucketConfigError } from '../../src/private/errors';
import { synthError } from '../fixtures/synth-error';


function expectRefused(app: App, path: string, prop: RegExp, what: RegExp) {
  const err = synthError(app);
  expect(err).toBeInstanceOf(SecureBucketConfigError);
  expect(err.constructPath).toBe(path);
  expect(err.prop).toMatch(prop);
  expect(err.message).toMatch(what);
  expect(err.message).toMatch(/Fix: /);
}

function newStack() {
  const app = new App();
  return { app, stack: new Stack(app, 'S', { env: { account: '111111111111', region: 'us-east-1' } }) };
}

describe('AccessLogsBucket', () => {
  test('default encryption switched to aws:kms through the L1 fails synthesis', () => {
    const { app, stack } = newStack();
    const logs = AccessLogsBucket.of(stack);
    (logs.node.defaultChild as s3.CfnBucket).addPropertyOverride(
      'BucketEncryption.ServerSideEncryptionConfiguration.0.ServerSideEncryptionByDefault.SSEAlgorithm', 'aws:kms');
    expectRefused(app, 'S/SecureBucketAccessLogs', /BucketEncryption/, /SSEAlgorithm is "?aws:kms"? \(must be "?AES256/);
  });

  test('its bucket policy removed fails synthesis', () => {
    const { app, stack } = newStack();
    AccessLogsBucket.of(stack).node.tryRemoveChild('Policy');
    expectRefused(app, 'S/SecureBucketAccessLogs', /BucketPolicy/, /has no bucket policy/);
  });

  test('public access block deleted fails synthesis', () => {
    const { app, stack } = newStack();
    (AccessLogsBucket.of(stack).node.defaultChild as s3.CfnBucket).addPropertyDeletionOverride('PublicAccessBlockConfiguration');
    expectRefused(app, 'S/SecureBucketAccessLogs', /PublicAccessBlockConfiguration/, /has no PublicAccessBlockConfiguration/);
  });
});

describe('InventoryBucket', () => {
  const PATH = 'S/SecureBucketInventory';

  test('default encryption switched to aws:kms through the L1 fails synthesis', () => {
    const { app, stack } = newStack();
    (InventoryBucket.of(stack).node.defaultChild as s3.CfnBucket).addPropertyOverride(
      'BucketEncryption.ServerSideEncryptionConfiguration.0.ServerSideEncryptionByDefault.SSEAlgorithm', 'aws:kms');
    expectRefused(app, PATH, /BucketEncryption/, /SSEAlgorithm is "?aws:kms"? \(must be "?AES256/);
  });

  test('the statement refusing uploads in another algorithm removed fails synthesis', () => {
    const { app, stack } = newStack();
    const inventory = InventoryBucket.of(stack);
    const doc = inventory.policy!.document.toJSON();
    const kept = doc.Statement.filter((st: { Sid?: string }) => st.Sid !== 'DenyOtherServerSideEncryption');
    expect(kept.length).toBe(doc.Statement.length - 1);
    (inventory.policy!.node.defaultChild as s3.CfnBucketPolicy).addPropertyOverride('PolicyDocument.Statement', kept);
    expectRefused(app, PATH, /BucketPolicy/, /DenyOtherServerSideEncryption|AES256/);
  });

  test('public access block deleted by an Aspect fails synthesis', () => {
    const { app, stack } = newStack();
    InventoryBucket.of(stack);
    class OnlyInventoryBucket implements IAspect {
      public visit(node: IConstruct): void {
        if (s3.CfnBucket.isCfnBucket(node) && InventoryBucket.isInventoryBucket(node.node.scope)) node.addPropertyDeletionOverride('PublicAccessBlockConfiguration');
      }
    }
    Aspects.of(stack).add(new OnlyInventoryBucket());
    expectRefused(app, PATH, /PublicAccessBlockConfiguration/, /has no PublicAccessBlockConfiguration/);
  });

  test('delivery grants, tags and a benign extra statement still synthesize', () => {
    const { app, stack } = newStack();
    new SecureBucket(stack, 'Data', { mode: EncryptionMode.sseS3(), encryptionInventory: {} });
    const inventory = InventoryBucket.of(stack);
    Tags.of(stack).add('team', 'audit');
    inventory.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.AccountRootPrincipal()], actions: ['s3:GetObject'], resources: [inventory.arnForObjects('*')],
    }));
    expect(() => app.synth()).not.toThrow();
  });
});

describe('EncryptionAuditTrail', () => {
  test('logging turned off on the trail L1 fails synthesis', () => {
    const { app, stack } = newStack();
    const trail = EncryptionAuditTrail.of(stack);
    trail.cfnTrail.isLogging = false;
    expectRefused(app, 'S/SecureBucketAuditTrail', /IsLogging/, /false as the IsLogging of the trail/);
  });

  test('log-file validation overridden off fails synthesis', () => {
    const { app, stack } = newStack();
    EncryptionAuditTrail.of(stack).cfnTrail.addPropertyOverride('EnableLogFileValidation', false);
    expectRefused(app, 'S/SecureBucketAuditTrail', /EnableLogFileValidation/, /must be true/);
  });

  test('the trail key\'s rotation turned off fails synthesis', () => {
    const { app, stack } = newStack();
    const trail = new EncryptionAuditTrail(stack, 'Mine');
    (trail.encryptionKey.node.defaultChild as kms.CfnKey).enableKeyRotation = false;
    expectRefused(app, 'S/Mine', /encryptionKey \(EnableKeyRotation\)/, /automatic rotation of the key S\/Mine\/Key is off/);
  });

  test('the trail log bucket\'s encryption deleted by an Aspect fails synthesis', () => {
    const { app, stack } = newStack();
    new EncryptionAuditTrail(stack, 'Mine');
    class OnlyTrailBuckets implements IAspect {
      public visit(node: IConstruct): void {
        if (s3.CfnBucket.isCfnBucket(node) && node.node.path.includes('LogBucket')) node.addPropertyDeletionOverride('BucketEncryption');
      }
    }
    Aspects.of(stack).add(new OnlyTrailBuckets());
    expectRefused(app, 'S/Mine/LogBucket', /BucketEncryption/, /has no BucketEncryption/);
  });

  test('tags and a benign extra statement on the trail\'s resources still synthesize', () => {
    const { app, stack } = newStack();
    const trail = EncryptionAuditTrail.of(stack);
    Tags.of(stack).add('team', 'audit');
    trail.logBucket.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.AccountRootPrincipal()], actions: ['s3:GetObject'], resources: [trail.logBucket.arnForObjects('*')],
    }));
    trail.cfnTrail.addPropertyOverride('IncludeGlobalServiceEvents', true);
    expect(() => app.synth()).not.toThrow();
  });
});
