import { promises as fs } from 'node:fs';
import { Readable } from 'node:stream';
import { BUCKET, deterministicBytes, MiB, rejection, S3TestEnv, startS3TestEnv } from './s3-test-env';
import {
  EncryptionContextMismatchError, KmsError, S3EncryptionError, TamperedCiphertextError, TruncatedCiphertextError, UnsupportedFormatError,
} from '../src/errors';
import { getDecryptedObject } from '../src/s3/get-decrypted-object';
import { getDecryptedObjectStream } from '../src/s3/get-decrypted-object-stream';
import { putEncryptedObject } from '../src/s3/put-encrypted-object';

let env: S3TestEnv;

beforeAll(async () => {
  env = await startS3TestEnv();
});

afterAll(async () => {
  await env.stop();
});

/** Flip one byte of the stored object in s3rver's store (an attacker with write access to the bytes). */
async function flipStoredByte(key: string, offsetFromEnd: number): Promise<void> {
  const path = env.s3.objectPath(BUCKET, key);
  const bytes = await fs.readFile(path);
  const i = bytes.length - 1 - offsetFromEnd;
  bytes[i] = (bytes[i] + 1) % 256;
  await fs.writeFile(path, bytes);
}

/** Re-upload the same ciphertext with one metadata value replaced. */
async function rewriteMetadata(from: string, to: string, change: (m: Record<string, string>) => Record<string, string>): Promise<void> {
  const got = await env.sdkClient.getObject({ Bucket: BUCKET, Key: from });
  const body = await got.Body!.transformToByteArray();
  await env.sdkClient.putObject({ Bucket: BUCKET, Key: to, Body: body, Metadata: change({ ...got.Metadata }) });
}

/** Collect what a plaintext stream emits before it errors. */
async function drain(stream: Readable): Promise<{ emitted: number; error?: Error }> {
  let emitted = 0;
  try {
    for await (const chunk of stream) emitted += (chunk as Buffer).length;
  } catch (e) {
    return { emitted, error: e as Error };
  }
  return { emitted };
}

const bump = (b64: string) => {
  const b = Buffer.from(b64, 'base64');
  b[0] = (b[0] + 1) % 256;
  return b.toString('base64');
};

describe('tampered stored objects: typed error, no plaintext', () => {
  test.each([
    ['V3', 'a content byte', 100],
    ['V3', 'the tag', 3],
    ['V2', 'a content byte', 100],
    ['V2', 'the tag', 0],
  ] as const)('%s, %s flipped: getDecryptedObject rejects with TamperedCiphertextError', async (version, _what, offset) => {
    const cipher = version === 'V3' ? env.v3 : env.v2;
    const key = `t/${version}-${offset}`;
    await putEncryptedObject({ client: env.client, cipher, bucket: BUCKET, key, body: deterministicBytes(key, 4096) });
    await flipStoredByte(key, offset);
    const err = await rejection(getDecryptedObject({ client: env.client, cipher, bucket: BUCKET, key }));
    expect(err).toBeInstanceOf(TamperedCiphertextError);
    expect(err.message).not.toMatch(/[0-9a-f]{32}/); // no key material or data in the message
  });

  test.each([
    ['small (in memory)', 200_000],
    ['large (spooled to a temp file)', 12 * MiB],
  ])('stream reader, %s: errors with TamperedCiphertextError and emits no byte', async (_label, size) => {
    const key = `t/stream-${size}`;
    await putEncryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key, body: deterministicBytes(key, size) });
    await flipStoredByte(key, Math.floor(size / 2));
    const stream = await getDecryptedObjectStream({ client: env.client, cipher: env.v3, bucket: BUCKET, key });
    const { emitted, error } = await drain(stream);
    expect(error).toBeInstanceOf(TamperedCiphertextError);
    expect(emitted).toBe(0);
  });

  test('with allowUnauthenticatedStreaming the stream still errors at the end (after releasing bytes)', async () => {
    const key = 't/unauth-stream';
    await putEncryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key, body: deterministicBytes(key, 300_000) });
    await flipStoredByte(key, 0);
    const stream = await getDecryptedObjectStream({ client: env.client, cipher: env.v3, bucket: BUCKET, key, allowUnauthenticatedStreaming: true });
    const { emitted, error } = await drain(stream);
    expect(error).toBeInstanceOf(TamperedCiphertextError);
    // Plaintext was released before authentication (that is what the opt-in means). Not necessarily all of it:
    // a stream destroyed with an error drops what is still buffered, so a slow consumer sees less.
    expect(emitted).toBeGreaterThan(0);
    expect(emitted).toBeLessThanOrEqual(300_000);
  });

  test('truncated object (shorter than the tag) -> TruncatedCiphertextError', async () => {
    await putEncryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 't/truncated', body: Buffer.from('0123456789') });
    const got = await env.sdkClient.getObject({ Bucket: BUCKET, Key: 't/truncated' });
    const bytes = await got.Body!.transformToByteArray();
    expect(bytes.length).toBe(26);
    await env.sdkClient.putObject({ Bucket: BUCKET, Key: 't/truncated-2', Body: bytes.subarray(0, 8), Metadata: got.Metadata });
    const err = await rejection(getDecryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 't/truncated-2' }));
    expect(err).toBeInstanceOf(TruncatedCiphertextError);
  });

  describe('tampered metadata', () => {
    let base: Record<string, string>;
    beforeAll(async () => {
      const put = await putEncryptedObject({
        client: env.client, cipher: env.v3, bucket: BUCKET, key: 't/meta', body: Buffer.from('secret payload'), context: { tenant: 'a' },
      });
      base = put.metadata;
    });

    test('key commitment x-amz-d changed -> TamperedCiphertextError', async () => {
      await rewriteMetadata('t/meta', 't/meta-d', (m) => ({ ...m, 'x-amz-d': bump(m['x-amz-d']) }));
      const err = await rejection(getDecryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 't/meta-d', context: { tenant: 'a' } }));
      expect(err).toBeInstanceOf(TamperedCiphertextError);
    });

    test('message id x-amz-i changed -> TamperedCiphertextError', async () => {
      await rewriteMetadata('t/meta', 't/meta-i', (m) => ({ ...m, 'x-amz-i': bump(m['x-amz-i']) }));
      const err = await rejection(getDecryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 't/meta-i', context: { tenant: 'a' } }));
      expect(err).toBeInstanceOf(TamperedCiphertextError);
    });

    test('wrapped key x-amz-3 changed -> KmsError (KMS InvalidCiphertextException as cause)', async () => {
      await rewriteMetadata('t/meta', 't/meta-3', (m) => ({ ...m, 'x-amz-3': bump(m['x-amz-3']) }));
      const err = await rejection(getDecryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 't/meta-3', context: { tenant: 'a' } }));
      expect(err).toBeInstanceOf(KmsError);
      expect((err.cause as Error).name).toBe('InvalidCiphertextException');
    });

    test('stored context x-amz-t changed: mismatch with the caller, or KMS refuses if the caller goes along', async () => {
      await rewriteMetadata('t/meta', 't/meta-t', (m) => ({ ...m, 'x-amz-t': m['x-amz-t'].replace('"a"', '"b"') }));
      const mismatch = await rejection(getDecryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 't/meta-t', context: { tenant: 'a' } }));
      expect(mismatch).toBeInstanceOf(EncryptionContextMismatchError);
      const kms = await rejection(getDecryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 't/meta-t', context: { tenant: 'b' } }));
      expect(kms).toBeInstanceOf(KmsError);
    });

    test('mixed V2/V3 metadata -> UnsupportedFormatError', async () => {
      await rewriteMetadata('t/meta', 't/meta-mixed', (m) => ({ ...m, 'x-amz-key-v2': m['x-amz-3'] }));
      const err = await rejection(getDecryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 't/meta-mixed', context: { tenant: 'a' } }));
      expect(err).toBeInstanceOf(UnsupportedFormatError);
    });

    test('these errors are S3EncryptionErrors (one catch for the family) with a stable code', async () => {
      await rewriteMetadata('t/meta', 't/meta-d2', (m) => ({ ...m, 'x-amz-d': bump(m['x-amz-d']) }));
      const err = await rejection(getDecryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 't/meta-d2', context: { tenant: 'a' } }));
      expect(err).toBeInstanceOf(S3EncryptionError);
      expect((err as S3EncryptionError).code).toBe('TAMPERED_CIPHERTEXT');
    });

    test('the untampered object still decrypts (control)', async () => {
      expect(Object.keys(base)).toContain('x-amz-3');
      const got = await getDecryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 't/meta', context: { tenant: 'a' } });
      expect(got.toString()).toBe('secret payload');
    });
  });
});
