import { App, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  AccessLogsBucket, DataEvents, EncryptionAuditTrail, EncryptionMode, EncryptionModeKind,
  IMPORTED_KEY_ROTATION_WARNING, SecureBucket, SecureBucketErrors,
} from '../../src';
import { SecureBucketConfigError } from '../../src/private/errors';
import { thrown } from '../support/thrown';

function stackWith(mode: EncryptionMode, extra: Partial<ConstructorParameters<typeof SecureBucket>[2]> = {}) {
  const app = new App();
  const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'us-east-1' } });
  const bucket = new SecureBucket(stack, 'Data', { mode, ...extra });
  return { app, stack, bucket, get template() { return Template.fromStack(stack); } };
}

/** The L1 properties of the SecureBucket (not the log buckets). */
function bucketProps(template: Template, bucket: SecureBucket): any {
  const id = Stack.of(bucket).getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
  return template.toJSON().Resources[id].Properties;
}

function bucketPolicyStatements(template: Template, bucket: SecureBucket): any[] {
  const id = Stack.of(bucket).getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
  const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'))
    .filter((p: any) => p.Properties.Bucket.Ref === id);
  expect(policies).toHaveLength(1);
  return (policies[0] as any).Properties.PolicyDocument.Statement;
}

const MODES: Array<[string, () => EncryptionMode]> = [
  ['SSE-S3', () => EncryptionMode.sseS3()],
  ['SSE-KMS', () => EncryptionMode.sseKms()],
  ['DSSE-KMS', () => EncryptionMode.dsseKms()],
  ['SSE-C', () => EncryptionMode.sseC()],
];

describe('default encryption per mode', () => {
  test('SSE-S3: AES256, SSE-C blocked, no key', () => {
    const { template, bucket } = stackWith(EncryptionMode.sseS3());
    expect(bucketProps(template, bucket).BucketEncryption.ServerSideEncryptionConfiguration).toEqual([{
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
      BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
    }]);
    expect(bucket.encryptionKey).toBeUndefined();
    template.resourceCountIs('AWS::KMS::Key', 0);
    expect(bucket.modeKind).toBe(EncryptionModeKind.SSE_S3);
  });

  test('SSE-KMS: aws:kms with the CMK, bucket key on, SSE-C blocked', () => {
    const { template, bucket, stack } = stackWith(EncryptionMode.sseKms());
    const keyId = stack.getLogicalId(bucket.encryptionKey!.node.defaultChild as kms.CfnKey);
    expect(bucketProps(template, bucket).BucketEncryption.ServerSideEncryptionConfiguration).toEqual([{
      BucketKeyEnabled: true,
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] } },
      BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
    }]);
  });

  test('DSSE-KMS: aws:kms:dsse with the CMK, SSE-C blocked, no bucket key (unsupported by DSSE)', () => {
    const { template, bucket, stack } = stackWith(EncryptionMode.dsseKms());
    const keyId = stack.getLogicalId(bucket.encryptionKey!.node.defaultChild as kms.CfnKey);
    expect(bucketProps(template, bucket).BucketEncryption.ServerSideEncryptionConfiguration).toEqual([{
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms:dsse', KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] } },
      BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
    }]);
  });

  test('SSE-C: AES256 floor and SSE-C explicitly allowed (BlockedEncryptionTypes NONE)', () => {
    const { template, bucket } = stackWith(EncryptionMode.sseC());
    expect(bucketProps(template, bucket).BucketEncryption.ServerSideEncryptionConfiguration).toEqual([{
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
      BlockedEncryptionTypes: { EncryptionType: ['NONE'] },
    }]);
    template.resourceCountIs('AWS::KMS::Key', 0);
  });
});

describe('KMS keys', () => {
  test.each([
    ['SSE-KMS', () => EncryptionMode.sseKms()],
    ['DSSE-KMS', () => EncryptionMode.dsseKms()],
  ])('%s: CMK rotates every 365 days by default and is retained', (_n, mode) => {
    const { template, bucket, stack } = stackWith(mode());
    const keyId = stack.getLogicalId(bucket.encryptionKey!.node.defaultChild as kms.CfnKey);
    const key = template.toJSON().Resources[keyId];
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.Properties.RotationPeriodInDays).toBe(365);
    expect(key.DeletionPolicy).toBe('Retain');
    expect(key.UpdateReplacePolicy).toBe('Retain');
  });

  test('key is retained even when the bucket is destroyed', () => {
    const { template, bucket, stack } = stackWith(EncryptionMode.sseKms(), { removalPolicy: RemovalPolicy.DESTROY });
    const keyId = stack.getLogicalId(bucket.encryptionKey!.node.defaultChild as kms.CfnKey);
    expect(template.toJSON().Resources[keyId].DeletionPolicy).toBe('Retain');
    expect(template.toJSON().Resources[stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket)].DeletionPolicy).toBe('Delete');
  });

  test.each([90, 180, 2560])('rotation period %i days is accepted', (days) => {
    const { template, bucket, stack } = stackWith(EncryptionMode.sseKms({ keyRotationPeriod: Duration.days(days) }));
    const keyId = stack.getLogicalId(bucket.encryptionKey!.node.defaultChild as kms.CfnKey);
    expect(template.toJSON().Resources[keyId].Properties.RotationPeriodInDays).toBe(days);
  });

  test('a rotating key defined in the app is used as given', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const key = new kms.Key(stack, 'MyKey', { enableKeyRotation: true });
    const bucket = new SecureBucket(stack, 'Data', { mode: EncryptionMode.sseKms({ encryptionKey: key }) });
    expect(bucket.encryptionKey).toBe(key);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 2); // the given key + the audit trail's key
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp(IMPORTED_KEY_ROTATION_WARNING))).toHaveLength(0);
  });

  test('an imported key gets an acknowledgeable warning (rotation unconfirmed)', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const key = kms.Key.fromKeyArn(stack, 'Imported', 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    new SecureBucket(stack, 'Data', { mode: EncryptionMode.sseKms({ encryptionKey: key }) });
    const warnings = Annotations.fromStack(stack).findWarning('/S/Data', Match.stringLikeRegexp('rotation cannot be confirmed'));
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings[0].entry.data)).toContain(IMPORTED_KEY_ROTATION_WARNING);
  });

  test('the imported-key warning can be acknowledged', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const key = kms.Key.fromKeyArn(stack, 'Imported', 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    const bucket = new SecureBucket(stack, 'Data', { mode: EncryptionMode.sseKms({ encryptionKey: key }) });
    Validations.of(bucket).acknowledge({ id: IMPORTED_KEY_ROTATION_WARNING, reason: 'Rotation confirmed in the key account.' });
    expect(Annotations.fromStack(stack).findWarning('/S/Data', Match.stringLikeRegexp('rotation cannot be confirmed'))).toHaveLength(0);
  });
});

describe('security settings common to every mode', () => {
  test.each(MODES)('%s: public access blocked, ownership enforced, versioned, access logs', (_n, mode) => {
    const { template, bucket, stack } = stackWith(mode());
    const props = bucketProps(template, bucket);
    expect(props.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
    });
    expect(props.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(props.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(props.AccessControl).toBeUndefined();
    const logs = AccessLogsBucket.of(stack);
    expect(props.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: stack.getLogicalId(logs.node.defaultChild as s3.CfnBucket) },
      LogFilePrefix: 'S/Data/',
    });
    const bucketResource = template.toJSON().Resources[stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket)];
    expect(bucketResource.DeletionPolicy).toBe('Retain');
  });

  test.each(MODES)('%s: TLS-only and TLS >= 1.2 for every action on bucket and objects', (_n, mode) => {
    const { template, bucket } = stackWith(mode());
    const statements = bucketPolicyStatements(template, bucket);
    const tls = statements.find((s) => s.Condition?.Bool?.['aws:SecureTransport'] === 'false');
    expect(tls).toMatchObject({ Effect: 'Deny', Action: 's3:*', Principal: { AWS: '*' } });
    expect(tls.Resource).toHaveLength(2);
    const version = statements.find((s) => s.Condition?.NumericLessThan?.['s3:TlsVersion'] !== undefined);
    expect(version).toMatchObject({ Effect: 'Deny', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } });
  });

  test('versioning can be turned off, but not with object lock', () => {
    const off = stackWith(EncryptionMode.sseS3(), { versioned: false });
    expect(bucketProps(off.template, off.bucket).VersioningConfiguration).toBeUndefined();
    expect(() => stackWith(EncryptionMode.sseS3(), { versioned: false, objectLockEnabled: true }))
      .toThrow(/S\/Data: versioned: .*Object Lock requires versioning.*Fix:/);
  });

  test('ordinary bucket options pass through', () => {
    const { template, bucket } = stackWith(EncryptionMode.sseS3(), {
      bucketName: 'my-secure-bucket',
      eventBridgeEnabled: true,
      lifecycleRules: [{ expiration: Duration.days(30) }],
      cors: [{ allowedMethods: [s3.HttpMethods.GET], allowedOrigins: ['https://example.com'] }],
    });
    const props = bucketProps(template, bucket);
    expect(props.BucketName).toBe('my-secure-bucket');
    // Native on the L1, no custom resource (test/secure-bucket/event-bridge.test.ts).
    expect(props.NotificationConfiguration).toEqual({ EventBridgeConfiguration: { EventBridgeEnabled: true } });
    expect(props.LifecycleConfiguration.Rules[0]).toMatchObject({ ExpirationInDays: 30, Status: 'Enabled' });
    expect(props.CorsConfiguration.CorsRules[0].AllowedOrigins).toEqual(['https://example.com']);
  });

  test('auto-delete with a destroy removal policy works', () => {
    const { template } = stackWith(EncryptionMode.sseS3(), { removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true });
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 1);
  });
});

describe('enforcement bucket policy per mode', () => {
  const denies = (statements: any[]) => statements.filter((s) => s.Effect === 'Deny' && s.Action === 's3:PutObject');

  test('SSE-S3: refuses another algorithm and SSE-C headers', () => {
    const { template, bucket } = stackWith(EncryptionMode.sseS3());
    const d = denies(bucketPolicyStatements(template, bucket));
    expect(d.map((s) => [s.Sid, s.Condition])).toEqual([
      ['DenyOtherServerSideEncryption', {
        Null: { 's3:x-amz-server-side-encryption': 'false' },
        StringNotEquals: { 's3:x-amz-server-side-encryption': 'AES256' },
      }],
      ['DenySseC', { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } }],
    ]);
  });

  test.each([
    ['SSE-KMS', () => EncryptionMode.sseKms(), 'aws:kms'],
    ['DSSE-KMS', () => EncryptionMode.dsseKms(), 'aws:kms:dsse'],
  ])('%s: refuses another algorithm, another key, the algorithm without key id, and SSE-C', (_n, mode, alg) => {
    const { template, bucket, stack } = stackWith(mode());
    const keyArn = { 'Fn::GetAtt': [stack.getLogicalId(bucket.encryptionKey!.node.defaultChild as kms.CfnKey), 'Arn'] };
    const d = denies(bucketPolicyStatements(template, bucket));
    expect(d.map((s) => [s.Sid, s.Condition])).toEqual([
      ['DenyOtherServerSideEncryption', {
        Null: { 's3:x-amz-server-side-encryption': 'false' },
        StringNotEquals: { 's3:x-amz-server-side-encryption': alg },
      }],
      ['DenyOtherKmsKey', {
        Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'false' },
        StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': keyArn },
      }],
      ['DenyKmsWithoutKeyId', {
        Null: { 's3:x-amz-server-side-encryption': 'false', 's3:x-amz-server-side-encryption-aws-kms-key-id': 'true' },
      }],
      ['DenySseC', { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } }],
    ]);
  });

  test('SSE-C: requires the SSE-C algorithm header with AES256 and refuses server-managed encryption', () => {
    const { template, bucket } = stackWith(EncryptionMode.sseC());
    const d = denies(bucketPolicyStatements(template, bucket));
    expect(d.map((s) => [s.Sid, s.Condition])).toEqual([
      ['RequireSseC', { StringNotEquals: { 's3:x-amz-server-side-encryption-customer-algorithm': 'AES256' } }],
      ['DenyServerManagedEncryption', { Null: { 's3:x-amz-server-side-encryption': 'false' } }],
    ]);
  });

  test.each(MODES)('%s: every enforcement statement is a Deny for everyone on the objects', (_n, mode) => {
    const { template, bucket, stack } = stackWith(mode());
    const objects = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket), 'Arn'] }, '/*']] };
    for (const s of denies(bucketPolicyStatements(template, bucket))) {
      expect(s.Principal).toEqual({ AWS: '*' });
      expect(s.Resource).toEqual(objects);
    }
  });
});

describe('audit', () => {
  test.each([
    ['SSE-S3', () => EncryptionMode.sseS3()],
    ['SSE-C', () => EncryptionMode.sseC()],
  ])('%s: access logs only, no trail', (_n, mode) => {
    const { template, bucket } = stackWith(mode());
    expect(bucket.auditTrail).toBeUndefined();
    template.resourceCountIs('AWS::CloudTrail::Trail', 0);
  });

  test.each([
    ['SSE-KMS', () => EncryptionMode.sseKms()],
    ['DSSE-KMS', () => EncryptionMode.dsseKms()],
  ])('%s: data events recorded in the stack\'s shared trail', (_n, mode) => {
    const { template, bucket, stack } = stackWith(mode());
    expect(bucket.auditTrail).toBe(EncryptionAuditTrail.of(stack));
    template.resourceCountIs('AWS::CloudTrail::Trail', 1);
    const trail = Object.values(template.findResources('AWS::CloudTrail::Trail'))[0] as any;
    expect(JSON.stringify(trail.Properties.AdvancedEventSelectors))
      .toContain(JSON.stringify({ 'Fn::GetAtt': [stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket), 'Arn'] }));
  });

  test('DataEvents.NONE: no trail', () => {
    const { template, bucket } = stackWith(EncryptionMode.sseKms({ dataEvents: DataEvents.NONE }));
    expect(bucket.auditTrail).toBeUndefined();
    template.resourceCountIs('AWS::CloudTrail::Trail', 0);
  });

  test('a given EncryptionAuditTrail is used', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const trail = new EncryptionAuditTrail(stack, 'Mine');
    const bucket = new SecureBucket(stack, 'Data', { mode: EncryptionMode.sseKms({ auditTrail: trail }) });
    expect(bucket.auditTrail).toBe(trail);
    expect(trail.bucketCount).toBe(1);
    Template.fromStack(stack).resourceCountIs('AWS::CloudTrail::Trail', 1);
  });

  test.each([1, 50])('%i KMS buckets share one trail with one ARN prefix each', (n) => {
    const app = new App();
    const stack = new Stack(app, 'S');
    for (let i = 0; i < n; i++) {
      new SecureBucket(stack, `B${i}`, { mode: EncryptionMode.sseKms() });
    }
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudTrail::Trail', 1);
    const trail = Object.values(template.findResources('AWS::CloudTrail::Trail'))[0] as any;
    const arnField = trail.Properties.AdvancedEventSelectors
      .flatMap((s: any) => s.FieldSelectors)
      .find((f: any) => f.Field === 'resources.ARN');
    expect(arnField.StartsWith).toHaveLength(n);
    expect(EncryptionAuditTrail.of(stack).bucketCount).toBe(n);
  });
});

describe('grants', () => {
  test('grantRead on a KMS bucket grants kms:Decrypt on its key and nothing broader', () => {
    const { stack, bucket } = stackWith(EncryptionMode.sseKms());
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    bucket.grantRead(role);
    const template = Template.fromStack(stack);
    const keyArn = { 'Fn::GetAtt': [stack.getLogicalId(bucket.encryptionKey!.node.defaultChild as kms.CfnKey), 'Arn'] };
    const policy = Object.values(template.findResources('AWS::IAM::Policy'))
      .find((p: any) => JSON.stringify(p.Properties.Roles).includes(stack.getLogicalId(role.node.defaultChild as iam.CfnRole))) as any;
    const statements = policy.Properties.PolicyDocument.Statement;
    const kmsStatements = statements.filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('kms:')));
    // kms:Decrypt to read objects, kms:DescribeKey (read-only key metadata) as the L2 grants it; on this key only.
    expect(kmsStatements).toEqual([{ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:DescribeKey'], Resource: keyArn }]);
    expect(JSON.stringify(statements)).not.toMatch(/kms:(Encrypt|GenerateDataKey|ReEncrypt|\*|Create|Put|Schedule)/);
    const s3Statement = statements.find((s: any) => [s.Action].flat().includes('s3:GetObject*'));
    expect([s3Statement.Action].flat().every((a: string) => a.startsWith('s3:Get') || a.startsWith('s3:List'))).toBe(true);
  });

  test('grantRead on an SSE-S3 bucket grants no KMS action', () => {
    const { stack, bucket } = stackWith(EncryptionMode.sseS3());
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    bucket.grantRead(role);
    expect(JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Policy'))).not.toContain('kms:');
  });

  test('grantWrite on a DSSE bucket grants the key\'s encrypt actions', () => {
    const { stack, bucket } = stackWith(EncryptionMode.dsseKms());
    const role = new iam.Role(stack, 'Writer', { assumedBy: new iam.AccountRootPrincipal() });
    bucket.grantWrite(role);
    const json = JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    expect(json).toContain('kms:GenerateDataKey*');
  });

  test('a SecureBucket is usable as an IBucket', () => {
    const { bucket } = stackWith(EncryptionMode.sseS3());
    const asIBucket: s3.IBucket = bucket;
    expect(asIBucket.bucketArn).toBeDefined();
  });
});

describe('bad input: clear errors naming path, prop and fix', () => {
  const expectConfigError = (fn: () => unknown, prop: string, pattern: RegExp) => {
    const err = thrown(fn) as SecureBucketConfigError;
    expect(err).toBeInstanceOf(SecureBucketConfigError);
    expect(err.constructPath).toBe('S/Data');
    expect(err.prop).toBe(prop);
    expect(err.message).toMatch(/^S\/Data: /);
    expect(err.message).toMatch(/Fix: /);
    expect(err.message).toMatch(pattern);
    // The jsii-safe recogniser agrees with the class.
    expect(SecureBucketErrors.isConfigError(err)).toBe(true);
    expect(SecureBucketErrors.constructPathOf(err)).toBe('S/Data');
    expect(SecureBucketErrors.propOf(err)).toBe(prop);
    expect(SecureBucketErrors.isConfigError(new Error(err.message))).toBe(false);
  };

  test.each([0, 89, 2561, 365.5])('rotation period of %d days is refused', (days) => {
    expectConfigError(() => stackWith(EncryptionMode.sseKms({ keyRotationPeriod: Duration.days(days) })),
      'mode.keyRotationPeriod', /between 90 and 2560/);
  });

  test('rotation period with a given key is refused', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const key = new kms.Key(stack, 'K', { enableKeyRotation: true });
    const caught = thrown(() => new SecureBucket(stack, 'Data', { mode: EncryptionMode.sseKms({ encryptionKey: key, keyRotationPeriod: Duration.days(90) }) }));
    expect(caught).toBeInstanceOf(SecureBucketConfigError);
    expect(caught.message).toMatch(/S\/Data: mode.keyRotationPeriod: only applies to the key SecureBucket creates/);
  });

  test.each([EncryptionModeKind.SSE_S3, EncryptionModeKind.SSE_C])('a key passed to %s is refused', (kind) => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const key = new kms.Key(stack, 'K', { enableKeyRotation: true });
    const caught = thrown(() => new SecureBucket(stack, 'Data', { mode: EncryptionMode.of(kind, { encryptionKey: key }) }));
    expect(caught).toBeInstanceOf(SecureBucketConfigError);
    expect(caught.prop).toBe('mode.encryptionKey');
    expect(caught.message).toMatch(/takes no KMS options \(got encryptionKey\).*Fix: use EncryptionMode.sseKms/);
    expect(stack.node.tryFindChild('Data')).toBeUndefined();
  });

  test('a key defined in the app without rotation is refused (no silent downgrade)', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const key = new kms.Key(stack, 'K');
    const caught = thrown(() => new SecureBucket(stack, 'Data', { mode: EncryptionMode.sseKms({ encryptionKey: key }) }));
    expect(caught).toBeInstanceOf(SecureBucketConfigError);
    expect(caught.message).toMatch(/S\/Data: mode.encryptionKey: the key S\/K does not have automatic rotation enabled\. Fix: .*enableKeyRotation: true/);
  });

  test('auto-delete without a destroy removal policy is refused', () => {
    expectConfigError(() => stackWith(EncryptionMode.sseS3(), { autoDeleteObjects: true }), 'autoDeleteObjects', /removalPolicy: RemovalPolicy.DESTROY/);
    expectConfigError(() => stackWith(EncryptionMode.sseS3(), { autoDeleteObjects: true, removalPolicy: RemovalPolicy.RETAIN }),
      'autoDeleteObjects', /removalPolicy/);
  });

  test('a trail that is not an EncryptionAuditTrail is refused', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    // A user's existing L1 trail: an ITrailRef, but not one whose selectors SecureBucket can manage.
    const plain = new cloudtrail.CfnTrail(stack, 'PlainTrail', { isLogging: true, s3BucketName: 'some-log-bucket' });
    const caught = thrown(() => new SecureBucket(stack, 'Data', { mode: EncryptionMode.sseKms({ auditTrail: plain }) }));
    expect(caught).toBeInstanceOf(SecureBucketConfigError);
    expect(caught.message).toMatch(/S\/Data: mode.auditTrail: S\/PlainTrail is not an EncryptionAuditTrail.*Fix: pass an EncryptionAuditTrail/);
  });

  test('several problems are reported together', () => {
    const caught = thrown(() => stackWith(EncryptionMode.sseKms({ keyRotationPeriod: Duration.days(10) }), { autoDeleteObjects: true }));
    expect(caught).toBeInstanceOf(SecureBucketConfigError);
    expect(caught.message).toMatch(/2 problems/);
    expect(caught.message).toMatch(/mode.keyRotationPeriod/);
    expect(caught.message).toMatch(/autoDeleteObjects/);
  });

  test('data-event quota overflow is a synth error naming the bucket', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const trail = new EncryptionAuditTrail(stack, 'T');
    let caught: any;
    let created = 0;
    try {
      for (let i = 0; i < 600; i++) {
        new SecureBucket(stack, `B${i}`, { mode: EncryptionMode.sseKms({ auditTrail: trail }) });
        created++;
      }
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(SecureBucketConfigError);
    expect(caught.message).toMatch(new RegExp(`^S/B${created}: dataEvents: .*Fix: `));
    expect(created).toBeGreaterThan(400);
    expect(created).toBeLessThan(500);
  });
});

describe('scale', () => {
  test('100 SSE-KMS SecureBuckets synthesize under the 500-resource limit', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    for (let i = 0; i < 100; i++) {
      new SecureBucket(stack, `B${i}`, { mode: EncryptionMode.sseKms() });
    }
    const assembly = app.synth();
    const template = assembly.getStackByName('S').template;
    const count = Object.keys(template.Resources).length;
    expect(count).toBeLessThan(500);
    expect(Object.values(template.Resources).filter((r: any) => r.Type === 'AWS::S3::Bucket').length).toBeGreaterThanOrEqual(100);
    expect(Object.values(template.Resources).filter((r: any) => r.Type === 'AWS::CloudTrail::Trail')).toHaveLength(1);
  });
});
