import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BUCKET, deterministicStream, digestStream, memorySampler, MiB, S3TestEnv, startS3TestEnv } from './s3-test-env';
import { getDecryptedObjectStream } from '../src/s3/get-decrypted-object-stream';
import { putEncryptedObject } from '../src/s3/put-encrypted-object';

/**
 * 256 MiB through the whole path: deterministic plaintext stream -> V3
 * encryption -> multipart upload to s3rver -> GetObject stream -> authenticated
 * stream decryption (spooled to a temp file) -> SHA-256. Nothing of that size
 * is ever held in memory: the test compares digests and checks that the live
 * JavaScript heap + Buffer memory never grew by more than a fraction of the
 * object size. "Live": each sample (every second; a full GC costs ~90 ms in a
 * jest worker) runs a full GC first (exposed at run time through v8 flags), so
 * uncollected garbage, which depends on GC timing and on what else runs in the
 * process (coverage, other suites in band), does not count.
 */
const SIZE = 256 * MiB;
const PART_SIZE = 8 * MiB;
/** Allowed growth of live heap + Buffer memory over the baseline: a few parts and chunks, far below SIZE. */
const MEMORY_BUDGET = 64 * MiB;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let env: S3TestEnv;

beforeAll(async () => {
  env = await startS3TestEnv();
});

afterAll(async () => {
  await env.stop();
});

const gauge = () => {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

test('256 MiB stream round trip with bounded memory (SHA-256 compared)', async () => {
  const baseline = gauge();
  const source = deterministicStream('large', SIZE);

  const uploadSampler = memorySampler(gauge, 1000);
  const started = Date.now();
  const put = await putEncryptedObject({ client: env.client, cipher: env.v3, bucket: BUCKET, key: 'large', body: source, partSize: PART_SIZE });
  const uploadPeak = uploadSampler.stop() - baseline;
  const uploadMs = Date.now() - started;
  expect(source.emitted()).toBe(SIZE);
  expect(put).toMatchObject({ multipart: true, parts: Math.ceil((SIZE + 16) / PART_SIZE), ciphertextLength: SIZE + 16 });
  expect(await env.s3.pendingUploads(BUCKET)).toEqual([]);

  const downloadSampler = memorySampler(gauge, 1000);
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
}, 300_000); // ~50 s on a quiet 2-core machine; the bound is memory, not time
