import { promises as fs } from 'node:fs';
import { Readable } from 'node:stream';
import { BUCKET, deterministicBytes, digestStream, rejection, S3TestEnv, startS3TestEnv } from './s3-test-env';
import { EnvelopeCipher } from '../src/cipher/envelope-cipher';
import { EncryptionContextMismatchError, MetadataTooLargeError, UnsupportedFormatError } from '../src/errors';
import { getDecryptedObject } from '../src/s3/get-decrypted-object';
import { getDecryptedObjectStream } from '../src/s3/get-decrypted-object-stream';
import { putEncryptedObject } from '../src/s3/put-encrypted-object';

let env: S3TestEnv;

beforeAll(async () => {
  env = await startS3TestEnv();
});

afterAll(async () => {
  await env.stop();
});

beforeEach(() => env.kms.reset());

const context = { tenant: 't-1', purpose: 'test' };

describe('putEncryptedObject / getDecryptedObject with s3rver and the loopback KMS', () => {
  test.each(['V3', 'V2'] as const)('%s: small object round trip; S3 holds ciphertext + tag and S3EC metadata only', async (version) => {
    const cipher = version === 'V3' ? env.v3 : env.v2;
    const plaintext = Buffer.from(`hello ${version} encrypted world, this is not stored in clear`);
    const key = `small-${version}.txt`;
    const put = await putEncryptedObject({ client: env.client, cipher, bucket: BUCKET, key, body: plaintext, context });
    expect(put.multipart).toBe(false);
    expect(put.ciphertextLength).toBe(plaintext.length + 16);
    expect(env.kms.counts.GenerateDataKey).toBe(1);

    const stored = await fs.readFile(env.s3.objectPath(BUCKET, key));
    expect(stored.length).toBe(plaintext.length + 16);
    expect(stored.includes(plaintext.subarray(0, 16))).toBe(false);
    const head = await env.sdkClient.headObject({ Bucket: BUCKET, Key: key });
    expect(head.Metadata).toEqual(put.metadata);
    expect(Object.keys(head.Metadata!)).toContain(version === 'V3' ? 'x-amz-3' : 'x-amz-key-v2');
    expect(JSON.parse(head.Metadata![version === 'V3' ? 'x-amz-t' : 'x-amz-matdesc'])).toEqual({
      ...context, 'aws:x-amz-cek-alg': version === 'V3' ? '115' : 'AES/GCM/NoPadding',
    });

    const got = await getDecryptedObject({ client: env.client, cipher, bucket: BUCKET, key, context });
    expect(got.equals(plaintext)).toBe(true);
    expect(env.kms.counts.Decrypt).toBe(1);
  });

  test('0-byte object: stored as the 16-byte tag, reads back empty (buffer and stream)', async () => {
    const put = await putEncryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'empty', body: new Uint8Array(0) });
    expect(put.ciphertextLength).toBe(16);
    expect((await env.sdkClient.headObject({ Bucket: BUCKET, Key: 'empty' })).ContentLength).toBe(16);
    const got = await getDecryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'empty' });
    expect(got.length).toBe(0);
    const stream = await getDecryptedObjectStream({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'empty' });
    expect((await digestStream(stream)).length).toBe(0);
  });

  test('0-byte stream body goes through a single PutObject', async () => {
    const put = await putEncryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'empty-stream', body: Readable.from([]) });
    expect(put).toMatchObject({ multipart: false, parts: 1, ciphertextLength: 16 });
    const got = await getDecryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'empty-stream' });
    expect(got.length).toBe(0);
  });

  test('small stream body (shorter than a part) goes through a single PutObject', async () => {
    const data = deterministicBytes('small-stream', 300_000);
    const before = env.s3.requestCounts.POST ?? 0;
    const put = await putEncryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'small-stream', body: Readable.from([data]) });
    expect(put).toMatchObject({ multipart: false, parts: 1, ciphertextLength: data.length + 16 });
    expect(env.s3.requestCounts.POST ?? 0).toBe(before); // no CreateMultipartUpload
    const got = await getDecryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'small-stream' });
    expect(got.equals(data)).toBe(true);
  });

  test('the stream reader returns the same plaintext', async () => {
    const data = deterministicBytes('stream-read', 1_000_000);
    await putEncryptedObject({ client: env.client, cipher: env.v2, bucket: BUCKET, key: 'stream-read', body: data, context });
    const stream = await getDecryptedObjectStream({ client: env.client, cipher: env.v2, bucket: BUCKET, key: 'stream-read', context });
    const { sha256, length } = await digestStream(stream);
    expect(length).toBe(data.length);
    expect(sha256).toBe((await digestStream(Readable.from([data]))).sha256);
  });

  test('a V2 object is readable by a V3-writing cipher (same keyring), not when V2 reads are disabled', async () => {
    const data = Buffer.from('written as V2');
    await putEncryptedObject({ client: env.client, cipher: env.v2, bucket: BUCKET, key: 'v2-for-v3', body: data });
    await expect(getDecryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'v2-for-v3' })).resolves.toEqual(data);
    const strict = new EnvelopeCipher({ keyring: env.keyring, allowV2Decrypt: false });
    const err = await rejection(getDecryptedObject({ client: env.client, cipher: strict, bucket: BUCKET, key: 'v2-for-v3' }));
    expect(err).toBeInstanceOf(UnsupportedFormatError);
  });

  test('a different expected context is a typed error, before KMS is asked', async () => {
    await putEncryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'ctx', body: Buffer.from('x'), context });
    env.kms.reset();
    const err = await rejection(getDecryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'ctx', context: { tenant: 't-2', purpose: 'test' } }));
    expect(err).toBeInstanceOf(EncryptionContextMismatchError);
    expect(env.kms.counts.Decrypt).toBe(0);
  });

  test('an object without S3EC metadata or instruction file is an UnsupportedFormatError', async () => {
    await env.sdkClient.putObject({ Bucket: BUCKET, Key: 'plain', Body: Buffer.from('not encrypted') });
    const err = await rejection(getDecryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'plain' }));
    expect(err).toBeInstanceOf(UnsupportedFormatError);
    expect(err.message).toMatch(/no instruction file plain\.instruction/);
  });

  test('an oversized instruction file (8 MiB) is a MetadataTooLargeError, and no KMS call is made', async () => {
    const { ciphertext } = await env.v3.encrypt(Buffer.from('x'), { context });
    await env.sdkClient.putObject({ Bucket: BUCKET, Key: 'huge-instr', Body: ciphertext });
    await env.sdkClient.putObject({ Bucket: BUCKET, Key: 'huge-instr.instruction', Body: Buffer.alloc(8 * 1024 * 1024, 0x20) });
    env.kms.reset();
    const err = await rejection(getDecryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'huge-instr', context }));
    expect(err).toBeInstanceOf(MetadataTooLargeError);
    expect(env.kms.counts.Decrypt).toBe(0);
  });

  test('a missing object surfaces the S3 error (NoSuchKey)', async () => {
    const err = await rejection(getDecryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'does-not-exist' }));
    expect(err.name).toBe('NoSuchKey');
  });

  test('arguments are validated', async () => {
    await expect(putEncryptedObject({ client: env.client, cipher: env.v3, bucket: '', key: 'k', body: Buffer.from('x') }))
      .rejects.toThrow(/bucket is required/);
    await expect(putEncryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'k', body: 'text' as unknown as Uint8Array }))
      .rejects.toThrow(/body must be a Uint8Array or a Readable/);
    await expect(putEncryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'k', body: Buffer.from('x'), partSize: 1024 }))
      .rejects.toThrow(/partSize must be an integer from 5242880/);
    await expect(getDecryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: '' })).rejects.toThrow(/key is required/);
  });
});

describe('instruction files', () => {
  test('V2: all metadata in key.instruction (JSON, marked x-amz-crypto-instr-file), none on the object', async () => {
    const data = Buffer.from('v2 with instruction file');
    const put = await putEncryptedObject({
      client: env.client, cipher: env.v2, bucket: BUCKET, key: 'if/v2', body: data, context, instructionFile: true,
    });
    expect(put.instructionFileKey).toBe('if/v2.instruction');
    expect(put.objectMetadata).toEqual({});
    const head = await env.sdkClient.headObject({ Bucket: BUCKET, Key: 'if/v2' });
    expect(head.Metadata).toEqual({});
    const instr = await env.sdkClient.getObject({ Bucket: BUCKET, Key: 'if/v2.instruction' });
    expect(instr.Metadata).toEqual({ 'x-amz-crypto-instr-file': '' });
    const json = JSON.parse(await instr.Body!.transformToString());
    expect(json).toEqual(put.metadata);
    expect(Object.keys(json).sort()).toEqual(['x-amz-cek-alg', 'x-amz-iv', 'x-amz-key-v2', 'x-amz-matdesc', 'x-amz-tag-len', 'x-amz-wrap-alg']);

    await expect(getDecryptedObject({ client: env.client, cipher: env.v2, bucket: BUCKET, key: 'if/v2', context })).resolves.toEqual(data);
  });

  test('V3: x-amz-c, x-amz-d, x-amz-i stay on the object, the rest goes to the instruction file', async () => {
    const data = Buffer.from('v3 with instruction file');
    const put = await putEncryptedObject({
      client: env.client, cipher: env.v3, bucket: BUCKET, key: 'if/v3', body: data, context, instructionFile: true,
    });
    const head = await env.sdkClient.headObject({ Bucket: BUCKET, Key: 'if/v3' });
    expect(Object.keys(head.Metadata!).sort()).toEqual(['x-amz-c', 'x-amz-d', 'x-amz-i']);
    expect(head.Metadata!['x-amz-c']).toBe('115');
    const instr = await env.sdkClient.getObject({ Bucket: BUCKET, Key: 'if/v3.instruction' });
    const json = JSON.parse(await instr.Body!.transformToString());
    expect(Object.keys(json).sort()).toEqual(['x-amz-3', 'x-amz-t', 'x-amz-w']);
    expect({ ...head.Metadata, ...json }).toEqual(put.metadata);

    await expect(getDecryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'if/v3', context })).resolves.toEqual(data);
    const stream = await getDecryptedObjectStream({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'if/v3', context });
    expect((await digestStream(stream)).length).toBe(data.length);
  });

  test('V3 with a lost instruction file: typed error naming it', async () => {
    await putEncryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'if/lost', body: Buffer.from('x'), instructionFile: true });
    await env.sdkClient.deleteObject({ Bucket: BUCKET, Key: 'if/lost.instruction' });
    const err = await rejection(getDecryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'if/lost' }));
    expect(err).toBeInstanceOf(UnsupportedFormatError);
    expect(err.message).toContain('if/lost.instruction');
  });

  test('an instruction file of another object (swapped) is detected', async () => {
    await putEncryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'if/a', body: Buffer.from('object a'), instructionFile: true });
    await putEncryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'if/b', body: Buffer.from('object b'), instructionFile: true });
    const b = await env.sdkClient.getObject({ Bucket: BUCKET, Key: 'if/b.instruction' });
    await env.sdkClient.putObject({ Bucket: BUCKET, Key: 'if/a.instruction', Body: await b.Body!.transformToByteArray() });
    const err = await rejection(getDecryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'if/a' }));
    // V3: the data key of b does not match a's key commitment.
    expect(err.name).toBe('TamperedCiphertextError');
  });

  test('an instruction file that carries V3 object-only keys is rejected', async () => {
    const put = await putEncryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'if/bad', body: Buffer.from('x'), instructionFile: true });
    await env.sdkClient.putObject({ Bucket: BUCKET, Key: 'if/bad.instruction', Body: Buffer.from(JSON.stringify(put.metadata)) });
    const err = await rejection(getDecryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'if/bad' }));
    expect(err).toBeInstanceOf(UnsupportedFormatError);
    expect(err.message).toMatch(/must not contain x-amz-/);
  });

  test('object metadata wins: an object with full metadata does not read a stray instruction file', async () => {
    await putEncryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'if/stray', body: Buffer.from('ok') });
    await env.sdkClient.putObject({ Bucket: BUCKET, Key: 'if/stray.instruction', Body: Buffer.from('garbage') });
    await expect(getDecryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'if/stray' })).resolves.toEqual(Buffer.from('ok'));
  });
});
