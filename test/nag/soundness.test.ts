/**
 * Templates that leave uploads unenforced, or plain HTTP open, for SOME
 * principals, object keys, networks or deployments: each must fail, through
 * both drivers (the `check` command on a template file, and the in-app
 * S3EncryptionChecks pack on the same resources in a CDK stack). Each was
 * passed as compliant before the engine proved denial over request classes.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { asApp } from './closed-world-helpers';
import { FIXTURES, cliFindings, newApp, packFindings, runCli, templateFindings } from './helpers';
import { EncryptionMode, SecureBucket } from '../../src';
import { DEFAULT_POLICY } from '../../src/nag/engine/policy';

const P = 'S3Encryption-';
const base = (): any => JSON.parse(fs.readFileSync(path.join(FIXTURES, 'compliant-sse-kms.json'), 'utf8'));
const statements = (t: any) => t.Resources.DataPolicy.Properties.PolicyDocument.Statement as any[];
const sid = (t: any, id: string | undefined) => statements(t).find((s) => s.Sid === id)!;

let dir: string;
beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soundness-')); });
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Findings on the bucket `Data` through the check command and through the pack; they must agree. */
async function bothDrivers(template: any, extraArgs: string[] = []): Promise<string[]> {
  const file = path.join(dir, `t-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, JSON.stringify(template));
  const cli = (await cliFindings(['check', file, ...extraArgs])).filter((f) => f.endsWith('@ Data')).map((f) => f.split(' @ ')[0]);
  const pack = packFindings(asApp(template)).filter((f) => f.endsWith('@ Data')).map((f) => f.split(' @ ')[0]);
  expect(pack.map((f) => f.replace(/\[Unresolved\]$/, ''))).toEqual(cli.map((f) => f.replace(/\[Unresolved\]$/, '')));
  return cli;
}

/** The detail the check command gives for `rule` on Data. */
async function detail(template: any, rule: string): Promise<string> {
  const file = path.join(dir, `d-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, JSON.stringify(template));
  const r = await runCli(['check', file, '--format', 'json']);
  return JSON.parse(r.stdout).findings.find((f: any) => f.logicalId === 'Data' && f.ruleId === `${P}${rule}`)?.detail ?? '';
}

test('the base template passes both drivers (so every failure below is the mutation)', async () => {
  expect(await bothDrivers(base())).toEqual([]);
});

describe('conditions on keys the engine does not model are not proof', () => {
  test.each([
    ['StringNotLike aws:PrincipalArn (a backdoor role)', { StringNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/backdoor-*' } }, 'aws:principalarn'],
    ['StringNotEquals aws:SourceVpce (one VPC endpoint exempt)', { StringNotEquals: { 'aws:SourceVpce': 'vpce-1234' } }, 'aws:sourcevpce'],
    ['StringEqualsIfExists aws:PrincipalAccount (only one account denied)', { StringEqualsIfExists: { 'aws:PrincipalAccount': '999999999999' } }, 'aws:principalaccount'],
  ])('%s on the other-key statement', async (_name, extra, key) => {
    const t = base();
    Object.assign(sid(t, 'DenyOtherKmsKey').Condition, extra);
    expect(await bothDrivers(t)).toEqual([`${P}S3EncryptionEnforcementPolicy[Unresolved]`]);
    const d = await detail(t, 'S3EncryptionEnforcementPolicy');
    expect(d).toMatch(/not proven/);
    expect(d).toContain('DenyOtherKmsKey');
    expect(d).toContain(key);
  });

  test('the same on the TLS statement leaves plain HTTP open for some: not proven', async () => {
    const t = base();
    statements(t)[0].Condition.StringNotLike = { 'aws:PrincipalArn': 'arn:aws:iam::*:role/backdoor-*' };
    expect(await bothDrivers(t)).toEqual([`${P}S3TlsOnly[Unresolved]`]);
    expect(await detail(t, 'S3TlsOnly')).toContain('aws:principalarn');
  });

  test('a condition that holds for every request (StringLikeIfExists *) is still proof', async () => {
    const t = base();
    sid(t, 'DenyOtherKmsKey').Condition.StringLikeIfExists = { 'aws:PrincipalArn': '*' };
    expect(await bothDrivers(t)).toEqual([]);
  });
});

describe('resources narrower than every object are not proof', () => {
  test('a Deny on bucket/p* does not cover bucket/q', async () => {
    const t = base();
    sid(t, 'DenyOtherKmsKey').Resource = { 'Fn::Sub': '${Data.Arn}/p*' };
    expect(await bothDrivers(t)).toEqual([`${P}S3EncryptionEnforcementPolicy`]);
    expect(await detail(t, 'S3EncryptionEnforcementPolicy')).toMatch(/does not cover every object/);
  });

  test('a TLS Deny on the objects but not the bucket ARN', async () => {
    const t = base();
    statements(t)[0].Resource = [{ 'Fn::Sub': '${Data.Arn}/*' }];
    expect(await bothDrivers(t)).toEqual([`${P}S3TlsOnly`]);
  });

  test('a literal pattern cannot match inside a deploy-time name (arn:...:::$*)', async () => {
    const t = base();
    sid(t, 'DenyOtherKmsKey').Resource = { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::$*' };
    expect(await bothDrivers(t)).toEqual([`${P}S3EncryptionEnforcementPolicy`]);
  });
});

test('a bucket policy under a CloudFormation Condition is not proof', async () => {
  const t = base();
  t.Conditions = { IsProd: { 'Fn::Equals': ['a', 'b'] } };
  t.Resources.DataPolicy.Condition = 'IsProd';
  const f = await bothDrivers(t);
  expect(f).toEqual(expect.arrayContaining([`${P}S3EncryptionEnforcementPolicy[Unresolved]`, `${P}S3TlsOnly[Unresolved]`]));
  expect(await detail(t, 'S3TlsOnly')).toMatch(/condition IsProd/);
});

test('two bucket policies for one bucket: the last deployed wins, so neither is proof', async () => {
  const t = base();
  t.Resources.SecondPolicy = JSON.parse(JSON.stringify(t.Resources.DataPolicy));
  const f = await bothDrivers(t);
  expect(f).toEqual(expect.arrayContaining([`${P}S3EncryptionEnforcementPolicy[Unresolved]`, `${P}S3TlsOnly[Unresolved]`]));
  expect(await detail(t, 'S3TlsOnly')).toMatch(/2 AWS::S3::BucketPolicy resources \(DataPolicy, SecondPolicy\)/);
});

describe('trail selectors are evaluated as CloudTrail does', () => {
  const advanced = (fields: object[]) => {
    const t = base();
    delete t.Resources.Trail.Properties.EventSelectors;
    t.Resources.Trail.Properties.AdvancedEventSelectors = [{ Name: 'sel', FieldSelectors: fields }];
    return t;
  };
  const common = [{ Field: 'eventCategory', Equals: ['Data'] }, { Field: 'resources.type', Equals: ['AWS::S3::Object'] }];

  test('StartsWith the object prefix records every object write', async () => {
    expect(await bothDrivers(advanced([...common, { Field: 'resources.ARN', StartsWith: [{ 'Fn::Sub': '${Data.Arn}/' }] }]))).toEqual([]);
  });

  test.each([
    ['resources.ARN Equals the bucket ARN (matches no object event)', [...common, { Field: 'resources.ARN', Equals: [{ 'Fn::GetAtt': ['Data', 'Arn'] }] }]],
    ['readOnly Equals true (reads only)', [...common, { Field: 'readOnly', Equals: ['true'] }]],
    ['resources.ARN NotStartsWith a sub-prefix (some keys unrecorded)', [...common, { Field: 'resources.ARN', NotStartsWith: [{ 'Fn::Sub': '${Data.Arn}/tmp/' }] }]],
    ['eventName selects some events only', [...common, { Field: 'eventName', Equals: ['PutObject'] }]],
    ['resources.ARN EndsWith a suffix', [...common, { Field: 'resources.ARN', EndsWith: ['.csv'] }]],
    ['no resources.type field', [{ Field: 'eventCategory', Equals: ['Data'] }]],
  ])('%s', async (_name, fields) => {
    expect(await bothDrivers(advanced(fields))).toEqual([`${P}S3KmsDataEventsTrail`]);
  });

  test('a basic ReadOnly selector does not audit uploads', async () => {
    const t = base();
    t.Resources.Trail.Properties.EventSelectors[0].ReadWriteType = 'ReadOnly';
    expect(await bothDrivers(t)).toEqual([`${P}S3KmsDataEventsTrail`]);
  });

  test('a trail under a CloudFormation Condition is not proof', async () => {
    const t = base();
    t.Conditions = { IsProd: { 'Fn::Equals': ['a', 'b'] } };
    t.Resources.Trail.Condition = 'IsProd';
    expect(await bothDrivers(t)).toEqual([`${P}S3KmsDataEventsTrail[Unresolved]`]);
  });
});

test('allowed key ARNs match Fn::Sub / Fn::Join forms of the same ARN', () => {
  const t = base();
  const arn = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const enc = t.Resources.Data.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault;
  enc.KMSMasterKeyID = { 'Fn::Sub': 'arn:${AWS::Partition}:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' };
  sid(t, 'DenyOtherKmsKey').Condition.StringNotEquals['s3:x-amz-server-side-encryption-aws-kms-key-id'] = arn;
  const onData = (policy: typeof DEFAULT_POLICY) => templateFindings(t, policy).filter((f) => f.endsWith('@ Data') && f.includes('CustomerManagedKey'));
  expect(onData({ ...DEFAULT_POLICY, allowedKmsKeyArns: [arn] })).toEqual([]);
  expect(onData({ ...DEFAULT_POLICY, allowedKmsKeyArns: [arn.replace('1234abcd', 'ffffffff')] })).toEqual([`${P}S3KmsCustomerManagedKey @ Data`]);
  t.Resources.Data.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.KMSMasterKeyID = {
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab']],
  };
  expect(onData({ ...DEFAULT_POLICY, allowedKmsKeyArns: [arn] })).toEqual([]);
});

describe.each([
  ['SSE-S3', () => EncryptionMode.sseS3()],
  ['SSE-KMS', () => EncryptionMode.sseKms()],
  ['DSSE-KMS', () => EncryptionMode.dsseKms()],
  ['SSE-C', () => EncryptionMode.sseC()],
])('a %s SecureBucket with a same-account grantRead and a benign extra statement', (_name, mode) => {
  function build() {
    const app = newApp();
    const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
    const bucket = new SecureBucket(stack, 'B', { mode: mode() });
    bucket.grantRead(new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() }));
    bucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AuditorsList',
      principals: [new iam.ArnPrincipal('arn:aws:iam::111111111111:role/auditor')],
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
    }));
    return app;
  }

  test('still passes the pack', () => {
    expect(packFindings(build())).toEqual([]);
  });

  test('still passes the command', async () => {
    expect(await cliFindings(['check', build().synth().directory])).toEqual([]);
  });
});
