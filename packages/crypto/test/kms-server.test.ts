import { createHash } from 'node:crypto';
import { InvalidCiphertextException, KMS, NotFoundException } from '@aws-sdk/client-kms';
import { KmsServer, startKmsServer } from '../../../test/fixtures/kms-server';
import { errorName } from '../../../test/support/error-name';

let kms: KmsServer;
let client: KMS;

beforeAll(async () => {
  kms = await startKmsServer();
  client = kms.client();
});

afterAll(async () => {
  await kms.stop();
});

beforeEach(() => kms.reset());

const context = { purpose: 'test', bucket: 'b' };


describe('kms-server fixture with the real @aws-sdk/client-kms', () => {
  test('listens on 127.0.0.1 with an ephemeral port', () => {
    expect(kms.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(kms.endpoint).not.toMatch(/:(0|80|443)$/);
    expect(kms.keyArn).toMatch(/^arn:aws:kms:us-east-1:\d{12}:key\/[0-9a-f-]{36}$/);
  });

  test('GenerateDataKey then Decrypt with the same context returns the data key', async () => {
    const generated = await client.generateDataKey({ KeyId: kms.keyArn, KeySpec: 'AES_256', EncryptionContext: context });
    expect(generated.KeyId).toBe(kms.keyArn);
    expect(generated.Plaintext).toHaveLength(32);
    const decrypted = await client.decrypt({ CiphertextBlob: generated.CiphertextBlob, EncryptionContext: { ...context } });
    expect(decrypted.KeyId).toBe(kms.keyArn);
    expect(Buffer.from(decrypted.Plaintext!).equals(Buffer.from(generated.Plaintext!))).toBe(true);
    expect(kms.counts).toEqual({ GenerateDataKey: 1, Encrypt: 0, Decrypt: 1, DescribeKey: 0 });
    expect(kms.requests.map((r) => r.operation)).toEqual(['GenerateDataKey', 'Decrypt']);
    expect(kms.requests[0].encryptionContext).toEqual(context);
  });

  test('context key order does not matter (canonicalised)', async () => {
    const generated = await client.generateDataKey({ KeyId: kms.keyArn, KeySpec: 'AES_256', EncryptionContext: { a: '1', b: '2' } });
    const decrypted = await client.decrypt({ CiphertextBlob: generated.CiphertextBlob, EncryptionContext: { b: '2', a: '1' } });
    expect(Buffer.from(decrypted.Plaintext!).equals(Buffer.from(generated.Plaintext!))).toBe(true);
  });

  test('AES_128 and NumberOfBytes select the data key length', async () => {
    const a = await client.generateDataKey({ KeyId: kms.keyArn, KeySpec: 'AES_128' });
    const b = await client.generateDataKey({ KeyId: kms.keyArn, NumberOfBytes: 7 });
    expect(a.Plaintext).toHaveLength(16);
    expect(b.Plaintext).toHaveLength(7);
  });

  test('data keys are random', async () => {
    const a = await client.generateDataKey({ KeyId: kms.keyArn, KeySpec: 'AES_256' });
    const b = await client.generateDataKey({ KeyId: kms.keyArn, KeySpec: 'AES_256' });
    expect(Buffer.from(a.Plaintext!).equals(Buffer.from(b.Plaintext!))).toBe(false);
  });

  test('Encrypt then Decrypt round-trips and the blob does not contain the plaintext', async () => {
    const plaintext = Buffer.from('a secret that KMS wraps');
    const encrypted = await client.encrypt({ KeyId: kms.keyArn, Plaintext: plaintext, EncryptionContext: context });
    expect(encrypted.EncryptionAlgorithm).toBe('SYMMETRIC_DEFAULT');
    expect(Buffer.from(encrypted.CiphertextBlob!).includes(plaintext)).toBe(false);
    const decrypted = await client.decrypt({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: context, KeyId: kms.keyArn });
    expect(Buffer.from(decrypted.Plaintext!).toString()).toBe('a secret that KMS wraps');
  });

  test('DescribeKey by ARN and by key id', async () => {
    const keyId = kms.keyArn.split('/')[1];
    const byArn = await client.describeKey({ KeyId: kms.keyArn });
    const byId = await client.describeKey({ KeyId: keyId });
    expect(byArn.KeyMetadata?.Arn).toBe(kms.keyArn);
    expect(byId.KeyMetadata?.KeyId).toBe(keyId);
    expect(byArn.KeyMetadata?.Enabled).toBe(true);
    expect(byArn.KeyMetadata?.KeyState).toBe('Enabled');
  });

  test('Decrypt with a different context -> InvalidCiphertextException', async () => {
    const generated = await client.generateDataKey({ KeyId: kms.keyArn, KeySpec: 'AES_256', EncryptionContext: context });
    await expect(errorName(client.decrypt({ CiphertextBlob: generated.CiphertextBlob, EncryptionContext: { ...context, bucket: 'other' } })))
      .resolves.toBe('InvalidCiphertextException');
    await expect(errorName(client.decrypt({ CiphertextBlob: generated.CiphertextBlob })))
      .resolves.toBe('InvalidCiphertextException');
  });

  test('Decrypt of a tampered blob -> InvalidCiphertextException', async () => {
    const generated = await client.generateDataKey({ KeyId: kms.keyArn, KeySpec: 'AES_256' });
    const blob = Buffer.from(generated.CiphertextBlob!);
    blob[blob.length - 1] = (blob[blob.length - 1] + 1) % 256;
    await expect(errorName(client.decrypt({ CiphertextBlob: blob }))).resolves.toBe('InvalidCiphertextException');
    await expect(errorName(client.decrypt({ CiphertextBlob: Buffer.from('garbage') }))).resolves.toBe('InvalidCiphertextException');
  });

  test('unknown key -> NotFoundException', async () => {
    const unknown = 'arn:aws:kms:us-east-1:111122223333:key/00000000-0000-0000-0000-000000000000';
    await expect(errorName(client.generateDataKey({ KeyId: unknown, KeySpec: 'AES_256' }))).resolves.toBe('NotFoundException');
    await expect(errorName(client.describeKey({ KeyId: unknown }))).resolves.toBe('NotFoundException');
  });

  test('Decrypt with a non-matching KeyId -> IncorrectKeyException', async () => {
    const other = kms.addKey();
    const generated = await client.generateDataKey({ KeyId: kms.keyArn, KeySpec: 'AES_256' });
    await expect(errorName(client.decrypt({ CiphertextBlob: generated.CiphertextBlob, KeyId: other })))
      .resolves.toBe('IncorrectKeyException');
  });

  test('disabled key -> DisabledException for GenerateDataKey, Encrypt and Decrypt; re-enable works', async () => {
    const arn = kms.addKey();
    const generated = await client.generateDataKey({ KeyId: arn, KeySpec: 'AES_256' });
    kms.setKeyEnabled(arn, false);
    await expect(errorName(client.generateDataKey({ KeyId: arn, KeySpec: 'AES_256' }))).resolves.toBe('DisabledException');
    await expect(errorName(client.encrypt({ KeyId: arn, Plaintext: Buffer.from('x') }))).resolves.toBe('DisabledException');
    await expect(errorName(client.decrypt({ CiphertextBlob: generated.CiphertextBlob }))).resolves.toBe('DisabledException');
    expect((await client.describeKey({ KeyId: arn })).KeyMetadata?.KeyState).toBe('Disabled');
    kms.setKeyEnabled(arn, true);
    await expect(client.decrypt({ CiphertextBlob: generated.CiphertextBlob })).resolves.toBeDefined();
  });

  test('the SDK surfaces modeled errors as its typed exception classes', async () => {
    const generated = await client.generateDataKey({ KeyId: kms.keyArn, KeySpec: 'AES_256', EncryptionContext: context });
    const err = await client.decrypt({ CiphertextBlob: generated.CiphertextBlob }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidCiphertextException);
    expect((err as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(400);
    const notFound = await client.describeKey({ KeyId: 'nope' }).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(NotFoundException);
  });

  test('injected ThrottlingException is returned once, then the server recovers', async () => {
    kms.injectFailure({ type: 'ThrottlingException', message: 'Rate exceeded', operation: 'GenerateDataKey' });
    const err = await client.generateDataKey({ KeyId: kms.keyArn, KeySpec: 'AES_256' }).catch((e: Error) => e);
    expect((err as Error).name).toBe('ThrottlingException');
    expect((err as Error).message).toBe('Rate exceeded');
    await expect(client.generateDataKey({ KeyId: kms.keyArn, KeySpec: 'AES_256' })).resolves.toBeDefined();
    expect(kms.counts.GenerateDataKey).toBe(2);
  });

  test('injected failures only hit the named operation', async () => {
    kms.injectFailure({ type: 'KMSInternalException', status: 500, operation: 'Decrypt', times: 2 });
    const generated = await client.generateDataKey({ KeyId: kms.keyArn, KeySpec: 'AES_256' });
    await expect(errorName(client.decrypt({ CiphertextBlob: generated.CiphertextBlob }))).resolves.toBe('KMSInternalException');
    await expect(errorName(client.decrypt({ CiphertextBlob: generated.CiphertextBlob }))).resolves.toBe('KMSInternalException');
    await expect(client.decrypt({ CiphertextBlob: generated.CiphertextBlob })).resolves.toBeDefined();
  });

  test('a client with retries retries a throttled call (the SDK sees it as retryable)', async () => {
    const retrying = kms.client({ maxAttempts: 3 });
    kms.injectFailure({ type: 'ThrottlingException', operation: 'Encrypt', times: 2 });
    const out = await retrying.encrypt({ KeyId: kms.keyArn, Plaintext: Buffer.from('x') });
    expect(out.CiphertextBlob).toBeDefined();
    expect(kms.counts.Encrypt).toBe(3);
  }, 20_000);

  test('the wrapped key is bound to the master key: the blob names the key ARN but not the data key', async () => {
    const generated = await client.generateDataKey({ KeyId: kms.keyArn, KeySpec: 'AES_256' });
    const blob = Buffer.from(generated.CiphertextBlob!);
    expect(blob.includes(Buffer.from(kms.keyArn))).toBe(true);
    expect(blob.includes(Buffer.from(generated.Plaintext!))).toBe(false);
    // Same data key wrapped twice gives different blobs (random IV).
    const h = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    const again = await client.encrypt({ KeyId: kms.keyArn, Plaintext: generated.Plaintext });
    expect(h(again.CiphertextBlob!)).not.toBe(h(blob));
  });
});
