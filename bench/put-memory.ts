/**
 * Peak resident memory of putEncryptedObject with a Uint8Array body (256 MiB; 64 MiB with --quick)
 * to s3rver, over the plaintext: each run is a child process (plain node on a transpiled copy of
 * src/crypto, test/fixtures/put-memory-child.ts) that fills the plaintext, takes its RSS as the
 * baseline, resets the Linux high-water mark and uploads; growth = VmHWM - baseline (sampled RSS
 * where VmHWM cannot be reset). s3rver runs in this process. One control run uploads the old way
 * (cipher.encrypt of the whole body, then one PutObject) for comparison.
 *
 * Alone: npx ts-node --transpile-only bench/put-memory.ts [--quick]   (prints the result as JSON)
 */
import { fmt, fmtSummary, table } from './report';
import { summarize, Summary } from './stats';
import { buildPutMemoryChild, PutMemoryChildConfig, PutMemoryChildResult } from '../test/fixtures/put-memory';
import { S3RVER_CREDENTIALS, startS3Server } from '../test/fixtures/s3-server';

const MiB = 1024 * 1024;
/** Target T4 (BENCHMARKS.md): peak RSS <= plaintext + 48 MiB. */
export const PUT_MEMORY_TARGET_MIB = 48;
const PART_SIZE = 8 * MiB;
const RUNS = 3;
const CHILD_TIMEOUT_MS = 600_000;

export interface PutMemoryResult {
  /** Plaintext bytes uploaded per run. */
  readonly bytes: number;
  readonly partSize: number;
  /** Peak RSS over the baseline (the plaintext filled), MiB, putEncryptedObject. */
  readonly growth: Summary;
  /** RSS once the plaintext is filled, MiB. */
  readonly baseline: Summary;
  /** Peak RSS, MiB. */
  readonly peak: Summary;
  /** Upload throughput (plaintext MiB/s, s3rver on loopback). */
  readonly mibps: Summary;
  /** Peak RSS over the baseline, MiB, of the old way (whole-object encrypt, one PutObject; one run). */
  readonly controlGrowth: Summary;
  readonly peakSource: PutMemoryChildResult['peakSource'];
  readonly targetMib: number;
  /** Every run's growth within the target. */
  readonly met: boolean;
}

export async function runPutMemory(o: { quick: boolean }, log: (s: string) => void = () => undefined): Promise<PutMemoryResult> {
  const bytes = (o.quick ? 64 : 256) * MiB;
  const bucket = 'put-memory';
  const s3 = await startS3Server({ buckets: [bucket] });
  const child = buildPutMemoryChild();
  try {
    const config = (mode: PutMemoryChildConfig['mode'], run: number): PutMemoryChildConfig => ({
      endpoint: s3.endpoint,
      region: s3.region,
      credentials: S3RVER_CREDENTIALS,
      bucket,
      key: `${mode}-${run}`,
      bytes,
      mode,
      partSize: PART_SIZE,
      verify: mode === 'put' && run === 0,
    });
    const runs: PutMemoryChildResult[] = [];
    for (let r = 0; r < RUNS; r++) {
      const out = await child.run(config('put', r), CHILD_TIMEOUT_MS);
      if (!out.plaintextUnchanged || out.roundTrip === false || out.ciphertextLength !== bytes + 16) {
        throw new Error(`put-memory run ${r} uploaded a wrong object: ${JSON.stringify(out)}`);
      }
      runs.push(out);
      log(`  put-memory ${fmt(bytes / MiB)} MiB run ${r + 1}: +${fmt((out.peakRssBytes - out.baselineRssBytes) / MiB, 1)} MiB (${out.peakSource})`);
    }
    const control = await child.run(config('control', 0), CHILD_TIMEOUT_MS);
    const growth = runs.map((x) => (x.peakRssBytes - x.baselineRssBytes) / MiB);
    const result: PutMemoryResult = {
      bytes,
      partSize: PART_SIZE,
      growth: summarize(growth),
      baseline: summarize(runs.map((x) => x.baselineRssBytes / MiB)),
      peak: summarize(runs.map((x) => x.peakRssBytes / MiB)),
      mibps: summarize(runs.map((x) => (x.bytes / MiB) / (x.ms / 1000))),
      controlGrowth: summarize([(control.peakRssBytes - control.baselineRssBytes) / MiB]),
      peakSource: runs.some((x) => x.peakSource === 'sampled') ? 'sampled' : 'VmHWM',
      targetMib: PUT_MEMORY_TARGET_MIB,
      met: growth.every((g) => g <= PUT_MEMORY_TARGET_MIB),
    };
    log(`  put-memory: +${fmt(result.growth.median, 1)} MiB over the plaintext (control +${fmt(result.controlGrowth.median, 1)} MiB)`);
    return result;
  } finally {
    child.dispose();
    await s3.stop();
  }
}

export function putMemoryMarkdown(r: PutMemoryResult): string {
  return table(
    ['upload of a Uint8Array', 'bytes', 'peak RSS over the plaintext MiB, median (min–max)', `target ≤ ${r.targetMib} MiB`, 'RSS with the plaintext MiB', 'MiB/s (s3rver)'],
    [
      [`putEncryptedObject (${fmt(r.partSize / MiB)} MiB parts)`, `${fmt(r.bytes / MiB)} MiB`, fmtSummary(r.growth, 1), r.met ? 'met' : 'MISSED', fmtSummary(r.baseline, 1), fmtSummary(r.mibps)],
      ['control: encrypt whole + one PutObject', `${fmt(r.bytes / MiB)} MiB`, fmtSummary(r.controlGrowth, 1), '', '', ''],
    ],
  );
}

if (require.main === module) {
  runPutMemory({ quick: process.argv.includes('--quick') }, (s) => process.stderr.write(`${s}\n`))
    .then((r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`))
    .catch((e: unknown) => {
      process.stderr.write(`${String((e as Error)?.stack ?? e)}\n`);
      process.exitCode = 1;
    });
}
