/**
 * Closed-world proofs at the policy level: a bucket policy is proof only
 * through what src/nag/engine/understood-policy.ts lists. Each case was
 * passed as compliant (or, for NotAction, failed as a false alarm) before;
 * each runs through both drivers (the `check` command on a template file and
 * the S3EncryptionChecks pack).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Stack, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { TemplateFiles } from './both-drivers';
import { FIXTURES, cliFindings, newApp, packFindings } from './helpers';
import { EncryptionMode, SecureBucket } from '../../src';

const P = 'S3Encryption-';
const ENFORCE = `${P}S3EncryptionEnforcementPolicy`;
const TLS = `${P}S3TlsOnly`;
const SSE = 's3:x-amz-server-side-encryption';
const KEY_ID = 's3:x-amz-server-side-encryption-aws-kms-key-id';

const base = (): any => JSON.parse(fs.readFileSync(path.join(FIXTURES, 'compliant-sse-kms.json'), 'utf8'));
const doc = (t: any) => t.Resources.DataPolicy.Properties.PolicyDocument;
const sid = (t: any, id: string) => (doc(t).Statement as any[]).find((s) => s.Sid === id)!;
/** The statement that denies plain HTTP (the first, without a Sid). */
const tls = (t: any) => doc(t).Statement[0];

let files: TemplateFiles;
beforeAll(() => { files = new TemplateFiles(); });
afterAll(() => files.dispose());

test('the base template passes both drivers (so every failure below is the change)', async () => {
  expect(await files.bothDrivers(base())).toEqual([]);
});

describe('policy variables in condition values', () => {
  /** The other-algorithm Deny exempts a value besides aws:kms. */
  const withExempt = (value: string, version?: string) => {
    const t = base();
    sid(t, 'EquivalentIfExists').Condition.StringNotEqualsIfExists[SSE] = ['aws:kms', value];
    if (version === undefined) delete doc(t).Version;
    else doc(t).Version = version;
    return t;
  };

  test.each([
    ['${aws:PrincipalTag/exempt}'],
    ['${aws:username}'],
    ['${aws:PrincipalTag/x, \'AES256\'}'],
  ])('under 2012-10-17, StringNotEquals [aws:kms, %s] exempts whatever the variable holds: not proven', async (value) => {
    const t = withExempt(value, '2012-10-17');
    expect(await files.bothDrivers(t)).toEqual([`${ENFORCE}[Unresolved]`]);
    const d = await files.detail(t, ENFORCE);
    expect(d).toContain('not proven');
    expect(d).toContain(value);
    expect(d).toContain('2012-10-17');
  });

  test.each([['2008-10-17'], [undefined]])('under Version %s the same text is literal: compliant', async (version) => {
    expect(await files.bothDrivers(withExempt('${aws:PrincipalTag/exempt}', version))).toEqual([]);
  });

  test('the escapes ${*} ${?} ${$} are literal characters, not variables: StringNotEquals with them stays compliant', async () => {
    expect(await files.bothDrivers(withExempt('x${*}${?}${$}', '2012-10-17'))).toEqual([]);
  });

  test('an escaped * in a Like pattern is a literal the engine cannot express: not proven', async () => {
    const t = base();
    sid(t, 'EquivalentIfExists').Condition = { StringNotLike: { [SSE]: ['aws:kms', 'AES${*}'] } };
    expect(await files.bothDrivers(t)).toEqual([`${ENFORCE}[Unresolved]`]);
    expect(await files.detail(t, ENFORCE)).toContain('escape');
  });

  test('a variable in a resource never stands for the bucket: the Deny covers only some objects', async () => {
    const t = base();
    sid(t, 'DenyOtherKmsKey').Resource = { 'Fn::Sub': '${Data.Arn}/${!aws:username}/*' };
    expect(await files.bothDrivers(t)).toEqual([ENFORCE]);
  });

  test('a literal string that reads like a reference (no Fn::Sub) is not the reference', async () => {
    const t = base();
    sid(t, 'DenyOtherKmsKey').Resource = '${Data.Arn}/*';
    expect(await files.bothDrivers(t)).toEqual([ENFORCE]);
  });
});

describe('operators applied to the wrong kind of value are not proof', () => {
  test.each([
    ['ArnNotEquals', 'alias'],
    ['ArnNotLike', 'alias'],
    ['StringNotEqualsIgnoreCase', 'case-sensitive'],
  ])('%s on the key-id header (a key ARN, key id, alias or alias ARN)', async (op) => {
    const t = base();
    const st = sid(t, 'DenyOtherKmsKey');
    st.Condition = { Null: st.Condition.Null, [op]: { [KEY_ID]: st.Condition.StringNotEquals[KEY_ID] } };
    expect(await files.bothDrivers(t)).toEqual([`${ENFORCE}[Unresolved]`]);
    const d = await files.detail(t, ENFORCE);
    expect(d).toContain(op);
    expect(d).toContain(KEY_ID);
  });

  test('ArnLikeIfExists * on a key that is not an ARN (aws:SourceVpce) does not hold for every request', async () => {
    const t = base();
    tls(t).Condition.ArnLikeIfExists = { 'aws:SourceVpce': '*' };
    expect(await files.bothDrivers(t)).toEqual([`${TLS}[Unresolved]`]);
    expect(await files.detail(t, TLS)).toContain('aws:sourcevpce');
  });

  test('StringLikeIfExists * on any key still holds for every request', async () => {
    const t = base();
    tls(t).Condition.StringLikeIfExists = { 'aws:SourceVpce': '*' };
    expect(await files.bothDrivers(t)).toEqual([]);
  });
});

describe('policy elements outside the allow-list', () => {
  test('an unknown policy Version', async () => {
    const t = base();
    doc(t).Version = '2020-01-01';
    const f = await files.bothDrivers(t);
    expect(f).toEqual(expect.arrayContaining([`${ENFORCE}[Unresolved]`, `${TLS}[Unresolved]`]));
    expect(await files.detail(t, TLS)).toContain('2020-01-01');
  });

  test('an unknown statement element', async () => {
    const t = base();
    tls(t).Conditions = { StringEquals: { 'aws:PrincipalAccount': '111111111111' } };
    expect(await files.bothDrivers(t)).toEqual([`${TLS}[Unresolved]`]);
    expect(await files.detail(t, TLS)).toContain('Conditions');
  });

  test('an unknown document element', async () => {
    const t = base();
    doc(t).Extra = true;
    expect(await files.bothDrivers(t)).toEqual(expect.arrayContaining([`${TLS}[Unresolved]`]));
  });

  test('an empty value list is not a condition the engine evaluates', async () => {
    const t = base();
    sid(t, 'DenyOtherKmsKey').Condition.StringNotEquals[KEY_ID] = [];
    expect(await files.bothDrivers(t)).toEqual([`${ENFORCE}[Unresolved]`]);
  });
});

describe('NotAction, NotResource and NotPrincipal', () => {
  test('a TLS Deny with NotAction iam:* covers every S3 action: passes (was a false alarm)', async () => {
    const t = base();
    delete tls(t).Action;
    tls(t).NotAction = 'iam:*';
    expect(await files.bothDrivers(t)).toEqual([]);
  });

  test.each([['s3:GetObject'], ['s3:*'], ['*'], ['s?:List*']])('a TLS Deny with NotAction %s leaves some S3 actions open', async (notAction) => {
    const t = base();
    delete tls(t).Action;
    tls(t).NotAction = notAction;
    expect(await files.bothDrivers(t)).toEqual([TLS]);
    expect(await files.detail(t, TLS)).toContain('NotAction');
  });

  test('an upload Deny with NotAction s3:Get* covers PutObject and UpdateObjectEncryption', async () => {
    const t = base();
    const st = sid(t, 'DenyOtherKmsKey');
    delete st.Action;
    st.NotAction = ['s3:Get*', 's3:List*'];
    expect(await files.bothDrivers(t)).toEqual([]);
  });

  test('a TLS Deny with NotResource on IAM ARNs covers the bucket and every object', async () => {
    const t = base();
    delete tls(t).Resource;
    tls(t).NotResource = 'arn:aws:iam::*:role/*';
    expect(await files.bothDrivers(t)).toEqual([]);
  });

  test.each([
    ['arn:aws:s3:::*/public/*'],
    [{ 'Fn::Sub': '${Data.Arn}/tmp/*' }],
    ['arn:aws:s3:::other-bucket/*'],
  ])('a TLS Deny with NotResource %j may leave part of the bucket out: not proven', async (notResource) => {
    const t = base();
    delete tls(t).Resource;
    tls(t).NotResource = notResource;
    expect(await files.bothDrivers(t)).toEqual([`${TLS}[Unresolved]`]);
    expect(await files.detail(t, TLS)).toContain('NotResource');
  });

  test('a Deny with NotPrincipal exempts those principals', async () => {
    const t = base();
    delete tls(t).Principal;
    tls(t).NotPrincipal = { AWS: 'arn:aws:iam::111111111111:role/break-glass' };
    expect(await files.bothDrivers(t)).toEqual([TLS]);
    expect(await files.detail(t, TLS)).toContain('break-glass');
  });

  test('a statement with both Action and NotAction is not understood', async () => {
    const t = base();
    tls(t).NotAction = 'iam:*';
    expect(await files.bothDrivers(t)).toEqual([`${TLS}[Unresolved]`]);
  });
});

describe('a KMS alias as the bucket\'s default key is never the bucket\'s key', () => {
  const setKey = (t: any, key: unknown) => {
    t.Resources.Data.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.KMSMasterKeyID = key;
    return t;
  };
  const aliasResource = () => {
    const t = base();
    t.Resources.KeyAlias = { Type: 'AWS::KMS::Alias', Properties: { AliasName: 'alias/data', TargetKeyId: { 'Fn::GetAtt': ['Key', 'Arn'] } } };
    // The policy names the alias as the allowed key id, as one would with an alias default.
    sid(t, 'DenyOtherKmsKey').Condition.StringNotEquals[KEY_ID] = { Ref: 'KeyAlias' };
    return setKey(t, { Ref: 'KeyAlias' });
  };
  const expected = [`${P}S3DefaultEncryptionMode`, ENFORCE, `${P}S3KmsCustomerManagedKey`, `${P}S3KmsKeyRotation`];

  test('an AWS::KMS::Alias of the template', async () => {
    const t = aliasResource();
    expect(await files.bothDrivers(t)).toEqual(expected);
    expect(await files.detail(t, `${P}S3KmsCustomerManagedKey`)).toContain('requester\'s account');
  });

  test.each([['alias/data'], ['arn:aws:kms:eu-west-1:111122223333:alias/data']])('%s', async (alias) => {
    const t = setKey(base(), alias);
    sid(t, 'DenyOtherKmsKey').Condition.StringNotEquals[KEY_ID] = alias;
    expect(await files.bothDrivers(t)).toEqual(expected);
  });

  test('with allowedKmsKeyArns naming the alias, still not the bucket\'s key', async () => {
    const t = setKey(base(), 'alias/data');
    sid(t, 'DenyOtherKmsKey').Condition.StringNotEquals[KEY_ID] = 'alias/data';
    const file = files.write(t);
    const r = await files.detail(t, `${P}S3KmsCustomerManagedKey`);
    expect(r).toContain('alias/data');
    expect(await cliFindings(['check', file, '--allowed-kms-key', 'alias/data'])).toContain(`${P}S3KmsCustomerManagedKey @ Data`);
  });
});

describe('replication into a KMS-mode bucket writes replicas under the rule\'s replica key', () => {
  const withSource = (destination: Record<string, unknown>, status = 'Enabled') => {
    const t = base();
    t.Resources.Source = {
      Type: 'AWS::S3::Bucket',
      Properties: {
        VersioningConfiguration: { Status: 'Enabled' },
        ReplicationConfiguration: {
          Role: 'arn:aws:iam::111122223333:role/replication',
          Rules: [{
            Id: 'toData',
            Status: status,
            SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
            Destination: { Bucket: { 'Fn::GetAtt': ['Data', 'Arn'] }, ...destination },
          }],
        },
      },
    };
    return t;
  };

  test('ReplicaKmsKeyID = the bucket\'s key: compliant', async () => {
    expect(await files.bothDrivers(withSource({ EncryptionConfiguration: { ReplicaKmsKeyID: { 'Fn::GetAtt': ['Key', 'Arn'] } } }))).toEqual([]);
  });

  test.each([
    ['another key', { EncryptionConfiguration: { ReplicaKmsKeyID: 'arn:aws:kms:eu-west-1:111122223333:key/other' } }, 'key/other'],
    ['no replica key (replicas keep the source encryption)', {}, 'no ReplicaKmsKeyID'],
    ['an alias of the bucket\'s key', { EncryptionConfiguration: { ReplicaKmsKeyID: 'alias/data' } }, 'alias/data'],
  ])('%s: non-compliant', async (_name, destination, text) => {
    const t = withSource(destination);
    expect(await files.bothDrivers(t)).toEqual([ENFORCE]);
    const d = await files.detail(t, ENFORCE);
    expect(d).toContain('Source (rule toData)');
    expect(d).toContain(text);
  });

  test('a replica key that cannot be resolved: not proven', async () => {
    const t = withSource({ EncryptionConfiguration: { ReplicaKmsKeyID: { 'Fn::ImportValue': 'ReplicaKey' } } });
    expect(await files.bothDrivers(t)).toEqual([`${ENFORCE}[Unresolved]`]);
  });

  test('a Disabled rule writes nothing', async () => {
    expect(await files.bothDrivers(withSource({}, 'Disabled'))).toEqual([]);
  });
});

describe.each([
  ['SSE-S3', () => EncryptionMode.sseS3()],
  ['SSE-KMS', () => EncryptionMode.sseKms()],
  ['DSSE-KMS', () => EncryptionMode.dsseKms()],
  ['SSE-C', () => EncryptionMode.sseC()],
])('a %s SecureBucket with benign additions of the kinds above still passes (false-alarm guard)', (_name, mode) => {
  function build() {
    const app = newApp();
    const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
    const bucket = new SecureBucket(stack, 'B', { mode: mode() });
    Tags.of(bucket).add('team', 'data');
    // An Allow with a policy variable (home prefixes): Allows never weaken the Denies.
    bucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'HomePrefixes',
      principals: [new iam.AccountRootPrincipal()],
      actions: ['s3:GetObject'],
      resources: [bucket.arnForObjects('home/${aws:username}/*')],
    }));
    // An extra Deny written with NotAction: it only adds denials.
    bucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'NoIamViaBucket',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      notActions: ['s3:Get*', 's3:List*', 's3:Put*'],
      resources: [bucket.arnForObjects('*')],
      conditions: { StringNotEquals: { 'aws:PrincipalAccount': '111111111111' } },
    }));
    if (mode().usesKms) {
      // Another KMS-mode bucket of the stack replicating into this one with this bucket's key.
      const source = new SecureBucket(stack, 'Source', {
        mode: mode(),
        replicationRules: [{ destination: bucket, kmsKey: bucket.encryptionKey!, sseKmsEncryptedObjects: true }],
      });
      Tags.of(source).add('team', 'data');
    }
    return app;
  }

  test('passes the pack', () => {
    expect(packFindings(build())).toEqual([]);
  });

  test('passes the command', async () => {
    expect(await cliFindings(['check', build().synth().directory])).toEqual([]);
  });
});

test('SecureBucket\'s self-check refuses a replication rule into a SecureBucket under another key', () => {
  const app = newApp();
  const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
  const bucket = new SecureBucket(stack, 'B', { mode: EncryptionMode.sseKms() });
  new SecureBucket(stack, 'Source', {
    mode: EncryptionMode.sseKms(),
    replicationRules: [{ destination: bucket, kmsKey: new kms.Key(stack, 'Other'), sseKmsEncryptedObjects: true }],
  });
  expect(() => app.synth()).toThrow(/S\/B: S3Encryption-S3EncryptionEnforcementPolicy: .*replicated into the bucket by Source/);
});
