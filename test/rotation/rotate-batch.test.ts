/**
 * The Batch Operations key-rotation handler against the loopback S3 (s3rver) and KMS, with events shaped as
 * Batch Operations sends them (invocation schema 2.0, several tasks): each task's result code and reason, the
 * stored envelopes afterwards, and the KMS calls made (the ones the construct's policy grants, no others).
 */
import { Readable } from 'node:stream';
import { S3 } from '@aws-sdk/client-s3';
import { EnvelopeCipher } from '../../packages/crypto/src/cipher/envelope-cipher';
import { KmsKeyring } from '../../packages/crypto/src/keyring/kms-keyring';
import { getDecryptedObject } from '../../packages/crypto/src/s3/get-decrypted-object';
import { putEncryptedObject } from '../../packages/crypto/src/s3/put-encrypted-object';
import { BUCKET, deterministicBytes, S3TestEnv, startS3TestEnv } from '../../packages/crypto/test/s3-test-env';
import { BatchEvent, BatchTask, taskBucket, taskObjectKey } from '../../src/rotation/handler/batch-event';
import { BatchEventError, rotateBatch } from '../../src/rotation/handler/rotate-batch';
import { rotationConfigFromEnvironment } from '../../src/rotation/handler/rotation-config';

let env: S3TestEnv;
let oldKey: string;
let newKey: string;
let otherKey: string;
let olderKey: string;

beforeAll(async () => {
  env = await startS3TestEnv();
  oldKey = env.kms.keyArn;
  newKey = env.kms.addKey();
  otherKey = env.kms.addKey();
  olderKey = env.kms.addKey();
});
afterAll(async () => {
  await env.stop();
});

// Two old keys: objects under the second are reached after the first answers IncorrectKeyException.
function config(client = env.kmsClient) {
  return rotationConfigFromEnvironment({ BUCKET_NAME: BUCKET, SOURCE_KMS_KEY_ARNS: `${olderKey}, ${oldKey}`, TARGET_KMS_KEY_ARN: newKey }, client);
}

let n = 0;
function task(key: string, extra: Partial<BatchTask> = {}): BatchTask {
  n += 1;
  return { taskId: `task-${n}`, s3Bucket: BUCKET, s3Key: encodeURIComponent(key).replace(/%20/g, '+'), s3VersionId: null, ...extra };
}

function event(tasks: BatchTask[]): BatchEvent {
  return { invocationSchemaVersion: '2.0', invocationId: `inv-${n}`, job: { id: 'job-1', userArguments: {} }, tasks };
}

async function put(key: string, keyArn: string, options: { context?: Record<string, string>; instructionFile?: boolean; version?: 'V2' | 'V3' } = {}) {
  const keyring = new KmsKeyring({ client: env.kmsClient, keyId: keyArn });
  const cipher = new EnvelopeCipher({ keyring, formatVersion: options.version ?? 'V3' });
  const body = deterministicBytes(key, 5000);
  await putEncryptedObject({
    client: env.client, cipher, bucket: BUCKET, key, body, context: options.context, instructionFile: options.instructionFile,
  });
  return body;
}

function readerFor(keyArn: string) {
  return new EnvelopeCipher({ keyring: new KmsKeyring({ client: env.kmsClient, keyId: keyArn }) });
}

test('several tasks: each object rewrapped to the new key, content unchanged, old key refused; results in task order', async () => {
  const keys = ['batch/a.bin', 'batch/with space/é.bin', 'batch/instruction.bin', 'batch/v2.bin'];
  const bodies = [
    await put(keys[0], oldKey, { context: { tenant: 'a' } }),
    await put(keys[1], oldKey),
    await put(keys[2], oldKey, { instructionFile: true, context: { tenant: 'b' } }),
    await put(keys[3], oldKey, { version: 'V2' }),
  ];
  const tasks = keys.map((k) => task(k));
  env.kms.reset();
  const out = await rotateBatch(event(tasks), { client: env.client, config: config() });
  expect(out.invocationSchemaVersion).toBe('2.0');
  expect(out.treatMissingKeysAs).toBe('PermanentFailure');
  expect(out.results.map((r) => [r.taskId, r.resultCode])).toEqual(tasks.map((t) => [t.taskId, 'Succeeded']));
  expect(out.results[2].resultString).toMatch(/instruction-file/);
  // KMS: Decrypt under the old keys, Encrypt and Decrypt (the check of the new wrap) under the new one; nothing else.
  const ops = new Set(env.kms.requests.map((r) => `${r.operation} ${r.keyId === newKey ? 'new' : r.keyId === oldKey ? 'old' : r.keyId}`));
  expect([...ops].sort()).toEqual(expect.arrayContaining(['Decrypt new', 'Decrypt old', 'Encrypt new']));
  expect([...ops].every((o) => ['Decrypt new', 'Decrypt old', 'Encrypt new', `Decrypt ${olderKey}`].includes(o))).toBe(true);
  for (const [i, key] of keys.entries()) {
    const context: Record<string, string> = i === 0 ? { tenant: 'a' } : i === 2 ? { tenant: 'b' } : {};
    await expect(getDecryptedObject({ client: env.client, cipher: readerFor(newKey), bucket: BUCKET, key, context })).resolves.toEqual(bodies[i]);
    await expect(getDecryptedObject({ client: env.client, cipher: readerFor(oldKey), bucket: BUCKET, key, context })).rejects.toThrow();
  }
});

test('a retried task whose object is already under the new key succeeds without writing, verified by key identity', async () => {
  const key = 'batch/retried.bin';
  await put(key, oldKey);
  const first = await rotateBatch(event([task(key)]), { client: env.client, config: config() });
  expect(first.results[0].resultCode).toBe('Succeeded');
  const puts = env.s3.requestCounts.PUT ?? 0;
  const again = await rotateBatch(event([task(key)]), { client: env.client, config: config() });
  expect(again.results[0]).toMatchObject({ resultCode: 'Succeeded', resultString: expect.stringMatching(/already wrapped under .*pinned to that key.*nothing written/) });
  expect(env.s3.requestCounts.PUT ?? 0).toBe(puts);
});

test('missing key, tampered envelope, a key that is neither old nor new, another bucket: PermanentFailure with the reason', async () => {
  const tampered = 'batch/tampered.bin';
  await put(tampered, oldKey);
  const head = await env.sdkClient.headObject({ Bucket: BUCKET, Key: tampered });
  const meta = { ...head.Metadata } as Record<string, string>;
  const commitment = Buffer.from(meta['x-amz-d'], 'base64');
  commitment[0] = 255 - commitment[0];
  meta['x-amz-d'] = commitment.toString('base64');
  await env.sdkClient.copyObject({ Bucket: BUCKET, Key: tampered, CopySource: `${BUCKET}/${tampered}`, Metadata: meta, MetadataDirective: 'REPLACE' });
  const foreign = 'batch/foreign.bin';
  await put(foreign, otherKey);
  const out = await rotateBatch(event([
    task('batch/does-not-exist.bin'), task(tampered), task(foreign), task('batch/a.bin', { s3Bucket: 'some-other-bucket' }),
  ]), { client: env.client, config: config() });
  expect(out.results.map((r) => r.resultCode)).toEqual(['PermanentFailure', 'PermanentFailure', 'PermanentFailure', 'PermanentFailure']);
  expect(out.results[0].resultString).toMatch(/object not found/);
  expect(out.results[1].resultString).toMatch(/^tampered: TamperedCiphertextError/);
  expect(out.results[2].resultString).toMatch(/wrapped under none of the source keys nor the target key: wrong key \(or a modified wrapped key\)/);
  expect(out.results[3].resultString).toMatch(/task is for bucket some-other-bucket; this function rotates crypto-bucket only/);
  // Nothing was written to the tampered or foreign object: the old key (or the other key) still reads them as before.
  await expect(getDecryptedObject({ client: env.client, cipher: readerFor(otherKey), bucket: BUCKET, key: foreign })).resolves.toHaveLength(5000);
});

test('a transient S3 fault (503 SlowDown) and KMS throttling are TemporaryFailure; the retry succeeds', async () => {
  const key = 'batch/transient.bin';
  await put(key, oldKey);
  // A real S3 client whose first HTTP request gets S3's 503 SlowDown answer (parsed by the SDK as from S3).
  const base = env.sdkClient;
  let failNext = true;
  const flaky = env.s3.client({
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: any, opts: any) => {
        if (failNext) {
          failNext = false;
          const xml = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>';
          return { response: { statusCode: 503, headers: { 'content-type': 'application/xml' }, body: Readable.from([Buffer.from(xml)]) } };
        }
        return (base.config.requestHandler as any).handle(request, opts);
      },
    } as any,
  }) as S3;
  const first = await rotateBatch(event([task(key)]), { client: flaky, config: config() });
  expect(first.results[0]).toMatchObject({ resultCode: 'TemporaryFailure', resultString: expect.stringMatching(/^transient: /) });
  env.kms.injectFailure({ type: 'ThrottlingException', operation: 'Decrypt', times: 5 });
  const second = await rotateBatch(event([task(key)]), { client: flaky, config: config() });
  expect(second.results[0]).toMatchObject({ resultCode: 'TemporaryFailure', resultString: expect.stringMatching(/ThrottlingException/) });
  env.kms.reset();
  const third = await rotateBatch(event([task(key)]), { client: flaky, config: config() });
  expect(third.results[0].resultCode).toBe('Succeeded');
  await expect(getDecryptedObject({ client: env.client, cipher: readerFor(newKey), bucket: BUCKET, key })).resolves.toHaveLength(5000);
});

test('a version that is not the current one is refused, not rewritten', async () => {
  const key = 'batch/versioned.bin';
  await put(key, oldKey);
  const out = await rotateBatch(event([task(key, { s3VersionId: 'an-older-version' })]), { client: env.client, config: config() });
  expect(out.results[0]).toMatchObject({ resultCode: 'PermanentFailure', resultString: expect.stringMatching(/is not the current version/) });
  await expect(getDecryptedObject({ client: env.client, cipher: readerFor(oldKey), bucket: BUCKET, key })).resolves.toHaveLength(5000);
});

test('an event that is not a schema 1.0/2.0 Batch invocation throws; bad configuration throws at start', async () => {
  await expect(rotateBatch({ invocationSchemaVersion: '3.0', invocationId: 'x', tasks: [] }, { client: env.client, config: config() }))
    .rejects.toBeInstanceOf(BatchEventError);
  await expect(rotateBatch(null, { client: env.client, config: config() })).rejects.toBeInstanceOf(BatchEventError);
  expect(() => rotationConfigFromEnvironment({ BUCKET_NAME: BUCKET, SOURCE_KMS_KEY_ARNS: 'alias/old', TARGET_KMS_KEY_ARN: newKey }, env.kmsClient))
    .toThrow(/must be KMS key ARNs/);
  expect(() => rotationConfigFromEnvironment({ BUCKET_NAME: BUCKET, SOURCE_KMS_KEY_ARNS: newKey, TARGET_KMS_KEY_ARN: newKey }, env.kmsClient))
    .toThrow(/also a source key/);
  expect(() => rotationConfigFromEnvironment({ BUCKET_NAME: BUCKET, SOURCE_KMS_KEY_ARNS: '', TARGET_KMS_KEY_ARN: newKey }, env.kmsClient))
    .toThrow(/names no key/);
});

test('manifest keys are URL-encoded, form style: + is a space, %2B a plus', () => {
  expect(taskObjectKey({ taskId: 't', s3Key: 'a+b%2Bc/%C3%A9%2C.bin' })).toBe('a b+c/é,.bin');
  expect(taskBucket({ taskId: 't', s3Key: 'k', s3BucketArn: 'arn:aws:s3:::bucket-1' })).toBe('bucket-1');
  expect(taskBucket({ taskId: 't', s3Key: 'k', s3Bucket: 'bucket-2', s3BucketArn: 'arn:aws:s3:::bucket-1' })).toBe('bucket-2');
});
