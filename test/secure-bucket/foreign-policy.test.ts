/**
 * SecureBucket's self-check refuses a bucket policy for it from another stack
 * or a nested stack of the same app, like a removed policy: S3 keeps one
 * policy per bucket, so that policy would replace the enforcing one.
 */
import { App, NestedStack, Stack, Stage } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { EncryptionMode, SecureBucket } from '../../src';
import { SecureBucketConfigError } from '../../src/private/errors';
import { synthError } from '../fixtures/synth-error';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const DOC = (resource: string) => new iam.PolicyDocument({
  statements: [new iam.PolicyStatement({ principals: [new iam.AccountPrincipal('222222222222')], actions: ['s3:PutObject'], resources: [resource] })],
});

function expectRefused(app: App, where: RegExp, path = 'Data/B') {
  const err = synthError(app);
  expect(err).toBeInstanceOf(SecureBucketConfigError);
  expect(err.constructPath).toBe(path);
  expect(err.prop).toBe('BucketPolicy');
  expect(err.message).toMatch(where);
  expect(err.message).toMatch(/S3 keeps one policy per bucket/);
  expect(err.message).toMatch(/Fix: remove that AWS::S3::BucketPolicy and add its statements with bucket.addToResourcePolicy/);
}

describe.each([
  ['SSE-S3', () => EncryptionMode.sseS3()],
  ['SSE-KMS', () => EncryptionMode.sseKms()],
])('a %s SecureBucket', (_n, mode) => {
  test('a bucket policy for it in another stack fails synthesis', () => {
    const app = new App();
    const bucket = new SecureBucket(new Stack(app, 'Data', { env: ENV }), 'B', { mode: mode() });
    new s3.CfnBucketPolicy(new Stack(app, 'Other', { env: ENV }), 'Replacing', { bucket: bucket.bucketName, policyDocument: DOC(bucket.arnForObjects('*')) });
    expectRefused(app, /the bucket policy Other\/Replacing in the stack Other targets Data\/B/);
  });

  test('a bucket policy for it in a nested stack fails synthesis', () => {
    const app = new App();
    const stack = new Stack(app, 'Data', { env: ENV });
    const bucket = new SecureBucket(stack, 'B', { mode: mode() });
    new s3.CfnBucketPolicy(new NestedStack(stack, 'Child'), 'Replacing', { bucket: bucket.bucketName, policyDocument: DOC(bucket.arnForObjects('*')) });
    expectRefused(app, /the bucket policy Data\/Child\/Replacing in the stack Data\/Child targets Data\/B/);
  });

  test('a bucket policy for its literal name in another stage fails synthesis', () => {
    const app = new App();
    new SecureBucket(new Stack(app, 'Data', { env: ENV }), 'B', { mode: mode(), bucketName: 'acme-secure-data' });
    new s3.CfnBucketPolicy(new Stack(new Stage(app, 'Prod'), 'Other', { env: ENV }), 'Replacing', { bucket: 'acme-secure-data', policyDocument: DOC('arn:aws:s3:::acme-secure-data/*') });
    expectRefused(app, /the bucket policy Prod\/Other\/Replacing in the stack Prod\/Other targets Data\/B/);
  });

  test('another stack with its own SecureBucket of the same id (the same logical id) still synthesizes', () => {
    const app = new App();
    new SecureBucket(new Stack(app, 'Data', { env: ENV }), 'B', { mode: mode() });
    new SecureBucket(new Stack(app, 'Other', { env: ENV }), 'B', { mode: mode() });
    new SecureBucket(new NestedStack(new Stack(app, 'Parent', { env: ENV }), 'Child'), 'B', { mode: mode() });
    expect(() => app.synth()).not.toThrow();
  });

  test('grants from another stack, and a policy for another bucket there, still synthesize', () => {
    const app = new App();
    const bucket = new SecureBucket(new Stack(app, 'Data', { env: ENV }), 'B', { mode: mode() });
    const other = new Stack(app, 'Other', { env: ENV });
    bucket.grantReadWrite(new iam.Role(other, 'Writer', { assumedBy: new iam.AccountRootPrincipal() }));
    const plain = new s3.Bucket(other, 'Plain', { enforceSSL: true });
    plain.addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.AccountRootPrincipal()], actions: ['s3:GetObject'], resources: [plain.arnForObjects('*')] }));
    expect(() => app.synth()).not.toThrow();
  });
});
