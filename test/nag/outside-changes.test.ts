/**
 * S3 keeps one bucket policy per bucket: a policy for the bucket in another
 * stack or a nested stack of the same app replaces the enforcing one, and a
 * custom resource that calls a policy- or encryption-changing API changes it
 * at deploy time. Both are "not proven" through the pack and `check` on the
 * cloud assembly (and on template files given together).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, NestedStack, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { cliFindings, packFindings, runCli } from './helpers';

const RULE = 'S3Encryption-S3BucketChangedElsewhere';
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'outside-'));
const ENV = { account: '111111111111', region: 'eu-west-1' };

/** A bucket with its own enforcing policy (TLS only), as any stack would have. */
function dataBucket(scope: Construct, props: s3.BucketProps = {}) {
  return new s3.Bucket(scope, 'Data', { encryption: s3.BucketEncryption.S3_MANAGED, enforceSSL: true, ...props });
}

const policyFor = (bucketName: string) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::222222222222:root' }, Action: 's3:PutObject', Resource: `arn:aws:s3:::${bucketName}/*` }],
});

/** The findings of this rule through the pack (after synthesis, when cross-stack references are rendered) and `check` on the assembly; they must agree. */
async function bothDrivers(app: App): Promise<string[]> {
  const dir = app.synth().directory;
  const pack = packFindings(app).filter((f) => f.startsWith(RULE)).map((f) => f.split(' @ ')[0]);
  const cli = (await cliFindings(['check', dir])).filter((f) => f.startsWith(RULE)).map((f) => f.split(' @ ')[0]);
  expect(pack).toEqual(cli);
  return cli;
}

test('a bucket alone, and with a same-account grant from another stack, passes', async () => {
  const app = new App({ outdir: tmp() });
  const bucket = dataBucket(new Stack(app, 'Data', { env: ENV }));
  bucket.grantRead(new iam.Role(new Stack(app, 'Readers', { env: ENV }), 'Reader', { assumedBy: new iam.AccountRootPrincipal() }));
  expect(await bothDrivers(app)).toEqual([]);
});

test('a bucket policy for it in another stack (a cross-stack reference: Fn::ImportValue)', async () => {
  const app = new App({ outdir: tmp() });
  const bucket = dataBucket(new Stack(app, 'Data', { env: ENV }));
  new s3.CfnBucketPolicy(new Stack(app, 'Other', { env: ENV }), 'Replacing', { bucket: bucket.bucketName, policyDocument: policyFor('x') });
  expect(await bothDrivers(app)).toEqual([`${RULE}[Unresolved]`]);
  const j = JSON.parse((await runCli(['check', app.synth().directory, '--format', 'json'])).stdout);
  expect(j.findings.find((f: any) => f.ruleId === RULE).detail).toMatch(/^not proven: the bucket policy Replacing in Other also targets this bucket; S3 keeps one policy per bucket/);
});

test('a bucket policy for it in a nested stack (a nested stack parameter)', async () => {
  const app = new App({ outdir: tmp() });
  const parent = new Stack(app, 'Parent', { env: ENV });
  const bucket = dataBucket(parent);
  new s3.CfnBucketPolicy(new NestedStack(parent, 'Child'), 'Replacing', { bucket: bucket.bucketName, policyDocument: policyFor('x') });
  expect(await bothDrivers(app)).toEqual([`${RULE}[Unresolved]`]);
});

test('a bucket policy for its literal name in another stack; and in another template file given with it', async () => {
  const app = new App({ outdir: tmp() });
  dataBucket(new Stack(app, 'Data', { env: ENV }), { bucketName: 'acme-data-bucket' });
  new s3.CfnBucketPolicy(new Stack(app, 'Other', { env: ENV }), 'Replacing', { bucket: 'acme-data-bucket', policyDocument: policyFor('acme-data-bucket') });
  expect(await bothDrivers(app)).toEqual([`${RULE}[Unresolved]`]);
  const dir = app.synth().directory;
  expect((await cliFindings(['check', path.join(dir, 'Data.template.json')])).filter((f) => f.startsWith(RULE))).toEqual([]);
  expect((await cliFindings(['check', path.join(dir, 'Data.template.json'), path.join(dir, 'Other.template.json')])).filter((f) => f.startsWith(RULE)))
    .toEqual([expect.stringMatching(new RegExp(`^${RULE}\\[Unresolved\\] @ Data`))]);
});

test.each([
  ['putBucketPolicy', 'PutBucketPolicy'],
  ['deleteBucketPolicy', 'DeleteBucketPolicy'],
  ['putBucketEncryption', 'PutBucketEncryption'],
  ['deleteBucketEncryption', 'DeleteBucketEncryption'],
])('an AwsCustomResource calling %s on the bucket, in its stack or another', async (action, iamAction) => {
  for (const where of ['same', 'other']) {
    const app = new App({ outdir: tmp() });
    const stack = new Stack(app, 'Data', { env: ENV });
    const bucket = dataBucket(stack);
    const crStack = where === 'same' ? stack : new Stack(app, 'Other', { env: ENV });
    new cr.AwsCustomResource(crStack, 'Changer', {
      onCreate: { service: 'S3', action, parameters: { Bucket: bucket.bucketName }, physicalResourceId: cr.PhysicalResourceId.of('x') },
      policy: cr.AwsCustomResourcePolicy.fromStatements([new iam.PolicyStatement({ actions: [`s3:${iamAction}`], resources: [bucket.bucketArn] })]),
    });
    expect(await bothDrivers(app)).toEqual([`${RULE}[Unresolved]`]);
  }
});

test('a custom resource that calls another API on the bucket (auto-delete objects) is no finding', async () => {
  const app = new App({ outdir: tmp() });
  const stack = new Stack(app, 'Data', { env: ENV });
  dataBucket(stack, { autoDeleteObjects: true, removalPolicy: RemovalPolicy.DESTROY });
  expect(await bothDrivers(app)).toEqual([]);
});
