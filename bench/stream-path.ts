/**
 * Micro-benchmark of the per-chunk stream path: the crypto package's GCM transforms against a raw
 * `cipher.update()` loop and a bare `stream.Transform`, at 64 MiB in 64 KiB chunks, interleaved.
 *
 *   npx ts-node --transpile-only bench/stream-path.ts [--rounds 9] [--mib 64] [--only enc|dec] [--filter name,name]
 *     [--gc]         also: GC time, GC count and minor page faults inside the timed runs, per contender
 *     [--marks]      also: the transforms with other high-water marks (writable 2 chunks, readable 128 KiB)
 *     [--machinery]  only: the stream machinery with no cipher (chunks passed through), µs per chunk, per option set
 *
 * Each round runs every contender once (starting contender rotated), with a full GC before every run;
 * ratios are raw loop ÷ contender time of the same round, then median (min–max), for wall-clock time and for
 * process CPU time (all threads: less sensitive to the process being descheduled on a shared machine, but it
 * includes concurrent GC threads). Not part of `npm run bench`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { Transform, TransformCallback, TransformOptions, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { chunkSource as source } from './crypto-throughput';
import { maybeGc, nowMs, pairRatios, summarize } from './stats';
import { ContentParams } from '../packages/crypto/src/cipher/content-params';
import { GcmEncryptTransform, GcmUnauthenticatedDecryptTransform } from '../packages/crypto/src/cipher/gcm-streams';

const CHUNK = 64 * 1024;
const args = process.argv.slice(2);
function opt(name: string, dflt: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
}
const ROUNDS = Number(opt('rounds', '9'));
const TOTAL = Number(opt('mib', '64')) * 1024 * 1024;
const ONLY = opt('only', 'enc,dec').split(',');
const FILTER = opt('filter', '').split(',').filter((s) => s.length > 0);
const GC_STATS = args.includes('--gc');

/** GC pauses observed (start, duration, kind), for --gc: GC time inside timed runs, per contender. */
const gcEntries: { start: number; duration: number; kind: number }[] = [];
if (GC_STATS) {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcEntries.push({ start: e.startTime, duration: e.duration, kind: (e as unknown as { detail: { kind: number } }).detail.kind });
    }
  }).observe({ entryTypes: ['gc'] });
}

const params: ContentParams = { key: randomBytes(32), iv: randomBytes(12), aad: Buffer.from([0x00, 0x73]) };
const pool = randomBytes(TOTAL);
const ptChunks: Buffer[] = [];
for (let off = 0; off < TOTAL; off += CHUNK) {
  ptChunks.push(pool.subarray(off, Math.min(TOTAL, off + CHUNK)));
}

function encryptor() {
  const c = createCipheriv('aes-256-gcm', params.key, params.iv, { authTagLength: 16 });
  c.setAAD(params.aad!);
  return c;
}
function decryptor() {
  const d = createDecipheriv('aes-256-gcm', params.key, params.iv, { authTagLength: 16 });
  d.setAAD(params.aad!);
  return d;
}

// Ciphertext || tag, re-chunked to 64 KiB (the last chunk is the 16-byte tag for a whole number of chunks).
const ctAll = (() => {
  const c = encryptor();
  const parts = ptChunks.map((p) => c.update(p));
  parts.push(c.final(), c.getAuthTag());
  return Buffer.concat(parts);
})();
const ctChunks: Buffer[] = [];
for (let off = 0; off < ctAll.length; off += CHUNK) {
  ctChunks.push(ctAll.subarray(off, Math.min(ctAll.length, off + CHUNK)));
}
const ctBody = ctAll.subarray(0, TOTAL);
const ctTag = ctAll.subarray(TOTAL);
const bodyChunks: Buffer[] = [];
for (let off = 0; off < TOTAL; off += CHUNK) {
  bodyChunks.push(ctBody.subarray(off, Math.min(TOTAL, off + CHUNK)));
}

class CountingSink extends Writable {
  public bytes = 0;
  constructor() {
    super({ highWaterMark: CHUNK });
  }
  public _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.bytes += chunk.length;
    cb();
  }
}

/** The bench's bare Transform around the same cipher (no checks, no tag splitting). */
class BareTransform extends Transform {
  constructor(private readonly c: ReturnType<typeof encryptor> | ReturnType<typeof decryptor>, private readonly enc: boolean) {
    super({ highWaterMark: CHUNK });
  }
  public _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    cb(null, this.c.update(chunk));
  }
  public _flush(cb: TransformCallback): void {
    this.push(this.c.final());
    if (this.enc) {
      this.push((this.c as ReturnType<typeof encryptor>).getAuthTag());
    }
    cb();
  }
}

/** Stream machinery alone: the chunk passed through, no cipher. */
class NoCipherTransform extends Transform {
  constructor(options: TransformOptions = { highWaterMark: CHUNK }) {
    super(options);
  }
  public _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    cb(null, chunk);
  }
  public _flush(cb: TransformCallback): void {
    this.push(Buffer.alloc(16));
    cb();
  }
}

interface Contender {
  readonly name: string;
  run(): Promise<void>;
}

async function throughTransform(chunks: readonly Buffer[], t: Transform, expected: number): Promise<void> {
  const sink = new CountingSink();
  await pipeline(source(chunks), t, sink);
  if (sink.bytes !== expected) {
    throw new Error(`expected ${expected} bytes, got ${sink.bytes}`);
  }
}

const encContenders: Contender[] = [
  {
    name: 'raw loop',
    async run() {
      const c = encryptor();
      for (const p of ptChunks) {
        c.update(p);
      }
      c.final();
      c.getAuthTag();
    },
  },
  { name: 'bare Transform', run: () => throughTransform(ptChunks, new BareTransform(encryptor(), true), TOTAL + 16) },
  { name: 'no-cipher Transform (streams only)', run: () => throughTransform(ptChunks, new NoCipherTransform(), TOTAL + 16) },
  { name: 'GcmEncryptTransform', run: () => throughTransform(ptChunks, new GcmEncryptTransform(params, TOTAL), TOTAL + 16) },
];

const decContenders: Contender[] = [
  {
    name: 'raw loop',
    async run() {
      const d = decryptor();
      d.setAuthTag(ctTag);
      for (let off = 0; off < TOTAL; off += CHUNK) {
        d.update(ctBody.subarray(off, off + CHUNK));
      }
      d.final();
    },
  },
  {
    // The bare transform does no tag splitting: it gets the body (64 KiB chunks), the tag is set up front.
    name: 'bare Transform',
    run() {
      const d = decryptor();
      d.setAuthTag(ctTag);
      return throughTransform(bodyChunks, new BareTransform(d, false), TOTAL);
    },
  },
  { name: 'GcmUnauthenticatedDecryptTransform', run: () => throughTransform(ctChunks, new GcmUnauthenticatedDecryptTransform(params), TOTAL) },
];

/** Candidate variants register here (name, op, factory). */
export const candidates: { op: 'enc' | 'dec'; name: string; make: () => Transform }[] = [];

/** Patch a constructed transform's high-water marks (bench-only: to try settings without new classes). */
function withMarks<T extends Transform>(t: T, writable?: number, readable?: number): T {
  const st = t as unknown as { _writableState: { highWaterMark: number }; _readableState: { highWaterMark: number } };
  if (writable !== undefined) {
    st._writableState.highWaterMark = writable;
  }
  if (readable !== undefined) {
    st._readableState.highWaterMark = readable;
  }
  return t;
}

if (args.includes('--marks')) {
  for (const [w, r] of [[2, undefined], [undefined, 2 * CHUNK], [2, 2 * CHUNK]] as const) {
    const tag = `w${w ?? 1}/r${(r ?? CHUNK) / 1024}k`;
    candidates.push({ op: 'enc', name: `GcmEncryptTransform ${tag}`, make: () => withMarks(new GcmEncryptTransform(params, TOTAL), w, r) });
    candidates.push({ op: 'dec', name: `GcmUnauthenticatedDecryptTransform ${tag}`, make: () => withMarks(new GcmUnauthenticatedDecryptTransform(params), w, r) });
    candidates.push({ op: 'enc', name: `no-cipher Transform ${tag}`, make: () => withMarks(new NoCipherTransform(), w, r) });
  }
}

function fmtS(x: { median: number; min: number; max: number }): string {
  return `${x.median.toFixed(2)}x (${x.min.toFixed(2)}-${x.max.toFixed(2)})`;
}

async function measure(op: string, contenders: Contender[]): Promise<void> {
  const chosen = contenders.filter((c, i) => i === 0 || FILTER.length === 0 || FILTER.some((f) => c.name.includes(f)));
  // Warm-up: three runs each.
  for (let w = 0; w < 3; w++) {
    for (const c of chosen) {
      await c.run();
    }
  }
  const times = new Map<string, number[]>(chosen.map((c) => [c.name, []]));
  const windows = new Map<string, [number, number][]>(chosen.map((c) => [c.name, []]));
  const faults = new Map<string, number[]>(chosen.map((c) => [c.name, []]));
  const cpu = new Map<string, number[]>(chosen.map((c) => [c.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < chosen.length; k++) {
      const c = chosen[(k + r) % chosen.length];
      maybeGc();
      const t0 = nowMs();
      const p0 = performance.now();
      const f0 = process.resourceUsage().minorPageFault;
      const c0 = process.cpuUsage();
      await c.run();
      const c1 = process.cpuUsage(c0);
      cpu.get(c.name)!.push((c1.user + c1.system) / 1000);
      faults.get(c.name)!.push(process.resourceUsage().minorPageFault - f0);
      times.get(c.name)!.push(nowMs() - t0);
      windows.get(c.name)!.push([p0, performance.now()]);
    }
  }
  const raw = times.get(chosen[0].name)!;
  const rawCpu = cpu.get(chosen[0].name)!;
  const mib = TOTAL / (1024 * 1024);
  console.log(`\n${op}, ${mib} MiB in 64 KiB chunks, ${ROUNDS} rounds (median (min-max)); wall-clock MiB/s, wall ratio vs raw, `
    + 'CPU ms (process: all threads) and CPU ratio raw÷contender');
  for (const c of chosen) {
    const t = times.get(c.name)!;
    const s = summarize(t.map((ms) => mib / (ms / 1000)));
    const ratio = summarize(pairRatios(raw, t));
    console.log(`${c.name.padEnd(44)} ${s.median.toFixed(0).padStart(5)} MiB/s (${s.min.toFixed(0)}-${s.max.toFixed(0)})  `
      + `${ratio.median.toFixed(2)}x (${ratio.min.toFixed(2)}-${ratio.max.toFixed(2)})  `
      + `cpu ${summarize(cpu.get(c.name)!).median.toFixed(1).padStart(6)} ms  `
      + `${fmtS(summarize(pairRatios(rawCpu, cpu.get(c.name)!)))}`);
  }
  if (GC_STATS) {
    await new Promise((r) => setTimeout(r, 50));
    for (const c of chosen) {
      const ws = windows.get(c.name)!;
      const per = ws.map(([a, b]) => {
        const inRun = gcEntries.filter((e) => e.start >= a && e.start < b);
        const ms = (kind: number) => inRun.filter((e) => e.kind === kind).reduce((x, e) => x + e.duration, 0);
        return { n: inRun.length, minor: ms(1), major: ms(4), incr: ms(8), total: inRun.reduce((x, e) => x + e.duration, 0), wall: b - a };
      });
      const med = (f: (x: typeof per[number]) => number) => summarize(per.map(f)).median.toFixed(1);
      console.log(`  gc in run, ${c.name.padEnd(40)} wall ${med((x) => x.wall)} ms, gc ${med((x) => x.total)} ms `
        + `(count ${med((x) => x.n)}, scavenge ${med((x) => x.minor)}, mark-compact ${med((x) => x.major)}, incremental ${med((x) => x.incr)}), `
        + `minor page faults ${summarize(faults.get(c.name)!).median}`);
    }
  }
}

/**
 * --machinery: the stream machinery alone (chunks passed through, no cipher) for each option set, over
 * 16,384 chunks of 64 KiB (1 GiB of views of the pool), interleaved: microseconds per chunk, wall and CPU.
 */
async function machinery(): Promise<void> {
  const n = 16384;
  const many: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    many.push(ptChunks[i % ptChunks.length]);
  }
  const sets: [string, TransformOptions][] = [
    ['current: object-mode writable hwm 1, readable 64 KiB', { readableHighWaterMark: CHUNK, writableObjectMode: true, writableHighWaterMark: 1 }],
    ['byte-mode writable 64 KiB, readable 64 KiB (bare)', { highWaterMark: CHUNK }],
    ['object-mode writable hwm 2, readable 64 KiB', { readableHighWaterMark: CHUNK, writableObjectMode: true, writableHighWaterMark: 2 }],
    ['object-mode writable hwm 1, readable 128 KiB', { readableHighWaterMark: 2 * CHUNK, writableObjectMode: true, writableHighWaterMark: 1 }],
    ['object-mode writable hwm 2, readable 128 KiB', { readableHighWaterMark: 2 * CHUNK, writableObjectMode: true, writableHighWaterMark: 2 }],
  ];
  const wall = sets.map(() => [] as number[]);
  const cpu = sets.map(() => [] as number[]);
  for (let r = -3; r < ROUNDS; r++) {
    for (let k = 0; k < sets.length; k++) {
      const i = (k + Math.max(r, 0)) % sets.length;
      maybeGc();
      const t0 = nowMs();
      const c0 = process.cpuUsage();
      const sink = new CountingSink();
      await pipeline(source(many), new NoCipherTransform(sets[i][1]), sink);
      const c1 = process.cpuUsage(c0);
      if (r >= 0) {
        wall[i].push(((nowMs() - t0) * 1000) / n);
        cpu[i].push((c1.user + c1.system) / n);
      }
    }
  }
  console.log(`\nstream machinery only (no cipher), ${n} chunks of 64 KiB, ${ROUNDS} rounds: µs per chunk, median (min-max)`);
  sets.forEach(([name], i) => {
    const w = summarize(wall[i]);
    const c = summarize(cpu[i]);
    console.log(`${name.padEnd(56)} wall ${w.median.toFixed(2)} (${w.min.toFixed(2)}-${w.max.toFixed(2)})  cpu ${c.median.toFixed(2)} (${c.min.toFixed(2)}-${c.max.toFixed(2)})`);
  });
}

async function main(): Promise<void> {
  if (args.includes('--machinery')) {
    await machinery();
    return;
  }
  for (const cand of candidates) {
    const expected = cand.op === 'enc' ? TOTAL + 16 : TOTAL;
    (cand.op === 'enc' ? encContenders : decContenders).push({
      name: cand.name,
      run: () => throughTransform(cand.op === 'enc' ? ptChunks : ctChunks, cand.make(), expected),
    });
  }
  if (ONLY.includes('enc')) {
    await measure('encrypt', encContenders);
  }
  if (ONLY.includes('dec')) {
    await measure('decrypt (unauthenticated streaming)', decContenders);
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
