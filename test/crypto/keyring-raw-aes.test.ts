/**
 * RawAesKeyring: wrap format, wrong key, material description rules.
 */
import { createDecipheriv, randomBytes } from 'node:crypto';
import {
  EncryptionContextMismatchError, EnvelopeCipher, InvalidArgumentError, RawAesKeyring, WrongKeyError,
} from '../../src/crypto';

const KEY = randomBytes(32);

test('wrapping key must be 32 bytes', () => {
  expect(() => new RawAesKeyring({ wrappingKey: randomBytes(16) })).toThrow(InvalidArgumentError);
});

test.each([['V2', 'AES/GCM/NoPadding'], ['V3', '115']] as const)('%s wrap = IV(12) || GCM(key, AAD=%s)(32) || tag(16)', async (v, aad) => {
  const keyring = new RawAesKeyring({ wrappingKey: KEY });
  const m = await keyring.onEncrypt({ formatVersion: v, encryptionContext: {} });
  expect(m.encryptedDataKey).toHaveLength(60);
  expect(m.wrapAlgorithm).toBe('AES/GCM');
  const edk = Buffer.from(m.encryptedDataKey);
  const d = createDecipheriv('aes-256-gcm', KEY, edk.subarray(0, 12));
  d.setAAD(Buffer.from(aad, 'utf8'));
  d.setAuthTag(edk.subarray(44));
  expect(Buffer.concat([d.update(edk.subarray(12, 44)), d.final()])).toEqual(Buffer.from(m.dataKey));
});

test('wrong wrapping key -> WrongKeyError without detail', async () => {
  const cipher = new EnvelopeCipher({ keyring: new RawAesKeyring({ wrappingKey: KEY }) });
  const other = new EnvelopeCipher({ keyring: new RawAesKeyring({ wrappingKey: randomBytes(32) }) });
  const { ciphertext, metadata } = await cipher.encrypt(Buffer.from('x'));
  const err = await other.decrypt(ciphertext, metadata).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WrongKeyError);
  expect((err as Error).message).toBe('the wrapping key cannot unwrap the data key');
});

test('a V3 wrap relabelled as V2 does not unwrap (AAD binds the content algorithm)', async () => {
  const keyring = new RawAesKeyring({ wrappingKey: KEY });
  const m = await keyring.onEncrypt({ formatVersion: 'V3', encryptionContext: {} });
  await expect(keyring.onDecrypt({
    formatVersion: 'V2',
    encryptedDataKey: m.encryptedDataKey,
    wrapAlgorithm: 'AES/GCM',
    contentAlgorithm: 'AES/GCM/NoPadding',
    materialsDescription: {},
    expectedContext: {},
  })).rejects.toBeInstanceOf(WrongKeyError);
});

test('wrapped key of the wrong length -> WrongKeyError', async () => {
  const keyring = new RawAesKeyring({ wrappingKey: KEY });
  await expect(keyring.onDecrypt({
    formatVersion: 'V3', encryptedDataKey: Buffer.alloc(59), wrapAlgorithm: 'AES/GCM', contentAlgorithm: '115', materialsDescription: {}, expectedContext: {},
  })).rejects.toBeInstanceOf(WrongKeyError);
});

test('material description: stored = keyring description + caller context, checked on decrypt', async () => {
  const cipher = new EnvelopeCipher({ keyring: new RawAesKeyring({ wrappingKey: KEY, materialDescription: { key: 'k1' } }) });
  const { ciphertext, metadata } = await cipher.encrypt(Buffer.from('x'), { context: { file: 'a' } });
  expect(JSON.parse(metadata['x-amz-m'])).toEqual({ key: 'k1', file: 'a' });
  await expect(cipher.decrypt(ciphertext, metadata, { context: { file: 'a' } })).resolves.toEqual(Buffer.from('x'));
  await expect(cipher.decrypt(ciphertext, metadata, { context: { file: 'b' } })).rejects.toBeInstanceOf(EncryptionContextMismatchError);
  await expect(cipher.decrypt(ciphertext, metadata)).rejects.toBeInstanceOf(EncryptionContextMismatchError);
  await expect(cipher.encrypt(Buffer.from('x'), { context: { key: 'other' } })).rejects.toBeInstanceOf(EncryptionContextMismatchError);
});

test('the raw keyring refuses KMS-wrapped data keys', async () => {
  const keyring = new RawAesKeyring({ wrappingKey: KEY });
  await expect(keyring.onDecrypt({
    formatVersion: 'V3', encryptedDataKey: Buffer.alloc(60), wrapAlgorithm: 'kms+context', contentAlgorithm: '115', materialsDescription: {}, expectedContext: {},
  })).rejects.toBeInstanceOf(WrongKeyError);
});

test('the cipher zeroes the plaintext data key after use', async () => {
  const keyring = new RawAesKeyring({ wrappingKey: KEY });
  let handedOut: Uint8Array | undefined;
  const spy = {
    onEncrypt: async (r: Parameters<RawAesKeyring['onEncrypt']>[0]) => {
      const m = await keyring.onEncrypt(r);
      handedOut = m.dataKey;
      return m;
    },
    onDecrypt: (r: Parameters<RawAesKeyring['onDecrypt']>[0]) => keyring.onDecrypt(r),
  };
  await new EnvelopeCipher({ keyring: spy }).encrypt(Buffer.from('x'));
  expect(handedOut).toEqual(new Uint8Array(32));
});
