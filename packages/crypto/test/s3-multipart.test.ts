import { promises as fs } from 'node:fs';
import { Readable } from 'node:stream';
import {
  BUCKET, deterministicBytes, deterministicStream, digestStream, failingStream, MiB, rejection, S3TestEnv, startS3TestEnv,
} from './s3-test-env';
import { S3EncryptionError } from '../src/errors';
import { getDecryptedObject } from '../src/s3/get-decrypted-object';
import { getDecryptedObjectStream } from '../src/s3/get-decrypted-object-stream';
import { putEncryptedObject } from '../src/s3/put-encrypted-object';
import { S3ClientLike } from '../src/s3/s3-client';
import { MIN_PART_SIZE, uploadCiphertext, UploadClient } from '../src/s3/upload-ciphertext';

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
    await putEncryptedObject({ client: capture, cipher: env.v3, bucket: BUCKET, key: 'no-plain-3', body: plaintext, partSize });
    // 3 parts (2 x partSize of plaintext + tag) + 1 object + 1 instruction file, then 3 parts of the buffer body
    expect(sent.length).toBe(8);
    for (const body of sent) expect(body.includes(marker.subarray(0, 16))).toBe(false);
    const stored = await fs.readFile(env.s3.objectPath(BUCKET, 'no-plain'));
    expect(stored.includes(marker.subarray(0, 16))).toBe(false);
  });
});

describe('multipart upload of Uint8Array bodies: encrypted part by part from views of the body', () => {
  test.each(['V3', 'V2'] as const)('%s: a buffer of several parts round-trips and is left unchanged', async (version) => {
    const cipher = version === 'V3' ? env.v3 : env.v2;
    const key = `mp-buf-${version}`;
    const size = 2 * partSize + MiB + 7; // ~11 MiB: ciphertext of 2 full parts + a short 3rd
    // A view into a larger ArrayBuffer, not at offset 0: the views must honour byteOffset and length.
    const backing = deterministicBytes(key, size + 100);
    const body = new Uint8Array(backing.buffer, backing.byteOffset + 50, size);
    const copy = Buffer.from(body);
    const putsBefore = env.s3.requestCounts.PUT ?? 0;
    const put = await putEncryptedObject({ client: env.client, cipher, bucket: BUCKET, key, body, partSize, context: { k: 'v' } });
    expect(put).toMatchObject({ multipart: true, parts: 3, ciphertextLength: size + 16 });
    expect(env.s3.requestCounts.PUT).toBe(putsBefore + 3); // three UploadParts, no PutObject
    expect(await env.s3.pendingUploads(BUCKET)).toEqual([]);
    expect(Buffer.from(body.buffer, body.byteOffset, body.length).equals(copy)).toBe(true);
    expect(backing.subarray(0, 50).equals(deterministicBytes(key, 50))).toBe(true);

    const head = await env.sdkClient.headObject({ Bucket: BUCKET, Key: key });
    expect(head.ContentLength).toBe(size + 16);
    expect(head.Metadata).toEqual(put.metadata);
    const got = await getDecryptedObject({ client: env.client, cipher, bucket: BUCKET, key, context: { k: 'v' } });
    expect(got.equals(copy)).toBe(true); // Buffer#equals: jest's toEqual is very slow on MiBs
  });

  test('the stored object holds no plaintext', async () => {
    const marker = Buffer.from('PLAINTEXT-MARKER-0123456789abcdef');
    const body = Buffer.concat(Array.from({ length: Math.ceil((2 * partSize + MiB) / marker.length) }, () => marker));
    const put = await putEncryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'mp-buf-marker', body, partSize });
    expect(put).toMatchObject({ multipart: true, parts: 3 });
    const stored = await fs.readFile(env.s3.objectPath(BUCKET, 'mp-buf-marker'));
    expect(stored.length).toBe(body.length + 16);
    expect(stored.includes(marker.subarray(0, 16))).toBe(false);
    expect(body.includes(marker.subarray(0, 16))).toBe(true); // (the search itself works)
  });

  test('one part is the boundary: ciphertext of partSize - 1 bytes is one PutObject, of partSize a one-part upload', async () => {
    const below = deterministicBytes('buf-below', partSize - 17);
    const postsBefore = env.s3.requestCounts.POST ?? 0;
    const small = await putEncryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'buf-below', body: below, partSize });
    expect(small).toMatchObject({ multipart: false, parts: 1, ciphertextLength: partSize - 1 });
    expect(env.s3.requestCounts.POST ?? 0).toBe(postsBefore); // no CreateMultipartUpload
    expect((await getDecryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'buf-below' })).equals(below)).toBe(true);

    const exact = deterministicBytes('buf-exact', partSize - 16);
    const one = await putEncryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'buf-exact', body: exact, partSize });
    expect(one).toMatchObject({ multipart: true, parts: 1, ciphertextLength: partSize });
    expect((await getDecryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'buf-exact' })).equals(exact)).toBe(true);
  });

  test('the default part size (8 MiB) applies to buffers too', async () => {
    const data = deterministicBytes('buf-default', 8 * MiB);
    const put = await putEncryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'buf-default', body: data });
    expect(put).toMatchObject({ multipart: true, parts: 2, ciphertextLength: 8 * MiB + 16 });
  });

  test('multipart buffer + V3 instruction file', async () => {
    const data = deterministicBytes('mp-buf-if', partSize + 1);
    const put = await putEncryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'mp-buf-if', body: data, partSize, instructionFile: true });
    expect(put).toMatchObject({ multipart: true, parts: 2, instructionFileKey: 'mp-buf-if.instruction' });
    expect(Object.keys((await env.sdkClient.headObject({ Bucket: BUCKET, Key: 'mp-buf-if' })).Metadata!).sort()).toEqual(['x-amz-c', 'x-amz-d', 'x-amz-i']);
    expect((await getDecryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'mp-buf-if' })).equals(data)).toBe(true);
  });

  test('an UploadPart failing mid-upload (s3rver): the upload is aborted, no object, the buffer is unchanged', async () => {
    const failing: UploadClient = {
      putObject: (input) => env.client.putObject(input),
      createMultipartUpload: (input) => env.client.createMultipartUpload(input),
      uploadPart: async (input) => {
        if (input.PartNumber === 2) throw Object.assign(new Error('connection reset'), { name: 'NetworkError' });
        return env.client.uploadPart(input);
      },
      completeMultipartUpload: (input) => env.client.completeMultipartUpload(input),
      abortMultipartUpload: (input) => env.client.abortMultipartUpload(input),
    };
    const body = deterministicBytes('mp-buf-fail', 2 * partSize + MiB);
    const copy = Buffer.from(body);
    const pendingBefore = await env.s3.pendingUploads(BUCKET);
    const deletesBefore = env.s3.requestCounts.DELETE ?? 0;
    const err = await rejection(putEncryptedObject({ client: failing, cipher: env.v3, bucket: BUCKET, key: 'mp-buf-fail', body, partSize }));
    expect(err.name).toBe('NetworkError');
    expect(env.s3.requestCounts.DELETE).toBe(deletesBefore + 1); // AbortMultipartUpload
    expect(await env.s3.pendingUploads(BUCKET)).toEqual(pendingBefore);
    expect((await rejection(env.sdkClient.headObject({ Bucket: BUCKET, Key: 'mp-buf-fail' }))).name).toBe('NotFound');
    expect(body.equals(copy)).toBe(true);
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
  const bodies = {
    stream: body,
    buffer: () => Buffer.alloc(2 * partSize + 10),
  };

  test.each(['stream', 'buffer'] as const)('%s body: UploadPart failure -> abort, original error rethrown', async (kind) => {
    const { client, calls } = scriptedClient('uploadPart');
    const err = await rejection(putEncryptedObject({ client, cipher: env.v3, bucket: 'b', key: 'k', body: bodies[kind](), partSize }));
    expect(err.name).toBe('SlowDown');
    expect(calls).toEqual(['create', 'part1', 'part2', 'abort:u-1']);
  });

  test.each(['stream', 'buffer'] as const)('%s body: CompleteMultipartUpload failure -> abort, original error rethrown', async (kind) => {
    const { client, calls } = scriptedClient('completeMultipartUpload');
    const err = await rejection(putEncryptedObject({ client, cipher: env.v3, bucket: 'b', key: 'k', body: bodies[kind](), partSize }));
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
