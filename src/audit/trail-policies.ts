import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';

/** The service principal CloudTrail delivers as. */
export const CLOUDTRAIL_SERVICE = 'cloudtrail.amazonaws.com';

/** An IAM condition block: operator to condition keys to values. */
export type Conditions = Record<string, Record<string, string>>;

/**
 * The condition that pins CloudTrail's requests (they carry `aws:SourceArn` = the trail's ARN)
 * to this trail. The trail depends on the key and the bucket policy, so its ARN attribute cannot
 * be referenced from them: the ARN is built from the name when the name is known, else any
 * trail of this account in the stack's Region.
 */
export function trailSourceArnCondition(stack: Stack, trailName: string | undefined): Conditions {
  return trailName !== undefined
    ? { StringEquals: { 'aws:SourceArn': stack.formatArn({ service: 'cloudtrail', resource: 'trail', resourceName: trailName }) } }
    : { ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudtrail', resource: 'trail', resourceName: '*' }) } };
}

/** The key-policy statements that let CloudTrail encrypt the trail's log files, and the account decrypt them. */
export function cloudTrailKeyStatements(stack: Stack, sourceArnCondition: Conditions): iam.PolicyStatement[] {
  const cloudtrailPrincipal = new iam.ServicePrincipal(CLOUDTRAIL_SERVICE);
  const anyTrailOfAccount = `arn:${stack.partition}:cloudtrail:*:${stack.account}:trail/*`;
  return [
    new iam.PolicyStatement({
      sid: 'AllowCloudTrailToEncryptLogs',
      principals: [cloudtrailPrincipal],
      actions: ['kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: {
        ...sourceArnCondition,
        StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': anyTrailOfAccount },
      },
    }),
    new iam.PolicyStatement({
      sid: 'AllowCloudTrailToDescribeKey',
      principals: [cloudtrailPrincipal],
      actions: ['kms:DescribeKey'],
      resources: ['*'],
      conditions: sourceArnCondition,
    }),
    new iam.PolicyStatement({
      sid: 'AllowPrincipalsInAccountToDecryptLogFiles',
      principals: [new iam.AccountRootPrincipal()],
      actions: ['kms:Decrypt'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'kms:CallerAccount': stack.account },
        StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': anyTrailOfAccount },
      },
    }),
  ];
}

/** The key-policy statement that lets CloudWatch Logs use the key for the trail's log group only. */
export function cloudWatchLogsKeyStatement(stack: Stack, logGroupName: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'AllowCloudWatchLogsToUseKeyForTrailLogGroup',
    principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    resources: ['*'],
    conditions: {
      ArnEquals: {
        'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
    },
  });
}

/** The log-bucket policy statements CloudTrail needs: the ACL check and the write under `AWSLogs/<account>/`. */
export function cloudTrailBucketStatements(stack: Stack, logBucket: s3.IBucket, sourceArnCondition: Conditions): iam.PolicyStatement[] {
  const cloudtrailPrincipal = new iam.ServicePrincipal(CLOUDTRAIL_SERVICE);
  const writeConditions: Conditions = {
    ...sourceArnCondition,
    StringEquals: {
      ...(sourceArnCondition.StringEquals ?? {}),
      's3:x-amz-acl': 'bucket-owner-full-control',
    },
  };
  return [
    new iam.PolicyStatement({
      sid: 'AWSCloudTrailAclCheck',
      principals: [cloudtrailPrincipal],
      actions: ['s3:GetBucketAcl'],
      resources: [logBucket.bucketArn],
      conditions: sourceArnCondition,
    }),
    new iam.PolicyStatement({
      sid: 'AWSCloudTrailWrite',
      principals: [cloudtrailPrincipal],
      actions: ['s3:PutObject'],
      resources: [logBucket.arnForObjects(`AWSLogs/${stack.account}/*`)],
      conditions: writeConditions,
    }),
  ];
}

/**
 * The identity-policy statement of the role CloudTrail delivers to CloudWatch Logs with. The
 * log group is dedicated to the trail, so its streams (the log group ARN attribute ends in
 * ':*') are exactly the streams CloudTrail creates for it (<account>_CloudTrail_<region>...).
 */
export function cloudWatchLogsDeliveryStatement(logGroupArn: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'AWSCloudTrailCreateLogStreamAndPutLogEvents',
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resources: [logGroupArn],
  });
}
