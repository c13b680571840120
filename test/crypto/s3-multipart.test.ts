import { promises as fs } from 'node:fs';
import { Readable } from 'node:stream';
import {
  BUCKET, deterministicBytes, deterministicStream, digestStream, failingStream, MiB, rejection, S3TestEnv, startS3TestEnv,
} from './s3-test-env';
import { S3EncryptionError } from '../../src/crypto/errors';
import { getDecryptedObject } from '../../src/crypto/s3/get-decrypted-object';
import { getDecryptedObjectStream } from '../../src/crypto/s3/get-decrypted-object-stream';
import { putEncryptedObject } from '../../src/crypto/s3/put-encrypted-object';
import { S3ClientLike } from '../../src/crypto/s3/s3-client';
import { MIN_PART_SIZE, uploadCiphertext } from '../../src/crypto/s3/upload-ciphertext';

let env: S3TestEnv;

beforeAll(async () => {
  env = await startS3TestEnv();
});

afterAll(async () => {
  await env.stop();
});

const partSize = MIN_PART_SIZE; // 5 MiB, the S3 minimum

describe('multipart upload of stream bodies', () => {
  test.each(['V3', 'V2'] as const)('%s: a stream of several parts round-trips; parts are exactly partSize', async (version) => {
    const cipher = version === 'V3' ? env.v3 : env.v2;
    const size = 3 * partSize + 12_345; // ciphertext: 3 full parts + a short 4th
    const key = `mp-${version}`;
    const source = deterministicStream(key, size, 64 * 1024);
    const put = await putEncryptedObject({ client: env.client, cipher, bucket: BUCKET, key, body: source, partSize, context: { k: 'v' } });
    expect(put).toMatchObject({ multipart: true, parts: 4, ciphertextLength: size + 16 });
    expect(await env.s3.pendingUploads(BUCKET)).toEqual([]);

    const head = await env.sdkClient.headObject({ Bucket: BUCKET, Key: key });
    expect(head.ContentLength).toBe(size + 16);
    expect(head.Metadata).toEqual(put.metadata); // CreateMultipartUpload carried the metadata

    const out = await getDecryptedObjectStream({ client: env.client, cipher, bucket: BUCKET, key, context: { k: 'v' } });
    const { sha256, length } = await digestStream(out);
    expect(length).toBe(size);
    expect(sha256).toBe(source.digest());
  });

  test('a ciphertext of exactly one part is a one-part multipart upload', async () => {
    const data = deterministicBytes('one-part', partSize - 16); // + tag = partSize
    const put = await putEncryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'one-part', body: Readable.from([data]), partSize });
    expect(put).toMatchObject({ multipart: true, parts: 1, ciphertextLength: partSize });
    const got = await getDecryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'one-part' });
    expect(got.equals(data)).toBe(true); // Buffer#equals: jest's toEqual is very slow on MiBs
  });

  test('ciphertext an exact multiple of partSize: no empty trailing part', async () => {
    const data = deterministicBytes('two-parts', 2 * partSize - 16);
    const put = await putEncryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'two-parts', body: Readable.from([data]), partSize });
    expect(put).toMatchObject({ multipart: true, parts: 2, ciphertextLength: 2 * partSize });
    const got = await getDecryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'two-parts' });
    expect(got.equals(data)).toBe(true);
  });

  test('multipart + V3 instruction file', async () => {
    const source = deterministicStream('mp-if', partSize + 1, 256 * 1024);
    const put = await putEncryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'mp-if', body: source, partSize, instructionFile: true });
    expect(put.parts).toBe(2);
    expect(Object.keys((await env.sdkClient.headObject({ Bucket: BUCKET, Key: 'mp-if' })).Metadata!).sort()).toEqual(['x-amz-c', 'x-amz-d', 'x-amz-i']);
    const { sha256 } = await digestStream(await getDecryptedObjectStream({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'mp-if' }));
    expect(sha256).toBe(source.digest());
  });

  test('a body stream that fails mid-upload: the multipart upload is aborted, no object is left, the error is rethrown', async () => {
    const boom = new Error('disk read failed');
    const body = failingStream(2 * partSize + MiB, boom); // 2 parts uploaded, then failure
    const pendingBefore = await env.s3.pendingUploads(BUCKET);
    const deletesBefore = env.s3.requestCounts.DELETE ?? 0;
    const putsBefore = env.s3.requestCounts.PUT ?? 0;
    const err = await rejection(putEncryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'mp-fail', body, partSize }));
    expect(err).toBe(boom);
    expect(env.s3.requestCounts.PUT).toBe(putsBefore + 2); // two UploadParts went through before the failure
    expect(env.s3.requestCounts.DELETE).toBe(deletesBefore + 1); // AbortMultipartUpload
    expect(await env.s3.pendingUploads(BUCKET)).toEqual(pendingBefore);
    const head = await rejection(env.sdkClient.headObject({ Bucket: BUCKET, Key: 'mp-fail' }));
    expect(head.name).toBe('NotFound');
    expect(body.destroyed).toBe(true);
  });

  test('a body stream that fails before one part is filled: no upload at all', async () => {
    const boom = new Error('early failure');
    const postsBefore = env.s3.requestCounts.POST ?? 0;
    const putsBefore = env.s3.requestCounts.PUT ?? 0;
    const err = await rejection(putEncryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'early-fail', body: failingStream(MiB, boom), partSize }));
    expect(err).toBe(boom);
    expect(env.s3.requestCounts.POST ?? 0).toBe(postsBefore);
    expect(env.s3.requestCounts.PUT ?? 0).toBe(putsBefore);
  });

  test('the plaintext never reaches S3 (every byte sent is captured)', async () => {
    const sent: Buffer[] = [];
    const capture: S3ClientLike = new Proxy(env.client, {
      get(target, prop: keyof S3ClientLike) {
        const fn = target[prop] as (input: { Body?: unknown }) => Promise<unknown>;
        return async (input: { Body?: unknown }) => {
          if (input.Body instanceof Uint8Array) sent.push(Buffer.from(input.Body));
          return fn.call(target, input);
        };
      },
    });
    const marker = Buffer.from('PLAINTEXT-MARKER-0123456789abcdef');
    const plaintext = Buffer.concat(Array.from({ length: (partSize * 2) / marker.length }, () => marker));
    await putEncryptedObject({ client: capture, cipher: env.v3, bucket: BUCKET, key: 'no-plain', body: Readable.from([plaintext]), partSize });
    await putEncryptedObject({ client: capture, cipher: env.v2, bucket: BUCKET, key: 'no-plain-2', body: marker, instructionFile: true });
    expect(sent.length).toBe(5); // 3 parts (2 x partSize of plaintext + tag) + 1 object + 1 instruction file
    for (const body of sent) expect(body.includes(marker.subarray(0, 16))).toBe(false);
    const stored = await fs.readFile(env.s3.objectPath(BUCKET, 'no-plain'));
    expect(stored.includes(marker.subarray(0, 16))).toBe(false);
  });
});

describe('multipart failure handling against a scripted client', () => {
  function scriptedClient(failOn: 'uploadPart' | 'completeMultipartUpload', abortFails = false) {
    const calls: string[] = [];
    const client: S3ClientLike = {
      putObject: async () => { calls.push('putObject'); return {}; },
      getObject: async () => ({}),
      headObject: async () => ({}),
      copyObject: async () => ({}),
      createMultipartUpload: async () => { calls.push('create'); return { UploadId: 'u-1' }; },
      uploadPart: async (input) => {
        calls.push(`part${input.PartNumber}`);
        if (failOn === 'uploadPart' && input.PartNumber === 2) throw Object.assign(new Error('slow down'), { name: 'SlowDown' });
        return { ETag: `"e${input.PartNumber}"` };
      },
      completeMultipartUpload: async () => {
        calls.push('complete');
        if (failOn === 'completeMultipartUpload') throw Object.assign(new Error('bad parts'), { name: 'InvalidPart' });
        return {};
      },
      abortMultipartUpload: async (input) => {
        calls.push(`abort:${input.UploadId}`);
        if (abortFails) throw Object.assign(new Error('no network'), { name: 'NetworkError' });
        return {};
      },
    };
    return { client, calls };
  }
  const body = () => Readable.from([Buffer.alloc(2 * partSize + 10)]);

  test('UploadPart failure -> abort, original error rethrown', async () => {
    const { client, calls } = scriptedClient('uploadPart');
    const err = await rejection(putEncryptedObject({ client, cipher: env.v3, bucket: 'b', key: 'k', body: body(), partSize }));
    expect(err.name).toBe('SlowDown');
    expect(calls).toEqual(['create', 'part1', 'part2', 'abort:u-1']);
  });

  test('CompleteMultipartUpload failure -> abort, original error rethrown', async () => {
    const { client, calls } = scriptedClient('completeMultipartUpload');
    const err = await rejection(putEncryptedObject({ client, cipher: env.v3, bucket: 'b', key: 'k', body: body(), partSize }));
    expect(err.name).toBe('InvalidPart');
    expect(calls).toEqual(['create', 'part1', 'part2', 'part3', 'complete', 'abort:u-1']);
  });

  test('abort failing too -> MULTIPART_ABORT_FAILED naming the upload id, both errors attached', async () => {
    const { client } = scriptedClient('uploadPart', true);
    const err = await rejection(putEncryptedObject({ client, cipher: env.v3, bucket: 'b', key: 'k', body: body(), partSize }));
    expect(err).toBeInstanceOf(S3EncryptionError);
    expect((err as S3EncryptionError).code).toBe('MULTIPART_ABORT_FAILED');
    expect(err.message).toContain('u-1');
    const cause = err.cause as AggregateError;
    expect(cause.errors.map((e: Error) => e.name)).toEqual(['SlowDown', 'NetworkError']);
  });

  test('an object that would need more than 10,000 parts is refused (and the upload aborted)', async () => {
    const { client, calls } = scriptedClient('completeMultipartUpload');
    const chunk = Buffer.alloc(partSize); // one part per chunk: no copying, so 10,001 parts are cheap
    async function* tooLong() {
      for (let i = 0; i <= 10_000; i++) yield chunk;
    }
    const err = await rejection(uploadCiphertext({ client, bucket: 'b', key: 'k', metadata: {}, source: tooLong(), partSize }));
    expect(err.message).toMatch(/more than 10000 parts/);
    expect(calls.filter((c) => c.startsWith('part'))).toHaveLength(10_000);
    expect(calls[calls.length - 1]).toBe('abort:u-1');
  });
});
