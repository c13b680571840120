/**
 * Peak resident memory while streaming N bytes (1 GiB) through src/crypto encryptStream and
 * decryptStream, measured in a child process. The child runs plain `node --expose-gc` on a
 * transpiled copy of src/ and bench/memory-child.ts (TypeScript itself is not loaded there).
 * Peak = process.resourceUsage().maxRSS; a 20 ms sampled process.memoryUsage().rss is reported too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNodeChild } from './child';
import { fmt, fmtSummary, table } from './report';
import { summarize, Summary } from './stats';
import { tsFilesUnder, writeTranspiledCopy } from '../test/fixtures/transpiled-copy';

const ROOT = join(__dirname, '..');
const MiB = 1024 * 1024;
export const MEMORY_TARGET_BYTES = 128 * MiB;

/** Transpile the crypto package's sources and the child into a temp dir (CommonJS), returning the child's path. */
function buildChild(): { dir: string; child: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bench-memory-'));
  writeTranspiledCopy([...tsFilesUnder(join(ROOT, 'packages', 'crypto', 'src')), join(ROOT, 'bench', 'memory-child.ts')], dir);
  return { dir, child: join(dir, 'bench', 'memory-child.js') };
}

interface ChildOut {
  what: string;
  bytes: number;
  ms: number;
  maxRssBytes: number;
  peakSampledRssBytes: number;
  vmHwmBytes: number;
  baselineRssBytes: number;
}

export interface MemoryResult {
  readonly what: string;
  readonly label: string;
  readonly bytes: number;
  readonly maxRss: Summary;
  readonly sampledPeak: Summary;
  readonly vmHwm: Summary;
  readonly baseline: Summary;
  readonly mibps: Summary;
}

const LABELS: Record<string, string> = {
  'encrypt': 'encryptStream only',
  'auth': 'encryptStream → decryptStream (default: authenticated, length declared as S3 does: spools from the first byte)',
  'auth-unknown-length': 'encryptStream → decryptStream (default: authenticated, length not declared: holds up to maxInMemoryBytes, then spools)',
  'unauth': 'encryptStream → decryptStream (allowUnauthenticatedStreaming)',
};

export function runMemory(o: { quick: boolean }, log: (s: string) => void): MemoryResult[] {
  const bytes = o.quick ? 64 * MiB : 1024 * MiB;
  const runs = o.quick ? 1 : 3;
  const { dir, child } = buildChild();
  try {
    const out: MemoryResult[] = [];
    for (const what of ['encrypt', 'auth', 'auth-unknown-length', 'unauth']) {
      const samples: ChildOut[] = [];
      for (let r = 0; r < runs; r++) {
        samples.push(runNodeChild(child, [String(bytes), what], { nodeArgs: ['--expose-gc'], what: `memory child (${what})` }) as ChildOut);
      }
      const r: MemoryResult = {
        what,
        label: LABELS[what],
        bytes,
        maxRss: summarize(samples.map((s) => s.maxRssBytes / MiB)),
        sampledPeak: summarize(samples.map((s) => s.peakSampledRssBytes / MiB)),
        vmHwm: summarize(samples.map((s) => s.vmHwmBytes / MiB)),
        baseline: summarize(samples.map((s) => s.baselineRssBytes / MiB)),
        mibps: summarize(samples.map((s) => (s.bytes / MiB) / (s.ms / 1000))),
      };
      out.push(r);
      log(`  memory ${what}: maxRSS ${fmt(r.maxRss.median)} MiB (baseline ${fmt(r.baseline.median)} MiB), ${fmt(r.mibps.median)} MiB/s`);
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function memoryMarkdown(results: readonly MemoryResult[]): string {
  return table(
    ['pipeline', 'bytes streamed', 'peak RSS MiB (maxRSS) median (min–max)', 'VmHWM MiB', 'peak sampled RSS MiB', 'RSS before streaming MiB', 'target <128 MiB', 'end-to-end MiB/s'],
    results.map((r) => [
      r.label, `${fmt(r.bytes / MiB)} MiB`, fmtSummary(r.maxRss, 1), fmtSummary(r.vmHwm, 1), fmtSummary(r.sampledPeak, 1), fmtSummary(r.baseline, 1),
      r.maxRss.max < MEMORY_TARGET_BYTES / MiB ? 'met' : 'MISSED', fmtSummary(r.mibps),
    ]),
  );
}
