/**
 * SecureBucket's guarantees hold on the final, resolved template: escape hatches
 * (L1 overrides, deletions, removed children, Aspects) that weaken a bucket fail
 * synthesis with a SecureBucketConfigError naming the path, what changed and the
 * fix; changes that weaken nothing still synthesize.
 */
import { App, Aspects, Duration, IAspect, Stack, Tags } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { AccessLogsBucket, EncryptionMode, EncryptionModeKind, SecureBucket, SecureBucketErrors } from '../../src';
import { SecureBucketConfigError } from '../../src/private/errors';
import { synthError } from '../fixtures/synth-error';

function stackWith(mode: EncryptionMode, extra: Partial<ConstructorParameters<typeof SecureBucket>[2]> = {}) {
  const app = new App();
  const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'us-east-1' } });
  const bucket = new SecureBucket(stack, 'Data', { mode, ...extra });
  const cfn = bucket.node.defaultChild as s3.CfnBucket;
  return { app, stack, bucket, cfn };
}


function expectRefused(app: App, prop: RegExp, what: RegExp, path = 'S/Data') {
  const err = synthError(app);
  expect(err).toBeInstanceOf(SecureBucketConfigError);
  expect(SecureBucketErrors.isConfigError(err)).toBe(true);
  expect(err.constructPath).toBe(path);
  expect(err.prop).toMatch(prop);
  expect(err.message).toMatch(new RegExp(`^${path}: `));
  expect(err.message).toMatch(what);
  expect(err.message).toMatch(/Fix: /);
}

const MODES: Array<[string, () => EncryptionMode]> = [
  ['SSE-S3', () => EncryptionMode.sseS3()],
  ['SSE-KMS', () => EncryptionMode.sseKms()],
  ['DSSE-KMS', () => EncryptionMode.dsseKms()],
  ['SSE-C', () => EncryptionMode.sseC()],
];
const KMS_MODES = MODES.filter(([n]) => n.includes('KMS'));

describe('escape hatches on the bucket L1 fail synthesis', () => {
  test.each(MODES)('%s: bucketEncryption = undefined on the L1', (_n, mode) => {
    const { app, cfn } = stackWith(mode());
    cfn.bucketEncryption = undefined;
    expectRefused(app, /BucketEncryption/, /has no BucketEncryption on S\/Data, which must be/);
  });

  test.each(KMS_MODES)('%s: the algorithm overridden to AES256', (_n, mode) => {
    const { app, cfn } = stackWith(mode());
    cfn.addPropertyOverride('BucketEncryption.ServerSideEncryptionConfiguration.0.ServerSideEncryptionByDefault.SSEAlgorithm', 'AES256');
    expectRefused(app, /BucketEncryption/, /SSEAlgorithm is AES256 \(must be aws:kms/);
  });

  test.each(MODES)('%s: PublicAccessBlockConfiguration deleted', (_n, mode) => {
    const { app, cfn } = stackWith(mode());
    cfn.addPropertyDeletionOverride('PublicAccessBlockConfiguration');
    expectRefused(app, /PublicAccessBlockConfiguration/, /has no PublicAccessBlockConfiguration/);
  });

  test('one public access block setting turned off', () => {
    const { app, cfn } = stackWith(EncryptionMode.sseS3());
    cfn.addPropertyOverride('PublicAccessBlockConfiguration.RestrictPublicBuckets', false);
    expectRefused(app, /PublicAccessBlockConfiguration/, /RestrictPublicBuckets is false \(must be true\)/);
  });

  test.each(KMS_MODES)('%s: BlockedEncryptionTypes overridden to NONE (SSE-C allowed again)', (_n, mode) => {
    const { app, cfn } = stackWith(mode());
    cfn.addPropertyOverride('BucketEncryption.ServerSideEncryptionConfiguration.0.BlockedEncryptionTypes.EncryptionType', ['NONE']);
    expectRefused(app, /BucketEncryption|S3SseCBlocked/, /NONE/);
  });

  test.each(MODES)('%s: OwnershipControls set back to ObjectWriter', (_n, mode) => {
    const { app, cfn } = stackWith(mode());
    cfn.ownershipControls = { rules: [{ objectOwnership: 'ObjectWriter' }] };
    expectRefused(app, /OwnershipControls/, /ObjectWriter/);
  });

  test('server access logging removed', () => {
    const { app, cfn } = stackWith(EncryptionMode.sseS3());
    cfn.loggingConfiguration = undefined;
    expectRefused(app, /LoggingConfiguration/, /has no LoggingConfiguration/);
  });

  test('the KMS key swapped for an alias through the L1', () => {
    const { app, stack, cfn } = stackWith(EncryptionMode.sseKms());
    const alias = new kms.Alias(stack, 'Alias', { aliasName: 'alias/data', targetKey: new kms.Key(stack, 'Other', { enableKeyRotation: true }) });
    cfn.addPropertyOverride('BucketEncryption.ServerSideEncryptionConfiguration.0.ServerSideEncryptionByDefault.KMSMasterKeyID', alias.keyArn);
    expectRefused(app, /BucketEncryption/, /alias\/data/);
  });
});

describe('the bucket policy', () => {
  test.each(MODES)('%s: tryRemoveChild(\'Policy\') fails synthesis', (_n, mode) => {
    const { app, bucket } = stackWith(mode());
    expect(bucket.node.tryRemoveChild('Policy')).toBe(true);
    expectRefused(app, /BucketPolicy/, /has no bucket policy for S\/Data/);
  });

  test('the policy document replaced through its L1 fails synthesis', () => {
    const { app, bucket } = stackWith(EncryptionMode.sseKms());
    const cfnPolicy = bucket.policy!.node.defaultChild as s3.CfnBucketPolicy;
    cfnPolicy.policyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Action: 's3:GetObject', Resource: '*' }] };
    expectRefused(app, /BucketPolicy/, /lost or changed the statement\(s\) .*'DenyOtherKmsKey'/);
  });

  test('a second AWS::S3::BucketPolicy for the bucket (S3 keeps only one) fails synthesis', () => {
    const { app, stack, bucket } = stackWith(EncryptionMode.sseS3());
    new s3.CfnBucketPolicy(stack, 'Replacement', {
      bucket: bucket.bucketName,
      policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Action: 's3:GetObject', Resource: '*' }] },
    });
    expectRefused(app, /BucketPolicy/, /2 bucket policies for S\/Data .*Replacement/);
  });

  test('one enforcement statement loosened by an override fails synthesis', () => {
    const { app, bucket } = stackWith(EncryptionMode.sseS3());
    const cfnPolicy = bucket.policy!.node.defaultChild as s3.CfnBucketPolicy;
    const stack = Stack.of(bucket);
    const statements = stack.resolve((bucket.policy!.document as iam.PolicyDocument).toJSON()).Statement as any[];
    const i = statements.findIndex((s) => s.Sid === 'DenySseC');
    cfnPolicy.addPropertyOverride(`PolicyDocument.Statement.${i}.Effect`, 'Allow');
    expectRefused(app, /BucketPolicy/, /'DenySseC'/);
  });
});

describe('Aspects', () => {
  class DeleteEncryption implements IAspect {
    public visit(node: IConstruct): void {
      if (s3.CfnBucket.isCfnBucket(node)) node.addPropertyDeletionOverride('BucketEncryption');
    }
  }

  test.each(MODES)('%s: an Aspect deleting BucketEncryption from every CfnBucket fails synthesis', (_n, mode) => {
    const { app, stack } = stackWith(mode());
    Aspects.of(stack).add(new DeleteEncryption());
    expectRefused(app, /BucketEncryption/, /has no BucketEncryption/);
  });

  test.each(KMS_MODES)('%s: an Aspect removing the trail\'s data-event selectors fails synthesis (S3KmsDataEventsTrail)', (_n, mode) => {
    const { app, stack } = stackWith(mode());
    Aspects.of(stack).add({
      visit(node: IConstruct) {
        if (cloudtrail.CfnTrail.isCfnTrail(node)) node.addPropertyDeletionOverride('AdvancedEventSelectors');
      },
    });
    expectRefused(app, /S3Encryption-S3KmsDataEventsTrail/, /no CloudTrail trail in this template records the bucket's S3 data events/);
  });

  test('benign Aspects, tags, lifecycle rules and overrides still synthesize', () => {
    const { app, stack, bucket, cfn } = stackWith(EncryptionMode.sseKms(), { lifecycleRules: [{ expiration: Duration.days(400) }] });
    Tags.of(stack).add('team', 'data');
    Aspects.of(stack).add({
      visit(node: IConstruct) {
        if (s3.CfnBucket.isCfnBucket(node)) node.addPropertyOverride('AnalyticsConfigurations', []);
      },
    });
    cfn.addPropertyOverride('LifecycleConfiguration.Rules.0.NoncurrentVersionExpiration', { NoncurrentDays: 30 });
    cfn.addPropertyOverride('VersioningConfiguration.Status', 'Enabled');
    bucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowAuditorRead',
      principals: [new iam.AccountPrincipal('111111111111')],
      actions: ['s3:GetObject'],
      resources: [bucket.arnForObjects('*')],
    }));
    bucket.grantRead(new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() }));
    expect(() => app.synth()).not.toThrow();
    const props = Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(cfn)].Properties;
    expect(props.Tags).toEqual(expect.arrayContaining([{ Key: 'team', Value: 'data' }]));
  });
});

describe('the bucket key', () => {
  test.each(KMS_MODES)('%s: enableKeyRotation set to false on the key L1 after construction fails synthesis', (_n, mode) => {
    const { app, bucket } = stackWith(mode());
    (bucket.encryptionKey!.node.defaultChild as kms.CfnKey).enableKeyRotation = false;
    expectRefused(app, /encryption key \(EnableKeyRotation\)/, /automatic rotation of the key S\/Data\/Key is off/);
  });

  test('a given key whose rotation is turned off after construction fails synthesis', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const key = new kms.Key(stack, 'K', { enableKeyRotation: true });
    new SecureBucket(stack, 'Data', { mode: EncryptionMode.sseKms({ encryptionKey: key }) });
    (key.node.defaultChild as kms.CfnKey).addPropertyOverride('EnableKeyRotation', false);
    expectRefused(app, /mode.encryptionKey \(EnableKeyRotation\)/, /automatic rotation of the key S\/K is off/);
  });

  test('the created key\'s policy replaced through its L1 fails synthesis', () => {
    const { app, bucket } = stackWith(EncryptionMode.sseKms());
    (bucket.encryptionKey!.node.defaultChild as kms.CfnKey).keyPolicy = { Version: '2012-10-17', Statement: [] };
    expectRefused(app, /KeyPolicy/, /key policy of the key S\/Data\/Key lost or changed/);
  });

  test('the created key no longer retained fails synthesis', () => {
    const { app, bucket } = stackWith(EncryptionMode.sseKms());
    (bucket.encryptionKey!.node.defaultChild as kms.CfnKey).addOverride('DeletionPolicy', 'Delete');
    expectRefused(app, /DeletionPolicy/, /no longer retained/);
  });
});

describe('KMS aliases are refused as the bucket key', () => {
  const expectAliasRefused = (make: (stack: Stack) => kms.IKey, pattern: RegExp) => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'us-east-1' } });
    let err: any;
    try {
      new SecureBucket(stack, 'Data', { mode: EncryptionMode.sseKms({ encryptionKey: make(stack) }) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SecureBucketConfigError);
    expect(err.prop).toBe('mode.encryptionKey');
    expect(err.message).toMatch(/is a KMS alias, not a key/);
    expect(err.message).toMatch(pattern);
    expect(err.message).toMatch(/Fix: pass the key itself/);
  };

  test('a kms.Alias of the app', () => {
    expectAliasRefused((stack) => new kms.Alias(stack, 'A', {
      aliasName: 'alias/data', targetKey: new kms.Key(stack, 'K', { enableKeyRotation: true }),
    }), /alias\/data/);
  });
  test('an imported alias', () => {
    expectAliasRefused((stack) => kms.Alias.fromAliasName(stack, 'A', 'alias/data'), /alias\/data/);
  });
  test('an alias ARN passed to Key.fromKeyArn', () => {
    expectAliasRefused((stack) => kms.Key.fromKeyArn(stack, 'A', 'arn:aws:kms:us-east-1:111111111111:alias/data'), /alias\/data/);
  });
  test('the alias\'s target key is accepted', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const key = new kms.Key(stack, 'K', { enableKeyRotation: true });
    const alias = new kms.Alias(stack, 'A', { aliasName: 'alias/data', targetKey: key });
    const bucket = new SecureBucket(stack, 'Data', { mode: EncryptionMode.sseKms({ encryptionKey: alias.aliasTargetKey }) });
    expect(bucket.encryptionKey).toBe(key);
    expect(() => app.synth()).not.toThrow();
  });
});

describe('server access log destinations', () => {
  test('an SSE-KMS bucket is refused as serverAccessLogsBucket', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const logs = new SecureBucket(stack, 'KmsLogs', { mode: EncryptionMode.sseKms() });
    expect(() => new SecureBucket(stack, 'Data', { mode: EncryptionMode.sseS3(), serverAccessLogsBucket: logs }))
      .toThrow(/^S\/Data: serverAccessLogsBucket: S\/KmsLogs is encrypted with the KMS key S\/KmsLogs\/Key, but S3 server access log delivery only writes to SSE-S3 buckets.*Fix: /);
  });

  test('a destination switched to KMS (aws/s3) through its L1 fails synthesis', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const logs = new AccessLogsBucket(stack, 'Logs');
    new SecureBucket(stack, 'Data', { mode: EncryptionMode.sseS3(), serverAccessLogsBucket: logs });
    (logs.node.defaultChild as s3.CfnBucket).addPropertyOverride(
      'BucketEncryption.ServerSideEncryptionConfiguration.0.ServerSideEncryptionByDefault.SSEAlgorithm', 'aws:kms');
    expectRefused(app, /serverAccessLogsBucket/, /S\/Logs has default encryption aws:kms in the final template/);
  });

  test('an SSE-S3 bucket of the app is accepted', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const logs = new AccessLogsBucket(stack, 'Logs');
    new SecureBucket(stack, 'Data', { mode: EncryptionMode.sseKms(), serverAccessLogsBucket: logs });
    expect(() => app.synth()).not.toThrow();
  });
});

describe('replication is mode-aware', () => {
  const ACCOUNT = '111111111111';
  function replicating(mode: EncryptionMode, rule: (stack: Stack) => Partial<s3.ReplicationRule>, destinationAccount = ACCOUNT) {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: ACCOUNT, region: 'us-east-1' } });
    const destination = s3.Bucket.fromBucketAttributes(stack, 'Dest', {
      bucketArn: 'arn:aws:s3:::replica-bucket', account: destinationAccount, region: 'us-west-2',
    });
    let err: any;
    let bucket: SecureBucket | undefined;
    try {
      bucket = new SecureBucket(stack, 'Data', { mode, replicationRules: [{ destination, ...rule(stack) }] });
    } catch (e) {
      err = e;
    }
    return { app, stack, err, bucket };
  }
  const replicaKey = (stack: Stack) => kms.Key.fromKeyArn(stack, 'ReplicaKey', 'arn:aws:kms:us-west-2:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab');

  test.each(KMS_MODES)('%s: a rule without a replica key is refused', (_n, mode) => {
    const { err } = replicating(mode(), () => ({ sseKmsEncryptedObjects: true }));
    expect(err).toBeInstanceOf(SecureBucketConfigError);
    expect(err.prop).toBe('replicationRules[0].kmsKey');
    expect(err.message).toMatch(/KMS-encrypted.*replica key.*Fix: set kmsKey/);
  });

  test.each(KMS_MODES)('%s: a rule that skips KMS-encrypted objects is refused', (_n, mode) => {
    const { err } = replicating(mode(), (stack) => ({ kmsKey: replicaKey(stack) }));
    expect(err).toBeInstanceOf(SecureBucketConfigError);
    expect(err.prop).toBe('replicationRules[0].sseKmsEncryptedObjects');
  });

  test.each(KMS_MODES)('%s: a rule with a replica key and KMS objects selected synthesizes, and the replication role aws-cdk-lib creates may decrypt with the bucket key', (_n, mode) => {
    const { app, stack, err, bucket } = replicating(mode(), (s) => ({ kmsKey: replicaKey(s), sseKmsEncryptedObjects: true }));
    expect(err).toBeUndefined();
    expect(() => app.synth()).not.toThrow();
    const keyArn = { 'Fn::GetAtt': [stack.getLogicalId(bucket!.encryptionKey!.node.defaultChild as kms.CfnKey), 'Arn'] };
    const policies = JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    expect(policies).toContain(JSON.stringify(keyArn));
    expect(policies).toContain('kms:Decrypt');
  });

  test('SSE-S3: replication within the account needs no replica key', () => {
    const { app, err } = replicating(EncryptionMode.sseS3(), () => ({}));
    expect(err).toBeUndefined();
    expect(() => app.synth()).not.toThrow();
  });

  test.each(MODES)('%s: another account without an owner override is refused', (_n, mode) => {
    const { err } = replicating(mode(), (stack) => ({ kmsKey: replicaKey(stack), sseKmsEncryptedObjects: true }), '222222222222');
    expect(err).toBeInstanceOf(SecureBucketConfigError);
    expect(err.prop).toBe('replicationRules[0].accessControlTransition');
    expect(err.message).toMatch(/another account \(222222222222\).*Fix: set accessControlTransition: true/);
  });

  test('SSE-S3: another account without a replica key is refused', () => {
    const { err } = replicating(EncryptionMode.sseS3(), () => ({ accessControlTransition: true }), '222222222222');
    expect(err).toBeInstanceOf(SecureBucketConfigError);
    expect(err.prop).toBe('replicationRules[0].kmsKey');
  });

  test.each(MODES)('%s: another account with an owner override and a replica key synthesizes', (_n, mode) => {
    const { app, err } = replicating(mode(), (stack) => ({
      accessControlTransition: true,
      sseKmsEncryptedObjects: true,
      kmsKey: kms.Key.fromKeyArn(stack, 'ReplicaKey', 'arn:aws:kms:us-west-2:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab'),
    }), '222222222222');
    expect(err).toBeUndefined();
    expect(() => app.synth()).not.toThrow();
  });
});

describe('EncryptionMode.of', () => {
  test('an unknown kind is a SecureBucketConfigError, not a TypeError', () => {
    let err: any;
    try {
      EncryptionMode.of('sse_kms' as EncryptionModeKind);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SecureBucketConfigError);
    expect(err.prop).toBe('kind');
    expect(err.message).toMatch(/^EncryptionMode.of: kind: "sse_kms" is not an encryption mode \(did you mean 'SSE_KMS'\?\)\. Fix: use one of EncryptionModeKind.SSE_S3/);
  });

  test.each(Object.values(EncryptionModeKind))('%s is accepted', (kind) => {
    expect(EncryptionMode.of(kind).kind).toBe(kind);
  });
});

describe('configurations that weaken nothing still synthesize', () => {
  const env = { account: '111111111111', region: 'us-east-1' };

  test('a key from another stack of the app', () => {
    const app = new App();
    const shared = new Stack(app, 'Shared', { env });
    const key = new kms.Key(shared, 'Key', { enableKeyRotation: true });
    const stack = new Stack(app, 'S', { env });
    new SecureBucket(stack, 'Data', { mode: EncryptionMode.sseKms({ encryptionKey: key }) });
    expect(() => app.synth()).not.toThrow();
  });

  test('the key\'s rotation turned off in another stack is still caught', () => {
    const app = new App();
    const shared = new Stack(app, 'Shared', { env });
    const key = new kms.Key(shared, 'Key', { enableKeyRotation: true });
    const stack = new Stack(app, 'S', { env });
    new SecureBucket(stack, 'Data', { mode: EncryptionMode.sseKms({ encryptionKey: key }) });
    (key.node.defaultChild as kms.CfnKey).enableKeyRotation = false;
    expectRefused(app, /mode.encryptionKey \(EnableKeyRotation\)/, /automatic rotation of the key Shared\/Key is off/);
  });

  test('logical ids overridden after construction', () => {
    const { app, bucket, cfn } = stackWith(EncryptionMode.sseKms());
    cfn.overrideLogicalId('RecordsBucket');
    (bucket.encryptionKey!.node.defaultChild as kms.CfnKey).overrideLogicalId('RecordsKey');
    (bucket.policy!.node.defaultChild as s3.CfnBucketPolicy).overrideLogicalId('RecordsPolicy');
    expect(() => app.synth()).not.toThrow();
  });

  test('with the minimizePolicies feature flag (statements merged), and still caught when one is removed', () => {
    const build = () => {
      const app = new App({ context: { '@aws-cdk/aws-iam:minimizePolicies': true } });
      const stack = new Stack(app, 'S', { env });
      const buckets = MODES.map(([name, mode]) => new SecureBucket(stack, name, { mode: mode() }));
      return { app, buckets };
    };
    expect(() => build().app.synth()).not.toThrow();
    const { app, buckets } = build();
    (buckets[1].policy!.node.defaultChild as s3.CfnBucketPolicy).addPropertyDeletionOverride('PolicyDocument.Statement.0');
    expectRefused(app, /BucketPolicy/, /lost or changed the statement/, 'S/SSE-KMS');
  });

  test('an imported key (rotation unconfirmed: a warning, not an error)', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env });
    const key = kms.Key.fromKeyArn(stack, 'Imported', 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    new SecureBucket(stack, 'Data', { mode: EncryptionMode.dsseKms({ encryptionKey: key }) });
    expect(() => app.synth()).not.toThrow();
  });

  test('an SSE-S3 SecureBucket as another SecureBucket\'s access-log destination', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env });
    const logs = new SecureBucket(stack, 'Logs', { mode: EncryptionMode.sseS3() });
    new SecureBucket(stack, 'Data', { mode: EncryptionMode.sseKms(), serverAccessLogsBucket: logs });
    expect(() => app.synth()).not.toThrow();
  });

  test('synthesizing twice', () => {
    const { app } = stackWith(EncryptionMode.sseC());
    app.synth();
    expect(() => app.synth({ force: true })).not.toThrow();
  });
});
