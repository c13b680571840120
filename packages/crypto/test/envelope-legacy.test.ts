/**
 * Legacy V1 objects (unauthenticated AES-CBC content; AESWrap / KMS v1 wrapping): refused by
 * default, readable only with allowLegacyV1Decrypt.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { FakeKms } from './envelope-helpers';
import { KmsServer, startKmsServer } from '../../../test/fixtures/kms-server';
import {
  EncryptionContextMismatchError, EnvelopeCipher, getDecryptedObject, InvalidArgumentError, KmsKeyring, RawAesKeyring, TamperedCiphertextError,
  UnsupportedFormatError,
} from '../src';

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

/**
 * Legacy AES/CBC has no tag (`allowLegacyV1Decrypt` says "unauthenticated"): its padding is its only check, and a
 * random change to the last block leaves a valid padding about once in 256 (such a test fails that often). A change
 * to the block before flips the same bits of the last plaintext block: this one sets the padding byte to 0, which no
 * reader accepts, the same tampering every run.
 */
function breakPadding(ciphertext: Buffer): void {
  const pad = 16 - (PLAINTEXT.length % 16);
  // eslint-disable-next-line no-bitwise -- in CBC, XOR into the block before flips the same bits of the plaintext.
  ciphertext[ciphertext.length - 17] ^= pad;
}

test('V1 with a bad CBC padding -> TamperedCiphertextError', async () => {
  const { ciphertext, metadata } = v1AesWrapObject();
  const cipher = new EnvelopeCipher({ keyring: new RawAesKeyring({ wrappingKey: WRAPPING_KEY }), allowLegacyV1Decrypt: true });
  const bad = Buffer.from(ciphertext);
  breakPadding(bad);
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

describe('legacy "kms" wrap-alg compares the caller context exactly as kms+context does (real KMS client, loopback KMS)', () => {
  let kmsServer: KmsServer;
  beforeAll(async () => {
    kmsServer = await startKmsServer();
  });
  afterAll(async () => {
    await kmsServer.stop();
  });

  test('a V2 kms+context object relabelled x-amz-wrap-alg: kms does not decrypt under another tenant\'s context', async () => {
    const keyring = new KmsKeyring({ client: kmsServer.client(), keyId: kmsServer.keyArn });
    const writer = new EnvelopeCipher({ keyring, formatVersion: 'V2' });
    const reader = new EnvelopeCipher({ keyring, allowLegacyV1Decrypt: true });
    const { ciphertext, metadata } = await writer.encrypt(PLAINTEXT, { context: { tenant: 'a' } });
    const relabelled = { ...metadata, 'x-amz-wrap-alg': 'kms' };
    await expect(reader.decrypt(ciphertext, relabelled, { context: { tenant: 'b' } })).rejects.toBeInstanceOf(EncryptionContextMismatchError);
    await expect(reader.decrypt(ciphertext, relabelled)).rejects.toBeInstanceOf(EncryptionContextMismatchError);
    const stream = await reader.decryptStream(Readable.from([ciphertext]), relabelled, { context: { tenant: 'b' } }).catch((e: unknown) => e);
    expect(stream).toBeInstanceOf(EncryptionContextMismatchError);
    // The same relabelled object still reads under its own context (KMS authenticates the stored map).
    await expect(reader.decrypt(ciphertext, relabelled, { context: { tenant: 'a' } })).resolves.toEqual(PLAINTEXT);
  });

  test('V1 kms objects: the caller context must equal the stored matdesc minus kms_cmk_id', async () => {
    const keyring = new KmsKeyring({ client: kmsServer.client(), keyId: kmsServer.keyArn });
    const matdesc = { kms_cmk_id: kmsServer.keyArn, tenant: 'a' };
    const gen = await kmsServer.client().generateDataKey({ KeyId: kmsServer.keyArn, KeySpec: 'AES_256', EncryptionContext: matdesc });
    const iv = randomBytes(16);
    const metadata = {
      'x-amz-key': Buffer.from(gen.CiphertextBlob as Uint8Array).toString('base64'),
      'x-amz-iv': iv.toString('base64'),
      'x-amz-matdesc': JSON.stringify(matdesc),
      'x-amz-wrap-alg': 'kms',
    };
    const ciphertext = cbc(Buffer.from(gen.Plaintext as Uint8Array), iv, PLAINTEXT);
    const reader = new EnvelopeCipher({ keyring, allowLegacyV1Decrypt: true });
    await expect(reader.decrypt(ciphertext, metadata, { context: { tenant: 'b' } })).rejects.toBeInstanceOf(EncryptionContextMismatchError);
    await expect(reader.decrypt(ciphertext, metadata)).rejects.toBeInstanceOf(EncryptionContextMismatchError);
    await expect(reader.decrypt(ciphertext, metadata, { context: { tenant: 'a' } })).resolves.toEqual(PLAINTEXT);
  });
});

test('V1 AES/CBC refuses inPlace with an InvalidArgumentError and leaves the buffer as it was', async () => {
  const { ciphertext, metadata } = v1AesWrapObject();
  const before = Buffer.from(ciphertext);
  const cipher = new EnvelopeCipher({ keyring: new RawAesKeyring({ wrappingKey: WRAPPING_KEY }), allowLegacyV1Decrypt: true });
  await expect(cipher.decrypt(ciphertext, metadata, { inPlace: true })).rejects.toThrow(/inPlace decryption is not available for legacy AES-CBC/);
  await expect(cipher.decrypt(ciphertext, metadata, { inPlace: true })).rejects.toBeInstanceOf(InvalidArgumentError);
  expect(ciphertext.equals(before)).toBe(true);
});

describe('V2 headers with legacy AES/CBC content and "kms" wrapping (what the Ruby and Go V1 clients write)', () => {
  const keyId = 'arn:aws:kms:us-east-1:111122223333:key/ruby-v1';
  function v2HeaderCbcObject(kms: FakeKms) {
    const matdesc = { kms_cmk_id: keyId };
    const iv = randomBytes(16);
    return {
      ciphertext: cbc(DATA_KEY, iv, PLAINTEXT),
      metadata: {
        'x-amz-key-v2': kms.wrap(DATA_KEY, randomBytes(12), matdesc).toString('base64'),
        'x-amz-iv': iv.toString('base64'),
        'x-amz-matdesc': JSON.stringify(matdesc),
        'x-amz-wrap-alg': 'kms',
        'x-amz-cek-alg': 'AES/CBC/PKCS5Padding',
        'x-amz-unencrypted-content-length': String(PLAINTEXT.length),
      },
    };
  }

  test('getDecryptedObject reads it (into a new buffer) with allowLegacyV1Decrypt, as the stream path does', async () => {
    const kms = new FakeKms(keyId);
    const { ciphertext, metadata } = v2HeaderCbcObject(kms);
    const body = new Uint8Array(ciphertext); // its own ArrayBuffer (not Node's pool)
    const client = { getObject: async () => ({ Body: body, Metadata: metadata }) };
    const cipher = new EnvelopeCipher({ keyring: new KmsKeyring({ client: kms, keyId }), allowLegacyV1Decrypt: true });
    const plaintext = await getDecryptedObject({ client: client as any, cipher, bucket: 'b', key: 'k' });
    expect(plaintext).toEqual(PLAINTEXT);
    expect(plaintext.buffer).not.toBe(body.buffer);
    expect(Buffer.from(body).equals(ciphertext)).toBe(true);
    const out: Buffer[] = [];
    for await (const c of await cipher.decryptStream(Readable.from([ciphertext]), metadata)) {
      out.push(c as Buffer);
    }
    expect(Buffer.concat(out)).toEqual(PLAINTEXT);
  });

  test('without the opt-in it is refused as legacy (UnsupportedFormatError), not as an inPlace misuse', async () => {
    const kms = new FakeKms(keyId);
    const { ciphertext, metadata } = v2HeaderCbcObject(kms);
    const client = { getObject: async () => ({ Body: Buffer.from(ciphertext), Metadata: metadata }) };
    const cipher = new EnvelopeCipher({ keyring: new KmsKeyring({ client: kms, keyId }) });
    await expect(getDecryptedObject({ client: client as any, cipher, bucket: 'b', key: 'k' })).rejects.toBeInstanceOf(UnsupportedFormatError);
  });

  test('a broken padding is a TamperedCiphertextError from getDecryptedObject too', async () => {
    const kms = new FakeKms(keyId);
    const { ciphertext, metadata } = v2HeaderCbcObject(kms);
    breakPadding(ciphertext);
    const client = { getObject: async () => ({ Body: Buffer.from(ciphertext), Metadata: metadata }) };
    const cipher = new EnvelopeCipher({ keyring: new KmsKeyring({ client: kms, keyId }), allowLegacyV1Decrypt: true });
    await expect(getDecryptedObject({ client: client as any, cipher, bucket: 'b', key: 'k' })).rejects.toBeInstanceOf(TamperedCiphertextError);
  });
});
