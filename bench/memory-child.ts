/**
 * Child process of the memory benchmark: streams N bytes through src/crypto encryptStream and
 * (optionally) decryptStream, chained, and prints one JSON line with the peak resident set size.
 *
 * Run by bench/memory.ts as plain `node --expose-gc` on a transpiled copy (so TypeScript and
 * ts-node are not in the measured process). Usage: memory-child <bytes> <encrypt|auth|auth-unknown-length|unauth>
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EnvelopeCipher, RawAesKeyring } from '../packages/crypto/src';

const CHUNK = 64 * 1024;
const POOL = 1024 * 1024;

async function main(): Promise<void> {
  const total = Number(process.argv[2]);
  const what = process.argv[3] as 'encrypt' | 'auth' | 'auth-unknown-length' | 'unauth';
  const pool = randomBytes(POOL);
  const cipher = new EnvelopeCipher({ keyring: new RawAesKeyring({ wrappingKey: randomBytes(32) }) });
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const baselineRss = process.memoryUsage().rss;
  let peakSampled = baselineRss;
  const timer = setInterval(() => {
    peakSampled = Math.max(peakSampled, process.memoryUsage().rss);
  }, 20);

  let offset = 0;
  const source = new Readable({
    highWaterMark: CHUNK,
    read() {
      while (offset < total) {
        const at = offset % POOL;
        const c = pool.subarray(at, at + Math.min(CHUNK, total - offset));
        offset += c.length;
        if (!this.push(c)) {
          return;
        }
      }
      this.push(null);
    },
  });
  let out = 0;
  const sink = new Writable({
    highWaterMark: CHUNK,
    write(c: Buffer, _e, cb) {
      out += c.length;
      cb();
    },
  });
  const t0 = Date.now();
  const enc = await cipher.encryptStream(source, { plaintextLength: total });
  if (what === 'encrypt') {
    await pipeline(enc.stream, sink);
  } else {
    const dec = await cipher.decryptStream(enc.stream, enc.metadata, {
      allowUnauthenticatedStreaming: what === 'unauth',
      // 'auth' declares the length, as getDecryptedObjectStream does with S3's Content-Length.
      ...(what === 'auth' ? { ciphertextLength: total + 16 } : {}),
    });
    await pipeline(dec, sink);
  }
  const ms = Date.now() - t0;
  clearInterval(timer);
  peakSampled = Math.max(peakSampled, process.memoryUsage().rss);
  const expected = what === 'encrypt' ? total + 16 : total;
  if (out !== expected) {
    throw new Error(`expected ${expected} bytes out, got ${out}`);
  }
  process.stdout.write(JSON.stringify({
    what,
    bytes: total,
    ms,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    peakSampledRssBytes: peakSampled,
    vmHwmBytes: vmHwm(),
    baselineRssBytes: baselineRss,
  }) + '\n');
}

/** Peak RSS of this address space (Linux /proc/self/status VmHWM), 0 elsewhere. */
function vmHwm(): number {
  try {
    const m = /VmHWM:\s*(\d+)\s*kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e) + '\n');
  process.exit(1);
});
