/**
 * Legacy V1 objects (unauthenticated AES-CBC content; AESWrap / KMS v1 wrapping): refused by
 * default, readable only with allowLegacyV1Decrypt.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { FakeKms } from './envelope-helpers';
import { EnvelopeCipher, KmsKeyring, RawAesKeyring, TamperedCiphertextError, UnsupportedFormatError } from '../../src/crypto';

const WRAPPING_KEY = randomBytes(32);
const DATA_KEY = randomBytes(32);
const PLAINTEXT = Buffer.from('legacy object written by an S3EC v1 client');

function cbc(key: Buffer, iv: Buffer, pt: Buffer): Buffer {
  const c = createCipheriv('aes-256-cbc', key, iv);
  return Buffer.concat([c.update(pt), c.final()]);
}

function v1AesWrapObject() {
  const iv = randomBytes(16);
  const w = createCipheriv('id-aes256-wrap', WRAPPING_KEY, Buffer.from('A6A6A6A6A6A6A6A6', 'hex'));
  const wrapped = Buffer.concat([w.update(DATA_KEY), w.final()]);
  return {
    ciphertext: cbc(DATA_KEY, iv, PLAINTEXT),
    metadata: {
      'x-amz-key': wrapped.toString('base64'),
      'x-amz-iv': iv.toString('base64'),
      'x-amz-matdesc': '{}',
      'x-amz-wrap-alg': 'AESWrap',
      'x-amz-unencrypted-content-length': String(PLAINTEXT.length),
    },
  };
}

test('V1 is refused by default', async () => {
  const { ciphertext, metadata } = v1AesWrapObject();
  const cipher = new EnvelopeCipher({ keyring: new RawAesKeyring({ wrappingKey: WRAPPING_KEY }) });
  await expect(cipher.decrypt(ciphertext, metadata)).rejects.toBeInstanceOf(UnsupportedFormatError);
});

test('V1 AESWrap + AES/CBC decrypts with allowLegacyV1Decrypt (buffer and stream)', async () => {
  const { ciphertext, metadata } = v1AesWrapObject();
  const cipher = new EnvelopeCipher({ keyring: new RawAesKeyring({ wrappingKey: WRAPPING_KEY }), allowLegacyV1Decrypt: true });
  await expect(cipher.decrypt(ciphertext, metadata)).resolves.toEqual(PLAINTEXT);
  const out: Buffer[] = [];
  for await (const c of await cipher.decryptStream(Readable.from([ciphertext]), metadata)) {
    out.push(c as Buffer);
  }
  expect(Buffer.concat(out)).toEqual(PLAINTEXT);
});

test('V1 with a bad CBC padding -> TamperedCiphertextError', async () => {
  const { ciphertext, metadata } = v1AesWrapObject();
  const cipher = new EnvelopeCipher({ keyring: new RawAesKeyring({ wrappingKey: WRAPPING_KEY }), allowLegacyV1Decrypt: true });
  const bad = Buffer.from(ciphertext);
  bad[bad.length - 1] = (bad[bad.length - 1] + 1) % 256;
  await expect(cipher.decrypt(bad, metadata)).rejects.toBeInstanceOf(TamperedCiphertextError);
  const stream = await cipher.decryptStream(Readable.from([bad]), metadata);
  const err = await new Promise((resolve) => {
    stream.on('error', resolve);
    stream.resume();
  });
  expect(err).toBeInstanceOf(TamperedCiphertextError);
});

test('V1 KMS ("kms" wrap): Decrypt with the stored matdesc as encryption context', async () => {
  const keyId = 'arn:aws:kms:us-east-1:111122223333:key/legacy';
  const kms = new FakeKms(keyId);
  const matdesc = { kms_cmk_id: keyId };
  const iv = randomBytes(16);
  const metadata = {
    'x-amz-key': kms.wrap(DATA_KEY, randomBytes(12), matdesc).toString('base64'),
    'x-amz-iv': iv.toString('base64'),
    'x-amz-matdesc': JSON.stringify(matdesc),
    'x-amz-wrap-alg': 'kms',
  };
  const cipher = new EnvelopeCipher({ keyring: new KmsKeyring({ client: kms, keyId }), allowLegacyV1Decrypt: true });
  await expect(cipher.decrypt(cbc(DATA_KEY, iv, PLAINTEXT), metadata)).resolves.toEqual(PLAINTEXT);
  expect(kms.decryptCalls[0].EncryptionContext).toEqual(matdesc);
  const strict = new EnvelopeCipher({ keyring: new KmsKeyring({ client: kms, keyId }) });
  await expect(strict.decrypt(cbc(DATA_KEY, iv, PLAINTEXT), metadata)).rejects.toBeInstanceOf(UnsupportedFormatError);
});

test('V2 with legacy AESWrap wrapping is refused without the opt-in', async () => {
  const { metadata } = v1AesWrapObject();
  const v2 = {
    'x-amz-key-v2': metadata['x-amz-key'],
    'x-amz-wrap-alg': 'AESWrap',
    'x-amz-cek-alg': 'AES/GCM/NoPadding',
    'x-amz-iv': randomBytes(12).toString('base64'),
    'x-amz-tag-len': '128',
    'x-amz-matdesc': '{}',
  };
  const cipher = new EnvelopeCipher({ keyring: new RawAesKeyring({ wrappingKey: WRAPPING_KEY }) });
  await expect(cipher.decrypt(Buffer.alloc(32), v2)).rejects.toThrow(/legacy wrapping/);
});
