/**
 * rewrapObjects against s3rver with the real S3 client: bounded concurrency, progress, an interrupted batch
 * resumed from its checkpoint, one outcome per key; every object ends fully re-wrapped or untouched.
 */
import { randomBytes } from 'node:crypto';
import { BUCKET, S3TestEnv, startS3TestEnv } from './s3-test-env';
import { EnvelopeCipher } from '../src/cipher/envelope-cipher';
import { InvalidArgumentError, WrongKeyError } from '../src/errors';
import { RawAesKeyring } from '../src/keyring/raw-aes-keyring';
import { SourceKeyMismatchError } from '../src/rewrap/rewrap-errors';
import { getDecryptedObject } from '../src/s3/get-decrypted-object';
import { putEncryptedObject } from '../src/s3/put-encrypted-object';
import { readResponseBody } from '../src/s3/response-body';
import { rewrapObject, RewrapObjectOptions } from '../src/s3/rewrap-object';
import { RewrapCheckpoint, rewrapObjects, RewrapProgress } from '../src/s3/rewrap-objects';

let env: S3TestEnv;
beforeAll(async () => {
  env = await startS3TestEnv();
});
afterAll(async () => {
  await env.stop();
});

const oldKeyring = new RawAesKeyring({ wrappingKey: randomBytes(32), materialDescription: { generation: '1' } });
const newKeyring = new RawAesKeyring({ wrappingKey: randomBytes(24), materialDescription: { generation: '2' } });
const oldCipher = new EnvelopeCipher({ keyring: oldKeyring });
const newCipher = new EnvelopeCipher({ keyring: newKeyring });

/** The S3 client, counting writes and the number of objects being re-wrapped at once (the first HeadObject opens one, its write closes it). */
function countingClient() {
  const stats = { writes: [] as string[], inFlight: 0, maxInFlight: 0 };
  const client: RewrapObjectOptions['client'] = {
    headObject: async (input) => {
      // The first read of a rotation asks for the checksum; the verifying reads do not.
      const opens = input.ChecksumMode === 'ENABLED';
      if (opens) stats.inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      try {
        return await env.client.headObject(input);
      } catch (e) {
        if (opens) stats.inFlight--;
        throw e;
      }
    },
    getObject: (input) => env.client.getObject(input),
    putObject: async (input) => {
      stats.writes.push(input.Key);
      try {
        return await env.client.putObject(input);
      } finally {
        stats.inFlight--;
      }
    },
    copyObject: async (input) => {
      stats.writes.push(input.Key);
      try {
        return await env.client.copyObject(input);
      } finally {
        stats.inFlight--;
      }
    },
  };
  return { client, stats };
}

test('an interrupted batch resumes from its checkpoint; every object ends re-wrapped, content unchanged', async () => {
  const keys = Array.from({ length: 12 }, (_, i) => `batch/obj-${String(i).padStart(2, '0')}`);
  const plaintexts = new Map<string, Buffer>();
  const stored = new Map<string, Buffer>();
  for (const [i, key] of keys.entries()) {
    const body = randomBytes(1000 + i);
    plaintexts.set(key, body);
    await putEncryptedObject({ client: env.client, cipher: oldCipher, bucket: BUCKET, key, body, instructionFile: i % 3 === 0 });
    stored.set(key, await readResponseBody((await env.sdkClient.getObject({ Bucket: BUCKET, Key: key })).Body));
  }

  // Run 1: stopped after 5 keys finished. The checkpoint goes through JSON, as a caller would persist it.
  const abort = new AbortController();
  let persisted = '';
  const progress: RewrapProgress[] = [];
  const first = countingClient();
  const run1 = await rewrapObjects({
    client: first.client,
    bucket: BUCKET,
    keys,
    sourceKeyring: oldKeyring,
    targetKeyring: newKeyring,
    concurrency: 3,
    signal: abort.signal,
    onCheckpoint: async (c) => {
      persisted = JSON.stringify(c);
    },
    onProgress: (p) => {
      progress.push(p);
      if (p.finished === 5) abort.abort();
    },
  });
  expect(run1.stopped).toBe(true);
  expect(run1.failed).toBe(0);
  // Keys in flight when the stop came finish; none is started after it.
  expect(run1.rewrapped).toBeGreaterThanOrEqual(5);
  expect(run1.rewrapped).toBeLessThanOrEqual(7);
  expect(first.stats.maxInFlight).toBeLessThanOrEqual(3);
  expect(first.stats.maxInFlight).toBeGreaterThan(1);
  expect(progress.map((p) => p.finished)).toEqual(progress.map((_, i) => i + 1));
  const checkpoint = JSON.parse(persisted) as RewrapCheckpoint;
  expect(run1.checkpoint).toEqual(checkpoint);
  expect(checkpoint.failed).toEqual([]);
  // The cursor: every key up to it is finished; keys after it may be finished too (out of order), never behind it unfinished.
  const behind = keys.filter((k) => k <= (checkpoint.after as string));
  expect(behind.length).toBeGreaterThanOrEqual(3);
  const done = new Set(run1.outcomes.map((o) => o.key));
  for (const key of behind) expect(done.has(key)).toBe(true);

  // Between the runs each object is either fully re-wrapped (new key only) or untouched (old key only).
  for (const key of keys) {
    const rewrapped = done.has(key);
    const [readBy, notBy] = rewrapped ? [newCipher, oldCipher] : [oldCipher, newCipher];
    await expect(getDecryptedObject({ client: env.client, cipher: readBy, bucket: BUCKET, key })).resolves.toEqual(plaintexts.get(key));
    await expect(getDecryptedObject({ client: env.client, cipher: notBy, bucket: BUCKET, key })).rejects.toBeInstanceOf(WrongKeyError);
  }

  // Run 2: resumed; the keys behind the cursor are skipped without a request; the ones run 1 finished ahead of it
  // are recognised by the target's primary key; the rest re-wrapped.
  const second = countingClient();
  const run2 = await rewrapObjects({
    client: second.client, bucket: BUCKET, keys, sourceKeyring: oldKeyring, targetKeyring: newKeyring, concurrency: 4, checkpoint,
  });
  expect(run2.stopped).toBe(false);
  expect(run2.skipped).toBe(behind.length);
  const ahead = keys.filter((k) => !behind.includes(k) && done.has(k));
  expect(run2.alreadyRewrapped).toBe(ahead.length);
  expect(run2.rewrapped).toBe(keys.length - done.size);
  expect(new Set(second.stats.writes.map((k) => k.replace(/\.instruction$/, ''))))
    .toEqual(new Set(keys.filter((k) => !done.has(k))));
  expect(run2.checkpoint).toEqual({ version: 2, after: keys[keys.length - 1], failed: [] });

  for (const key of keys) {
    await expect(getDecryptedObject({ client: env.client, cipher: newCipher, bucket: BUCKET, key })).resolves.toEqual(plaintexts.get(key));
    await expect(getDecryptedObject({ client: env.client, cipher: oldCipher, bucket: BUCKET, key })).rejects.toBeInstanceOf(WrongKeyError);
    const now = await readResponseBody((await env.sdkClient.getObject({ Bucket: BUCKET, Key: key })).Body);
    expect(now.equals(stored.get(key) as Buffer)).toBe(true);
  }
});

test('per-object outcomes: a missing key and a wrong-key object fail alone, the others are re-wrapped; failures are retried on resume', async () => {
  const good = ['outcome/a', 'outcome/b'];
  for (const key of good) await putEncryptedObject({ client: env.client, cipher: oldCipher, bucket: BUCKET, key, body: Buffer.from(key) });
  const stranger = new EnvelopeCipher({ keyring: new RawAesKeyring({ wrappingKey: randomBytes(32) }) });
  await putEncryptedObject({ client: env.client, cipher: stranger, bucket: BUCKET, key: 'outcome/stranger', body: Buffer.from('x') });
  const keys = ['outcome/a', 'outcome/a', 'outcome/b', 'outcome/missing', 'outcome/stranger'];
  const run = await rewrapObjects({ client: env.client, bucket: BUCKET, keys, sourceKeyring: oldKeyring, targetKeyring: newKeyring });
  const byKey = Object.fromEntries(run.outcomes.map((o) => [o.key, o]));
  expect(run.outcomes).toHaveLength(4); // the duplicate is handled once
  expect(byKey['outcome/a'].status).toBe('rewrapped');
  expect(byKey['outcome/b'].status).toBe('rewrapped');
  expect(byKey['outcome/missing']).toMatchObject({ status: 'failed' });
  expect(byKey['outcome/stranger'].status).toBe('failed');
  expect(byKey['outcome/stranger'].error).toBeInstanceOf(SourceKeyMismatchError);
  expect((byKey['outcome/stranger'].error as Error).cause).toBeInstanceOf(WrongKeyError);
  expect(run.checkpoint).toEqual({ version: 2, after: 'outcome/stranger', failed: ['outcome/missing', 'outcome/stranger'] });
  // The failed object is untouched: its own key still reads it.
  await expect(getDecryptedObject({ client: env.client, cipher: stranger, bucket: BUCKET, key: 'outcome/stranger' })).resolves.toEqual(Buffer.from('x'));
  const again = await rewrapObjects({
    client: env.client, bucket: BUCKET, keys, sourceKeyring: oldKeyring, targetKeyring: newKeyring, checkpoint: run.checkpoint,
  });
  expect(again.failed).toBe(2);
  expect(again.skipped).toBe(4);
  expect(again.checkpoint.failed).toEqual(['outcome/missing', 'outcome/stranger']);
});

test('keys out of ascending order are refused (the cursor needs ListObjectsV2 order)', async () => {
  await expect(rewrapObjects({ client: env.client, bucket: BUCKET, keys: ['b', 'a'], sourceKeyring: oldKeyring, targetKeyring: newKeyring }))
    .rejects.toThrow(/ascending UTF-8 byte order/);
});

test('argument checks', async () => {
  const base = { client: env.client, bucket: BUCKET, sourceKeyring: oldKeyring, targetKeyring: newKeyring };
  await expect(rewrapObjects({ ...base, keys: ['k'], concurrency: 0 })).rejects.toBeInstanceOf(InvalidArgumentError);
  await expect(rewrapObjects({ ...base, keys: ['k'], checkpoint: { version: 2 } as unknown as RewrapCheckpoint })).rejects.toBeInstanceOf(InvalidArgumentError);
  await expect(rewrapObjects({ ...base, keys: 'k' as unknown as string[] })).rejects.toBeInstanceOf(InvalidArgumentError);
  await expect(rewrapObjects({ ...base, keys: [''] })).rejects.toBeInstanceOf(InvalidArgumentError);
});

test('a key re-wrapped after the last saved checkpoint (crash before onCheckpoint) is reported already-rewrapped, nothing written', async () => {
  const keys = ['crash/x', 'crash/y', 'crash/z'];
  for (const [i, key] of keys.entries()) {
    await putEncryptedObject({ client: env.client, cipher: oldCipher, bucket: BUCKET, key, body: Buffer.from(key), instructionFile: i === 2 });
  }
  // The crashed run wrote x and z, but its checkpoint never recorded them.
  await rewrapObject({ client: env.client, bucket: BUCKET, key: 'crash/x', sourceKeyring: oldKeyring, targetKeyring: newKeyring });
  await rewrapObject({ client: env.client, bucket: BUCKET, key: 'crash/z', sourceKeyring: oldKeyring, targetKeyring: newKeyring });
  const { client, stats } = countingClient();
  const run = await rewrapObjects({ client, bucket: BUCKET, keys, sourceKeyring: oldKeyring, targetKeyring: newKeyring, concurrency: 1 });
  expect(run.outcomes.map((o) => [o.key, o.status])).toEqual([
    ['crash/x', 'already-rewrapped'], ['crash/y', 'rewrapped'], ['crash/z', 'already-rewrapped'],
  ]);
  expect(run).toMatchObject({ rewrapped: 1, alreadyRewrapped: 2, failed: 0 });
  expect(stats.writes).toEqual(['crash/y']);
  expect(run.checkpoint).toEqual({ version: 2, after: 'crash/z', failed: [] });
  for (const key of keys) {
    await expect(getDecryptedObject({ client: env.client, cipher: newCipher, bucket: BUCKET, key })).resolves.toEqual(Buffer.from(key));
  }
});
