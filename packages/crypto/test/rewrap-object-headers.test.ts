/**
 * What a metadata-mode rotation carries over onto the rewritten object (a CopyObject onto itself): every header
 * S3 lets a copy keep, Object Lock retention and legal hold (or a clear refusal), read from HeadObject. The S3
 * client is a plain object here: s3rver keeps neither Object Lock nor checksums nor SSE settings.
 */
import { randomBytes } from 'node:crypto';
import { EnvelopeCipher } from '../src/cipher/envelope-cipher';
import { RawAesKeyring } from '../src/keyring/raw-aes-keyring';
import { ObjectLockError } from '../src/rewrap/rewrap-errors';
import { rewrapObject, RewrapObjectOptions } from '../src/s3/rewrap-object';
import { S3CopyObjectInput, S3HeadObjectOutput } from '../src/s3/s3-client';

const rawOld = new RawAesKeyring({ wrappingKey: randomBytes(32), materialDescription: { generation: '1' } });
const rawNew = new RawAesKeyring({ wrappingKey: randomBytes(32), materialDescription: { generation: '2' } });
const retainUntil = new Date('2031-01-01T00:00:00Z');
const expires = new Date('2030-06-01T00:00:00Z');

async function objectWith(extra: Partial<S3HeadObjectOutput>, copyError?: Error) {
  const { metadata } = await new EnvelopeCipher({ keyring: rawOld }).encrypt(Buffer.from('content'));
  let stored: S3HeadObjectOutput = {
    ETag: '"e1"', ContentLength: 100, Metadata: { ...metadata, owner: 'team' }, ...extra,
  };
  const copies: S3CopyObjectInput[] = [];
  const client: RewrapObjectOptions['client'] = {
    headObject: async () => ({ ...stored, Metadata: { ...stored.Metadata } }),
    getObject: async () => {
      throw new Error('not used');
    },
    putObject: async () => {
      throw new Error('not used');
    },
    copyObject: async (input) => {
      copies.push(input);
      if (copyError) throw copyError;
      stored = { ...stored, Metadata: input.Metadata };
      return { CopyObjectResult: { ETag: stored.ETag } };
    },
  };
  return { client, copies };
}

test('every header a copy can keep is restated, and the copy is conditional on the ETag read', async () => {
  const { client, copies } = await objectWith({
    ContentType: 'text/csv',
    ContentEncoding: 'gzip',
    ContentDisposition: 'attachment',
    ContentLanguage: 'de',
    CacheControl: 'no-cache',
    Expires: expires,
    WebsiteRedirectLocation: '/elsewhere',
    StorageClass: 'STANDARD_IA',
    ServerSideEncryption: 'aws:kms',
    SSEKMSKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/k',
    BucketKeyEnabled: true,
    ChecksumSHA256: 'abc=',
  });
  const context = Buffer.from(JSON.stringify({ app: 'ledger' })).toString('base64');
  await rewrapObject({
    client, bucket: 'b', key: 'k', sourceKeyring: rawOld, targetKeyring: rawNew, serverSideEncryptionContextFor: async () => context,
  });
  expect(copies).toHaveLength(1);
  expect(copies[0]).toMatchObject({
    CopySourceIfMatch: '"e1"',
    IfMatch: '"e1"',
    MetadataDirective: 'REPLACE',
    TaggingDirective: 'COPY',
    ContentType: 'text/csv',
    ContentEncoding: 'gzip',
    ContentDisposition: 'attachment',
    ContentLanguage: 'de',
    CacheControl: 'no-cache',
    Expires: expires,
    WebsiteRedirectLocation: '/elsewhere',
    StorageClass: 'STANDARD_IA',
    ServerSideEncryption: 'aws:kms',
    SSEKMSKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/k',
    SSEKMSEncryptionContext: context,
    BucketKeyEnabled: true,
    ChecksumAlgorithm: 'SHA256',
  });
  expect(copies[0].Metadata?.owner).toBe('team');
  expect(copies[0].ObjectLockMode).toBeUndefined();
});

test('Object Lock retention and legal hold are restated on the new object', async () => {
  const { client, copies } = await objectWith({ ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: retainUntil, ObjectLockLegalHoldStatus: 'ON' });
  await rewrapObject({ client, bucket: 'b', key: 'k', sourceKeyring: rawOld, targetKeyring: rawNew });
  expect(copies[0]).toMatchObject({ ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: retainUntil, ObjectLockLegalHoldStatus: 'ON' });
});

test('S3 refusing the Object Lock restatement (AccessDenied) is ObjectLockError naming the permissions', async () => {
  const denied = Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
  const { client } = await objectWith({ ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: retainUntil }, denied);
  const error = await rewrapObject({ client, bucket: 'b', key: 'k', sourceKeyring: rawOld, targetKeyring: rawNew }).catch((e: Error) => e);
  expect(error).toBeInstanceOf(ObjectLockError);
  expect((error as Error).message).toMatch(/COMPLIANCE retention until 2031-01-01.*s3:PutObjectRetention/);
});

test("objectLock: 'refuse' fails a locked object before any write", async () => {
  const { client, copies } = await objectWith({ ObjectLockLegalHoldStatus: 'ON' });
  await expect(rewrapObject({ client, bucket: 'b', key: 'k', sourceKeyring: rawOld, targetKeyring: rawNew, objectLock: 'refuse' }))
    .rejects.toBeInstanceOf(ObjectLockError);
  expect(copies).toEqual([]);
});
