import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EncryptionMode, SecureBucket } from '../../src';

const ON_THE_L1 = { EventBridgeConfiguration: { EventBridgeEnabled: true } };

function bucketProps(stack: Stack, bucket: { node: { defaultChild?: any } }): any {
  return (Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(bucket.node.defaultChild)] as any).Properties;
}

test('by default a SecureBucket sends its events to EventBridge from its own L1, with no custom resource or Lambda', () => {
  const stack = new Stack(new App(), 'S');
  const bucket = new SecureBucket(stack, 'Data', { mode: EncryptionMode.sseKms() });
  expect(bucketProps(stack, bucket).NotificationConfiguration).toEqual(ON_THE_L1);
  const t = Template.fromStack(stack);
  t.resourceCountIs('Custom::S3BucketNotifications', 0);
  t.resourceCountIs('AWS::Lambda::Function', 0);
});

test('the library\'s own buckets (access logs, inventory, trail logs) do too', () => {
  const stack = new Stack(new App(), 'S');
  new SecureBucket(stack, 'Data', { mode: EncryptionMode.sseKms() });
  const buckets = Template.fromStack(stack).findResources('AWS::S3::Bucket');
  // Data, SecureBucketAccessLogs, SecureBucketInventory, SecureBucketAuditTrail/LogBucket.
  expect(Object.keys(buckets)).toHaveLength(4);
  for (const b of Object.values(buckets) as any[]) {
    expect(b.Properties.NotificationConfiguration).toEqual(ON_THE_L1);
  }
});

test('eventBridgeEnabled: false leaves the bucket without notifications', () => {
  const stack = new Stack(new App(), 'S');
  const bucket = new SecureBucket(stack, 'Data', { mode: EncryptionMode.sseS3(), eventBridgeEnabled: false });
  expect(bucketProps(stack, bucket).NotificationConfiguration).toBeUndefined();
});

test('addEventNotification hands the EventBridge setting to CDK\'s notification resource, which replaces the whole configuration', () => {
  const stack = new Stack(new App(), 'S');
  const bucket = new SecureBucket(stack, 'Data', { mode: EncryptionMode.sseS3() });
  bucket.addEventNotification(s3.EventType.OBJECT_CREATED, { bind: () => ({ arn: new sns.Topic(stack, 'T').topicArn, type: s3.BucketNotificationDestinationType.TOPIC }) });
  const custom = Object.values(Template.fromStack(stack).findResources('Custom::S3BucketNotifications')) as any[];
  expect(custom).toHaveLength(1);
  expect(custom[0].Properties.NotificationConfiguration.EventBridgeConfiguration).toEqual({});
  expect(custom[0].Properties.NotificationConfiguration.TopicConfigurations).toHaveLength(1);
});

test('with eventBridgeEnabled: false, addEventNotification does not switch EventBridge on', () => {
  const stack = new Stack(new App(), 'S');
  const bucket = new SecureBucket(stack, 'Data', { mode: EncryptionMode.sseS3(), eventBridgeEnabled: false });
  bucket.addEventNotification(s3.EventType.OBJECT_CREATED, { bind: () => ({ arn: new sns.Topic(stack, 'T').topicArn, type: s3.BucketNotificationDestinationType.TOPIC }) });
  const custom = Object.values(Template.fromStack(stack).findResources('Custom::S3BucketNotifications')) as any[];
  expect(custom[0].Properties.NotificationConfiguration.EventBridgeConfiguration).toBeUndefined();
});
