/**
 * BatchKeyRotation: the exact IAM statements of the function and the job role (least privilege), the
 * function's configuration, the create-job command, synth-time errors, and the four cdk-nag packs.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { BatchKeyRotation, BatchKeyRotationProps, EncryptionMode, SecureBucket } from '../../src';
import { NAG_PACKS, nagFindings } from '../audit/nag-findings';

const OLD_1 = 'arn:aws:kms:eu-west-1:111122223333:key/11111111-1111-1111-1111-111111111111';
const OLD_2 = 'arn:aws:kms:eu-west-1:111122223333:key/22222222-2222-2222-2222-222222222222';
const NEW = 'arn:aws:kms:eu-west-1:111122223333:key/33333333-3333-3333-3333-333333333333';

function build(extra: Partial<BatchKeyRotationProps> = {}) {
  const app = new App();
  const stack = new Stack(app, 'S', { env: { account: '111122223333', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const data = s3.Bucket.fromBucketName(stack, 'Data', 'data-bucket');
  const jobs = s3.Bucket.fromBucketName(stack, 'Jobs', 'jobs-bucket');
  const rotation = new BatchKeyRotation(stack, 'Rotation', {
    bucket: data,
    sourceKeys: [kms.Key.fromKeyArn(stack, 'Old1', OLD_1), kms.Key.fromKeyArn(stack, 'Old2', OLD_2)],
    targetKey: kms.Key.fromKeyArn(stack, 'New', NEW),
    jobBucket: jobs,
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    ...extra,
  });
  return { app, stack, rotation, template: Template.fromStack(stack) };
}

/** Every statement of the inline and managed policies attached to the role whose logical id starts with `rolePrefix`. */
function policyOf(template: Template, rolePrefix: string): any[] {
  const statements: any[] = [];
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
    for (const p of Object.values(template.findResources(type))) {
      if (JSON.stringify(p.Properties.Roles ?? []).includes(`"Ref":"${rolePrefix}`)) statements.push(...p.Properties.PolicyDocument.Statement);
    }
  }
  return statements;
}

function logicalIdOf(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0];
}

const S3EC_DATA_KEYS = { StringEquals: { 'kms:EncryptionContext:aws:x-amz-cek-alg': ['AES/GCM/NoPadding', '115'] } };

test('the function may decrypt with the old keys, encrypt and decrypt with the new one (S3EC data keys only), and touch the bucket\'s objects only', () => {
  const { template } = build();
  const statements = policyOf(template, 'RotationFunctionRole');
  const objects = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::data-bucket/*']] };
  expect(statements).toEqual([
    { Sid: 'DecryptWithTheOldKeys', Effect: 'Allow', Action: 'kms:Decrypt', Resource: [OLD_1, OLD_2], Condition: S3EC_DATA_KEYS },
    { Sid: 'WrapAndCheckWithTheNewKey', Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: NEW, Condition: S3EC_DATA_KEYS },
    {
      Sid: 'RewrapTheBucketsObjects',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:GetObjectTagging', 's3:PutObjectTagging', 's3:AbortMultipartUpload'],
      Resource: objects,
    },
    {
      Sid: 'WriteItsOwnLogs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::Logs::LogGroup', 'RotationLogs'), 'Arn'] },
    },
    {
      Sid: 'FunctionNetworkInterfaces',
      Effect: 'Allow',
      Resource: '*',
      Action: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
    },
  ]);
  // No inline policy: every statement is in a customer managed policy.
  expect(Object.keys(template.findResources('AWS::IAM::Policy'))).toEqual([]);
});

test('the job role: trusted by Batch Operations of this account, may invoke this function, read manifests, write reports; nothing else', () => {
  const { template } = build();
  template.hasResourceProperties('AWS::IAM::Role', {
    AssumeRolePolicyDocument: {
      Statement: [{
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'batchoperations.s3.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' } },
      }],
    },
  });
  const statements = policyOf(template, 'RotationJobRole');
  const fn = logicalIdOf(template, 'AWS::Lambda::Function', 'RotationFunction');
  expect(statements).toEqual([
    { Sid: 'InvokeTheRewrapFunction', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [fn, 'Arn'] } },
    {
      Sid: 'ReadTheManifests',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:GetObjectVersion'],
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::jobs-bucket/key-rotation/manifests/*']] },
    },
    {
      Sid: 'WriteTheReports',
      Effect: 'Allow',
      Action: 's3:PutObject',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::jobs-bucket/key-rotation/reports/*']] },
    },
  ]);
});

test('the function: Node.js 24, the handler of the asset, its configuration in the environment, reserved concurrency, in the VPC', () => {
  const { template } = build();
  template.hasResourceProperties('AWS::Lambda::Function', {
    Runtime: 'nodejs24.x',
    Handler: 'rotation/handler/lambda.handler',
    ReservedConcurrentExecutions: 50,
    VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue() }),
    Environment: { Variables: { BUCKET_NAME: 'data-bucket', SOURCE_KMS_KEY_ARNS: `${OLD_1},${OLD_2}`, TARGET_KMS_KEY_ARN: NEW } },
  });
});

test('objectLock adds the retention and legal hold actions; an encrypted job bucket gets its key granted to the job role', () => {
  const app = new App();
  const stack = new Stack(app, 'S', { env: { account: '111122223333', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const jobs = new SecureBucket(stack, 'Jobs', { mode: EncryptionMode.sseKms() });
  new BatchKeyRotation(stack, 'Rotation', {
    bucket: s3.Bucket.fromBucketName(stack, 'Data', 'data-bucket'),
    sourceKeys: [kms.Key.fromKeyArn(stack, 'Old1', OLD_1)],
    targetKey: kms.Key.fromKeyArn(stack, 'New', NEW),
    jobBucket: jobs,
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    objectLock: true,
  });
  const template = Template.fromStack(stack);
  const fn = policyOf(template, 'RotationFunctionRole').find((s) => s.Sid === 'RewrapTheBucketsObjects');
  expect(fn.Action).toEqual(expect.arrayContaining(['s3:GetObjectRetention', 's3:GetObjectLegalHold', 's3:PutObjectRetention', 's3:PutObjectLegalHold']));
  const job = policyOf(template, 'RotationJobRole');
  expect(job.some((s) => JSON.stringify(s.Action).includes('kms:Decrypt') && JSON.stringify(s.Action).includes('kms:GenerateDataKey'))).toBe(true);
});

test('the create-job command: LambdaInvoke schema 2.0, this role, the manifest under the prefix, a report of all tasks, confirmation required', () => {
  const { stack, rotation } = build();
  const command = stack.resolve(rotation.createJobCommand('key-rotation/manifests/run-1.csv', '"abc"', true));
  const text = JSON.stringify(command);
  expect(text).toContain('aws s3control create-job');
  expect(text).toContain('--confirmation-required');
  expect(text).toMatch(/\\"InvocationSchemaVersion\\":\\"2.0\\"/);
  expect(text).toMatch(/\\"Fields\\":\[\\"Bucket\\",\\"Key\\",\\"VersionId\\"\]/);
  expect(text).toContain(':s3:::jobs-bucket/key-rotation/manifests/run-1.csv');
  expect(text).toMatch(/\\"ReportScope\\":\\"AllTasks\\"/);
  expect(() => rotation.createJobCommand('elsewhere/run.csv', 'x')).toThrow(/S\/Rotation: manifestKey: 'elsewhere\/run.csv' is not under the manifest prefix/);
  Template.fromStack(stack).hasOutput('*', { Description: Match.stringLikeRegexp('aws s3control create-job') });
});

test('misuse is a synth-time error naming the path, the prop and the fix', () => {
  expect(() => build({ sourceKeys: [] })).toThrow(/S\/Rotation: sourceKeys: names no key\. Fix:/);
  expect(() => build({ reportPrefix: 'no-slash' })).toThrow(/S\/Rotation: reportPrefix: 'no-slash' is not a literal key prefix ending in '\/'\. Fix:/);
  expect(() => build({ reservedConcurrency: 0 })).toThrow(/S\/Rotation: reservedConcurrency: must be a whole number/);
});

test.each(NAG_PACKS)('%s: no finding on what BatchKeyRotation creates', (pack) => {
  const { app, stack } = build();
  expect(nagFindings(app, pack, stack, 'S/Rotation')).toEqual([]);
});

test('the wildcard acknowledgements name their exact resources: another wildcard added later is still reported', () => {
  const { app, stack, rotation } = build();
  const policy = rotation.node.findChild('ObjectsPolicy') as iam.ManagedPolicy;
  policy.addStatements(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::another-bucket/*'] }));
  expect(nagFindings(app, 'AwsSolutions', stack, 'S/Rotation')).toEqual([
    'AwsSolutions-IAM5[Resource::arn:aws:s3:::another-bucket/*] @ S/Rotation/ObjectsPolicy/Resource',
  ]);
});
