/**
 * KmsKeyring with an in-process fake KMS: context rules, key pinning, error wrapping.
 */
import { KMS } from '@aws-sdk/client-kms';
import { FakeKms, FakeKmsError } from './envelope-helpers';
import {
  EncryptionContextMismatchError, EnvelopeCipher, InvalidArgumentError, KeyNotAllowedError, KmsClientLike, KmsError, KmsKeyring,
  WrongKeyError,
} from '../src';

const KEY_ID = 'arn:aws:kms:us-east-1:111122223333:key/aaaa';

test('the aggregated AWS SDK v3 KMS client satisfies KmsClientLike', () => {
  const client: KmsClientLike = new KMS({ region: 'us-east-1' });
  expect(typeof client.generateDataKey).toBe('function');
});

test('constructor validates keyId and client', () => {
  expect(() => new KmsKeyring({ client: new FakeKms(KEY_ID), keyId: '' })).toThrow(InvalidArgumentError);
  expect(() => new KmsKeyring({ client: {} as KmsClientLike, keyId: KEY_ID })).toThrow(InvalidArgumentError);
});

describe('encrypt', () => {
  test.each(['aws:x-amz-cek-alg', 'kms_cmk_id'])('caller context key %s is reserved', async (k) => {
    const kms = new FakeKms(KEY_ID);
    const cipher = new EnvelopeCipher({ keyring: new KmsKeyring({ client: kms, keyId: KEY_ID }) });
    await expect(cipher.encrypt(Buffer.from('x'), { context: { [k]: 'v' } })).rejects.toBeInstanceOf(EncryptionContextMismatchError);
    expect(kms.generateCalls).toHaveLength(0);
  });

  test('grant tokens are passed to GenerateDataKey and Decrypt', async () => {
    const kms = new FakeKms(KEY_ID);
    const cipher = new EnvelopeCipher({ keyring: new KmsKeyring({ client: kms, keyId: KEY_ID, grantTokens: ['g1'] }) });
    const { ciphertext, metadata } = await cipher.encrypt(Buffer.from('x'));
    await cipher.decrypt(ciphertext, metadata);
    expect(kms.generateCalls[0].GrantTokens).toEqual(['g1']);
    expect(kms.decryptCalls[0].GrantTokens).toEqual(['g1']);
  });

  test('KMS failure is wrapped in KmsError with the SDK error as cause', async () => {
    const kms = new FakeKms(KEY_ID);
    const sdkError = new FakeKmsError('AccessDeniedException', 'not allowed');
    kms.failNext = sdkError;
    const cipher = new EnvelopeCipher({ keyring: new KmsKeyring({ client: kms, keyId: KEY_ID }) });
    const err = await cipher.encrypt(Buffer.from('x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KmsError);
    expect((err as KmsError).cause).toBe(sdkError);
    expect((err as KmsError).message).toMatch(/GenerateDataKey failed: AccessDeniedException/);
  });

  test('a malformed GenerateDataKey response is a KmsError', async () => {
    const client: KmsClientLike = {
      generateDataKey: async () => ({ Plaintext: new Uint8Array(16), CiphertextBlob: new Uint8Array(5) }),
      decrypt: async () => ({}),
    };
    await expect(new KmsKeyring({ client, keyId: KEY_ID }).onEncrypt({ formatVersion: 'V3', encryptionContext: {} })).rejects.toBeInstanceOf(KmsError);
  });
});

describe('decrypt', () => {
  async function setup(context: Record<string, string>) {
    const kms = new FakeKms(KEY_ID);
    const cipher = new EnvelopeCipher({ keyring: new KmsKeyring({ client: kms, keyId: KEY_ID }) });
    const enc = await cipher.encrypt(Buffer.from('secret'), { context });
    return { kms, cipher, ...enc };
  }

  test.each([
    ['missing entry', { a: '1' }],
    ['extra entry', { a: '1', b: '2', c: '3' }],
    ['different value', { a: '1', b: 'X' }],
    ['empty', {}],
  ])('expected context mismatch (%s) -> EncryptionContextMismatchError before calling Decrypt', async (_n, expected) => {
    const { kms, cipher, ciphertext, metadata } = await setup({ a: '1', b: '2' });
    await expect(cipher.decrypt(ciphertext, metadata, { context: expected })).rejects.toBeInstanceOf(EncryptionContextMismatchError);
    expect(kms.decryptCalls).toHaveLength(0);
  });

  test('stored aws:x-amz-cek-alg must match the content algorithm', async () => {
    const { kms, cipher, ciphertext, metadata } = await setup({ a: '1' });
    const md = { ...metadata, 'x-amz-t': '{"a":"1","aws:x-amz-cek-alg":"AES/GCM/NoPadding"}' };
    await expect(cipher.decrypt(ciphertext, md, { context: { a: '1' } })).rejects.toThrow(/does not match the content algorithm/);
    expect(kms.decryptCalls).toHaveLength(0);
  });

  test('Decrypt is called with the pinned KeyId and the full stored context', async () => {
    const { kms, cipher, ciphertext, metadata } = await setup({ a: '1' });
    await expect(cipher.decrypt(ciphertext, metadata, { context: { a: '1' } })).resolves.toEqual(Buffer.from('secret'));
    expect(kms.decryptCalls[0].KeyId).toBe(KEY_ID);
    expect(kms.decryptCalls[0].EncryptionContext).toEqual({ 'a': '1', 'aws:x-amz-cek-alg': '115' });
  });

  test('Decrypt failure is wrapped in KmsError with cause', async () => {
    const { cipher, ciphertext, metadata } = await setup({});
    const wrapped = Buffer.from(metadata['x-amz-3'], 'base64');
    wrapped[30] = (wrapped[30] + 1) % 256;
    const err = await cipher.decrypt(ciphertext, { ...metadata, 'x-amz-3': wrapped.toString('base64') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KmsError);
    expect(((err as KmsError).cause as Error).name).toBe('InvalidCiphertextException');
  });

  test('a keyring pinned to another key cannot decrypt (KMS IncorrectKeyException -> KmsError)', async () => {
    const { kms, ciphertext, metadata } = await setup({});
    const other = new EnvelopeCipher({ keyring: new KmsKeyring({ client: kms, keyId: 'arn:aws:kms:us-east-1:111122223333:key/bbbb' }) });
    const err = await other.decrypt(ciphertext, metadata).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KmsError);
    expect(((err as KmsError).cause as Error).name).toBe('IncorrectKeyException');
  });

  test('an AES/GCM-wrapped object is a WrongKeyError for the KMS keyring', async () => {
    const keyring = new KmsKeyring({ client: new FakeKms(KEY_ID), keyId: KEY_ID });
    await expect(keyring.onDecrypt({
      formatVersion: 'V3',
      encryptedDataKey: Buffer.alloc(60),
      wrapAlgorithm: 'AES/GCM',
      contentAlgorithm: '115',
      materialsDescription: {},
      expectedContext: {},
    })).rejects.toBeInstanceOf(WrongKeyError);
  });

  test('legacy kms_cmk_id naming another key ARN -> KeyNotAllowedError', async () => {
    const kms = new FakeKms(KEY_ID);
    const keyring = new KmsKeyring({ client: kms, keyId: KEY_ID });
    await expect(keyring.onDecrypt({
      formatVersion: 'V2',
      encryptedDataKey: Buffer.alloc(72),
      wrapAlgorithm: 'kms+context',
      contentAlgorithm: 'AES/GCM/NoPadding',
      materialsDescription: { 'aws:x-amz-cek-alg': 'AES/GCM/NoPadding', 'kms_cmk_id': 'arn:aws:kms:us-east-1:111122223333:key/other' },
      expectedContext: {},
    })).rejects.toBeInstanceOf(KeyNotAllowedError);
    expect(kms.decryptCalls).toHaveLength(0);
  });

  test('a malformed Decrypt response is a KmsError', async () => {
    const client: KmsClientLike = {
      generateDataKey: async () => ({}),
      decrypt: async () => ({ Plaintext: new Uint8Array(31) }),
    };
    await expect(new KmsKeyring({ client, keyId: KEY_ID }).onDecrypt({
      formatVersion: 'V3',
      encryptedDataKey: Buffer.alloc(10),
      wrapAlgorithm: 'kms+context',
      contentAlgorithm: '115',
      materialsDescription: { 'aws:x-amz-cek-alg': '115' },
      expectedContext: {},
    })).rejects.toBeInstanceOf(KmsError);
  });
});
