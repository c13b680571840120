import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { S3 } from '@aws-sdk/client-s3';
import { S3Server, startS3Server } from '../../../test/fixtures/s3-server';
import { InvalidArgumentError } from '../src/errors';
import { customerKeyMd5, generateCustomerKey, sseCopySourceParams, sseCustomerParams } from '../src/sse-c';
import { rotateCustomerKey } from '../src/sse-c-rotate';

// Known answers computed outside Node (Python hashlib): key = bytes 0..31.
const KEY_0_31 = Uint8Array.from({ length: 32 }, (_, i) => i);
const KEY_0_31_B64 = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
const KEY_0_31_MD5 = 'tP/LI3N87DFaSk0aoqYgzg==';
const KEY_FF = new Uint8Array(32).fill(0xff);
const KEY_FF_B64 = '//////////////////////////////////////////8=';
const KEY_FF_MD5 = 'DX3EJmSXEA5IMfWzG2snTw==';

describe('generateCustomerKey', () => {
  test('returns 32 random bytes', () => {
    const a = generateCustomerKey();
    const b = generateCustomerKey();
    expect(a).toBeInstanceOf(Uint8Array);
    expect(a).toHaveLength(32);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });
});

describe('sseCustomerParams / sseCopySourceParams', () => {
  test('known answer: AES256, base64 key, base64 MD5 of the raw key', () => {
    expect(sseCustomerParams(KEY_0_31)).toEqual({
      SSECustomerAlgorithm: 'AES256',
      SSECustomerKey: KEY_0_31_B64,
      SSECustomerKeyMD5: KEY_0_31_MD5,
    });
    expect(sseCopySourceParams(KEY_FF)).toEqual({
      CopySourceSSECustomerAlgorithm: 'AES256',
      CopySourceSSECustomerKey: KEY_FF_B64,
      CopySourceSSECustomerKeyMD5: KEY_FF_MD5,
    });
    expect(customerKeyMd5(KEY_0_31)).toBe(KEY_0_31_MD5);
  });

  test('MD5 agrees with an independent computation for random keys', () => {
    for (let i = 0; i < 20; i++) {
      const key = generateCustomerKey();
      const params = sseCustomerParams(key);
      expect(Buffer.from(params.SSECustomerKey, 'base64').equals(Buffer.from(key))).toBe(true);
      expect(params.SSECustomerKeyMD5).toBe(createHash('md5').update(key).digest('base64'));
    }
  });

  test('honours byteOffset of a key that is a view into a larger buffer', () => {
    const big = new Uint8Array(64);
    big.set(KEY_0_31, 16);
    expect(sseCustomerParams(big.subarray(16, 48)).SSECustomerKey).toBe(KEY_0_31_B64);
  });

  test.each([0, 16, 31, 33, 64])('a %i-byte key is an InvalidArgumentError', (length) => {
    expect(() => sseCustomerParams(new Uint8Array(length))).toThrow(InvalidArgumentError);
    expect(() => sseCopySourceParams(new Uint8Array(length))).toThrow(InvalidArgumentError);
    expect(() => customerKeyMd5(new Uint8Array(length))).toThrow(/32 bytes/);
  });

  test('a non-Uint8Array key is an InvalidArgumentError', () => {
    expect(() => sseCustomerParams('a'.repeat(32) as unknown as Uint8Array)).toThrow(InvalidArgumentError);
  });
});

/**
 * s3rver ignores SSE-C headers (it stores plaintext and echoes no SSE fields) and
 * refuses CopyObject onto the same key with MetadataDirective=COPY. So the
 * rotation is checked on the wire: a middleware at the end of the real
 * client's stack records the signed HTTP request and answers it itself.
 */
describe('rotateCustomerKey (exact request the real @aws-sdk/client-s3 sends)', () => {
  interface Captured { method: string; path: string; headers: Record<string, string> }

  function capturingClient(captured: Captured[]): S3 {
    const xml = '<?xml version="1.0" encoding="UTF-8"?><CopyObjectResult><ETag>"etag-1"</ETag>'
      + '<LastModified>2026-01-01T00:00:00.000Z</LastModified></CopyObjectResult>';
    return new S3({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9', // never contacted: the request handler answers
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
      requestHandler: {
        handle: async (request: Captured) => {
          captured.push({ method: request.method, path: request.path, headers: { ...request.headers } });
          return {
            response: { statusCode: 200, headers: { 'content-type': 'application/xml' }, body: Readable.from([Buffer.from(xml)]) },
          };
        },
      },
    });
  }

  test('CopyObject onto itself, COPY directive, old key as copy source, new key as destination', async () => {
    const captured: Captured[] = [];
    const client = capturingClient(captured);
    const out = await rotateCustomerKey({ client, bucket: 'b', key: 'dir/a b+c.txt', oldKey: KEY_0_31, newKey: KEY_FF });
    client.destroy();
    expect(out.CopyObjectResult?.ETag).toBe('"etag-1"');
    expect(captured).toHaveLength(1);
    const { method, path, headers } = captured[0];
    expect(method).toBe('PUT');
    expect(path).toBe('/b/dir/a%20b%2Bc.txt');
    expect(headers['x-amz-copy-source']).toBe('b/dir/a%20b%2Bc.txt');
    expect(headers['x-amz-metadata-directive']).toBe('COPY');
    expect(headers['x-amz-copy-source-server-side-encryption-customer-algorithm']).toBe('AES256');
    expect(headers['x-amz-copy-source-server-side-encryption-customer-key']).toBe(KEY_0_31_B64);
    expect(headers['x-amz-copy-source-server-side-encryption-customer-key-md5']).toBe(KEY_0_31_MD5);
    expect(headers['x-amz-server-side-encryption-customer-algorithm']).toBe('AES256');
    expect(headers['x-amz-server-side-encryption-customer-key']).toBe(KEY_FF_B64);
    expect(headers['x-amz-server-side-encryption-customer-key-md5']).toBe(KEY_FF_MD5);
    // SSE-C headers are signed (SigV4 includes every x-amz-* header).
    expect(headers.authorization).toMatch(/SignedHeaders=[^,]*x-amz-server-side-encryption-customer-key-md5/);
  });

  test('passes exactly the fields to a structural client', async () => {
    const inputs: unknown[] = [];
    const client = { copyObject: async (input: unknown) => { inputs.push(input); return {}; } };
    await rotateCustomerKey({ client, bucket: 'b', key: 'k', oldKey: KEY_0_31, newKey: KEY_FF });
    expect(inputs).toEqual([{
      Bucket: 'b',
      Key: 'k',
      CopySource: 'b/k',
      MetadataDirective: 'COPY',
      CopySourceSSECustomerAlgorithm: 'AES256',
      CopySourceSSECustomerKey: KEY_0_31_B64,
      CopySourceSSECustomerKeyMD5: KEY_0_31_MD5,
      SSECustomerAlgorithm: 'AES256',
      SSECustomerKey: KEY_FF_B64,
      SSECustomerKeyMD5: KEY_FF_MD5,
    }]);
  });

  test('rejects bad keys and a no-op rotation before calling S3', async () => {
    let calls = 0;
    const client = { copyObject: async () => { calls++; return {}; } };
    await expect(rotateCustomerKey({ client, bucket: 'b', key: 'k', oldKey: new Uint8Array(16), newKey: KEY_FF }))
      .rejects.toThrow(/oldKey must be 32 bytes/);
    await expect(rotateCustomerKey({ client, bucket: 'b', key: 'k', oldKey: KEY_FF, newKey: new Uint8Array(33) }))
      .rejects.toThrow(/newKey must be 32 bytes/);
    await expect(rotateCustomerKey({ client, bucket: 'b', key: 'k', oldKey: KEY_FF, newKey: Uint8Array.from(KEY_FF) }))
      .rejects.toThrow(InvalidArgumentError);
    await expect(rotateCustomerKey({ client, bucket: '', key: 'k', oldKey: KEY_0_31, newKey: KEY_FF }))
      .rejects.toThrow(/bucket is required/);
    expect(calls).toBe(0);
  });
});

describe('SSE-C params with s3rver', () => {
  let s3: S3Server;
  beforeAll(async () => {
    s3 = await startS3Server();
  });
  afterAll(async () => {
    await s3.stop();
  });

  test('the real client accepts the params on put/get/head (s3rver ignores SSE-C: documents the quirk)', async () => {
    const client = s3.client();
    const params = sseCustomerParams(KEY_0_31);
    await client.putObject({ Bucket: 'test-bucket', Key: 'ssec', Body: Buffer.from('v'), ...params });
    const got = await client.getObject({ Bucket: 'test-bucket', Key: 'ssec', ...params });
    expect(await got.Body!.transformToString()).toBe('v');
    const head = await client.headObject({ Bucket: 'test-bucket', Key: 'ssec', ...params });
    // Real S3 would echo SSECustomerAlgorithm/SSECustomerKeyMD5 here; s3rver does not.
    expect(head.SSECustomerAlgorithm).toBeUndefined();
  });
});
