/**
 * Known-answer tests: fixed data key, IVs and message id -> exact metadata and ciphertext.
 * Expected values are computed independently from node:crypto primitives following
 * /work/shared/S3EC-FORMAT.md, and a few are pinned as literals.
 */
import { createCipheriv, hkdfSync } from 'node:crypto';
import { FakeKms, detBytes, queuedRandom } from './envelope-helpers';
import { EnvelopeCipher, KmsKeyring, RawAesKeyring, TamperedCiphertextError } from '../src';
import { deriveCommitment, deriveContentKey } from '../src/format/key-derivation';

const seq = (start: number, n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (start + i) % 256));
const DATA_KEY = seq(0x00, 32);
const WRAPPING_KEY = seq(0x40, 32);
const WRAP_IV = seq(0xa0, 12);
const CONTENT_IV = seq(0xc0, 12);
const MESSAGE_ID = seq(0xe0, 28);
const PLAINTEXT = Buffer.from('Hello, S3 Encryption Client!', 'utf8');
const b64 = (b: Buffer) => b.toString('base64');

function gcm(key: Buffer, iv: Buffer, aad: Buffer | undefined, pt: Buffer): Buffer {
  const c = createCipheriv('aes-256-gcm', key, iv);
  if (aad) {
    c.setAAD(aad);
  }
  return Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
}
const info = (label: string) => Buffer.concat([Buffer.from([0x00, 0x73]), Buffer.from(label, 'utf8')]);
const expectedCommitment = () => Buffer.from(hkdfSync('sha512', DATA_KEY, MESSAGE_ID, info('COMMITKEY'), 28));
const expectedContentKey = () => Buffer.from(hkdfSync('sha512', DATA_KEY, MESSAGE_ID, info('DERIVEKEY'), 32));
const ONES_IV = Buffer.alloc(12, 0x01);
const SUITE_AAD = Buffer.from([0x00, 0x73]);

describe('HKDF-SHA512 derivation (suite 0x0073)', () => {
  test('commitment and content key match an independent HKDF and pinned literals', () => {
    expect(deriveCommitment(DATA_KEY, MESSAGE_ID)).toEqual(expectedCommitment());
    expect(deriveContentKey(DATA_KEY, MESSAGE_ID)).toEqual(expectedContentKey());
    expect(b64(deriveCommitment(DATA_KEY, MESSAGE_ID))).toBe('xDfh069l6tGlPwPK08wKGnQRrlZbnB9V/WWb5A==');
    expect(deriveContentKey(DATA_KEY, MESSAGE_ID).toString('hex')).toBe('c504e3c10b02c6c9342de33fcc86dda11fbeebb80ac558a17f116f77d523c6d4');
  });

  test('content key and commitment differ (distinct info labels)', () => {
    expect(deriveContentKey(DATA_KEY, MESSAGE_ID).subarray(0, 28)).not.toEqual(deriveCommitment(DATA_KEY, MESSAGE_ID));
  });
});

describe('raw AES keyring KAT', () => {
  test('V2: exact metadata and ciphertext', async () => {
    const keyring = new RawAesKeyring({ wrappingKey: WRAPPING_KEY, randomBytes: queuedRandom(DATA_KEY, WRAP_IV) });
    const cipher = new EnvelopeCipher({ keyring, formatVersion: 'V2', randomBytes: queuedRandom(CONTENT_IV) });
    const { ciphertext, metadata } = await cipher.encrypt(PLAINTEXT);
    const wrapped = Buffer.concat([WRAP_IV, gcm(WRAPPING_KEY, WRAP_IV, Buffer.from('AES/GCM/NoPadding'), DATA_KEY)]);
    expect(wrapped).toHaveLength(60);
    expect(metadata).toEqual({
      'x-amz-key-v2': b64(wrapped),
      'x-amz-wrap-alg': 'AES/GCM',
      'x-amz-cek-alg': 'AES/GCM/NoPadding',
      'x-amz-iv': b64(CONTENT_IV),
      'x-amz-tag-len': '128',
      'x-amz-matdesc': '{}',
    });
    expect(ciphertext).toEqual(gcm(DATA_KEY, CONTENT_IV, undefined, PLAINTEXT));
    // Pinned literals.
    expect(metadata['x-amz-key-v2']).toBe('oKGio6Slpqeoqaqr144EPObumipxZkv1hbE++f8G59T4epM6+sX0gfXfYOflPJx1fwpQB0Z0PwNhYC9r');
    expect(ciphertext.toString('hex')).toBe('482d4b0b1854b60dabf9b8cc51de9126381a8c511ca173d34fad3f2b997b645f07228794cb1cf3f00e36e1a4');
    await expect(cipher.decrypt(ciphertext, metadata)).resolves.toEqual(PLAINTEXT);
  });

  test('V3: exact metadata and ciphertext', async () => {
    const keyring = new RawAesKeyring({ wrappingKey: WRAPPING_KEY, randomBytes: queuedRandom(DATA_KEY, WRAP_IV) });
    const cipher = new EnvelopeCipher({ keyring, randomBytes: queuedRandom(MESSAGE_ID) });
    const { ciphertext, metadata } = await cipher.encrypt(PLAINTEXT);
    const wrapped = Buffer.concat([WRAP_IV, gcm(WRAPPING_KEY, WRAP_IV, Buffer.from('115'), DATA_KEY)]);
    expect(metadata).toEqual({
      'x-amz-c': '115',
      'x-amz-3': b64(wrapped),
      'x-amz-w': '02',
      'x-amz-d': b64(expectedCommitment()),
      'x-amz-i': b64(MESSAGE_ID),
      'x-amz-m': '{}',
    });
    expect(ciphertext).toEqual(gcm(expectedContentKey(), ONES_IV, SUITE_AAD, PLAINTEXT));
    expect(metadata['x-amz-3']).toBe('oKGio6Slpqeoqaqr144EPObumipxZkv1hbE++f8G59T4epM6+sX0gfXfYOeDAqtYXY7fa+OU+0yMWObv');
    expect(ciphertext.toString('hex')).toBe('d1f91d002eec5bb9d92bf346b16cf8512d818842382b1585c57216b9917f14bc16857c9f0673d7a4639707a7');
    await expect(cipher.decrypt(ciphertext, metadata)).resolves.toEqual(PLAINTEXT);
  });

  test('material description and caller context are stored as sorted compact JSON', async () => {
    const keyring = new RawAesKeyring({
      wrappingKey: WRAPPING_KEY, materialDescription: { z: '1', a: 'ü' }, randomBytes: queuedRandom(DATA_KEY, WRAP_IV),
    });
    const cipher = new EnvelopeCipher({ keyring, randomBytes: queuedRandom(MESSAGE_ID) });
    const { metadata } = await cipher.encrypt(PLAINTEXT, { context: { m: 'x' } });
    expect(metadata['x-amz-m']).toBe('{"a":"\\u00fc","m":"x","z":"1"}');
  });
});

describe('KMS keyring KAT (deterministic fake KMS)', () => {
  const KEY_ID = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const CONTEXT = { purpose: 'kat', tenant: 't1' };

  test('V2: exact metadata, GenerateDataKey request and ciphertext', async () => {
    const kms = new FakeKms(KEY_ID, detBytes('fake-kms-master', 32), [DATA_KEY]);
    const cipher = new EnvelopeCipher({ keyring: new KmsKeyring({ client: kms, keyId: KEY_ID }), formatVersion: 'V2', randomBytes: queuedRandom(CONTENT_IV) });
    const { ciphertext, metadata } = await cipher.encrypt(PLAINTEXT, { context: CONTEXT });
    const ec = { ...CONTEXT, 'aws:x-amz-cek-alg': 'AES/GCM/NoPadding' };
    expect(kms.generateCalls).toEqual([{ KeyId: KEY_ID, KeySpec: 'AES_256', EncryptionContext: ec }]);
    expect(metadata).toEqual({
      'x-amz-key-v2': b64(kms.wrap(DATA_KEY, detBytes('fake-kms-iv/0', 12), ec)),
      'x-amz-wrap-alg': 'kms+context',
      'x-amz-cek-alg': 'AES/GCM/NoPadding',
      'x-amz-iv': b64(CONTENT_IV),
      'x-amz-tag-len': '128',
      'x-amz-matdesc': '{"aws:x-amz-cek-alg":"AES/GCM/NoPadding","purpose":"kat","tenant":"t1"}',
    });
    expect(ciphertext).toEqual(gcm(DATA_KEY, CONTENT_IV, undefined, PLAINTEXT));
    await expect(cipher.decrypt(ciphertext, metadata, { context: CONTEXT })).resolves.toEqual(PLAINTEXT);
    expect(kms.decryptCalls).toHaveLength(1);
    expect(kms.decryptCalls[0].KeyId).toBe(KEY_ID);
    expect(kms.decryptCalls[0].EncryptionContext).toEqual(ec);
  });

  test('V3: exact metadata (x-amz-w 12, x-amz-t) and ciphertext', async () => {
    const kms = new FakeKms(KEY_ID, detBytes('fake-kms-master', 32), [DATA_KEY]);
    const cipher = new EnvelopeCipher({ keyring: new KmsKeyring({ client: kms, keyId: KEY_ID }), randomBytes: queuedRandom(MESSAGE_ID) });
    const { ciphertext, metadata } = await cipher.encrypt(PLAINTEXT, { context: CONTEXT });
    const ec = { ...CONTEXT, 'aws:x-amz-cek-alg': '115' };
    expect(kms.generateCalls[0].EncryptionContext).toEqual(ec);
    expect(metadata).toEqual({
      'x-amz-c': '115',
      'x-amz-3': b64(kms.wrap(DATA_KEY, detBytes('fake-kms-iv/0', 12), ec)),
      'x-amz-w': '12',
      'x-amz-d': b64(expectedCommitment()),
      'x-amz-i': b64(MESSAGE_ID),
      'x-amz-t': '{"aws:x-amz-cek-alg":"115","purpose":"kat","tenant":"t1"}',
    });
    expect(ciphertext.toString('hex')).toBe('d1f91d002eec5bb9d92bf346b16cf8512d818842382b1585c57216b9917f14bc16857c9f0673d7a4639707a7');
    await expect(cipher.decrypt(ciphertext, metadata, { context: CONTEXT })).resolves.toEqual(PLAINTEXT);
  });

  test('a V3 object relabelled with another message id fails the commitment check before decrypting', async () => {
    const kms = new FakeKms(KEY_ID, detBytes('fake-kms-master', 32), [DATA_KEY]);
    const cipher = new EnvelopeCipher({ keyring: new KmsKeyring({ client: kms, keyId: KEY_ID }), randomBytes: queuedRandom(MESSAGE_ID) });
    const { ciphertext, metadata } = await cipher.encrypt(PLAINTEXT);
    const other = Buffer.from(MESSAGE_ID);
    other[0] = (other[0] + 1) % 256;
    await expect(cipher.decrypt(ciphertext, { ...metadata, 'x-amz-i': b64(other) })).rejects.toThrow(/commitment/);
    await expect(cipher.decrypt(ciphertext, { ...metadata, 'x-amz-i': b64(other) })).rejects.toBeInstanceOf(TamperedCiphertextError);
  });
});
