/**
 * RawAesKeyring: wrap format, wrong key, material description rules.
 */
import { createDecipheriv, randomBytes } from 'node:crypto';
import {
  EncryptionContextMismatchError, EnvelopeCipher, InvalidArgumentError, RawAesKeyring, WrongKeyError,
} from '../src';

const KEY = randomBytes(32);

test.each([0, 8, 15, 17, 31, 33, 64])('a %i-byte wrapping key is refused (AES-128/192/256 only)', (n) => {
  expect(() => new RawAesKeyring({ wrappingKey: randomBytes(n) })).toThrow(InvalidArgumentError);
  expect(() => new RawAesKeyring({ wrappingKey: KEY, additionalDecryptionKeys: [{ materialDescription: {}, wrappingKey: randomBytes(n) }] }))
    .toThrow(InvalidArgumentError);
});

test.each([
  ['V2', 'AES/GCM/NoPadding', 16], ['V3', '115', 16], ['V2', 'AES/GCM/NoPadding', 24], ['V3', '115', 24], ['V2', 'AES/GCM/NoPadding', 32], ['V3', '115', 32],
] as const)('%s wrap = IV(12) || AES-GCM(key, AAD=%s)(32) || tag(16) with a %i-byte key', async (v, aad, size) => {
  const wrappingKey = size === 32 ? KEY : randomBytes(size);
  const keyring = new RawAesKeyring({ wrappingKey });
  const m = await keyring.onEncrypt({ formatVersion: v, encryptionContext: {} });
  expect(m.encryptedDataKey).toHaveLength(60);
  expect(m.wrapAlgorithm).toBe('AES/GCM');
  const edk = Buffer.from(m.encryptedDataKey);
  const d = createDecipheriv(`aes-${size * 8}-gcm` as 'aes-256-gcm', wrappingKey, edk.subarray(0, 12));
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

test('material description: stored = keyring description + caller context; on decrypt a caller context is a label check only', async () => {
  const cipher = new EnvelopeCipher({ keyring: new RawAesKeyring({ wrappingKey: KEY, materialDescription: { key: 'k1' } }) });
  const { ciphertext, metadata } = await cipher.encrypt(Buffer.from('x'), { context: { file: 'a' } });
  expect(JSON.parse(metadata['x-amz-m'])).toEqual({ key: 'k1', file: 'a' });
  await expect(cipher.decrypt(ciphertext, metadata, { context: { file: 'a' } })).resolves.toEqual(Buffer.from('x'));
  await expect(cipher.decrypt(ciphertext, metadata, { context: { file: 'b' } })).rejects.toBeInstanceOf(EncryptionContextMismatchError);
  // Not an equality check: an object whose description the reader did not configure still decrypts (Java does the same).
  await expect(cipher.decrypt(ciphertext, metadata)).resolves.toEqual(Buffer.from('x'));
  const other = new EnvelopeCipher({ keyring: new RawAesKeyring({ wrappingKey: KEY, materialDescription: { key: 'k2' } }) });
  await expect(other.decrypt(ciphertext, metadata)).resolves.toEqual(Buffer.from('x'));
  await expect(cipher.encrypt(Buffer.from('x'), { context: { key: 'other' } })).rejects.toBeInstanceOf(EncryptionContextMismatchError);
});

test('the label check proves nothing: a relabelled object passes it (the description is not authenticated)', async () => {
  const cipher = new EnvelopeCipher({ keyring: new RawAesKeyring({ wrappingKey: KEY }) });
  const { ciphertext, metadata } = await cipher.encrypt(Buffer.from('tenant a data'), { context: { tenant: 'a' } });
  const relabelled = { ...metadata, 'x-amz-m': JSON.stringify({ tenant: 'b' }) };
  await expect(cipher.decrypt(ciphertext, relabelled, { context: { tenant: 'b' } })).resolves.toEqual(Buffer.from('tenant a data'));
});

describe('rotation: the stored material description selects the wrapping key (Java additionalDecryptionKeyMaterial)', () => {
  const oldKey = randomBytes(16);
  const newKey = randomBytes(32);
  const older = randomBytes(24);
  const before = new EnvelopeCipher({ keyring: new RawAesKeyring({ wrappingKey: oldKey, materialDescription: { version: '1' } }) });
  const oldest = new EnvelopeCipher({ keyring: new RawAesKeyring({ wrappingKey: older, materialDescription: { version: '0' } }), formatVersion: 'V2' });
  const after = new EnvelopeCipher({
    keyring: new RawAesKeyring({
      wrappingKey: newKey,
      materialDescription: { version: '2' },
      additionalDecryptionKeys: [
        { materialDescription: { version: '1' }, wrappingKey: oldKey },
        { materialDescription: { version: '0' }, wrappingKey: older },
      ],
    }),
  });

  test('objects under the old keys (128 and 192-bit, V3 and V2) and the new key all decrypt with one keyring', async () => {
    const a = await before.encrypt(Buffer.from('one'));
    const b = await oldest.encrypt(Buffer.from('zero'));
    const c = await after.encrypt(Buffer.from('two'));
    expect(JSON.parse(c.metadata['x-amz-m'])).toEqual({ version: '2' });
    await expect(after.decrypt(a.ciphertext, a.metadata)).resolves.toEqual(Buffer.from('one'));
    await expect(after.decrypt(b.ciphertext, b.metadata)).resolves.toEqual(Buffer.from('zero'));
    await expect(after.decrypt(c.ciphertext, c.metadata)).resolves.toEqual(Buffer.from('two'));
    // The new object is wrapped with the new key: the old keyring cannot read it.
    await expect(before.decrypt(c.ciphertext, c.metadata)).rejects.toBeInstanceOf(WrongKeyError);
  });

  test('a description matching no entry uses the default key; the selected key must be the right one', async () => {
    const a = await before.encrypt(Buffer.from('one'));
    // Relabelled to an unregistered description: the default (new) key is tried and fails.
    await expect(after.decrypt(a.ciphertext, { ...a.metadata, 'x-amz-m': '{"version":"9"}' })).rejects.toBeInstanceOf(WrongKeyError);
    // Relabelled to another registered description: that key is tried and fails.
    await expect(after.decrypt(a.ciphertext, { ...a.metadata, 'x-amz-m': '{"version":"0"}' })).rejects.toBeInstanceOf(WrongKeyError);
  });

  test('two entries with one description are refused', () => {
    expect(() => new RawAesKeyring({
      wrappingKey: newKey,
      additionalDecryptionKeys: [{ materialDescription: { v: '1' }, wrappingKey: oldKey }, { materialDescription: { v: '1' }, wrappingKey: older }],
    })).toThrow(InvalidArgumentError);
  });
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
