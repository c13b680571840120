import * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * Sends the bucket's events to Amazon EventBridge by writing
 * `NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled: true`
 * on its `AWS::S3::Bucket`, the form AWS Control Tower's CT.S3.PR.4 ("event
 * notifications configured") checks.
 *
 * Not `s3.Bucket`'s `eventBridgeEnabled`: that one is applied after deployment
 * by a `Custom::S3BucketNotifications` resource backed by a Lambda function,
 * which the control cannot see on the bucket and which fails the Lambda
 * controls (CT.LAMBDA.PR.3) in turn. S3 charges nothing for sending events to
 * EventBridge; the default event bus ingests AWS service events without
 * charge, and only the rules you add cost anything.
 */
export function enableEventBridgeOnL1(bucket: s3.Bucket): void {
  const cfn = bucket.node.defaultChild as s3.CfnBucket;
  cfn.notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
}
