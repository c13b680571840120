import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { logicalId, newStack, trailLogicalIds, trailProps, trailResource } from './trail-helpers';
import { AccessLogsBucket, DataEvents, EncryptionAuditTrail } from '../../src';

const ANY_TRAIL_OF_ACCOUNT = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudtrail:*:', { Ref: 'AWS::AccountId' }, ':trail/*']] };
const TRAILS_OF_ACCOUNT_IN_REGION = {
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudtrail:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':trail/*']],
};
const ROOT = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] };

function synth(props = {}) {
  const { stack } = newStack();
  const trail = new EncryptionAuditTrail(stack, 'Trail', props);
  trail.recordDataEvents(new s3.Bucket(stack, 'Data'), DataEvents.ALL);
  const template = Template.fromStack(stack);
  return { stack, trail, template, ids: trailLogicalIds(stack, trail) };
}

function keyStatements(template: Template): any[] {
  const keys = Object.values(template.findResources('AWS::KMS::Key')) as any[];
  expect(keys).toHaveLength(1);
  return keys[0].Properties.KeyPolicy.Statement;
}

function bucketPolicyStatements(template: Template, bucketId: string): any[] {
  const policies = Object.values(template.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: bucketId } } })) as any[];
  expect(policies).toHaveLength(1);
  return policies[0].Properties.PolicyDocument.Statement;
}

describe('the trail', () => {
  test('logs, validates log files, keeps management and global service events, encrypts with its key, writes to its bucket', () => {
    const { template, ids, trail, stack } = synth();
    expect(trailProps(template)).toMatchObject({
      IsLogging: true,
      EnableLogFileValidation: true,
      IncludeGlobalServiceEvents: true,
      IsMultiRegionTrail: false,
      KMSKeyId: { 'Fn::GetAtt': [ids.key, 'Arn'] },
      S3BucketName: { Ref: ids.bucket },
    });
    expect(trailProps(template).TrailName).toBeUndefined();
    expect(trailProps(template).S3KeyPrefix).toBeUndefined();
    expect(trailProps(template).EventSelectors).toBeUndefined();
    expect(stack.resolve(trail.trailArn)).toEqual({ 'Fn::GetAtt': [ids.trail, 'Arn'] });
    expect(stack.resolve(trail.trailRef)).toEqual({ trailName: { Ref: ids.trail }, trailArn: { 'Fn::GetAtt': [ids.trail, 'Arn'] } });
  });

  test('is created only after the log bucket policy (CloudTrail checks it at creation)', () => {
    const { template, ids } = synth();
    expect(trailResource(template).DependsOn).toEqual(expect.arrayContaining([ids.bucketPolicy]));
  });

  test('trailName and isMultiRegionTrail are passed through', () => {
    const { template } = synth({ trailName: 'audit', isMultiRegionTrail: true });
    expect(trailProps(template)).toMatchObject({ TrailName: 'audit', IsMultiRegionTrail: true });
  });
});

describe('the trail key', () => {
  test('rotates every 365 days by default, with a custom period when given, and is retained', () => {
    const { template } = synth();
    template.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true, RotationPeriodInDays: 365 },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    synth({ keyRotationPeriod: Duration.days(90) }).template.hasResourceProperties('AWS::KMS::Key', { RotationPeriodInDays: 90 });
  });

  test('lets CloudTrail generate data keys only for this account\'s trails, scoped by aws:SourceArn', () => {
    const statements = keyStatements(synth().template);
    expect(statements).toContainEqual({
      Sid: 'AllowCloudTrailToEncryptLogs',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 'kms:GenerateDataKey*',
      Resource: '*',
      Condition: {
        ArnLike: { 'aws:SourceArn': TRAILS_OF_ACCOUNT_IN_REGION },
        StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': ANY_TRAIL_OF_ACCOUNT },
      },
    });
    expect(statements).toContainEqual({
      Sid: 'AllowCloudTrailToDescribeKey',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 'kms:DescribeKey',
      Resource: '*',
      Condition: { ArnLike: { 'aws:SourceArn': TRAILS_OF_ACCOUNT_IN_REGION } },
    });
  });

  test('with a trailName, aws:SourceArn is pinned to exactly that trail', () => {
    const { template } = synth({ trailName: 'audit' });
    const exact = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudtrail:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':trail/audit']] };
    const encrypt = keyStatements(template).find(s => s.Sid === 'AllowCloudTrailToEncryptLogs');
    expect(encrypt.Condition).toEqual({
      StringEquals: { 'aws:SourceArn': exact },
      StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': ANY_TRAIL_OF_ACCOUNT },
    });
    expect(keyStatements(template).find(s => s.Sid === 'AllowCloudTrailToDescribeKey').Condition)
      .toEqual({ StringEquals: { 'aws:SourceArn': exact } });
  });

  test('lets principals of this account (and only it) decrypt CloudTrail log files', () => {
    const statements = keyStatements(synth().template);
    expect(statements).toContainEqual({
      Sid: 'AllowPrincipalsInAccountToDecryptLogFiles',
      Effect: 'Allow',
      Principal: { AWS: ROOT },
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: {
        StringEquals: { 'kms:CallerAccount': { Ref: 'AWS::AccountId' } },
        StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': ANY_TRAIL_OF_ACCOUNT },
      },
    });
  });

  test('grants no service anything without a condition', () => {
    const statements = keyStatements(synth().template);
    const services = statements.filter(s => s.Principal.Service !== undefined);
    expect(services.length).toBeGreaterThanOrEqual(3);
    for (const s of services) {
      expect(s.Condition).toBeDefined();
    }
  });
});

describe('the log bucket', () => {
  test('is private, TLS 1.2+ only, owner-enforced, versioned, SSE-KMS with the trail key and a bucket key, retained', () => {
    const { template, ids } = synth();
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [ids.key, 'Arn'] } },
          }],
        },
      },
      DeletionPolicy: 'Retain',
    });
    const statements = bucketPolicyStatements(template, ids.bucket);
    expect(statements).toContainEqual(expect.objectContaining({
      Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    }));
    expect(statements).toContainEqual(expect.objectContaining({
      Effect: 'Deny', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
    }));
  });

  test('expires log files after logRetention (365 days by default), noncurrent versions after 30, stale uploads after 7', () => {
    const rule = (t: Template) => (Object.values(t.findResources('AWS::S3::Bucket', {
      Properties: { LifecycleConfiguration: { Rules: [{ Id: 'ExpireTrailLogFiles' }] } },
    }))[0] as any).Properties.LifecycleConfiguration.Rules[0];
    expect(rule(synth().template)).toEqual({
      Id: 'ExpireTrailLogFiles',
      Status: 'Enabled',
      ExpirationInDays: 365,
      NoncurrentVersionExpiration: { NoncurrentDays: 30 },
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
    });
    expect(rule(synth({ logRetention: Duration.days(2555) }).template).ExpirationInDays).toBe(2555);
  });

  test('lets CloudTrail check its ACL and write under AWSLogs/<account>/ with bucket-owner-full-control, scoped by aws:SourceArn', () => {
    const { template, ids } = synth();
    const statements = bucketPolicyStatements(template, ids.bucket);
    expect(statements).toContainEqual({
      Sid: 'AWSCloudTrailAclCheck',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 's3:GetBucketAcl',
      Resource: { 'Fn::GetAtt': [ids.bucket, 'Arn'] },
      Condition: { ArnLike: { 'aws:SourceArn': TRAILS_OF_ACCOUNT_IN_REGION } },
    });
    expect(statements).toContainEqual({
      Sid: 'AWSCloudTrailWrite',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [ids.bucket, 'Arn'] }, '/AWSLogs/', { Ref: 'AWS::AccountId' }, '/*']] },
      Condition: {
        ArnLike: { 'aws:SourceArn': TRAILS_OF_ACCOUNT_IN_REGION },
        StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' },
      },
    });
  });

  test('with a trailName, the write statement pins aws:SourceArn to that trail alongside the ACL condition', () => {
    const { template, ids } = synth({ trailName: 'audit' });
    const write = bucketPolicyStatements(template, ids.bucket).find(s => s.Sid === 'AWSCloudTrailWrite');
    expect(write.Condition).toEqual({
      StringEquals: {
        's3:x-amz-acl': 'bucket-owner-full-control',
        'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudtrail:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':trail/audit']] },
      },
    });
  });

  test('sends its server access logs to the stack\'s shared AccessLogsBucket, granted by bucket policy', () => {
    const { stack, template, ids, trail } = synth();
    const accessLogs = AccessLogsBucket.of(stack);
    const accessLogsId = logicalId(stack, accessLogs);
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: { Ref: accessLogsId }, LogFilePrefix: 'S/Trail/LogBucket/' },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    expect(trail.logBucket.node.path).toBe('S/Trail/LogBucket');
    expect(bucketPolicyStatements(template, accessLogsId)).toContainEqual(expect.objectContaining({
      Effect: 'Allow',
      Principal: { Service: 'logging.s3.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [accessLogsId, 'Arn'] }, '/S/Trail/LogBucket/*']] },
      Condition: {
        ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [ids.bucket, 'Arn'] } },
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      },
    }));
    // No ACL-based log delivery anywhere.
    expect(JSON.stringify(template.toJSON())).not.toContain('LogDeliveryWrite');
  });

  test('a given access-log bucket and prefix are used instead', () => {
    const { stack } = newStack();
    const target = new s3.Bucket(stack, 'MyAccessLogs', { objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED });
    const trail = new EncryptionAuditTrail(stack, 'Trail', { serverAccessLogsBucket: target, serverAccessLogsPrefix: 'trail/' });
    const template = Template.fromStack(stack);
    const targetId = logicalId(stack, target);
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: { Ref: targetId }, LogFilePrefix: 'trail/' },
    });
    expect(bucketPolicyStatements(template, targetId)).toContainEqual(expect.objectContaining({
      Principal: { Service: 'logging.s3.amazonaws.com' },
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [targetId, 'Arn'] }, '/trail/*']] },
      Condition: {
        ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalId(stack, trail.logBucket), 'Arn'] } },
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      },
    }));
    expect(stack.node.tryFindChild('SecureBucketAccessLogs')).toBeUndefined();
  });
});

describe('removalPolicy', () => {
  test('DESTROY applies to the log bucket, the key and the log group', () => {
    const { template } = synth({ removalPolicy: RemovalPolicy.DESTROY });
    for (const type of ['AWS::KMS::Key', 'AWS::Logs::LogGroup']) {
      template.hasResource(type, { DeletionPolicy: 'Delete' });
    }
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete', Properties: { VersioningConfiguration: { Status: 'Enabled' }, BucketEncryption: Match.anyValue() } });
  });

  test('RETAIN by default on the log group too', () => {
    synth().template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
  });
});

describe('CloudWatch Logs delivery', () => {
  test('is on by default: encrypted log group with one-year retention, wired to the trail', () => {
    const { template, ids, trail, stack } = synth();
    const groups = template.findResources('AWS::Logs::LogGroup');
    expect(Object.keys(groups)).toHaveLength(1);
    const [groupId, group] = Object.entries(groups)[0] as [string, any];
    expect(group.Properties).toEqual({
      LogGroupName: expect.stringMatching(/^\/aws\/cloudtrail\/S-Trail-[0-9A-F]{8}$/),
      KmsKeyId: { 'Fn::GetAtt': [ids.key, 'Arn'] },
      RetentionInDays: 365,
    });
    const roles = template.findResources('AWS::IAM::Role');
    const [roleId] = Object.keys(roles);
    expect(trailProps(template)).toMatchObject({
      CloudWatchLogsLogGroupArn: { 'Fn::GetAtt': [groupId, 'Arn'] },
      CloudWatchLogsRoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] },
    });
    expect(trail.logGroup).toBeDefined();
    expect(stack.resolve(trail.logGroup!.logGroupArn)).toEqual({ 'Fn::GetAtt': [groupId, 'Arn'] });
  });

  test('the log group name follows trailName when given', () => {
    synth({ trailName: 'audit' }).template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/cloudtrail/audit' });
  });

  test('cloudWatchLogsRetention sets the log group retention', () => {
    synth({ cloudWatchLogsRetention: logs.RetentionDays.TEN_YEARS }).template
      .hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 3653 });
  });

  test('the key lets CloudWatch Logs of this Region use it only for this log group', () => {
    const statements = keyStatements(synth({ trailName: 'audit' }).template);
    expect(statements).toContainEqual({
      Sid: 'AllowCloudWatchLogsToUseKeyForTrailLogGroup',
      Effect: 'Allow',
      Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
      Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      Resource: '*',
      Condition: {
        ArnEquals: {
          'kms:EncryptionContext:aws:logs:arn': {
            'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':log-group:/aws/cloudtrail/audit']],
          },
        },
      },
    });
  });

  test('the role has no inline policy; a managed policy scoped to the log group\'s streams is attached instead', () => {
    const { template, ids } = synth();
    const roles = template.findResources('AWS::IAM::Role');
    expect(Object.keys(roles)).toHaveLength(1);
    const [roleId, role] = Object.entries(roles)[0] as [string, any];
    expect(role.Properties.Policies).toBeUndefined();
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'cloudtrail.amazonaws.com' } },
    ]);
    // No AWS::IAM::Policy at all in the stack, so none attached to the role.
    template.resourceCountIs('AWS::IAM::Policy', 0);

    const managed = Object.entries(template.findResources('AWS::IAM::ManagedPolicy')) as [string, any][];
    expect(managed).toHaveLength(1);
    const [policyId, policy] = managed[0];
    const groupId = Object.keys(template.findResources('AWS::Logs::LogGroup'))[0];
    expect(policy.Properties.Roles).toEqual([{ Ref: roleId }]);
    expect(policy.Properties.PolicyDocument.Statement).toEqual([{
      Sid: 'AWSCloudTrailCreateLogStreamAndPutLogEvents',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: { 'Fn::GetAtt': [groupId, 'Arn'] },
    }]);
    // CloudTrail validates the role at trail creation: the policy must be attached first.
    expect(trailResource(template).DependsOn).toEqual(expect.arrayContaining([policyId, ids.bucketPolicy]));
  });

  test('cloudWatchLogs: false creates no log group, role or policy and leaves the trail without CloudWatch Logs', () => {
    const { template, trail } = synth({ cloudWatchLogs: false });
    template.resourceCountIs('AWS::Logs::LogGroup', 0);
    template.resourceCountIs('AWS::IAM::Role', 0);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    expect(trailProps(template).CloudWatchLogsLogGroupArn).toBeUndefined();
    expect(trailProps(template).CloudWatchLogsRoleArn).toBeUndefined();
    expect(trail.logGroup).toBeUndefined();
    expect(keyStatements(template).map(s => s.Sid)).not.toContain('AllowCloudWatchLogsToUseKeyForTrailLogGroup');
  });
});
