import { createJobRequest, JobParameters } from '../../src/inventory/create-job';
import { COPY_MAX_BYTES, remedy } from '../../src/inventory/remediation';

const object = { status: 'NOT-SSE', size: 10, storageClass: 'STANDARD', isLatest: true };

describe('remedy: the operation per object and expected mode', () => {
  test.each([
    ['SSE-S3', 'SSE-KMS', 'S3UpdateObjectEncryption'],
    ['SSE-KMS', 'SSE-KMS', 'S3UpdateObjectEncryption'],
    ['NOT-SSE', 'SSE-KMS', 'S3PutObjectCopy'],
    ['DSSE-KMS', 'SSE-KMS', 'S3PutObjectCopy'],
    ['SSE-KMS', 'SSE-S3', 'S3PutObjectCopy'],
    ['NOT-SSE', 'SSE-S3', 'S3PutObjectCopy'],
    ['SSE-S3', 'DSSE-KMS', 'S3PutObjectCopy'],
  ] as const)('%s object, expected %s: %s', (status, mode, operation) => {
    expect(remedy({ ...object, status }, mode)).toEqual({ operation });
  });

  test('UpdateObjectEncryption has no size, version or storage-class limit; a copy has', () => {
    const big = { ...object, status: 'SSE-S3', size: COPY_MAX_BYTES + 1, storageClass: 'DEEP_ARCHIVE', isLatest: false };
    expect(remedy(big, 'SSE-KMS')).toEqual({ operation: 'S3UpdateObjectEncryption' });
    expect(remedy({ ...object, size: COPY_MAX_BYTES }, 'SSE-S3')).toEqual({ operation: 'S3PutObjectCopy' });
    expect(remedy({ ...object, size: COPY_MAX_BYTES + 1 }, 'SSE-S3').operation).toBeUndefined();
    expect(remedy({ ...object, storageClass: 'GLACIER' }, 'SSE-S3').operation).toBeUndefined();
    expect(remedy({ ...object, storageClass: 'INTELLIGENT_TIERING', intelligentTieringTier: 'ARCHIVE_ACCESS' }, 'SSE-S3').operation).toBeUndefined();
    expect(remedy({ ...object, storageClass: 'INTELLIGENT_TIERING', intelligentTieringTier: 'FREQUENT' }, 'SSE-S3')).toEqual({ operation: 'S3PutObjectCopy' });
    expect(remedy({ ...object, isLatest: false }, 'SSE-S3').operation).toBeUndefined();
  });

  test('SSE-C: neither read nor written by Batch Operations', () => {
    expect(remedy({ ...object, status: 'SSE-C' }, 'SSE-KMS')).toEqual({ reason: expect.stringMatching(/customer key/) });
    expect(remedy(object, 'SSE-C')).toEqual({ reason: expect.stringMatching(/client holding the key/) });
  });
});

describe('createJobRequest: the copy names the mode\'s encryption', () => {
  const base: JobParameters = {
    accountId: '111122223333',
    roleArn: 'arn:aws:iam::111122223333:role/r',
    operation: 'S3PutObjectCopy',
    mode: 'SSE-S3',
    bucketKey: false,
    bucket: 'data',
    manifest: { bucket: 'm', key: 'fix-copy.csv', etag: 'abc', fields: ['Bucket', 'Key'] },
    report: { bucket: 'r', prefix: 'p' },
  };

  test('SSE-S3: AES256; DSSE-KMS: nothing (the bucket default applies)', () => {
    expect(createJobRequest(base).Operation).toEqual({ S3PutObjectCopy: { TargetResource: 'arn:aws:s3:::data', MetadataDirective: 'COPY', NewObjectMetadata: { SSEAlgorithm: 'AES256' } } });
    expect(createJobRequest({ ...base, mode: 'DSSE-KMS' }).Operation).toEqual({ S3PutObjectCopy: { TargetResource: 'arn:aws:s3:::data', MetadataDirective: 'COPY' } });
  });

  test('the token changes with the manifest\'s ETag and stays within 64 characters', () => {
    const a = createJobRequest(base).ClientRequestToken;
    expect(a).toHaveLength(64);
    expect(createJobRequest(base).ClientRequestToken).toBe(a);
    expect(createJobRequest({ ...base, manifest: { ...base.manifest, etag: 'def' } }).ClientRequestToken).not.toBe(a);
  });
});
