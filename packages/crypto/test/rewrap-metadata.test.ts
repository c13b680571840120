/**
 * rewrapMetadata: the pure part of key rotation (metadata in, metadata out), with raw AES keyrings.
 */
import { randomBytes } from 'node:crypto';
import {
  CachingKeyring, EnvelopeCipher, InvalidArgumentError, Keyring, RawAesKeyring, rewrapMetadata, TamperedCiphertextError, UnsupportedFormatError,
  WrongKeyError,
} from '../src';

const oldKeyring = new RawAesKeyring({ wrappingKey: randomBytes(32), materialDescription: { g: '1' } });
const newKeyring = new RawAesKeyring({ wrappingKey: randomBytes(16), materialDescription: { g: '2' } });
const plaintext = Buffer.from('content that is never re-encrypted');

test.each(['V2', 'V3'] as const)('%s: content parameters and x-amz-unencrypted-content-length kept, wrapped key and description replaced', async (v) => {
  const { ciphertext, metadata } = await new EnvelopeCipher({ keyring: oldKeyring, formatVersion: v }).encrypt(plaintext);
  const withLength = { ...metadata, 'x-amz-unencrypted-content-length': String(plaintext.length) };
  const { metadata: out, formatVersion } = await rewrapMetadata(withLength, { sourceKeyring: oldKeyring, targetKeyring: newKeyring });
  expect(formatVersion).toBe(v);
  expect(out['x-amz-unencrypted-content-length']).toBe(String(plaintext.length));
  const kept = v === 'V3' ? ['x-amz-c', 'x-amz-d', 'x-amz-i', 'x-amz-w'] : ['x-amz-iv', 'x-amz-cek-alg', 'x-amz-tag-len', 'x-amz-wrap-alg'];
  for (const k of kept) expect(out[k]).toBe(metadata[k]);
  const desc = v === 'V3' ? 'x-amz-m' : 'x-amz-matdesc';
  expect(JSON.parse(out[desc])).toEqual({ g: '2' });
  await expect(new EnvelopeCipher({ keyring: newKeyring }).decrypt(ciphertext, out)).resolves.toEqual(plaintext);
  await expect(new EnvelopeCipher({ keyring: oldKeyring }).decrypt(ciphertext, out)).rejects.toBeInstanceOf(WrongKeyError);
});

test('V3: a wrapped key that does not match the commitment is not re-wrapped (TamperedCiphertextError)', async () => {
  const a = await new EnvelopeCipher({ keyring: oldKeyring }).encrypt(plaintext);
  const b = await new EnvelopeCipher({ keyring: oldKeyring }).encrypt(plaintext);
  // b's wrapped key under a's message id and commitment: it unwraps, but to another data key.
  await expect(rewrapMetadata({ ...a.metadata, 'x-amz-3': b.metadata['x-amz-3'] }, { sourceKeyring: oldKeyring, targetKeyring: newKeyring }))
    .rejects.toBeInstanceOf(TamperedCiphertextError);
});

test('refusals: V2 with allowV2 false, legacy V1, a target without wrapDataKey, a target that does not read its own wrap', async () => {
  const v2 = await new EnvelopeCipher({ keyring: oldKeyring, formatVersion: 'V2' }).encrypt(plaintext);
  await expect(rewrapMetadata(v2.metadata, { sourceKeyring: oldKeyring, targetKeyring: newKeyring, allowV2: false }))
    .rejects.toBeInstanceOf(UnsupportedFormatError);
  const v1 = { 'x-amz-key': randomBytes(40).toString('base64'), 'x-amz-iv': randomBytes(16).toString('base64'), 'x-amz-matdesc': '{}' };
  await expect(rewrapMetadata(v1, { sourceKeyring: oldKeyring, targetKeyring: newKeyring })).rejects.toBeInstanceOf(UnsupportedFormatError);
  const noWrap: Keyring = { onEncrypt: (r) => newKeyring.onEncrypt(r), onDecrypt: (r) => newKeyring.onDecrypt(r) };
  await expect(rewrapMetadata(v2.metadata, { sourceKeyring: oldKeyring, targetKeyring: noWrap })).rejects.toBeInstanceOf(InvalidArgumentError);
  // A target whose wrap its own onDecrypt cannot read: caught before the metadata is returned.
  const broken: Keyring = {
    onEncrypt: (r) => newKeyring.onEncrypt(r),
    onDecrypt: async () => randomBytes(32),
    wrapDataKey: (r) => newKeyring.wrapDataKey(r),
  };
  await expect(rewrapMetadata(v2.metadata, { sourceKeyring: oldKeyring, targetKeyring: broken })).rejects.toBeInstanceOf(WrongKeyError);
});

test('a CachingKeyring target re-wraps through the keyring it wraps (uncached); around a keyring without wrapDataKey it refuses', async () => {
  const v3 = await new EnvelopeCipher({ keyring: oldKeyring }).encrypt(plaintext);
  const cached = new CachingKeyring({ keyring: newKeyring, maxAgeMs: 60_000 });
  const { metadata } = await rewrapMetadata(v3.metadata, { sourceKeyring: oldKeyring, targetKeyring: cached });
  await expect(new EnvelopeCipher({ keyring: newKeyring }).decrypt(v3.ciphertext, metadata)).resolves.toEqual(plaintext);
  const noWrap: Keyring = { onEncrypt: (r) => newKeyring.onEncrypt(r), onDecrypt: (r) => newKeyring.onDecrypt(r) };
  await expect(rewrapMetadata(v3.metadata, { sourceKeyring: oldKeyring, targetKeyring: new CachingKeyring({ keyring: noWrap, maxAgeMs: 1000 }) }))
    .rejects.toBeInstanceOf(InvalidArgumentError);
});
