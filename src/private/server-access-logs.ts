import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * The bucket-policy statement that lets S3 deliver `source`'s server access
 * logs into `target` under `prefix`, scoped to the source bucket and account.
 * A bucket policy, not the `LogDeliveryWrite` ACL the L2 falls back to without
 * a feature flag: our buckets enforce bucket-owner object ownership (no ACLs).
 */
export function logDeliveryStatement(target: s3.IBucket, source: s3.IBucket, prefix: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    effect: iam.Effect.ALLOW,
    principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
    actions: ['s3:PutObject'],
    resources: [target.arnForObjects(`${prefix}*`)],
    conditions: {
      ArnLike: { 'aws:SourceArn': source.bucketArn },
      StringEquals: { 'aws:SourceAccount': Stack.of(source).account },
    },
  });
}

/**
 * Turns on server access logging of `source` (an L2 bucket of this app) into
 * `target` under `prefix`, and grants the delivery on `target` when it is a
 * bucket of this app (for an imported bucket `addToResourcePolicy` is a no-op
 * and the owner must grant `logging.s3.amazonaws.com` themselves).
 */
export function enableServerAccessLogs(
  source: s3.Bucket, target: s3.IBucket, prefix: string, keyFormat?: s3.TargetObjectKeyFormat,
): void {
  (source.node.defaultChild as s3.CfnBucket).loggingConfiguration = {
    destinationBucketName: target.bucketName,
    logFilePrefix: prefix,
    targetObjectKeyFormat: keyFormat?._render(),
  };
  target.addToResourcePolicy(logDeliveryStatement(target, source, prefix));
}
