import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  bucketPolicyFromTemplate,
  Decision,
  evaluateRequest,
  evaluateS3Request,
  findLogicalIds,
  identityPolicyFromTemplate,
  S3Request,
} from './policy-evaluator';

const BUCKET = 'arn:aws:s3:::evaluator-test-bucket';
const OBJECT = `${BUCKET}/some/key.txt`;
const SSE = 's3:x-amz-server-side-encryption';
const KEY_ID = 's3:x-amz-server-side-encryption-aws-kms-key-id';
const KEY_A = 'arn:aws:kms:us-east-1:111111111111:key/aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa';
const KEY_B = 'arn:aws:kms:us-east-1:111111111111:key/bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb';

/** A bucket policy with a single Deny (on s3:* for the bucket and its objects) guarded by `condition`. */
function denyWhen(condition: Record<string, unknown>): unknown {
  return {
    Version: '2012-10-17',
    Statement: [{
      Sid: 'DenyWhen',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 's3:*',
      Resource: [BUCKET, `${BUCKET}/*`],
      Condition: condition,
    }],
  };
}

const DENIED: Decision = 'ExplicitlyDenied';
const ALLOWED: Decision = 'Allowed';

interface ConditionCase {
  readonly name: string;
  readonly condition: Record<string, unknown>;
  /** Raw context keys; aws:SecureTransport / s3:TlsVersion are NOT defaulted here. */
  readonly context: Record<string, string>;
  /** Expected decision: Deny statement applies => ExplicitlyDenied, otherwise Allowed. */
  readonly expected: Decision;
}

const conditionCases: ConditionCase[] = [
  // StringEquals: absent key => false
  { name: 'StringEquals, key present and equal', condition: { StringEquals: { [SSE]: 'AES256' } }, context: { [SSE]: 'AES256' }, expected: DENIED },
  { name: 'StringEquals, key present and different', condition: { StringEquals: { [SSE]: 'AES256' } }, context: { [SSE]: 'aws:kms' }, expected: ALLOWED },
  { name: 'StringEquals is case-sensitive', condition: { StringEquals: { [SSE]: 'AES256' } }, context: { [SSE]: 'aes256' }, expected: ALLOWED },
  { name: 'StringEquals, key absent => false', condition: { StringEquals: { [SSE]: 'AES256' } }, context: {}, expected: ALLOWED },
  // StringNotEquals: negated operator, absent key => true
  { name: 'StringNotEquals, key present and equal', condition: { StringNotEquals: { [SSE]: 'AES256' } }, context: { [SSE]: 'AES256' }, expected: ALLOWED },
  { name: 'StringNotEquals, key present and different', condition: { StringNotEquals: { [SSE]: 'AES256' } }, context: { [SSE]: 'aws:kms' }, expected: DENIED },
  { name: 'StringNotEquals, key absent => true (negated operator)', condition: { StringNotEquals: { [SSE]: 'AES256' } }, context: {}, expected: DENIED },
  {
    name: 'StringNotEquals with several values, value matches one of them',
    condition: { StringNotEquals: { [SSE]: ['AES256', 'aws:kms'] } },
    context: { [SSE]: 'aws:kms' },
    expected: ALLOWED,
  },
  {
    name: 'StringNotEquals with several values, value matches none',
    condition: { StringNotEquals: { [SSE]: ['AES256', 'aws:kms'] } },
    context: { [SSE]: 'aws:kms:dsse' },
    expected: DENIED,
  },
  { name: 'StringNotEquals on an ARN-typed key, same ARN', condition: { StringNotEquals: { [KEY_ID]: KEY_A } }, context: { [KEY_ID]: KEY_A }, expected: ALLOWED },
  { name: 'StringNotEquals on an ARN-typed key, other ARN', condition: { StringNotEquals: { [KEY_ID]: KEY_A } }, context: { [KEY_ID]: KEY_B }, expected: DENIED },
  // ...IfExists: absent key => true
  { name: 'StringNotEqualsIfExists, key present and equal', condition: { StringNotEqualsIfExists: { [SSE]: 'AES256' } }, context: { [SSE]: 'AES256' }, expected: ALLOWED },
  { name: 'StringNotEqualsIfExists, key present and different', condition: { StringNotEqualsIfExists: { [SSE]: 'AES256' } }, context: { [SSE]: 'aws:kms' }, expected: DENIED },
  { name: 'StringNotEqualsIfExists, key absent => true', condition: { StringNotEqualsIfExists: { [SSE]: 'AES256' } }, context: {}, expected: DENIED },
  { name: 'StringEqualsIfExists, key absent => true (unlike StringEquals)', condition: { StringEqualsIfExists: { [SSE]: 'AES256' } }, context: {}, expected: DENIED },
  { name: 'StringEqualsIfExists, key present and different', condition: { StringEqualsIfExists: { [SSE]: 'AES256' } }, context: { [SSE]: 'aws:kms' }, expected: ALLOWED },
  // Null
  { name: 'Null true, key absent', condition: { Null: { [SSE]: 'true' } }, context: {}, expected: DENIED },
  { name: 'Null true, key present', condition: { Null: { [SSE]: 'true' } }, context: { [SSE]: 'AES256' }, expected: ALLOWED },
  { name: 'Null false, key present', condition: { Null: { [SSE]: 'false' } }, context: { [SSE]: 'AES256' }, expected: DENIED },
  { name: 'Null false, key absent', condition: { Null: { [SSE]: 'false' } }, context: {}, expected: ALLOWED },
  { name: 'Null with a JSON boolean value (as CDK may emit)', condition: { Null: { [SSE]: false } }, context: { [SSE]: 'AES256' }, expected: DENIED },
  // Bool
  { name: 'Bool false, key false', condition: { Bool: { 'aws:SecureTransport': 'false' } }, context: { 'aws:SecureTransport': 'false' }, expected: DENIED },
  { name: 'Bool false, key true', condition: { Bool: { 'aws:SecureTransport': 'false' } }, context: { 'aws:SecureTransport': 'true' }, expected: ALLOWED },
  { name: 'Bool false, key absent => false', condition: { Bool: { 'aws:SecureTransport': 'false' } }, context: {}, expected: ALLOWED },
  { name: 'BoolIfExists false, key absent => true', condition: { BoolIfExists: { 'aws:SecureTransport': 'false' } }, context: {}, expected: DENIED },
  // NumericLessThan
  { name: 'NumericLessThan 1.2, TLS 1.1', condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } }, context: { 's3:TlsVersion': '1.1' }, expected: DENIED },
  { name: 'NumericLessThan 1.2, TLS 1.0', condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } }, context: { 's3:TlsVersion': '1.0' }, expected: DENIED },
  { name: 'NumericLessThan 1.2, TLS 1.2 (boundary, not less)', condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } }, context: { 's3:TlsVersion': '1.2' }, expected: ALLOWED },
  { name: 'NumericLessThan 1.2, TLS 1.3', condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } }, context: { 's3:TlsVersion': '1.3' }, expected: ALLOWED },
  { name: 'NumericLessThan 1.2, key absent => false', condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } }, context: {}, expected: ALLOWED },
  { name: 'NumericLessThan with a JSON number value (as CDK emits)', condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } }, context: { 's3:TlsVersion': '1.1' }, expected: DENIED },
  // Several operators in one Condition block are ANDed
  {
    name: 'Null false AND StringNotEquals, header absent',
    condition: { Null: { [SSE]: 'false' }, StringNotEquals: { [SSE]: 'AES256' } },
    context: {},
    expected: ALLOWED,
  },
  {
    name: 'Null false AND StringNotEquals, header correct',
    condition: { Null: { [SSE]: 'false' }, StringNotEquals: { [SSE]: 'AES256' } },
    context: { [SSE]: 'AES256' },
    expected: ALLOWED,
  },
  {
    name: 'Null false AND StringNotEquals, header wrong',
    condition: { Null: { [SSE]: 'false' }, StringNotEquals: { [SSE]: 'AES256' } },
    context: { [SSE]: 'aws:kms' },
    expected: DENIED,
  },
  {
    name: 'two keys under one operator are ANDed (Null false on SSE, Null true on key id), key id present',
    condition: { Null: { [SSE]: 'false', [KEY_ID]: 'true' } },
    context: { [SSE]: 'aws:kms', [KEY_ID]: KEY_A },
    expected: ALLOWED,
  },
  {
    name: 'two keys under one operator are ANDed (Null false on SSE, Null true on key id), key id absent',
    condition: { Null: { [SSE]: 'false', [KEY_ID]: 'true' } },
    context: { [SSE]: 'aws:kms' },
    expected: DENIED,
  },
];

describe('policy evaluator: condition operators and absent-key semantics', () => {
  test.each(conditionCases)('$name => $expected', async ({ condition, context, expected }) => {
    const decision = await evaluateRequest(denyWhen(condition), { action: 's3:PutObject', resource: OBJECT, context });
    expect(decision).toBe(expected);
  });
});

describe('policy evaluator: statement matching and decisions', () => {
  const denyPutOnObjects = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:PutObject', Resource: `${BUCKET}/*` }],
  };

  test('default identity policy allows when the bucket policy does not deny', async () => {
    expect(await evaluateS3Request(denyPutOnObjects, { action: 's3:GetObject', resource: OBJECT })).toBe('Allowed');
  });

  test('a matching unconditional Deny is an explicit deny', async () => {
    expect(await evaluateS3Request(denyPutOnObjects, { action: 's3:PutObject', resource: OBJECT })).toBe('ExplicitlyDenied');
  });

  test('a Deny on objects does not apply to bucket-level actions', async () => {
    expect(await evaluateS3Request(denyPutOnObjects, { action: 's3:ListBucket', resource: BUCKET })).toBe('Allowed');
  });

  test('a Deny on another bucket does not apply', async () => {
    expect(await evaluateS3Request(denyPutOnObjects, { action: 's3:PutObject', resource: 'arn:aws:s3:::other-bucket/key' })).toBe('Allowed');
  });

  test('without any identity policy or bucket-policy Allow the request is implicitly denied', async () => {
    expect(await evaluateS3Request(denyPutOnObjects, { action: 's3:GetObject', resource: OBJECT }, { identityPolicy: null })).toBe('ImplicitlyDenied');
  });

  test('a same-account bucket-policy Allow is enough without an identity policy', async () => {
    const allowGet = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:role/app' }, Action: 's3:GetObject', Resource: `${BUCKET}/*` }],
    };
    expect(await evaluateS3Request(allowGet, { action: 's3:GetObject', resource: OBJECT }, { identityPolicy: null })).toBe('Allowed');
    expect(await evaluateS3Request(allowGet, { action: 's3:PutObject', resource: OBJECT }, { identityPolicy: null })).toBe('ImplicitlyDenied');
  });

  test('an explicit Deny wins over an identity Allow for a specific principal', async () => {
    const identityPolicy = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: `${BUCKET}/*` }],
    };
    const decision = await evaluateS3Request(denyPutOnObjects, { action: 's3:PutObject', resource: OBJECT }, {
      identityPolicy,
      principal: 'arn:aws:iam::111111111111:role/other',
    });
    expect(decision).toBe('ExplicitlyDenied');
  });
});

describe('policy evaluator: S3Request defaults', () => {
  test('aws:SecureTransport defaults to true', async () => {
    const policy = denyWhen({ Bool: { 'aws:SecureTransport': 'true' } });
    expect(await evaluateS3Request(policy, { action: 's3:GetObject', resource: OBJECT })).toBe('ExplicitlyDenied');
  });

  test('s3:TlsVersion defaults to 1.3', async () => {
    expect(await evaluateS3Request(denyWhen({ NumericLessThan: { 's3:TlsVersion': '1.4' } }), { action: 's3:GetObject', resource: OBJECT }))
      .toBe('ExplicitlyDenied');
    expect(await evaluateS3Request(denyWhen({ NumericLessThan: { 's3:TlsVersion': '1.3' } }), { action: 's3:GetObject', resource: OBJECT }))
      .toBe('Allowed');
  });

  test('without secure transport s3:TlsVersion is absent', async () => {
    const policy = denyWhen({ Null: { 's3:TlsVersion': 'true' } });
    expect(await evaluateS3Request(policy, { action: 's3:GetObject', resource: OBJECT, secureTransport: false })).toBe('ExplicitlyDenied');
    expect(await evaluateS3Request(policy, { action: 's3:GetObject', resource: OBJECT })).toBe('Allowed');
  });

  test('headers are passed as s3: condition keys', async () => {
    const policy = denyWhen({ StringEquals: { [SSE]: 'aws:kms' } });
    const req: S3Request = { action: 's3:PutObject', resource: OBJECT, headers: { 'x-amz-server-side-encryption': 'aws:kms' } };
    expect(await evaluateS3Request(policy, req)).toBe('ExplicitlyDenied');
  });
});

describe('policy evaluator: refuses to evaluate vacuously', () => {
  const policy = denyWhen({ Bool: { 'aws:SecureTransport': 'false' } });

  test('a header that is not a condition key of the action throws instead of being ignored', async () => {
    await expect(evaluateS3Request(policy, {
      action: 's3:GetObject', resource: OBJECT, headers: { 'x-amz-server-side-encryption': 'AES256' },
    })).rejects.toThrow(/would be silently ignored/);
  });

  test('an unknown action throws', async () => {
    await expect(evaluateS3Request(policy, { action: 's3:FlyObject', resource: OBJECT })).rejects.toThrow(/rejected the simulation/);
  });

  test('an invalid policy throws', async () => {
    const bad = { Version: '2012-10-17', Statement: [{ Effect: 'Maybe', Principal: '*', Action: 's3:*', Resource: '*' }] };
    await expect(evaluateS3Request(bad, { action: 's3:GetObject', resource: OBJECT })).rejects.toThrow(/rejected the simulation/);
  });

  test('a policy with unresolved intrinsics throws', async () => {
    const unresolved = denyWhen({ StringNotEquals: { [KEY_ID]: { 'Fn::GetAtt': ['Key', 'Arn'] } } });
    await expect(evaluateS3Request(unresolved, { action: 's3:PutObject', resource: OBJECT })).rejects.toThrow(/unresolved intrinsic/);
  });

  test('a non-numeric TLS version throws', async () => {
    await expect(evaluateS3Request(policy, { action: 's3:GetObject', resource: OBJECT, tlsVersion: 'TLSv1.2' })).rejects.toThrow(/numeric/);
  });

  test('a TLS version without secure transport throws', async () => {
    await expect(evaluateS3Request(policy, { action: 's3:GetObject', resource: OBJECT, secureTransport: false, tlsVersion: '1.2' }))
      .rejects.toThrow(/without secure transport/);
  });

  test('a wildcard resource throws', async () => {
    await expect(evaluateS3Request(policy, { action: 's3:GetObject', resource: `${BUCKET}/*` })).rejects.toThrow(/concrete/);
  });
});

describe('bucketPolicyFromTemplate', () => {
  const values = { bucketName: 'my-bucket', keyArn: KEY_A };
  const template = {
    Resources: {
      Bucket1: { Type: 'AWS::S3::Bucket' },
      Bucket2: { Type: 'AWS::S3::Bucket' },
      Key1: { Type: 'AWS::KMS::Key' },
      Policy2: {
        Type: 'AWS::S3::BucketPolicy',
        Properties: { Bucket: { Ref: 'Bucket2' }, PolicyDocument: { Version: '2012-10-17', Statement: [] } },
      },
      Policy1: {
        Type: 'AWS::S3::BucketPolicy',
        Properties: {
          Bucket: { Ref: 'Bucket1' },
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [{
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Action: 's3:PutObject',
              Resource: [{ 'Fn::GetAtt': ['Bucket1', 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Bucket1', 'Arn'] }, '/*']] }],
              Condition: {
                StringNotEquals: { [KEY_ID]: { 'Fn::GetAtt': ['Key1', 'Arn'] } },
                StringEquals: {
                  'aws:ResourceAccount': { Ref: 'AWS::AccountId' },
                  's3:x-amz-copy-source': { 'Fn::Join': ['/', [{ Ref: 'Bucket1' }, { Ref: 'Key1' }, { Ref: 'AWS::Partition' }]] },
                },
              },
            }],
          },
        },
      },
    },
  };

  test('resolves GetAtt, Join and Ref for the bucket, the key and pseudo parameters', () => {
    expect(bucketPolicyFromTemplate(template, 'Bucket1', values)).toEqual({
      Version: '2012-10-17',
      Statement: [{
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:PutObject',
        Resource: ['arn:aws:s3:::my-bucket', 'arn:aws:s3:::my-bucket/*'],
        Condition: {
          StringNotEquals: { [KEY_ID]: KEY_A },
          StringEquals: {
            'aws:ResourceAccount': '111111111111',
            's3:x-amz-copy-source': 'my-bucket/aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa/aws',
          },
        },
      }],
    });
  });

  test('honours partition and account overrides', () => {
    const policy = bucketPolicyFromTemplate(template, 'Bucket1', { ...values, partition: 'aws-cn', account: '222222222222' }) as any;
    expect(policy.Statement[0].Resource[0]).toBe('arn:aws-cn:s3:::my-bucket');
    expect(policy.Statement[0].Condition.StringEquals['aws:ResourceAccount']).toBe('222222222222');
  });

  test('selects the policy of the requested bucket', () => {
    expect(bucketPolicyFromTemplate(template, 'Bucket2', values)).toEqual({ Version: '2012-10-17', Statement: [] });
  });

  test('throws when the bucket has no policy', () => {
    const t = { Resources: { B: { Type: 'AWS::S3::Bucket' } } };
    expect(() => bucketPolicyFromTemplate(t, 'B', values)).toThrow(/found 0/);
  });

  test('throws when the logical id is not a bucket', () => {
    expect(() => bucketPolicyFromTemplate(template, 'Key1', values)).toThrow(/expected AWS::S3::Bucket/);
  });

  test('throws when the key ARN is needed but not given', () => {
    expect(() => bucketPolicyFromTemplate(template, 'Bucket1', { bucketName: 'my-bucket' })).toThrow(/keyArn/);
  });

  test('throws on ambiguous KMS keys', () => {
    const t = { Resources: { ...template.Resources, Key2: { Type: 'AWS::KMS::Key' } } };
    expect(() => bucketPolicyFromTemplate(t, 'Bucket1', values)).toThrow(/set values.keyLogicalId/);
    expect(() => bucketPolicyFromTemplate(t, 'Bucket1', { ...values, keyLogicalId: 'Key1' })).not.toThrow();
  });

  test.each([
    ['Fn::Sub', { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::x' }, /unsupported intrinsic 'Fn::Sub'/],
    ['Fn::ImportValue', { 'Fn::ImportValue': 'SomeExport' }, /unsupported intrinsic 'Fn::ImportValue'/],
    ['Ref to an unknown resource', { Ref: 'SomethingElse' }, /cannot resolve Ref 'SomethingElse'/],
    ['GetAtt of an unsupported attribute', { 'Fn::GetAtt': ['Bucket1', 'DomainName'] }, /cannot resolve Fn::GetAtt \[Bucket1, DomainName\]/],
    ['GetAtt of the other bucket', { 'Fn::GetAtt': ['Bucket2', 'Arn'] }, /cannot resolve Fn::GetAtt \[Bucket2, Arn\]/],
  ])('throws on %s instead of passing it through', (_name, intrinsic, error) => {
    const t = {
      Resources: {
        ...template.Resources,
        Policy1: {
          Type: 'AWS::S3::BucketPolicy',
          Properties: {
            Bucket: { Ref: 'Bucket1' },
            PolicyDocument: { Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: intrinsic }] },
          },
        },
      },
    };
    expect(() => bucketPolicyFromTemplate(t, 'Bucket1', values)).toThrow(error);
  });

  test('values.resources resolves other references explicitly', () => {
    const t = {
      Resources: {
        B: { Type: 'AWS::S3::Bucket' },
        P: {
          Type: 'AWS::S3::BucketPolicy',
          Properties: { Bucket: { Ref: 'B' }, PolicyDocument: { Statement: [{ Principal: { AWS: { 'Fn::GetAtt': ['Role', 'Arn'] } } }] } },
        },
      },
    };
    const resources = { Role: { attributes: { Arn: 'arn:aws:iam::111111111111:role/r' } } };
    expect(bucketPolicyFromTemplate(t, 'B', { bucketName: 'b', resources })).toEqual({
      Statement: [{ Principal: { AWS: 'arn:aws:iam::111111111111:role/r' } }],
    });
  });
});

describe('template helpers against real CDK output', () => {
  // A plain aws-s3 Bucket with enforceSSL + minimumTLSVersion: proves the resolver handles what CDK
  // actually synthesizes and that the evaluator agrees with CDK's intent.
  const stack = new Stack(new App(), 'Stack', { env: { account: '111111111111', region: 'us-east-1' } });
  const key = new kms.Key(stack, 'Key');
  const bucket = new s3.Bucket(stack, 'Bucket', {
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: key,
  });
  const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
  bucket.grantRead(role);
  const template = Template.fromStack(stack).toJSON();
  const [bucketId] = findLogicalIds(template, 'AWS::S3::Bucket');
  const [roleId] = findLogicalIds(template, 'AWS::IAM::Role');
  const values = { bucketName: 'cdk-bucket', keyArn: KEY_A };
  const policy = bucketPolicyFromTemplate(template, bucketId, values);
  const object = 'arn:aws:s3:::cdk-bucket/file.txt';

  test('CDK enforceSSL / minimumTLSVersion deny what they should', async () => {
    expect(await evaluateS3Request(policy, { action: 's3:GetObject', resource: object })).toBe('Allowed');
    expect(await evaluateS3Request(policy, { action: 's3:GetObject', resource: object, secureTransport: false })).toBe('ExplicitlyDenied');
    expect(await evaluateS3Request(policy, { action: 's3:GetObject', resource: object, tlsVersion: '1.1' })).toBe('ExplicitlyDenied');
    expect(await evaluateS3Request(policy, { action: 's3:ListBucket', resource: 'arn:aws:s3:::cdk-bucket', secureTransport: false }))
      .toBe('ExplicitlyDenied');
  });

  test('identityPolicyFromTemplate gives the grantRead role read but not write', async () => {
    const identityPolicy = identityPolicyFromTemplate(template, roleId, bucketId, values);
    const opts = { identityPolicy, principal: 'arn:aws:iam::111111111111:role/reader' };
    expect(await evaluateS3Request(policy, { action: 's3:GetObject', resource: object }, opts)).toBe('Allowed');
    expect(await evaluateS3Request(policy, { action: 's3:ListBucket', resource: 'arn:aws:s3:::cdk-bucket' }, opts)).toBe('Allowed');
    expect(await evaluateS3Request(policy, { action: 's3:PutObject', resource: object }, opts)).toBe('ImplicitlyDenied');
    expect(await evaluateS3Request(policy, { action: 's3:GetObject', resource: 'arn:aws:s3:::other/file.txt' }, opts)).toBe('ImplicitlyDenied');
  });
});
