/**
 * rewrapObjects over an in-memory S3 (fast, so thousands of objects fit in a unit test): "done" is proven by the
 * target's primary key, a wrong source key fails loudly, the checkpoint stays the same size however many objects
 * are rotated, outcomes can be streamed, and the source context can be resolved per object.
 */
import { createHash, randomBytes } from 'node:crypto';
import { EnvelopeCipher } from '../src/cipher/envelope-cipher';
import { EncryptionContextMismatchError, InvalidArgumentError, WrongKeyError } from '../src/errors';
import { Keyring } from '../src/keyring/keyring';
import { RawAesKeyring } from '../src/keyring/raw-aes-keyring';
import { SourceKeyMismatchError } from '../src/rewrap/rewrap-errors';
import { putEncryptedObject } from '../src/s3/put-encrypted-object';
import { RewrapObjectOptions } from '../src/s3/rewrap-object';
import { RewrapCheckpoint, rewrapObjects, RewrapOutcome } from '../src/s3/rewrap-objects';

const BUCKET = 'memory';

function s3Error(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

/** Enough of S3 for rewrapObject in metadata mode: objects with ETags, conditional PutObject and CopyObject. */
function memoryS3() {
  const objects = new Map<string, { body: Buffer; metadata: Record<string, string>; etag: string }>();
  const get = (key: string) => {
    const o = objects.get(key);
    if (o === undefined) throw s3Error('NotFound', 404);
    return o;
  };
  const client: RewrapObjectOptions['client'] = {
    headObject: async (i) => {
      const o = get(i.Key);
      return { ETag: o.etag, Metadata: { ...o.metadata }, ContentLength: o.body.length };
    },
    getObject: async (i) => {
      const o = get(i.Key);
      return { ETag: o.etag, Metadata: { ...o.metadata }, ContentLength: o.body.length, Body: o.body };
    },
    putObject: async (i) => {
      const existing = objects.get(i.Key);
      if (i.IfMatch !== undefined && existing === undefined) throw s3Error('NoSuchKey', 404);
      if (i.IfMatch !== undefined && existing?.etag !== i.IfMatch) throw s3Error('PreconditionFailed', 412);
      if (i.IfNoneMatch !== undefined && existing !== undefined) throw s3Error('PreconditionFailed', 412);
      const body = Buffer.from(i.Body as Uint8Array);
      const etag = `"${createHash('md5').update(body).digest('hex')}"`;
      objects.set(i.Key, { body, metadata: { ...i.Metadata }, etag });
      return { ETag: etag };
    },
    copyObject: async (i) => {
      const source = get(decodeURIComponent(i.CopySource.slice(BUCKET.length + 1)));
      if (i.CopySourceIfMatch !== undefined && source.etag !== i.CopySourceIfMatch) throw s3Error('PreconditionFailed', 412);
      const dest = objects.get(i.Key);
      if (i.IfMatch !== undefined && dest?.etag !== i.IfMatch) throw s3Error('PreconditionFailed', 412);
      objects.set(i.Key, { body: source.body, metadata: { ...i.Metadata }, etag: source.etag });
      return { CopyObjectResult: { ETag: source.etag } };
    },
  };
  return { client, objects };
}

const oldKey = randomBytes(32);
const newKey = randomBytes(32);
const rawOld = new RawAesKeyring({ wrappingKey: oldKey, materialDescription: { generation: '1' } });
const rawNew = new RawAesKeyring({ wrappingKey: newKey, materialDescription: { generation: '2' } });
/** The target as the docs recommend for readers: the new key, and the old one to read what is not rotated yet. */
const newReadingOld = new RawAesKeyring({
  wrappingKey: newKey, materialDescription: { generation: '2' }, additionalDecryptionKeys: [{ materialDescription: { generation: '1' }, wrappingKey: oldKey }],
});

async function fill(client: RewrapObjectOptions['client'], keys: readonly string[], keyring: Keyring = rawOld, context = {}): Promise<void> {
  const cipher = new EnvelopeCipher({ keyring });
  for (const key of keys) {
    await putEncryptedObject({ client: client as never, cipher, bucket: BUCKET, key, body: Buffer.from(`content of ${key}`), context });
  }
}

const keysOf = (n: number, prefix = 'k/') => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(6, '0')}`);

describe('done is proven by the target primary key', () => {
  test('a wrong source key with a target that can also read the old key: failed SourceKeyMismatchError, never already-rewrapped', async () => {
    const { client } = memoryS3();
    const keys = keysOf(4);
    await fill(client, keys);
    const wrongSource = new RawAesKeyring({ wrappingKey: randomBytes(32), materialDescription: { generation: '1' } });
    const run = await rewrapObjects({ client, bucket: BUCKET, keys, sourceKeyring: wrongSource, targetKeyring: newReadingOld, concurrency: 1 });
    expect(run.outcomes.map((o) => o.status)).toEqual(['failed', 'failed', 'failed', 'failed']);
    expect(run.alreadyRewrapped).toBe(0);
    for (const o of run.outcomes) {
      expect(o.error).toBeInstanceOf(SourceKeyMismatchError);
      expect((o.error as Error).cause).toBeInstanceOf(WrongKeyError);
    }
    expect(run.checkpoint.failed).toEqual(keys);
  });

  test('the same objects rotated by a crashed run (target primary key) are already-rewrapped; nothing written again', async () => {
    const { client, objects } = memoryS3();
    const keys = keysOf(3);
    await fill(client, keys);
    await rewrapObjects({ client, bucket: BUCKET, keys, sourceKeyring: rawOld, targetKeyring: newReadingOld });
    const before = keys.map((k) => objects.get(k)?.metadata);
    const run = await rewrapObjects({ client, bucket: BUCKET, keys, sourceKeyring: rawOld, targetKeyring: newReadingOld });
    expect(run.outcomes.map((o) => o.status)).toEqual(['already-rewrapped', 'already-rewrapped', 'already-rewrapped']);
    expect(keys.map((k) => objects.get(k)?.metadata)).toEqual(before);
  });

  test('sourceKeyMismatchLimit objects in a row stop the batch with SourceKeyMismatchError', async () => {
    const { client } = memoryS3();
    const keys = keysOf(6);
    await fill(client, keys);
    const wrongSource = new RawAesKeyring({ wrappingKey: randomBytes(32) });
    await expect(rewrapObjects({
      client, bucket: BUCKET, keys, sourceKeyring: wrongSource, targetKeyring: newReadingOld, concurrency: 1, sourceKeyMismatchLimit: 3,
    })).rejects.toBeInstanceOf(SourceKeyMismatchError);
  });

  test('a target keyring without primaryKeyOnly is refused before anything is read', async () => {
    const { client } = memoryS3();
    const bare: Keyring = {
      onEncrypt: rawNew.onEncrypt.bind(rawNew), onDecrypt: rawNew.onDecrypt.bind(rawNew), wrapDataKey: rawNew.wrapDataKey.bind(rawNew),
    };
    await expect(rewrapObjects({ client, bucket: BUCKET, keys: ['a'], sourceKeyring: rawOld, targetKeyring: bare }))
      .rejects.toBeInstanceOf(InvalidArgumentError);
  });
});

describe('scale', () => {
  test('the checkpoint stays the same size over 2,000 objects; outcomes are streamed, not kept', async () => {
    const { client } = memoryS3();
    const keys = keysOf(2_000);
    await fill(client, keys);
    const sizes: number[] = [];
    let streamed = 0;
    const run = await rewrapObjects({
      client,
      bucket: BUCKET,
      keys,
      sourceKeyring: rawOld,
      targetKeyring: rawNew,
      concurrency: 8,
      onCheckpoint: (c: RewrapCheckpoint) => {
        sizes.push(JSON.stringify(c).length);
      },
      onOutcome: (o: RewrapOutcome) => {
        if (o.status === 'rewrapped') streamed++;
      },
    });
    expect(run.rewrapped).toBe(2_000);
    expect(streamed).toBe(2_000);
    expect(run.outcomes).toEqual([]);
    expect(sizes).toHaveLength(2_000);
    // A cursor and no failures: every persisted checkpoint is a few dozen bytes, the last as small as the first ones.
    expect(Math.max(...sizes)).toBeLessThan(80);
    expect(sizes[sizes.length - 1]).toBe(JSON.stringify({ version: 2, after: keys[keys.length - 1], failed: [] }).length);
  });
});

describe('per-object source context', () => {
  test('sourceContextFor maps each key to its tenant; a wrong mapping fails that object only', async () => {
    const { client } = memoryS3();
    await fill(client, ['tenant-a/1'], rawOld, { tenant: 'a' });
    await fill(client, ['tenant-b/1', 'tenant-b/2'], rawOld, { tenant: 'b' });
    const seen: Array<[string, Record<string, string>]> = [];
    const run = await rewrapObjects({
      client,
      bucket: BUCKET,
      keys: ['tenant-a/1', 'tenant-b/1', 'tenant-b/2'],
      sourceKeyring: rawOld,
      targetKeyring: rawNew,
      concurrency: 1,
      sourceContextFor: (key, stored) => {
        seen.push([key, { ...stored }]);
        return key === 'tenant-b/2' ? { tenant: 'a' } : { tenant: key.slice('tenant-'.length, 'tenant-'.length + 1) };
      },
    });
    expect(run.outcomes.map((o) => [o.key, o.status])).toEqual([['tenant-a/1', 'rewrapped'], ['tenant-b/1', 'rewrapped'], ['tenant-b/2', 'failed']]);
    expect((run.outcomes[2].error as Error).cause).toBeInstanceOf(EncryptionContextMismatchError);
    expect(seen[0]).toEqual(['tenant-a/1', { generation: '1', tenant: 'a' }]);
  });
});
