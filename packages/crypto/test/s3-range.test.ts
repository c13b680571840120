import { Readable } from 'node:stream';
import * as fc from 'fast-check';
import { BUCKET, deterministicBytes, rejection, S3TestEnv, startS3TestEnv } from './s3-test-env';
import { EncryptionContextMismatchError, InvalidArgumentError, TamperedCiphertextError } from '../src/errors';
import { getObjectRange } from '../src/s3/get-object-range';
import { putEncryptedObject } from '../src/s3/put-encrypted-object';
import { MIN_PART_SIZE } from '../src/s3/upload-ciphertext';

let env: S3TestEnv;
const SIZE = 100_003; // not a multiple of 16
const plaintext = deterministicBytes('range', SIZE);
const context = { app: 'ranges' };

beforeAll(async () => {
  env = await startS3TestEnv();
  await putEncryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'r/v3', body: plaintext, context });
  await putEncryptedObject({ client: env.client, cipher: env.v2, bucket: BUCKET, key: 'r/v2', body: plaintext, context });
  await putEncryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'r/v3-if', body: plaintext, context, instructionFile: true });
});

afterAll(async () => {
  await env.stop();
});

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const expected = (start: number, end: number) => hex(plaintext.subarray(start, Math.min(end, SIZE - 1) + 1));

function read(key: string, range: [number, number], cipher = key.includes('v2') ? env.v2 : env.v3) {
  return getObjectRange({ client: env.client, cipher, bucket: BUCKET, key, range, context, allowUnauthenticatedRangedReads: true });
}

describe('getObjectRange (unauthenticated, opt-in)', () => {
  test('refused without the opt-in, before any request', async () => {
    const before = env.s3.requestCounts.GET ?? 0;
    const err = await rejection(getObjectRange({
      client: env.client,
      cipher: env.v3,
      bucket: BUCKET,
      key: 'r/v3',
      range: [0, 10],
      context,
      allowUnauthenticatedRangedReads: false,
    }));
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err.message).toMatch(/allowUnauthenticatedRangedReads: true/);
    const missing = await rejection(getObjectRange({
      client: env.client, cipher: env.v3, bucket: BUCKET, key: 'r/v3', range: [0, 10], context,
    } as unknown as Parameters<typeof getObjectRange>[0]));
    expect(missing).toBeInstanceOf(InvalidArgumentError);
    expect(env.s3.requestCounts.GET ?? 0).toBe(before);
  });

  test.each([
    [0, 0], [0, 15], [15, 16], [16, 31], [17, 500], [4095, 4097], [SIZE - 10, SIZE - 1], [SIZE - 3, SIZE + 5000], [0, SIZE - 1],
  ])('V3, V2 and V3 with instruction file: range [%i, %i] equals the plaintext slice', async (start, end) => {
    for (const key of ['r/v3', 'r/v2', 'r/v3-if']) {
      expect(hex(await read(key, [start, end]))).toBe(expected(start, end));
    }
  });

  test('fetches only the widened range (one GET, block-aligned, a few blocks), not the whole object', async () => {
    const requests: Array<{ Range?: string; length?: number }> = [];
    const client = {
      getObject: async (input: { Bucket: string; Key: string; Range?: string }) => {
        const out = await env.client.getObject(input);
        requests.push({ Range: input.Range, length: out.ContentLength });
        return out;
      },
    };
    const got = await getObjectRange({
      client, cipher: env.v3, bucket: BUCKET, key: 'r/v3', range: [50_000, 50_009], context, allowUnauthenticatedRangedReads: true,
    });
    expect(hex(got)).toBe(expected(50_000, 50_009));
    // 50000 - 50000 % 16 - 16 = 49984; 50009 + (16 - 50009 % 16) + 16 = 50032
    expect(requests).toEqual([{ Range: 'bytes=49984-50032', length: 49 }]);
  });

  test('property: any range inside the object decrypts to the plaintext slice', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(SIZE - 1), fc.nat(3000), fc.constantFrom('r/v3', 'r/v2'), async (start, length, key) => {
        const end = start + length;
        expect(hex(await read(key, [start, end]))).toBe(expected(start, end));
      }),
      { numRuns: 40 },
    );
  });

  test('a range across multipart part boundaries', async () => {
    const data = deterministicBytes('range-mp', MIN_PART_SIZE + 100);
    const put = await putEncryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'r/mp', body: Readable.from([data]), partSize: MIN_PART_SIZE });
    expect(put.parts).toBe(2);
    const start = MIN_PART_SIZE - 37;
    const got = await getObjectRange({
      client: env.client, cipher: env.v3, bucket: BUCKET, key: 'r/mp', range: [start, start + 99], allowUnauthenticatedRangedReads: true,
    });
    expect(hex(got)).toBe(hex(data.subarray(start, start + 100)));
  });

  test('start at or past the end of the plaintext is an InvalidArgumentError (in the tag, and past the object)', async () => {
    for (const start of [SIZE, SIZE + 10, SIZE + 1_000_000]) {
      const err = await rejection(read('r/v3', [start, start + 5]));
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect(err.message).toMatch(new RegExp(`range start ${start} is at or past the end`));
    }
  });

  test('0-byte object: every range is past the end', async () => {
    await putEncryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'r/empty', body: new Uint8Array(0) });
    const err = await rejection(getObjectRange({
      client: env.client, cipher: env.v3, bucket: BUCKET, key: 'r/empty', range: [0, 0], allowUnauthenticatedRangedReads: true,
    }));
    expect(err).toBeInstanceOf(InvalidArgumentError);
  });

  test('bad ranges are InvalidArgumentErrors', async () => {
    await expect(read('r/v3', [10, 5])).rejects.toThrow(InvalidArgumentError);
    await expect(read('r/v3', [-1, 5])).rejects.toThrow(InvalidArgumentError);
    await expect(read('r/v3', [0.5, 5])).rejects.toThrow(InvalidArgumentError);
    await expect(read('r/v3', [1] as unknown as [number, number])).rejects.toThrow(/range must be \[start, end\]/);
  });

  test('the context is still checked on ranged reads', async () => {
    const err = await rejection(getObjectRange({
      client: env.client, cipher: env.v3, bucket: BUCKET, key: 'r/v3', range: [0, 10], context: { app: 'other' }, allowUnauthenticatedRangedReads: true,
    }));
    expect(err).toBeInstanceOf(EncryptionContextMismatchError);
  });

  test('V3 ranged reads still verify the key commitment', async () => {
    const head = await env.sdkClient.headObject({ Bucket: BUCKET, Key: 'r/v3' });
    const body = await (await env.sdkClient.getObject({ Bucket: BUCKET, Key: 'r/v3' })).Body!.transformToByteArray();
    const d = Buffer.from(head.Metadata!['x-amz-d'], 'base64');
    d[0] = (d[0] + 1) % 256;
    await env.sdkClient.putObject({ Bucket: BUCKET, Key: 'r/v3-bad-d', Body: body, Metadata: { ...head.Metadata, 'x-amz-d': d.toString('base64') } });
    const err = await rejection(read('r/v3-bad-d', [0, 10]));
    expect(err).toBeInstanceOf(TamperedCiphertextError);
  });
});
