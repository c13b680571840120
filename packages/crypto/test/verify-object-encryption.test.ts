import { createHash } from 'node:crypto';
import { HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import { InvalidArgumentError } from '../src/errors';
import {
  ObjectEncryptionExpectation,
  ObjectEncryptionFields,
  verifyObjectEncryption,
} from '../src/verify/verify-object-encryption';

const KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/11111111-1111-1111-1111-111111111111';
const OTHER_ARN = 'arn:aws:kms:us-east-1:111122223333:key/22222222-2222-2222-2222-222222222222';
const CUSTOMER_KEY = new Uint8Array(32).fill(7);
const OTHER_CUSTOMER_KEY = new Uint8Array(32).fill(8);
const md5 = (k: Uint8Array) => createHash('md5').update(k).digest('base64');

const codes = (head: ObjectEncryptionFields, expectation: ObjectEncryptionExpectation) =>
  verifyObjectEncryption(head, expectation).findings.map((f) => f.code);

describe('verifyObjectEncryption', () => {
  test('accepts a real HeadObjectCommandOutput (type-level) and reports ok + empty findings', () => {
    const head: HeadObjectCommandOutput = { $metadata: {}, ServerSideEncryption: 'AES256' };
    expect(verifyObjectEncryption(head, { mode: 'SSE_S3' })).toEqual({ ok: true, findings: [] });
  });

  describe('SSE_S3', () => {
    test('match', () => {
      expect(verifyObjectEncryption({ ServerSideEncryption: 'AES256' }, { mode: 'SSE_S3' }).ok).toBe(true);
    });
    test('wrong algorithm', () => {
      const result = verifyObjectEncryption({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY_ARN }, { mode: 'SSE_S3' });
      expect(result.ok).toBe(false);
      expect(result.findings).toEqual([
        expect.objectContaining({ code: 'WRONG_SERVER_SIDE_ENCRYPTION', expected: 'AES256', actual: 'aws:kms' }),
        expect.objectContaining({ code: 'UNEXPECTED_KMS_KEY_ID', actual: KEY_ARN }),
      ]);
      expect(result.findings[0].message).toMatch(/aws:kms.*AES256/);
    });
    test('missing fields', () => {
      expect(codes({}, { mode: 'SSE_S3' })).toEqual(['MISSING_SERVER_SIDE_ENCRYPTION']);
    });
    test('SSE-C fields on an SSE-S3 expectation', () => {
      expect(codes({ ServerSideEncryption: 'AES256', SSECustomerAlgorithm: 'AES256', SSECustomerKeyMD5: md5(CUSTOMER_KEY) }, { mode: 'SSE_S3' }))
        .toEqual(['UNEXPECTED_CUSTOMER_KEY']);
    });
  });

  describe('SSE_KMS', () => {
    const good = { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY_ARN, BucketKeyEnabled: true };
    test('match (with and without key / bucket-key expectations)', () => {
      expect(verifyObjectEncryption(good, { mode: 'SSE_KMS', keyArn: KEY_ARN, bucketKeyEnabled: true }).ok).toBe(true);
      expect(verifyObjectEncryption(good, { mode: 'SSE_KMS' }).ok).toBe(true);
      expect(verifyObjectEncryption({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY_ARN }, { mode: 'SSE_KMS', bucketKeyEnabled: false }).ok)
        .toBe(true);
    });
    test('wrong algorithm (SSE-S3 and DSSE are not SSE-KMS)', () => {
      expect(codes({ ServerSideEncryption: 'AES256' }, { mode: 'SSE_KMS' })).toEqual(['WRONG_SERVER_SIDE_ENCRYPTION']);
      expect(codes({ ServerSideEncryption: 'aws:kms:dsse', SSEKMSKeyId: KEY_ARN }, { mode: 'SSE_KMS', keyArn: KEY_ARN }))
        .toEqual(['WRONG_SERVER_SIDE_ENCRYPTION']);
    });
    test('wrong key', () => {
      const result = verifyObjectEncryption({ ...good, SSEKMSKeyId: OTHER_ARN }, { mode: 'SSE_KMS', keyArn: KEY_ARN });
      expect(result.findings).toEqual([expect.objectContaining({ code: 'WRONG_KMS_KEY', expected: KEY_ARN, actual: OTHER_ARN })]);
    });
    test('bucket key off when required, on when forbidden', () => {
      expect(codes({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY_ARN }, { mode: 'SSE_KMS', bucketKeyEnabled: true }))
        .toEqual(['WRONG_BUCKET_KEY']);
      expect(codes({ ...good, BucketKeyEnabled: false }, { mode: 'SSE_KMS', bucketKeyEnabled: true })).toEqual(['WRONG_BUCKET_KEY']);
      expect(codes(good, { mode: 'SSE_KMS', bucketKeyEnabled: false })).toEqual(['WRONG_BUCKET_KEY']);
    });
    test('missing fields: every difference is listed', () => {
      expect(codes({}, { mode: 'SSE_KMS', keyArn: KEY_ARN, bucketKeyEnabled: true }))
        .toEqual(['MISSING_SERVER_SIDE_ENCRYPTION', 'MISSING_KMS_KEY_ID', 'WRONG_BUCKET_KEY']);
    });
    test('a key id or alias instead of an ARN is a misuse (could never match)', () => {
      expect(() => verifyObjectEncryption(good, { mode: 'SSE_KMS', keyArn: 'alias/my-key' })).toThrow(InvalidArgumentError);
      expect(() => verifyObjectEncryption(good, { mode: 'SSE_KMS', keyArn: '11111111-1111-1111-1111-111111111111' }))
        .toThrow(/must be a KMS key ARN/);
    });
    test('ARNs of other partitions (aws-us-gov) are accepted', () => {
      const gov = 'arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/abc';
      expect(verifyObjectEncryption({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: gov }, { mode: 'SSE_KMS', keyArn: gov }).ok).toBe(true);
    });
  });

  describe('DSSE_KMS', () => {
    test('match', () => {
      expect(verifyObjectEncryption({ ServerSideEncryption: 'aws:kms:dsse', SSEKMSKeyId: KEY_ARN }, { mode: 'DSSE_KMS', keyArn: KEY_ARN }).ok)
        .toBe(true);
    });
    test('wrong algorithm (single-layer KMS is not DSSE)', () => {
      expect(codes({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY_ARN }, { mode: 'DSSE_KMS', keyArn: KEY_ARN }))
        .toEqual(['WRONG_SERVER_SIDE_ENCRYPTION']);
    });
    test('wrong key', () => {
      expect(codes({ ServerSideEncryption: 'aws:kms:dsse', SSEKMSKeyId: OTHER_ARN }, { mode: 'DSSE_KMS', keyArn: KEY_ARN }))
        .toEqual(['WRONG_KMS_KEY']);
    });
    test('missing fields', () => {
      expect(codes({}, { mode: 'DSSE_KMS', keyArn: KEY_ARN })).toEqual(['MISSING_SERVER_SIDE_ENCRYPTION', 'MISSING_KMS_KEY_ID']);
    });
  });

  describe('SSE_C', () => {
    const good = { SSECustomerAlgorithm: 'AES256', SSECustomerKeyMD5: md5(CUSTOMER_KEY) };
    test('match (with and without a key to compare)', () => {
      expect(verifyObjectEncryption(good, { mode: 'SSE_C', customerKey: CUSTOMER_KEY }).ok).toBe(true);
      expect(verifyObjectEncryption(good, { mode: 'SSE_C' }).ok).toBe(true);
    });
    test('wrong MD5 (another customer key)', () => {
      const result = verifyObjectEncryption(good, { mode: 'SSE_C', customerKey: OTHER_CUSTOMER_KEY });
      expect(result.ok).toBe(false);
      expect(result.findings).toEqual([expect.objectContaining({
        code: 'WRONG_CUSTOMER_KEY', expected: md5(OTHER_CUSTOMER_KEY), actual: md5(CUSTOMER_KEY),
      })]);
      // The message carries MD5s only, never the key.
      expect(result.findings[0].message).not.toContain(Buffer.from(OTHER_CUSTOMER_KEY).toString('base64'));
    });
    test('wrong algorithm', () => {
      expect(codes({ ...good, SSECustomerAlgorithm: 'AES128' }, { mode: 'SSE_C' })).toEqual(['WRONG_CUSTOMER_ALGORITHM']);
    });
    test('missing fields', () => {
      expect(codes({}, { mode: 'SSE_C', customerKey: CUSTOMER_KEY })).toEqual(['MISSING_CUSTOMER_ALGORITHM', 'MISSING_CUSTOMER_KEY_MD5']);
      expect(codes({ SSECustomerAlgorithm: 'AES256' }, { mode: 'SSE_C', customerKey: CUSTOMER_KEY })).toEqual(['MISSING_CUSTOMER_KEY_MD5']);
    });
    test('an SSE-KMS object is not SSE-C', () => {
      expect(codes({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY_ARN }, { mode: 'SSE_C' }))
        .toEqual(['MISSING_CUSTOMER_ALGORITHM', 'WRONG_SERVER_SIDE_ENCRYPTION', 'UNEXPECTED_KMS_KEY_ID']);
    });
    test('a customer key of the wrong length is a misuse', () => {
      expect(() => verifyObjectEncryption(good, { mode: 'SSE_C', customerKey: new Uint8Array(16) })).toThrow(InvalidArgumentError);
    });
  });

  test('an unknown mode is a misuse, not a silent pass', () => {
    expect(() => verifyObjectEncryption({ ServerSideEncryption: 'AES256' }, { mode: 'NONE' } as unknown as ObjectEncryptionExpectation))
      .toThrow(/unknown mode "NONE"/);
    expect(() => verifyObjectEncryption(undefined as unknown as ObjectEncryptionFields, { mode: 'SSE_S3' })).toThrow(InvalidArgumentError);
  });
});
