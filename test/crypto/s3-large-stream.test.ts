import { BUCKET, deterministicStream, digestStream, memorySampler, MiB, S3TestEnv, startS3TestEnv } from './s3-test-env';
import { getDecryptedObjectStream } from '../../src/crypto/s3/get-decrypted-object-stream';
import { putEncryptedObject } from '../../src/crypto/s3/put-encrypted-object';

/**
 * 256 MiB through the whole path: deterministic plaintext stream -> V3
 * encryption -> multipart upload to s3rver -> GetObject stream -> authenticated
 * stream decryption (spooled to a temp file) -> SHA-256. Nothing of that size
 * is ever held in memory: the test compares digests and checks that the
 * JavaScript heap + Buffer memory never grew by more than a fraction of the
 * object size.
 */
const SIZE = 256 * MiB;
const PART_SIZE = 8 * MiB;
/** Allowed growth of heapUsed + arrayBuffers over the baseline: a few parts and chunks, far below SIZE. */
const MEMORY_BUDGET = 96 * MiB;

let env: S3TestEnv;

beforeAll(async () => {
  env = await startS3TestEnv();
});

afterAll(async () => {
  await env.stop();
});

const gauge = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

test('256 MiB stream round trip with bounded memory (SHA-256 compared)', async () => {
  const baseline = gauge();
  const source = deterministicStream('large', SIZE);

  const uploadSampler = memorySampler(gauge);
  const started = Date.now();
  const put = await putEncryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'large', body: source, partSize: PART_SIZE });
  const uploadPeak = uploadSampler.stop() - baseline;
  const uploadMs = Date.now() - started;
  expect(source.emitted()).toBe(SIZE);
  expect(put).toMatchObject({ multipart: true, parts: Math.ceil((SIZE + 16) / PART_SIZE), ciphertextLength: SIZE + 16 });
  expect(await env.s3.pendingUploads(BUCKET)).toEqual([]);

  const downloadSampler = memorySampler(gauge);
  const readStarted = Date.now();
  const plaintext = await getDecryptedObjectStream({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'large' });
  const { sha256, length } = await digestStream(plaintext);
  const downloadPeak = downloadSampler.stop() - baseline;
  const downloadMs = Date.now() - readStarted;

  expect(length).toBe(SIZE);
  expect(sha256).toBe(source.digest());
  expect(uploadPeak).toBeLessThan(MEMORY_BUDGET);
  expect(downloadPeak).toBeLessThan(MEMORY_BUDGET);
  // For the report (visible with --verbose).
  process.stdout.write(`256 MiB: upload ${uploadMs} ms (peak +${Math.round(uploadPeak / MiB)} MiB), `
    + `download+decrypt ${downloadMs} ms (peak +${Math.round(downloadPeak / MiB)} MiB)\n`);
}, 120_000);
