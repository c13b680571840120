import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { NAG_PACKS, nagFindings } from './nag-findings';
import { newStack } from './trail-helpers';
import { EncryptionAuditTrail, EncryptionDriftAlerts, EncryptionMode, SecureBucket } from '../../src';
import { isSecureBucketConfigError } from '../../src/private/errors';
import { thrown } from '../support/thrown';

const ENV = { account: '111111111111', region: 'eu-west-1' };

const S3_EVENTS = [
  'PutBucketEncryption', 'DeleteBucketEncryption',
  'PutBucketPolicy', 'DeleteBucketPolicy',
  'PutPublicAccessBlock', 'DeletePublicAccessBlock',
  'PutBucketPublicAccessBlock', 'DeleteBucketPublicAccessBlock',
  'PutBucketOwnershipControls', 'DeleteBucketOwnershipControls',
  'UpdateObjectEncryption',
  'PutBucketInventoryConfiguration', 'DeleteBucketInventoryConfiguration',
  'CreateBucketMetadataConfiguration', 'DeleteBucketMetadataConfiguration',
  'UpdateBucketMetadataInventoryTableConfiguration', 'UpdateBucketMetadataJournalTableConfiguration',
  'CreateBucketMetadataTableConfiguration', 'DeleteBucketMetadataTableConfiguration',
  'PutBucketReplication', 'DeleteBucketReplication',
  'PutBucketVersioning',
];
const KMS_EVENTS = ['DisableKeyRotation', 'ScheduleKeyDeletion', 'DisableKey', 'PutKeyPolicy', 'CreateGrant'];

function id(stack: Stack, c: { node: { defaultChild?: any } }): string {
  return stack.getLogicalId(c.node.defaultChild);
}

function rules(t: Template): any[] {
  return Object.values(t.findResources('AWS::Events::Rule')).map((r: any) => r.Properties);
}

function withDriftAlerts() {
  const { app, stack } = newStack('S', { env: ENV });
  const kmsBucket = new SecureBucket(stack, 'Kms', { mode: EncryptionMode.sseKms(), alertOnDrift: true });
  const s3Bucket = new SecureBucket(stack, 'SseS3', { mode: EncryptionMode.sseS3(), alertOnDrift: true });
  new SecureBucket(stack, 'Quiet', { mode: EncryptionMode.sseKms() });
  const alerts = EncryptionDriftAlerts.of(stack);
  return { app, stack, kmsBucket, s3Bucket, alerts, t: Template.fromStack(stack) };
}

describe('drift alerts: the event patterns', () => {
  test('S3 rule: CloudTrail API calls from aws.s3, the listed event names, exactly the watched buckets by requestParameters.bucketName', () => {
    const { stack, kmsBucket, s3Bucket, alerts, t } = withDriftAlerts();
    const bucketRule = t.toJSON().Resources[stack.getLogicalId(alerts.bucketRule!.node.defaultChild as any)].Properties;
    expect(bucketRule.State).toBe('ENABLED');
    expect(bucketRule.EventPattern).toEqual({
      'source': ['aws.s3'],
      'detail-type': ['AWS API Call via CloudTrail'],
      'detail': {
        eventSource: ['s3.amazonaws.com'],
        eventName: S3_EVENTS,
        requestParameters: { bucketName: [{ Ref: id(stack, kmsBucket) }, { Ref: id(stack, s3Bucket) }] },
      },
    });
  });

  test('KMS rule: CloudTrail API calls from aws.kms, the listed event names, the watched buckets\' keys by resources.ARN', () => {
    const { stack, kmsBucket, alerts, t } = withDriftAlerts();
    const keyRule = t.toJSON().Resources[stack.getLogicalId(alerts.keyRule!.node.defaultChild as any)].Properties;
    expect(keyRule.EventPattern).toEqual({
      'source': ['aws.kms'],
      'detail-type': ['AWS API Call via CloudTrail'],
      'detail': {
        eventSource: ['kms.amazonaws.com'],
        eventName: KMS_EVENTS,
        resources: { ARN: [{ 'Fn::GetAtt': [id(stack, kmsBucket.encryptionKey as kms.Key), 'Arn'] }] },
      },
    });
  });

  test('two rules in the stack, both targeting the topic and nothing else; buckets without alertOnDrift are not watched', () => {
    const { stack, alerts, t } = withDriftAlerts();
    const all = rules(t);
    expect(all).toHaveLength(2);
    for (const r of all) {
      expect(r.Targets).toEqual([{ Arn: { Ref: id(stack, alerts.topic) }, Id: 'Target0' }]);
    }
    expect(JSON.stringify(all)).not.toContain(id(stack, stack.node.findChild('Quiet') as s3.Bucket));
  });

  test('watching the same bucket twice adds it once; a bucket without a key creates no KMS rule', () => {
    const { stack } = newStack('S', { env: ENV });
    const b = new SecureBucket(stack, 'B', { mode: EncryptionMode.sseS3(), alertOnDrift: true });
    EncryptionDriftAlerts.of(stack).watchBucket(b);
    const t = Template.fromStack(stack);
    const all = rules(t);
    expect(all).toHaveLength(1);
    expect(all[0].EventPattern.detail.requestParameters.bucketName).toEqual([{ Ref: id(stack, b) }]);
  });

  test('no alertOnDrift: no rule, topic or drift key', () => {
    const { stack } = newStack('S', { env: ENV });
    new SecureBucket(stack, 'B', { mode: EncryptionMode.sseKms() });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::Events::Rule', 0);
    t.resourceCountIs('AWS::SNS::Topic', 0);
    expect(stack.node.tryFindChild(EncryptionDriftAlerts.SHARED_ID)).toBeUndefined();
  });
});

describe('drift alerts: the topic and its key', () => {
  test('the topic is encrypted with the construct\'s own rotating key', () => {
    const { stack, alerts, t } = withDriftAlerts();
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [id(stack, alerts.encryptionKey), 'Arn'] } });
    const key = t.toJSON().Resources[id(stack, alerts.encryptionKey)];
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.Properties.RotationPeriodInDays).toBe(365);
    expect(key.DeletionPolicy).toBe('Retain');
  });

  test('the key policy lets EventBridge generate and decrypt data keys for this account only, and only the account root administer it', () => {
    const { stack, alerts, t } = withDriftAlerts();
    // Besides the kms:CreateGrant deny every key of the library has (test/secure-bucket/key-grants.test.ts).
    const statements = t.toJSON().Resources[id(stack, alerts.encryptionKey)].Properties.KeyPolicy.Statement
      .filter((s: any) => s.Sid !== 'DenyCreateGrantUnlessForAwsResource');
    expect(statements).toEqual([
      {
        Action: 'kms:*',
        Effect: 'Allow',
        Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:root']] } },
        Resource: '*',
      },
      {
        Sid: 'AllowEventBridgeToPublishToEncryptedTopic',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
      },
    ]);
  });

  test('the topic policy: TLS only, and sns:Publish for events.amazonaws.com only from the two rules of this account', () => {
    const { stack, alerts, t } = withDriftAlerts();
    const policies = Object.values(t.findResources('AWS::SNS::TopicPolicy')) as any[];
    expect(policies).toHaveLength(1);
    const statements = policies[0].Properties.PolicyDocument.Statement;
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]));
    const allows = statements.filter((s: any) => s.Effect === 'Allow');
    const ruleArn = (r: any) => ({ 'Fn::GetAtt': [stack.getLogicalId(r.node.defaultChild), 'Arn'] });
    expect(allows).toEqual([alerts.bucketRule, alerts.keyRule].map((r) => expect.objectContaining({
      Action: 'sns:Publish',
      Principal: { Service: 'events.amazonaws.com' },
      Resource: { Ref: id(stack, alerts.topic) },
      Condition: { ArnEquals: { 'aws:SourceArn': ruleArn(r) }, StringEquals: { 'aws:SourceAccount': '111111111111' } },
    })));
  });
});

describe('drift alerts: the trail that feeds EventBridge', () => {
  test('an SSE-S3-only stack with alertOnDrift gets the shared trail, logging management events', () => {
    const { stack } = newStack('S', { env: ENV });
    new SecureBucket(stack, 'B', { mode: EncryptionMode.sseS3(), alertOnDrift: true });
    const alerts = EncryptionDriftAlerts.of(stack);
    expect(alerts.trail).toBe(EncryptionAuditTrail.of(stack));
    const trail = Object.values(Template.fromStack(stack).findResources('AWS::CloudTrail::Trail')) as any[];
    expect(trail).toHaveLength(1);
    expect(trail[0].Properties.IsLogging).toBe(true);
    expect(trail[0].Properties.AdvancedEventSelectors).toEqual([
      { Name: 'Management events', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] },
    ]);
  });

  test('ensureTrail: false creates no trail (the user has one)', () => {
    const { stack } = newStack('S', { env: ENV });
    EncryptionDriftAlerts.of(stack, { ensureTrail: false });
    new SecureBucket(stack, 'B', { mode: EncryptionMode.sseS3(), alertOnDrift: true });
    expect(EncryptionDriftAlerts.of(stack).trail).toBeUndefined();
    Template.fromStack(stack).resourceCountIs('AWS::CloudTrail::Trail', 0);
  });

  test('a KMS bucket\'s data events (UpdateObjectEncryption is one) are recorded on the same trail', () => {
    const { kmsBucket, alerts } = withDriftAlerts();
    expect(kmsBucket.auditTrail).toBe(alerts.trail);
  });
});

describe('drift alerts: errors', () => {
  test('props for an existing instance are refused, not ignored', () => {
    const { stack } = newStack('S', { env: ENV });
    new SecureBucket(stack, 'B', { mode: EncryptionMode.sseS3(), alertOnDrift: true });
    const e = thrown(() => EncryptionDriftAlerts.of(stack, { ensureTrail: false }));
    expect(isSecureBucketConfigError(e)).toBe(true);
    expect(e.message).toMatch(/^S\/SecureBucketDriftAlerts: props: .*Fix: /);
  });

  test('a bucket of another Region is refused', () => {
    const { app, stack } = newStack('S', { env: ENV });
    const other = new Stack(app, 'O', { env: { ...ENV, region: 'us-east-1' } });
    const b = new s3.Bucket(other, 'B');
    const e = thrown(() => EncryptionDriftAlerts.of(stack).watchBucket(b));
    expect(isSecureBucketConfigError(e)).toBe(true);
    expect(e.prop).toBe('alertOnDrift');
  });

  test('a key rotation period outside 90-2560 days is refused', () => {
    const { stack } = newStack('S', { env: ENV });
    const e = thrown(() => EncryptionDriftAlerts.of(stack, { keyRotationPeriod: Duration.days(30) }));
    expect(e.prop).toBe('keyRotationPeriod');
  });

  test('the shared id taken by another construct is refused', () => {
    const { stack } = newStack('S', { env: ENV });
    new s3.Bucket(stack, EncryptionDriftAlerts.SHARED_ID);
    expect(isSecureBucketConfigError(thrown(() => EncryptionDriftAlerts.of(stack)))).toBe(true);
  });
});

describe('drift alerts: cdk-nag', () => {
  test.each(NAG_PACKS)('%s: no finding on the rules, topic, topic policy or key', (pack) => {
    const { app } = withDriftAlerts();
    expect(nagFindings(app, pack, app, 'S/SecureBucketDriftAlerts')).toEqual([]);
  });

  test('the packs do look at SNS topics: an unencrypted topic without TLS enforcement has findings', () => {
    const { app, stack } = newStack('S', { env: ENV });
    new sns.Topic(stack, 'Plain');
    expect(nagFindings(app, 'AwsSolutions', app, 'S/Plain')).toEqual(['AwsSolutions-SNS3 @ S/Plain/Resource']);
    expect(nagFindings(app, 'HIPAA.Security', app, 'S/Plain')).toEqual(['HIPAA.Security-SNSEncryptedKMS @ S/Plain/Resource']);
  });
});
