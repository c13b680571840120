import { EncryptionModeKind } from '../../src/encryption-modes/encryption-mode-kind';
import { NO_MODE, bucketWithMode, directoryBucket, encryptedBucket, kmsBucket, kmsBucketWithKey, s3Bucket } from '../../src/nag/engine/encrypted-bucket';
import { RuleResult, RuleStatus, compliant } from '../../src/nag/engine/rule';
import { TemplateIndex } from '../../src/nag/engine/template-index';

/** A bucket's default encryption rule. */
const encryption = (byDefault: Record<string, unknown>) => ({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: byDefault }] });

const index = new TemplateIndex({
  Parameters: { KeyParam: {} },
  Resources: {
    Key: { Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: true } },
    Plain: { Type: 'AWS::S3::Bucket' },
    Unresolvable: { Type: 'AWS::S3::Bucket', unresolvable: 'the properties of S/Unresolvable' },
    Aes: { Type: 'AWS::S3::Bucket', Properties: { BucketEncryption: encryption({ SSEAlgorithm: 'AES256' }) } },
    Other: { Type: 'AWS::S3::Bucket', Properties: { BucketEncryption: encryption({ SSEAlgorithm: 'something-else' }) } },
    ParamAlgorithm: { Type: 'AWS::S3::Bucket', Properties: { BucketEncryption: encryption({ SSEAlgorithm: { Ref: 'KeyParam' } }) } },
    Kms: { Type: 'AWS::S3::Bucket', Properties: { BucketEncryption: encryption({ SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': ['Key', 'Arn'] } }) } },
    Dsse: { Type: 'AWS::S3::Bucket', Properties: { BucketEncryption: encryption({ SSEAlgorithm: 'aws:kms:dsse' }) } },
    ParamKey: { Type: 'AWS::S3::Bucket', Properties: { BucketEncryption: encryption({ SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { Ref: 'KeyParam' } }) } },
    Directory: { Type: 'AWS::S3Express::DirectoryBucket', Properties: {} },
    UnresolvableDirectory: { Type: 'AWS::S3Express::DirectoryBucket', unresolvable: 'the properties of S/UnresolvableDirectory' },
  },
});

/** Runs an accessor on one resource with a judge that records what it was handed. */
function run<B>(accessor: (judge: (b: B, i: TemplateIndex) => RuleResult) => (r: any, i: TemplateIndex) => RuleResult, logicalId: string) {
  const seen: B[] = [];
  const result = accessor((b) => { seen.push(b); return compliant(); })(index.resources.get(logicalId)!, index);
  return { result, seen };
}

const NOT_APPLICABLE = { status: RuleStatus.NOT_APPLICABLE, message: '' };

describe('s3Bucket', () => {
  test('hands over a general purpose bucket; other types are not applicable; unresolvable properties are UNKNOWN', () => {
    expect(run(s3Bucket, 'Plain').seen.map((b) => b.resource.logicalId)).toEqual(['Plain']);
    expect(run(s3Bucket, 'Directory')).toEqual({ result: NOT_APPLICABLE, seen: [] });
    expect(run(s3Bucket, 'Key')).toEqual({ result: NOT_APPLICABLE, seen: [] });
    expect(run(s3Bucket, 'Unresolvable')).toEqual({ result: { status: RuleStatus.UNKNOWN, message: 'cannot resolve: the properties of S/Unresolvable' }, seen: [] });
  });
});

describe('directoryBucket', () => {
  test('hands over a directory bucket; general purpose buckets are not applicable; unresolvable properties are UNKNOWN', () => {
    expect(run(directoryBucket, 'Directory').seen.map((b) => b.resource.logicalId)).toEqual(['Directory']);
    expect(run(directoryBucket, 'Plain')).toEqual({ result: NOT_APPLICABLE, seen: [] });
    expect(run(directoryBucket, 'UnresolvableDirectory'))
      .toEqual({ result: { status: RuleStatus.UNKNOWN, message: 'cannot resolve: the properties of S/UnresolvableDirectory' }, seen: [] });
  });
});

describe('encryptedBucket', () => {
  test('hands over the default encryption as read, present or not', () => {
    expect(run(encryptedBucket, 'Plain').seen[0].encryption).toEqual({ present: false });
    expect(run(encryptedBucket, 'Other').seen[0].encryption).toMatchObject({ present: true, algorithm: 'something-else', mode: undefined });
    expect(run(encryptedBucket, 'Aes').seen[0].encryption).toMatchObject({ present: true, mode: EncryptionModeKind.SSE_S3 });
  });

  test('an encryption that cannot be read is UNKNOWN; other types are not applicable', () => {
    const { result, seen } = run(encryptedBucket, 'ParamAlgorithm');
    expect(seen).toEqual([]);
    expect(result.status).toBe(RuleStatus.UNKNOWN);
    expect(result.message).toMatch(/^cannot resolve: SSEAlgorithm .*template parameter/);
    expect(run(encryptedBucket, 'Unresolvable').result).toEqual({ status: RuleStatus.UNKNOWN, message: 'cannot resolve: the properties of S/Unresolvable' });
    expect(run(encryptedBucket, 'Directory')).toEqual({ result: NOT_APPLICABLE, seen: [] });
  });
});

describe('bucketWithMode', () => {
  test('hands over the mode; a bucket without one is not applicable, saying S3DefaultEncryptionMode reports it', () => {
    expect(run(bucketWithMode, 'Aes').seen.map((b) => b.mode)).toEqual([EncryptionModeKind.SSE_S3]);
    expect(run(bucketWithMode, 'Kms').seen.map((b) => b.mode)).toEqual([EncryptionModeKind.SSE_KMS]);
    for (const id of ['Plain', 'Other']) {
      expect(run(bucketWithMode, id)).toEqual({ result: { status: RuleStatus.NOT_APPLICABLE, message: NO_MODE }, seen: [] });
    }
  });
});

describe('kmsBucket', () => {
  test('hands over SSE-KMS and DSSE-KMS buckets only', () => {
    expect(run(kmsBucket, 'Kms').seen.map((b) => b.mode)).toEqual([EncryptionModeKind.SSE_KMS]);
    expect(run(kmsBucket, 'Dsse').seen.map((b) => b.mode)).toEqual([EncryptionModeKind.DSSE_KMS]);
    for (const id of ['Plain', 'Aes', 'Other', 'Directory']) expect(run(kmsBucket, id)).toEqual({ result: NOT_APPLICABLE, seen: [] });
  });
});

describe('kmsBucketWithKey', () => {
  test('hands over the resolved key: a key of the template, or none (AWS managed)', () => {
    const kms = run(kmsBucketWithKey, 'Kms').seen[0];
    expect(kms.key.key?.logicalId).toBe('Key');
    expect(kms.key.awsManaged).toBe(false);
    expect(run(kmsBucketWithKey, 'Dsse').seen[0].key).toEqual({ awsManaged: true });
  });

  test('a key that cannot be resolved is UNKNOWN; other modes are not applicable', () => {
    const { result, seen } = run(kmsBucketWithKey, 'ParamKey');
    expect(seen).toEqual([]);
    expect(result.status).toBe(RuleStatus.UNKNOWN);
    expect(result.message).toMatch(/^cannot resolve: the KMS key .*template parameter/);
    expect(run(kmsBucketWithKey, 'Aes')).toEqual({ result: NOT_APPLICABLE, seen: [] });
  });
});
