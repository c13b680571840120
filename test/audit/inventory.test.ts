import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { NAG_PACKS, nagFindings } from './nag-findings';
import { newStack } from './trail-helpers';
import { EncryptionMode, InventoryBucket, SecureBucket } from '../../src';
import { isSecureBucketConfigError } from '../../src/private/errors';
import { thrown } from '../support/thrown';

const ENV = { account: '111111111111', region: 'eu-west-1' };

function bucketProps(template: Template, logicalId: string): any {
  return template.toJSON().Resources[logicalId].Properties;
}

function logicalIdOf(stack: Stack, bucket: s3.Bucket): string {
  return stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
}

/** The statements of the policy attached to `bucket`. */
function policyStatements(template: Template, stack: Stack, bucket: s3.Bucket): any[] {
  const id = logicalIdOf(stack, bucket);
  const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'))
    .filter((p: any) => JSON.stringify(p.Properties.Bucket) === JSON.stringify({ Ref: id }));
  expect(policies).toHaveLength(1);
  return (policies[0] as any).Properties.PolicyDocument.Statement;
}

describe('the encryption inventory of a SecureBucket', () => {
  test('by default: one daily CSV inventory of current versions with the audit fields, into the stack\'s InventoryBucket', () => {
    const { stack } = newStack('S', { env: ENV });
    const data = new SecureBucket(stack, 'Data', { mode: EncryptionMode.sseKms() });
    const inventory = InventoryBucket.of(stack);
    const t = Template.fromStack(stack);
    expect(bucketProps(t, logicalIdOf(stack, data)).InventoryConfigurations).toEqual([{
      Id: 'EncryptionAudit',
      Enabled: true,
      IncludedObjectVersions: 'Current',
      ScheduleFrequency: 'Daily',
      OptionalFields: ['Size', 'LastModifiedDate', 'StorageClass', 'EncryptionStatus', 'BucketKeyStatus'],
      Destination: {
        BucketArn: { 'Fn::GetAtt': [logicalIdOf(stack, inventory), 'Arn'] },
        BucketAccountId: '111111111111',
        Format: 'CSV',
        Prefix: 'S/Data',
      },
    }]);
  });

  test('one shared InventoryBucket per stack, one scoped grant per source bucket', () => {
    const { stack } = newStack('S', { env: ENV });
    const a = new SecureBucket(stack, 'A', { mode: EncryptionMode.sseS3() });
    const b = new SecureBucket(stack, 'B', { mode: EncryptionMode.sseC() });
    const t = Template.fromStack(stack);
    const inventory = InventoryBucket.of(stack);
    expect(stack.node.findAll().filter((c) => InventoryBucket.isInventoryBucket(c))).toEqual([inventory]);
    const grants = policyStatements(t, stack, inventory).filter((s) => s.Principal?.Service === 's3.amazonaws.com');
    expect(grants).toEqual([a, b].map((src) => ({
      Effect: 'Allow',
      Principal: { Service: 's3.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalIdOf(stack, inventory), 'Arn'] }, `/S/${src.node.id}/*`]] },
      Condition: {
        ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalIdOf(stack, src), 'Arn'] } },
        StringEquals: { 'aws:SourceAccount': '111111111111', 's3:x-amz-acl': 'bucket-owner-full-control' },
      },
    })));
  });

  test('the user\'s inventories are kept and the audit inventory is appended; the L2\'s less scoped grant is not added for ours', () => {
    const { stack } = newStack('S', { env: ENV });
    const own = new s3.Bucket(stack, 'Own');
    const data = new SecureBucket(stack, 'Data', {
      mode: EncryptionMode.sseS3(),
      inventories: [{ inventoryId: 'Mine', destination: { bucket: own }, frequency: s3.InventoryFrequency.WEEKLY }],
    });
    const t = Template.fromStack(stack);
    const configs = bucketProps(t, logicalIdOf(stack, data)).InventoryConfigurations;
    expect(configs.map((c: any) => c.Id)).toEqual(['Mine', 'EncryptionAudit']);
    // The L2 grants its own inventory destinations with ArnLike aws:SourceArn only...
    expect(policyStatements(t, stack, own)).toEqual([expect.objectContaining({
      Principal: { Service: 's3.amazonaws.com' },
      Condition: { ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalIdOf(stack, data), 'Arn'] } } },
    })]);
    // ...but on the InventoryBucket every s3.amazonaws.com statement also pins the account.
    const inventory = InventoryBucket.of(stack);
    const grants = policyStatements(t, stack, inventory).filter((s) => s.Principal?.Service === 's3.amazonaws.com');
    expect(grants).toHaveLength(1);
    expect(grants[0].Condition.StringEquals['aws:SourceAccount']).toBe('111111111111');
  });

  test('Parquet format, a custom prefix and a dedicated destination', () => {
    const { stack } = newStack('S', { env: ENV });
    const dest = new InventoryBucket(stack, 'Dedicated', { retention: Duration.days(30) });
    const data = new SecureBucket(stack, 'Data', {
      mode: EncryptionMode.sseS3(),
      encryptionInventory: { format: s3.InventoryFormat.PARQUET, prefix: 'reports/data', destination: dest },
    });
    const t = Template.fromStack(stack);
    const [config] = bucketProps(t, logicalIdOf(stack, data)).InventoryConfigurations;
    expect(config.Destination).toEqual(expect.objectContaining({
      Format: 'Parquet',
      Prefix: 'reports/data',
      BucketArn: { 'Fn::GetAtt': [logicalIdOf(stack, dest), 'Arn'] },
    }));
    expect(stack.node.tryFindChild(InventoryBucket.SHARED_ID)).toBeUndefined();
    const grant = policyStatements(t, stack, dest).find((s) => s.Principal?.Service === 's3.amazonaws.com');
    expect(grant.Resource).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalIdOf(stack, dest), 'Arn'] }, '/reports/data/*']] });
  });

  test('opt-out: no inventory configuration and no inventory bucket', () => {
    const { stack } = newStack('S', { env: ENV });
    const data = new SecureBucket(stack, 'Data', { mode: EncryptionMode.sseS3(), encryptionInventory: { enabled: false } });
    const t = Template.fromStack(stack);
    expect(bucketProps(t, logicalIdOf(stack, data)).InventoryConfigurations).toBeUndefined();
    expect(stack.node.tryFindChild(InventoryBucket.SHARED_ID)).toBeUndefined();
  });

  test.each([
    ['ORC format', { format: s3.InventoryFormat.ORC }, 'encryptionInventory.format'],
    ['a prefix ending in /', { prefix: 'reports/' }, 'encryptionInventory.prefix'],
    ['an empty prefix', { prefix: '' }, 'encryptionInventory.prefix'],
    ['options with enabled: false', { enabled: false, format: s3.InventoryFormat.PARQUET }, 'encryptionInventory.format'],
  ])('%s is refused with the construct path, the prop and a fix', (_name, options, prop) => {
    const { stack } = newStack('S', { env: ENV });
    const e = thrown(() => new SecureBucket(stack, 'Data', { mode: EncryptionMode.sseS3(), encryptionInventory: options as any }));
    expect(isSecureBucketConfigError(e)).toBe(true);
    expect(e.prop).toBe(prop);
    expect(e.message).toMatch(/^S\/Data: .*Fix: /);
  });

  test('the reserved inventory id cannot be reused by the user\'s inventories', () => {
    const { stack } = newStack('S', { env: ENV });
    const own = new s3.Bucket(stack, 'Own');
    new SecureBucket(stack, 'Data', {
      mode: EncryptionMode.sseS3(),
      inventories: [{ inventoryId: 'EncryptionAudit', destination: { bucket: own } }],
    });
    const e = thrown(() => Template.fromStack(stack));
    expect(isSecureBucketConfigError(e)).toBe(true);
    expect(e.prop).toBe('inventories');
  });

  test('a destination in another Region is refused (S3 Inventory delivers within a Region)', () => {
    const { app, stack } = newStack('S', { env: ENV });
    const other = new Stack(app, 'Other', { env: { account: ENV.account, region: 'us-east-1' } });
    const dest = new InventoryBucket(other, 'Dest');
    const e = thrown(() => new SecureBucket(stack, 'Data', { mode: EncryptionMode.sseS3(), encryptionInventory: { destination: dest } }));
    expect(isSecureBucketConfigError(e)).toBe(true);
    expect(e.message).toMatch(/eu-west-1.*us-east-1|us-east-1.*eu-west-1/);
  });

  test('a destination that is not an InventoryBucket is refused (its policy would lack the scoped grant)', () => {
    const { stack } = newStack('S', { env: ENV });
    const plain = new s3.Bucket(stack, 'Plain');
    const e = thrown(() => new SecureBucket(stack, 'Data', { mode: EncryptionMode.sseS3(), encryptionInventory: { destination: plain as any } }));
    expect(isSecureBucketConfigError(e)).toBe(true);
    expect(e.prop).toBe('encryptionInventory.destination');
  });

  test('InventoryBucket.of refuses an id taken by another construct', () => {
    const { stack } = newStack();
    new s3.Bucket(stack, InventoryBucket.SHARED_ID);
    expect(isSecureBucketConfigError(thrown(() => InventoryBucket.of(stack)))).toBe(true);
  });

  test('retention below one day is refused', () => {
    const { stack } = newStack();
    const e = thrown(() => new InventoryBucket(stack, 'I', { retention: Duration.hours(2) }));
    expect(e.prop).toBe('retention');
  });
});

describe('the InventoryBucket', () => {
  function synth() {
    const { app, stack } = newStack('S', { env: ENV });
    new SecureBucket(stack, 'Data', { mode: EncryptionMode.sseKms() });
    const inventory = InventoryBucket.of(stack);
    return { app, stack, inventory, t: Template.fromStack(stack) };
  }

  test('is secured like the access-log bucket: SSE-S3, SSE-C blocked, no ACLs, all public access blocked, versioned, expiring', () => {
    const { stack, inventory, t } = synth();
    const p = bucketProps(t, logicalIdOf(stack, inventory));
    expect(p.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([expect.objectContaining({
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
      BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
    })]);
    expect(p.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(p.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
    });
    expect(p.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(p.LifecycleConfiguration.Rules).toEqual([{
      Id: 'ExpireInventoryReports',
      Status: 'Enabled',
      ExpirationInDays: 90,
      NoncurrentVersionExpiration: { NoncurrentDays: 7 },
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
    }]);
    expect(p.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: stack.getLogicalId(stack.node.findChild('SecureBucketAccessLogs').node.defaultChild as s3.CfnBucket) },
      LogFilePrefix: 'S/SecureBucketInventory/',
    });
    expect(p.AccessControl).toBeUndefined();
  });

  test('its policy: TLS only (1.2+), refuses other encryption algorithms, and holds only scoped delivery grants', () => {
    const { stack, inventory, t } = synth();
    const statements = policyStatements(t, stack, inventory);
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      expect.objectContaining({ Effect: 'Deny', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
      expect.objectContaining({
        Sid: 'DenyOtherServerSideEncryption',
        Effect: 'Deny',
        Action: 's3:PutObject',
        Condition: {
          Null: { 's3:x-amz-server-side-encryption': 'false' },
          StringNotEquals: { 's3:x-amz-server-side-encryption': 'AES256' },
        },
      }),
    ]));
    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows).toHaveLength(1);
    expect(allows[0].Condition.ArnLike['aws:SourceArn']).toEqual({ 'Fn::GetAtt': [logicalIdOf(stack, stack.node.findChild('Data') as s3.Bucket), 'Arn'] });
    expect(allows[0].Principal).toEqual({ Service: 's3.amazonaws.com' });
    // Nothing grants the bucket itself (the L2's inventory grant would add the bucket ARN).
    expect(JSON.stringify(allows[0].Resource)).toMatch(/\/S\/Data\/\*/);
  });

  test.each(NAG_PACKS)('%s: no finding on the inventory bucket or its policy', (pack) => {
    const { app } = synth();
    expect(nagFindings(app, pack, app, 'S/SecureBucketInventory')).toEqual([]);
  });

  test('its acknowledgements are load-bearing: a twin bucket without them has the findings', () => {
    const { app, stack } = newStack('S', { env: ENV });
    new s3.Bucket(stack, 'Twin', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: new s3.Bucket(stack, 'Logs'),
    });
    expect(nagFindings(app, 'HIPAA.Security', stack, 'S/Twin/')).toEqual(expect.arrayContaining([
      'HIPAA.Security-S3BucketReplicationEnabled @ S/Twin/Resource',
      'HIPAA.Security-S3DefaultEncryptionKMS @ S/Twin/Resource',
    ]));
  });

  test('the template has no other inventory-delivery statement anywhere', () => {
    const { t } = synth();
    const all = Object.values(t.findResources('AWS::S3::BucketPolicy'))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement)
      .filter((s: any) => s.Principal?.Service === 's3.amazonaws.com');
    expect(all).toHaveLength(1);
    expect(all[0].Condition.StringEquals['aws:SourceAccount']).toBe('111111111111');
  });
});
