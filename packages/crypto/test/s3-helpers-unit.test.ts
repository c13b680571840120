import { Readable } from 'node:stream';
import { EnvelopeCipher } from '../src/cipher/envelope-cipher';
import { MetadataTooLargeError, S3EncryptionError, UnsupportedFormatError } from '../src/errors';
import { RawAesKeyring } from '../src/keyring/raw-aes-keyring';
import { getDecryptedObject } from '../src/s3/get-decrypted-object';
import { getDecryptedObjectStream } from '../src/s3/get-decrypted-object-stream';
import { getObjectRange } from '../src/s3/get-object-range';
import { MAX_INSTRUCTION_FILE_BYTES } from '../src/s3/instruction-file';
import { resolveObjectMetadata } from '../src/s3/resolve-object-metadata';
import { discardResponseBody, readBoundedResponseBody, readResponseBody, responseBodyStream } from '../src/s3/response-body';
import { S3GetObjectInput, S3GetObjectOutput } from '../src/s3/s3-client';

/** Unit tests of the S3 helpers' edge paths with structural (plain-object) clients: no servers. */
const cipher = new EnvelopeCipher({ keyring: new RawAesKeyring({ wrappingKey: new Uint8Array(32).fill(9) }) });

const sdkError = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

function fakeClient(objects: Record<string, S3GetObjectOutput | Error>) {
  const calls: S3GetObjectInput[] = [];
  return {
    calls,
    getObject: async (input: S3GetObjectInput): Promise<S3GetObjectOutput> => {
      calls.push(input);
      const found = objects[input.Key];
      if (found === undefined) throw sdkError('NoSuchKey', 404);
      if (found instanceof Error) throw found;
      return found;
    },
  };
}

describe('response bodies', () => {
  test('Readable, Uint8Array, async iterable and web ReadableStream bodies are read whole', async () => {
    expect((await readResponseBody(Readable.from([Buffer.from('ab'), Buffer.from('c')]))).toString()).toBe('abc');
    expect((await readResponseBody(new Uint8Array([1, 2, 3]))).toString('hex')).toBe('010203');
    async function* gen() {
      yield new Uint8Array([4]);
      yield new Uint8Array([5]);
    }
    expect((await readResponseBody(gen())).toString('hex')).toBe('0405');
    const web = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array([6]));
        controller.close();
      },
    });
    expect((await readResponseBody(web)).toString('hex')).toBe('06');
  });

  test('a missing body is an S3EncryptionError MISSING_BODY', async () => {
    await expect(readResponseBody(undefined)).rejects.toMatchObject({ code: 'MISSING_BODY' });
    expect(() => responseBodyStream('text')).toThrow(S3EncryptionError);
  });

  test('discarding destroys a Readable and cancels a web stream', async () => {
    const readable = Readable.from([Buffer.from('x')]);
    discardResponseBody(readable);
    expect(readable.destroyed).toBe(true);
    let cancelled = false;
    const web = new ReadableStream({ cancel: () => { cancelled = true; } });
    discardResponseBody(web);
    await new Promise((r) => setImmediate(r));
    expect(cancelled).toBe(true);
    expect(() => discardResponseBody(undefined)).not.toThrow();
  });
});

describe('resolveObjectMetadata', () => {
  test('object metadata with a wrapped key is used as is (no request)', async () => {
    const client = fakeClient({});
    const metadata = { 'x-amz-key-v2': 'AAAA', 'x-amz-iv': 'AAAA' };
    await expect(resolveObjectMetadata({ client, bucket: 'b', key: 'k', objectMetadata: metadata })).resolves.toBe(metadata);
    expect(client.calls).toEqual([]);
  });

  test('errors other than "not found" on the instruction file are rethrown unchanged', async () => {
    const denied = sdkError('AccessDenied', 403);
    const client = fakeClient({ 'k.instruction': denied });
    await expect(resolveObjectMetadata({ client, bucket: 'b', key: 'k', objectMetadata: {} })).rejects.toBe(denied);
    expect(client.calls).toEqual([{ Bucket: 'b', Key: 'k.instruction' }]);
  });

  test('a 16 MiB instruction file body is abandoned at the bound: MetadataTooLargeError, no further chunk pulled', async () => {
    let pulled = 0;
    const endless = new Readable({
      read() {
        pulled++;
        this.push(pulled > 4096 ? null : Buffer.alloc(4096, 0x20));
      },
    });
    const client = fakeClient({ 'k.instruction': { Body: endless } });
    await expect(resolveObjectMetadata({ client, bucket: 'b', key: 'k', objectMetadata: {} })).rejects.toBeInstanceOf(MetadataTooLargeError);
    expect(endless.destroyed).toBe(true);
    // 64 KiB / 4 KiB = 16 chunks to pass the bound, plus what the stream buffered ahead (its 16 KiB highWaterMark).
    expect(pulled * 4096).toBeLessThanOrEqual(MAX_INSTRUCTION_FILE_BYTES + 8 * 4096);
  });

  test('an instruction file whose ContentLength is over the bound is refused before its body is read', async () => {
    const body = Readable.from([Buffer.from('{}')]);
    const client = fakeClient({ 'k.instruction': { Body: body, ContentLength: 400 * 1024 * 1024 } });
    const err = await resolveObjectMetadata({ client, bucket: 'b', key: 'k', objectMetadata: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetadataTooLargeError);
    expect(err).toMatchObject({ code: 'METADATA_TOO_LARGE' });
    expect(body.destroyed).toBe(true);
  });

  test('readBoundedResponseBody: exactly the bound is read, one byte more is refused (bytes and streams)', async () => {
    await expect(readBoundedResponseBody(Buffer.alloc(10), 10, 'x')).resolves.toHaveLength(10);
    await expect(readBoundedResponseBody(Buffer.alloc(11), 10, 'x')).rejects.toBeInstanceOf(MetadataTooLargeError);
    await expect(readBoundedResponseBody(Readable.from([Buffer.alloc(6), Buffer.alloc(4)]), 10, 'x')).resolves.toHaveLength(10);
    await expect(readBoundedResponseBody(Readable.from([Buffer.alloc(6), Buffer.alloc(5)]), 10, 'x')).rejects.toBeInstanceOf(MetadataTooLargeError);
  });

  test('"NotFound" / 404 without a name also count as a missing instruction file', async () => {
    const client = fakeClient({ 'k.instruction': Object.assign(new Error('x'), { $metadata: { httpStatusCode: 404 } }) });
    await expect(resolveObjectMetadata({ client, bucket: 'b', key: 'k', objectMetadata: {} })).rejects.toThrow(UnsupportedFormatError);
  });
});

describe('getters release the body when the metadata cannot be resolved', () => {
  for (const [name, run] of [
    ['getDecryptedObject', (client: ReturnType<typeof fakeClient>) => getDecryptedObject({ client, cipher, bucket: 'b', key: 'k' })],
    ['getDecryptedObjectStream', (client: ReturnType<typeof fakeClient>) => getDecryptedObjectStream({ client, cipher, bucket: 'b', key: 'k' })],
    ['getObjectRange', (client: ReturnType<typeof fakeClient>) =>
      getObjectRange({ client, cipher, bucket: 'b', key: 'k', range: [0, 1], allowUnauthenticatedRangedReads: true })],
  ] as const) {
    test(name, async () => {
      const body = Readable.from([Buffer.alloc(64)]);
      const client = fakeClient({ k: { Body: body, Metadata: {}, ContentRange: 'bytes 0-47/64' } });
      await expect(run(client)).rejects.toThrow(UnsupportedFormatError);
      expect(body.destroyed).toBe(true);
    });
  }
});

describe('getObjectRange response handling', () => {
  test('S3 errors other than InvalidRange are rethrown unchanged', async () => {
    const slow = sdkError('SlowDown', 503);
    const client = fakeClient({ k: slow });
    await expect(getObjectRange({ client, cipher, bucket: 'b', key: 'k', range: [0, 1], allowUnauthenticatedRangedReads: true })).rejects.toBe(slow);
  });

  test('an unparseable Content-Range is an S3EncryptionError S3_RESPONSE, and the body is released', async () => {
    const body = Readable.from([Buffer.alloc(64)]);
    const client = fakeClient({ k: { Body: body, Metadata: {}, ContentRange: 'bytes */64' } });
    await expect(getObjectRange({ client, cipher, bucket: 'b', key: 'k', range: [0, 1], allowUnauthenticatedRangedReads: true }))
      .rejects.toMatchObject({ code: 'S3_RESPONSE' });
    expect(body.destroyed).toBe(true);
  });

  test('a server that ignores Range (200, whole object, no Content-Range) still gives the right bytes', async () => {
    const plaintext = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz');
    const { ciphertext, metadata } = await cipher.encrypt(plaintext);
    const client = fakeClient({ k: { Body: Readable.from([ciphertext]), Metadata: metadata } });
    const got = await getObjectRange({ client, cipher, bucket: 'b', key: 'k', range: [20, 25], allowUnauthenticatedRangedReads: true });
    expect(got.toString()).toBe('klmnop');
  });
});
