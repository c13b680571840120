/**
 * Hand-written stand-ins for the CloudFormation a SecureBucket synthesizes,
 * written from the bucket-policy spec (not from the implementation). They are
 * CloudFormation-shaped (Ref / Fn::GetAtt / Fn::Join, like CDK output) so the
 * tests exercise bucketPolicyFromTemplate exactly as they do for a real stack.
 *
 * The policy-evaluation tests run their case table against these as well as
 * against the real construct, so the expectations encode the spec and not just
 * the implementation.
 */

export type FixtureMode = 'SSE-S3' | 'SSE-KMS' | 'DSSE-KMS' | 'SSE-C';

export const FIXTURE_BUCKET_ID = 'BBucket3A1B2C4D';
export const FIXTURE_KEY_ID = 'BKey5E6F7A8B';

const SSE = 's3:x-amz-server-side-encryption';
const KEY_ID = 's3:x-amz-server-side-encryption-aws-kms-key-id';
const SSE_C = 's3:x-amz-server-side-encryption-customer-algorithm';

const BUCKET_ARN = { 'Fn::GetAtt': [FIXTURE_BUCKET_ID, 'Arn'] };
const OBJECTS_ARN = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [FIXTURE_BUCKET_ID, 'Arn'] }, '/*']] };
const KEY_ARN = { 'Fn::GetAtt': [FIXTURE_KEY_ID, 'Arn'] };

function deny(sid: string, action: string, resource: unknown, condition: Record<string, unknown>): Record<string, unknown> {
  return { Sid: sid, Effect: 'Deny', Principal: { AWS: '*' }, Action: action, Resource: resource, Condition: condition };
}

function putObjectDenies(mode: FixtureMode): Array<Record<string, unknown>> {
  const denyPut = (sid: string, condition: Record<string, unknown>) => deny(sid, 's3:PutObject', OBJECTS_ARN, condition);
  const denyOtherAlgorithm = (algorithm: string) =>
    denyPut('DenyOtherServerSideEncryption', { Null: { [SSE]: 'false' }, StringNotEquals: { [SSE]: algorithm } });
  const denySseC = denyPut('DenySseC', { Null: { [SSE_C]: 'false' } });
  switch (mode) {
    case 'SSE-S3':
      return [denyOtherAlgorithm('AES256'), denySseC];
    case 'SSE-KMS':
    case 'DSSE-KMS':
      return [
        denyOtherAlgorithm(mode === 'SSE-KMS' ? 'aws:kms' : 'aws:kms:dsse'),
        denyPut('DenyOtherKmsKey', { Null: { [KEY_ID]: 'false' }, StringNotEquals: { [KEY_ID]: KEY_ARN } }),
        denyPut('DenyKmsWithoutKeyId', { Null: { [SSE]: 'false', [KEY_ID]: 'true' } }),
        denySseC,
      ];
    case 'SSE-C':
      return [
        denyPut('RequireSseC', { StringNotEquals: { [SSE_C]: 'AES256' } }),
        denyPut('DenyServerManagedEncryption', { Null: { [SSE]: 'false' } }),
      ];
  }
}

/**
 * s3:UpdateObjectEncryption (changes an existing object's encryption in place): in SSE-KMS mode
 * denied unless it names aws:kms and the bucket key (an absent key counts as other); in every
 * other mode denied outright.
 */
function updateDenies(mode: FixtureMode): Array<Record<string, unknown>> {
  const update = 's3:UpdateObjectEncryption';
  if (mode === 'SSE-KMS') {
    return [
      deny('DenyUpdateToOtherEncryption', update, OBJECTS_ARN, { StringNotEquals: { [SSE]: 'aws:kms' } }),
      deny('DenyUpdateToOtherKmsKey', update, OBJECTS_ARN, { StringNotEquals: { [KEY_ID]: KEY_ARN } }),
    ];
  }
  return [{ Sid: 'DenyUpdateObjectEncryption', Effect: 'Deny', Principal: { AWS: '*' }, Action: update, Resource: OBJECTS_ARN }];
}

/** A CloudFormation template (as from Template.toJSON()) with the bucket, its key (KMS modes) and its policy. */
export function secureBucketFixtureTemplate(mode: FixtureMode): Record<string, any> {
  const kmsMode = mode === 'SSE-KMS' || mode === 'DSSE-KMS';
  const resources: Record<string, unknown> = {
    [FIXTURE_BUCKET_ID]: {
      Type: 'AWS::S3::Bucket',
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{
            ServerSideEncryptionByDefault: kmsMode
              ? { SSEAlgorithm: mode === 'SSE-KMS' ? 'aws:kms' : 'aws:kms:dsse', KMSMasterKeyID: KEY_ARN }
              : { SSEAlgorithm: 'AES256' },
          }],
        },
      },
    },
    BPolicy9C0D1E2F: {
      Type: 'AWS::S3::BucketPolicy',
      Properties: {
        Bucket: { Ref: FIXTURE_BUCKET_ID },
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            deny('DenyInsecureTransport', 's3:*', [BUCKET_ARN, OBJECTS_ARN], { Bool: { 'aws:SecureTransport': 'false' } }),
            deny('DenyOutdatedTls', 's3:*', [BUCKET_ARN, OBJECTS_ARN], { NumericLessThan: { 's3:TlsVersion': 1.2 } }),
            ...putObjectDenies(mode),
            ...updateDenies(mode),
          ],
        },
      },
    },
  };
  if (kmsMode) {
    resources[FIXTURE_KEY_ID] = { Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: true } };
  }
  return { Resources: resources };
}
