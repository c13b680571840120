/**
 * rewrapObject against s3rver with the real S3 client, KMS through the loopback server with the real KMS
 * client: raw AES -> raw AES, KMS -> KMS, raw AES -> KMS; metadata objects (CopyObject with replaced metadata)
 * and instruction-file objects (a new instruction file). The old key no longer decrypts, the new one does,
 * and the stored content bytes are unchanged.
 */
import { randomBytes } from 'node:crypto';
import { BUCKET, deterministicBytes, S3TestEnv, startS3TestEnv } from './s3-test-env';
import { EnvelopeCipher } from '../src/cipher/envelope-cipher';
import { S3EncryptionError, UnsupportedFormatError, WrongKeyError } from '../src/errors';
import { mergeInstructionFile } from '../src/format/content-metadata';
import { Keyring } from '../src/keyring/keyring';
import { KmsKeyring } from '../src/keyring/kms-keyring';
import { RawAesKeyring } from '../src/keyring/raw-aes-keyring';
import { getDecryptedObject } from '../src/s3/get-decrypted-object';
import { putEncryptedObject } from '../src/s3/put-encrypted-object';
import { readResponseBody } from '../src/s3/response-body';
import { rewrapObject, RewrapObjectOptions } from '../src/s3/rewrap-object';

let env: S3TestEnv;
let kmsA: KmsKeyring;
let kmsB: KmsKeyring;
const rawOld = new RawAesKeyring({ wrappingKey: randomBytes(16), materialDescription: { generation: '1' } });
const rawNew = new RawAesKeyring({ wrappingKey: randomBytes(32), materialDescription: { generation: '2' } });

beforeAll(async () => {
  env = await startS3TestEnv();
  kmsA = env.keyring;
  kmsB = new KmsKeyring({ client: env.kmsClient, keyId: env.kms.addKey() });
});
afterAll(async () => {
  await env.stop();
});

async function storedBytes(key: string): Promise<Buffer> {
  return readResponseBody((await env.sdkClient.getObject({ Bucket: BUCKET, Key: key })).Body);
}

type Case = [string, () => Keyring, () => Keyring, 'V2' | 'V3', Record<string, string>];
const cases: Case[] = [
  ['raw AES -> raw AES', () => rawOld, () => rawNew, 'V3', {}],
  ['raw AES -> raw AES', () => rawOld, () => rawNew, 'V2', {}],
  ['KMS -> another KMS key', () => kmsA, () => kmsB, 'V3', { tenant: 'a' }],
  ['KMS -> another KMS key', () => kmsA, () => kmsB, 'V2', { tenant: 'a' }],
  ['raw AES -> KMS', () => rawOld, () => kmsB, 'V3', {}],
];

describe.each(cases)('%s (%s)', (_name, source, target, version, context) => {
  const plaintext = deterministicBytes(`rewrap-${_name}-${version}`, 300_000);

  test('metadata object: new wrapped key by CopyObject; content, other metadata, content type and tags unchanged', async () => {
    const key = `rewrap/meta/${_name.replace(/\W+/g, '-')}-${version}.bin`;
    const sourceCipher = new EnvelopeCipher({ keyring: source(), formatVersion: version });
    const targetCipher = new EnvelopeCipher({ keyring: target() });
    const { ciphertext, metadata } = await sourceCipher.encrypt(plaintext, { context });
    await env.sdkClient.putObject({
      Bucket: BUCKET,
      Key: key,
      Body: ciphertext,
      ContentType: 'application/x-test',
      CacheControl: 'max-age=60',
      Metadata: { ...metadata, owner: 'team-x' },
    });
    // s3rver keeps tags only through PutObjectTagging (it ignores x-amz-tagging on PUT).
    await env.sdkClient.putObjectTagging({ Bucket: BUCKET, Key: key, Tagging: { TagSet: [{ Key: 'class', Value: 'secret' }] } });
    const before = await storedBytes(key);

    const result = await rewrapObject({
      client: env.client, bucket: BUCKET, key, sourceKeyring: source(), targetKeyring: target(), sourceContext: context,
    });
    expect(result).toMatchObject({ key, mode: 'metadata', formatVersion: version });

    expect((await storedBytes(key)).equals(before)).toBe(true);
    await expect(getDecryptedObject({ client: env.client, cipher: targetCipher, bucket: BUCKET, key, context })).resolves.toEqual(plaintext);
    await expect(getDecryptedObject({ client: env.client, cipher: sourceCipher, bucket: BUCKET, key, context }))
      .rejects.toBeInstanceOf(S3EncryptionError);
    const head = await env.sdkClient.headObject({ Bucket: BUCKET, Key: key });
    expect(head.ContentType).toBe('application/x-test');
    expect(head.CacheControl).toBe('max-age=60');
    expect(head.Metadata?.owner).toBe('team-x');
    if (version === 'V3') {
      // Same message id and key commitment: the content is bound to the same data key.
      expect(head.Metadata?.['x-amz-i']).toBe(metadata['x-amz-i']);
      expect(head.Metadata?.['x-amz-d']).toBe(metadata['x-amz-d']);
      expect(head.Metadata?.['x-amz-3']).not.toBe(metadata['x-amz-3']);
    } else {
      expect(head.Metadata?.['x-amz-iv']).toBe(metadata['x-amz-iv']);
      expect(head.Metadata?.['x-amz-key-v2']).not.toBe(metadata['x-amz-key-v2']);
    }
    const tags = await env.sdkClient.getObjectTagging({ Bucket: BUCKET, Key: key });
    expect(tags.TagSet).toEqual([{ Key: 'class', Value: 'secret' }]);
  });

  test('instruction-file object: a new instruction file; the object itself is not written', async () => {
    const key = `rewrap/instr/${_name.replace(/\W+/g, '-')}-${version}.bin`;
    const sourceCipher = new EnvelopeCipher({ keyring: source(), formatVersion: version });
    const targetCipher = new EnvelopeCipher({ keyring: target() });
    await putEncryptedObject({ client: env.client, cipher: sourceCipher, bucket: BUCKET, key, body: plaintext, context, instructionFile: true });
    const before = await storedBytes(key);
    const headBefore = await env.sdkClient.headObject({ Bucket: BUCKET, Key: key });
    const instrBefore = (await storedBytes(`${key}.instruction`)).toString();

    const result = await rewrapObject({
      client: env.client, bucket: BUCKET, key, sourceKeyring: source(), targetKeyring: target(), sourceContext: context,
    });
    expect(result).toMatchObject({ mode: 'instruction-file', instructionFileKey: `${key}.instruction`, formatVersion: version });

    const headAfter = await env.sdkClient.headObject({ Bucket: BUCKET, Key: key });
    expect(headAfter.ETag).toBe(headBefore.ETag);
    expect(headAfter.LastModified).toEqual(headBefore.LastModified);
    expect(headAfter.Metadata).toEqual(headBefore.Metadata);
    expect((await storedBytes(key)).equals(before)).toBe(true);
    expect((await storedBytes(`${key}.instruction`)).toString()).not.toBe(instrBefore);
    await expect(getDecryptedObject({ client: env.client, cipher: targetCipher, bucket: BUCKET, key, context })).resolves.toEqual(plaintext);
    await expect(getDecryptedObject({ client: env.client, cipher: sourceCipher, bucket: BUCKET, key, context }))
      .rejects.toBeInstanceOf(S3EncryptionError);
  });
});

describe('rewrapObject edge cases', () => {
  const plaintext = Buffer.from('rotate me');

  test('a new instruction file suffix leaves the old file (old key still reads through it) and writes the new one', async () => {
    const key = 'rewrap/suffix.bin';
    const oldCipher = new EnvelopeCipher({ keyring: rawOld });
    await putEncryptedObject({ client: env.client, cipher: oldCipher, bucket: BUCKET, key, body: plaintext, instructionFile: true });
    const result = await rewrapObject({
      client: env.client, bucket: BUCKET, key, sourceKeyring: rawOld, targetKeyring: rawNew, newInstructionFileSuffix: '.instruction-2',
    });
    expect(result.instructionFileKey).toBe(`${key}.instruction-2`);
    await expect(getDecryptedObject({ client: env.client, cipher: oldCipher, bucket: BUCKET, key })).resolves.toEqual(plaintext);
    const got = await env.sdkClient.getObject({ Bucket: BUCKET, Key: key });
    const merged = mergeInstructionFile(got.Metadata ?? {}, (await storedBytes(`${key}.instruction-2`)).toString());
    const newCipher = new EnvelopeCipher({ keyring: rawNew });
    await expect(newCipher.decrypt(await readResponseBody(got.Body), merged)).resolves.toEqual(plaintext);
    await expect(oldCipher.decrypt(await storedBytes(key), merged)).rejects.toBeInstanceOf(WrongKeyError);
  });

  test('the wrong source key: WrongKeyError and the object is untouched', async () => {
    const key = 'rewrap/wrong-source.bin';
    await putEncryptedObject({ client: env.client, cipher: new EnvelopeCipher({ keyring: rawNew }), bucket: BUCKET, key, body: plaintext });
    const before = await env.sdkClient.headObject({ Bucket: BUCKET, Key: key });
    await expect(rewrapObject({ client: env.client, bucket: BUCKET, key, sourceKeyring: rawOld, targetKeyring: kmsB }))
      .rejects.toBeInstanceOf(WrongKeyError);
    const after = await env.sdkClient.headObject({ Bucket: BUCKET, Key: key });
    expect(after.Metadata).toEqual(before.Metadata);
    expect(after.ETag).toBe(before.ETag);
  });

  test('a target that cannot wrap (KMS client without encrypt): typed error before anything is written', async () => {
    const key = 'rewrap/no-encrypt.bin';
    await putEncryptedObject({ client: env.client, cipher: new EnvelopeCipher({ keyring: rawOld }), bucket: BUCKET, key, body: plaintext });
    const before = await env.sdkClient.headObject({ Bucket: BUCKET, Key: key });
    const noEncrypt = new KmsKeyring({
      client: { generateDataKey: (i) => env.kmsClient.generateDataKey(i), decrypt: (i) => env.kmsClient.decrypt(i) }, keyId: env.kms.keyArn,
    });
    await expect(rewrapObject({ client: env.client, bucket: BUCKET, key, sourceKeyring: rawOld, targetKeyring: noEncrypt }))
      .rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((await env.sdkClient.headObject({ Bucket: BUCKET, Key: key })).Metadata).toEqual(before.Metadata);
  });

  test('enforceRotation refuses a target the source keyring can still read (KEY_NOT_ROTATED), nothing written', async () => {
    const key = 'rewrap/enforce.bin';
    await putEncryptedObject({ client: env.client, cipher: new EnvelopeCipher({ keyring: rawOld }), bucket: BUCKET, key, body: plaintext });
    const before = await env.sdkClient.headObject({ Bucket: BUCKET, Key: key });
    const sameKey = rawOld;
    await expect(rewrapObject({ client: env.client, bucket: BUCKET, key, sourceKeyring: rawOld, targetKeyring: sameKey, enforceRotation: true }))
      .rejects.toMatchObject({ code: 'KEY_NOT_ROTATED' });
    expect((await env.sdkClient.headObject({ Bucket: BUCKET, Key: key })).ETag).toBe(before.ETag);
    await expect(rewrapObject({ client: env.client, bucket: BUCKET, key, sourceKeyring: rawOld, targetKeyring: rawNew, enforceRotation: true }))
      .resolves.toMatchObject({ mode: 'metadata' });
  });

  test('KMS -> KMS keeps the caller context unless a new one is given', async () => {
    const key = 'rewrap/context.bin';
    await putEncryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key, body: plaintext, context: { tenant: 'a' } });
    await expect(rewrapObject({ client: env.client, bucket: BUCKET, key, sourceKeyring: kmsA, targetKeyring: kmsB, sourceContext: { tenant: 'b' } }))
      .rejects.toMatchObject({ code: 'ENCRYPTION_CONTEXT_MISMATCH' });
    await rewrapObject({ client: env.client, bucket: BUCKET, key, sourceKeyring: kmsA, targetKeyring: kmsB, sourceContext: { tenant: 'a' }, targetContext: { tenant: 'a2' } });
    const b = new EnvelopeCipher({ keyring: kmsB });
    await expect(getDecryptedObject({ client: env.client, cipher: b, bucket: BUCKET, key, context: { tenant: 'a2' } })).resolves.toEqual(plaintext);
    await expect(getDecryptedObject({ client: env.client, cipher: b, bucket: BUCKET, key, context: { tenant: 'a' } })).rejects.toMatchObject({ code: 'ENCRYPTION_CONTEXT_MISMATCH' });
  });

  test('an object without S3EC metadata or instruction file is UnsupportedFormatError', async () => {
    await env.sdkClient.putObject({ Bucket: BUCKET, Key: 'rewrap/plain.txt', Body: 'plain' });
    await expect(rewrapObject({ client: env.client, bucket: BUCKET, key: 'rewrap/plain.txt', sourceKeyring: rawOld, targetKeyring: rawNew }))
      .rejects.toBeInstanceOf(UnsupportedFormatError);
  });
});

describe('multipart copy (metadata objects over the single-copy threshold)', () => {
  /**
   * s3rver has no UploadPartCopy: this client adds it as GetObject(range) + UploadPart against the same server,
   * recording every multipart call, and can fail a chosen part.
   */
  function partCopyClient(failPart?: number) {
    const calls: string[] = [];
    let createInput: Record<string, unknown> | undefined;
    const client: RewrapObjectOptions['client'] = {
      headObject: (i) => env.client.headObject(i),
      getObject: (i) => env.client.getObject(i),
      putObject: (i) => env.client.putObject(i),
      copyObject: async (i) => {
        calls.push('copyObject');
        return env.client.copyObject(i);
      },
      getObjectTagging: (i) => env.sdkClient.getObjectTagging(i),
      createMultipartUpload: async (i) => {
        calls.push('create');
        createInput = { ...i };
        return env.client.createMultipartUpload(i);
      },
      uploadPartCopy: async (i) => {
        calls.push(`part${i.PartNumber}:${i.CopySourceRange}`);
        if (i.PartNumber === failPart) throw Object.assign(new Error('slow down'), { name: 'SlowDown' });
        const [bucket, ...rest] = i.CopySource.split('/');
        const got = await env.client.getObject({ Bucket: bucket, Key: rest.map(decodeURIComponent).join('/'), Range: i.CopySourceRange });
        const body = await readResponseBody(got.Body);
        const out = await env.client.uploadPart({ Bucket: i.Bucket, Key: i.Key, UploadId: i.UploadId, PartNumber: i.PartNumber, Body: body });
        return { CopyPartResult: { ETag: out.ETag } };
      },
      completeMultipartUpload: async (i) => {
        calls.push('complete');
        return env.client.completeMultipartUpload(i);
      },
      abortMultipartUpload: async (i) => {
        calls.push('abort');
        return env.client.abortMultipartUpload(i);
      },
    };
    return { client, calls, createInput: () => createInput };
  }
  const MiB = 1024 * 1024;
  const plaintext = deterministicBytes('multipart-rewrap', 12 * MiB + 5);

  async function putObject(key: string): Promise<{ before: Buffer; metadata: Record<string, string> }> {
    const { ciphertext, metadata } = await new EnvelopeCipher({ keyring: rawOld }).encrypt(plaintext);
    await env.sdkClient.putObject({ Bucket: BUCKET, Key: key, Body: ciphertext, ContentType: 'application/x-big', Metadata: { ...metadata, owner: 'team-y' } });
    await env.sdkClient.putObjectTagging({ Bucket: BUCKET, Key: key, Tagging: { TagSet: [{ Key: 'class', Value: 'big one' }] } });
    return { before: await storedBytes(key), metadata };
  }

  test('above the threshold: parts of the given size, new metadata, headers and tags restated, content unchanged', async () => {
    const key = 'rewrap/multipart.bin';
    const { before, metadata } = await putObject(key);
    const { client, calls, createInput } = partCopyClient();
    const result = await rewrapObject({
      client, bucket: BUCKET, key, sourceKeyring: rawOld, targetKeyring: rawNew, multipartCopyThresholdBytes: 5 * MiB, multipartCopyPartSize: 5 * MiB,
    });
    const total = before.length;
    expect(calls).toEqual(['create', `part1:bytes=0-${5 * MiB - 1}`, `part2:bytes=${5 * MiB}-${10 * MiB - 1}`, `part3:bytes=${10 * MiB}-${total - 1}`, 'complete']);
    expect(result).toMatchObject({ mode: 'metadata', parts: 3, formatVersion: 'V3' });
    expect(createInput()).toMatchObject({ ContentType: 'application/x-big', Tagging: 'class=big+one' });
    expect((await storedBytes(key)).equals(before)).toBe(true);
    const head = await env.sdkClient.headObject({ Bucket: BUCKET, Key: key });
    expect(head.Metadata?.owner).toBe('team-y');
    expect(head.Metadata?.['x-amz-i']).toBe(metadata['x-amz-i']);
    // Buffer.equals: jest's toEqual walks a 12 MiB buffer element by element (tens of seconds).
    const read = (keyring: RawAesKeyring) => getDecryptedObject({ client: env.client, cipher: new EnvelopeCipher({ keyring }), bucket: BUCKET, key });
    expect((await read(rawNew)).equals(plaintext)).toBe(true);
    await expect(getDecryptedObject({ client: env.client, cipher: new EnvelopeCipher({ keyring: rawOld }), bucket: BUCKET, key }))
      .rejects.toBeInstanceOf(WrongKeyError);
  });

  test('a failed part aborts the upload: the object is untouched, no upload left open', async () => {
    const key = 'rewrap/multipart-fail.bin';
    const { before } = await putObject(key);
    const headBefore = await env.sdkClient.headObject({ Bucket: BUCKET, Key: key });
    const { client, calls } = partCopyClient(2);
    await expect(rewrapObject({
      client, bucket: BUCKET, key, sourceKeyring: rawOld, targetKeyring: rawNew, multipartCopyThresholdBytes: 5 * MiB, multipartCopyPartSize: 5 * MiB,
    })).rejects.toMatchObject({ name: 'SlowDown' });
    expect(calls[calls.length - 1]).toBe('abort');
    expect(await env.s3.pendingUploads(BUCKET)).toEqual([]);
    expect((await env.sdkClient.headObject({ Bucket: BUCKET, Key: key })).Metadata).toEqual(headBefore.Metadata);
    expect((await storedBytes(key)).equals(before)).toBe(true);
    const read = await getDecryptedObject({ client: env.client, cipher: new EnvelopeCipher({ keyring: rawOld }), bucket: BUCKET, key });
    expect(read.equals(plaintext)).toBe(true);
  });

  test('below the threshold one CopyObject is used; a client without the multipart methods is refused above it', async () => {
    const key = 'rewrap/multipart-small.bin';
    await putObject(key);
    const { client, calls } = partCopyClient();
    await rewrapObject({ client, bucket: BUCKET, key, sourceKeyring: rawOld, targetKeyring: rawNew });
    expect(calls).toEqual(['copyObject']);
    const other = 'rewrap/multipart-noclient.bin';
    await putObject(other);
    const basic = {
      headObject: env.client.headObject.bind(env.client),
      getObject: env.client.getObject.bind(env.client),
      putObject: env.client.putObject.bind(env.client),
      copyObject: env.client.copyObject.bind(env.client),
    };
    await expect(rewrapObject({
      client: basic, bucket: BUCKET, key: other, sourceKeyring: rawOld, targetKeyring: rawNew, multipartCopyThresholdBytes: 5 * MiB,
    })).rejects.toMatchObject({ code: 'OBJECT_TOO_LARGE_FOR_COPY' });
  });
});
