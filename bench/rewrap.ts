/**
 * Key rotation at scale: rewrapObjects over N small objects (100,000 by default, 2,000 with --quick) on the
 * local S3 (s3rver behind the conditional-request front), raw AES to raw AES, keys streamed lazily in listing order,
 * outcomes streamed through onOutcome, the checkpoint persisted (JSON) after every key as the docs advise.
 *
 * Reports objects/s, peak RSS and, at every tenth of the run, the RSS and the size of the persisted checkpoint:
 * both should stay flat. RSS is of this process, which also runs the local S3 (its store is on disk); filling
 * the bucket is not timed.
 */
import { randomBytes } from 'node:crypto';
import { fmt, table } from './report';
import { EnvelopeCipher } from '../packages/crypto/src/cipher/envelope-cipher';
import { RawAesKeyring } from '../packages/crypto/src/keyring/raw-aes-keyring';
import { rewrapObjects } from '../packages/crypto/src/s3/rewrap-objects';
import { startS3Server } from '../test/fixtures/s3-server';

const MiB = 1024 * 1024;
const BUCKET = 'rewrap-bench';

export interface RewrapSample {
  /** Objects finished when sampled. */
  readonly finished: number;
  readonly rssMiB: number;
  readonly checkpointBytes: number;
}

export interface RewrapBenchResult {
  readonly objects: number;
  readonly concurrency: number;
  readonly seconds: number;
  readonly objectsPerSecond: number;
  readonly peakRssMiB: number;
  readonly samples: readonly RewrapSample[];
  readonly rewrapped: number;
  readonly failed: number;
}

export async function runRewrap(options: { quick: boolean; objects?: number }, log: (s: string) => void): Promise<RewrapBenchResult> {
  const objects = options.objects ?? (options.quick ? 2_000 : 100_000);
  const concurrency = 16;
  const s3 = await startS3Server({ buckets: [BUCKET] });
  try {
    const client = s3.client();
    const oldKeyring = new RawAesKeyring({ wrappingKey: randomBytes(32), materialDescription: { generation: '1' } });
    const newKeyring = new RawAesKeyring({ wrappingKey: randomBytes(32), materialDescription: { generation: '2' } });
    const cipher = new EnvelopeCipher({ keyring: oldKeyring });
    log(`  filling ${objects.toLocaleString('en-US')} objects ...`);
    const keyOf = (i: number) => `data/${String(i).padStart(8, '0')}.bin`;
    for (let next = 0; next < objects;) {
      const batch: Array<Promise<unknown>> = [];
      for (let n = 0; n < 32 && next < objects; n++, next++) {
        const key = keyOf(next);
        batch.push(cipher.encrypt(Buffer.from(key)).then(({ ciphertext, metadata }) =>
          client.putObject({ Bucket: BUCKET, Key: key, Body: ciphertext, Metadata: metadata })));
      }
      await Promise.all(batch);
    }

    // The keys in ListObjectsV2 order, generated lazily: s3rver's ListObjectsV2 answers InternalError on a
    // bucket of more than about 1,000 objects, so the listing a real run would stream is not used here.
    async function* listKeys(): AsyncGenerator<string> {
      for (let i = 0; i < objects; i++) yield keyOf(i);
    }

    const samples: RewrapSample[] = [];
    let peakRss = process.memoryUsage().rss;
    const timer = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 100);
    let persisted = '';
    let finished = 0;
    const step = Math.max(1, Math.floor(objects / 10));
    log('  rotating ...');
    const t0 = process.hrtime.bigint();
    const run = await rewrapObjects({
      client,
      bucket: BUCKET,
      keys: listKeys(),
      sourceKeyring: oldKeyring,
      targetKeyring: newKeyring,
      concurrency,
      onCheckpoint: (c) => {
        persisted = JSON.stringify(c);
      },
      onOutcome: () => {
        finished++;
        if (finished % step === 0) {
          const rss = process.memoryUsage().rss;
          peakRss = Math.max(peakRss, rss);
          samples.push({ finished, rssMiB: rss / MiB, checkpointBytes: Buffer.byteLength(persisted) });
        }
      },
    });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    clearInterval(timer);
    return {
      objects,
      concurrency,
      seconds,
      objectsPerSecond: objects / seconds,
      peakRssMiB: Math.max(peakRss, process.memoryUsage().rss) / MiB,
      samples,
      rewrapped: run.rewrapped,
      failed: run.failed,
    };
  } finally {
    await s3.stop();
  }
}

export function rewrapMarkdown(r: RewrapBenchResult): string {
  const head = table(['objects', 'concurrency', 'seconds', 'objects/s', 'peak RSS (MiB)', 'rewrapped', 'failed'], [[
    r.objects.toLocaleString('en-US'), String(r.concurrency), fmt(r.seconds, 1), fmt(r.objectsPerSecond), fmt(r.peakRssMiB, 1),
    r.rewrapped.toLocaleString('en-US'), String(r.failed),
  ]]);
  const over = table(['finished', 'RSS (MiB)', 'persisted checkpoint (bytes)'],
    r.samples.map((s) => [s.finished.toLocaleString('en-US'), fmt(s.rssMiB, 1), String(s.checkpointBytes)]));
  return `${head}\n\nOver the run (every tenth):\n\n${over}`;
}

if (require.main === module) {
  const quick = process.argv.includes('--quick');
  runRewrap({ quick }, (s) => process.stderr.write(s + '\n')).then((r) => {
    process.stdout.write(rewrapMarkdown(r) + '\n');
  }).catch((e) => {
    process.stderr.write(String(e?.stack ?? e) + '\n');
    process.exit(1);
  });
}
