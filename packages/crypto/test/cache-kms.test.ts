import { Readable } from 'node:stream';
import { BUCKET, rejection, S3TestEnv, startS3TestEnv } from './s3-test-env';
import { CachingKeyring } from '../src/cache/caching-keyring';
import { EnvelopeCipher } from '../src/cipher/envelope-cipher';
import { KmsError } from '../src/errors';
import { getDecryptedObject } from '../src/s3/get-decrypted-object';
import { putEncryptedObject } from '../src/s3/put-encrypted-object';

/** CachingKeyring around the real KmsKeyring, the real KMS client and the loopback KMS, with S3 objects in s3rver. */
let env: S3TestEnv;

beforeAll(async () => {
  env = await startS3TestEnv();
});

afterAll(async () => {
  await env.stop();
});

beforeEach(() => env.kms.reset());

function cachedCipher(props: Partial<ConstructorParameters<typeof CachingKeyring>[0]> = {}) {
  const keyring = new CachingKeyring({ keyring: env.keyring, ...props });
  return { keyring, cipher: new EnvelopeCipher({ keyring }) };
}

describe('CachingKeyring over KMS', () => {
  test('10 puts and 10 gets with one context: 1 GenerateDataKey, 1 Decrypt; objects stay readable without the cache', async () => {
    const { keyring, cipher } = cachedCipher();
    const context = { tenant: 'a' };
    for (let i = 0; i < 10; i++) {
      await putEncryptedObject({ client: env.client, cipher, bucket: BUCKET, key: `cached/${i}`, body: Buffer.from(`object ${i}`), context });
    }
    expect(env.kms.counts.GenerateDataKey).toBe(1);
    for (let i = 0; i < 10; i++) {
      const got = await getDecryptedObject({ client: env.client, cipher, bucket: BUCKET, key: `cached/${i}`, context });
      expect(got.toString()).toBe(`object ${i}`);
    }
    expect(env.kms.counts.Decrypt).toBe(1);
    expect(keyring.stats).toMatchObject({ hits: 18, misses: 2, keyringCalls: 2 });

    // Same format on the wire: the plain (uncached) cipher reads them, with one KMS Decrypt each.
    env.kms.reset();
    const plain = await getDecryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'cached/7', context });
    expect(plain.toString()).toBe('object 7');
    expect(env.kms.counts.Decrypt).toBe(1);
  });

  test('different contexts get different data keys (one GenerateDataKey each)', async () => {
    const { cipher } = cachedCipher();
    for (const tenant of ['a', 'b', 'a', 'b', 'c']) {
      await putEncryptedObject({ client: env.client, cipher, bucket: BUCKET, key: `ctx/${tenant}`, body: Buffer.from(tenant), context: { tenant } });
    }
    expect(env.kms.counts.GenerateDataKey).toBe(3);
    expect(env.kms.requests.filter((r) => r.operation === 'GenerateDataKey').map((r) => r.encryptionContext?.tenant)).toEqual(['a', 'b', 'c']);
  });

  test('stream bodies of unknown length bypass the cache; with plaintextLength they use it', async () => {
    const { keyring, cipher } = cachedCipher();
    await putEncryptedObject({ client: env.client, cipher, bucket: BUCKET, key: 's/1', body: Readable.from([Buffer.from('x')]) });
    await putEncryptedObject({ client: env.client, cipher, bucket: BUCKET, key: 's/2', body: Readable.from([Buffer.from('x')]) });
    expect(env.kms.counts.GenerateDataKey).toBe(2);
    expect(keyring.stats.bypasses).toBe(2);
    await putEncryptedObject({ client: env.client, cipher, bucket: BUCKET, key: 's/3', body: Readable.from([Buffer.from('y')]), plaintextLength: 1 });
    await putEncryptedObject({ client: env.client, cipher, bucket: BUCKET, key: 's/4', body: Readable.from([Buffer.from('y')]), plaintextLength: 1 });
    expect(env.kms.counts.GenerateDataKey).toBe(3);
  });

  test('a KMS failure is not cached: the next call goes to KMS again and succeeds', async () => {
    const { cipher } = cachedCipher();
    env.kms.injectFailure({ type: 'ThrottlingException', operation: 'GenerateDataKey' });
    const err = await rejection(putEncryptedObject({ client: env.client, cipher, bucket: BUCKET, key: 'f/1', body: Buffer.from('x') }));
    expect(err).toBeInstanceOf(KmsError);
    expect((err.cause as Error).name).toBe('ThrottlingException');
    await putEncryptedObject({ client: env.client, cipher, bucket: BUCKET, key: 'f/1', body: Buffer.from('x') });
    expect(env.kms.counts.GenerateDataKey).toBe(2);
  });

  test('maxMessagesEncrypted bounds how many objects share one KMS data key', async () => {
    const { cipher } = cachedCipher({ maxMessagesEncrypted: 4 });
    for (let i = 0; i < 10; i++) {
      await putEncryptedObject({ client: env.client, cipher, bucket: BUCKET, key: `m/${i}`, body: Buffer.from('x') });
    }
    expect(env.kms.counts.GenerateDataKey).toBe(3); // 4 + 4 + 2
    const wrapped = new Set<string>();
    for (let i = 0; i < 10; i++) {
      wrapped.add((await env.sdkClient.headObject({ Bucket: BUCKET, Key: `m/${i}` })).Metadata!['x-amz-3']);
    }
    expect(wrapped.size).toBe(3);
  });
});
