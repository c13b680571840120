/**
 * Benchmark entry point (not part of the tests).
 *
 *   npx ts-node --transpile-only bench/run.ts [--quick] [--only crypto,memory,kms,synth] [--markdown FILE]
 *
 * --quick     short smoke run (smaller payloads, fewer rounds; under a minute or two)
 * --only      comma-separated subset of: crypto, memory, kms, synth, inventory
 * --markdown  also write the report (machine, tables, targets) to FILE
 */
import { execSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { CaseResult, cryptoMarkdown, runCrypto } from './crypto-throughput';
import { INVENTORY_RSS_TARGET_MIB, inventoryMarkdown, InventoryResult, runInventory } from './inventory';
import { kmsMarkdown, KmsResult, runKms } from './kms-requests';
import { MEMORY_TARGET_BYTES, memoryMarkdown, MemoryResult, runMemory } from './memory';
import { section } from './report';
import { runSynth, synthMarkdown, SynthResult } from './synth';

type Part = 'crypto' | 'memory' | 'kms' | 'synth' | 'inventory';
const PARTS: Part[] = ['crypto', 'memory', 'kms', 'synth', 'inventory'];

interface Args {
  readonly quick: boolean;
  readonly only: Part[];
  readonly markdown?: string;
}

function parseArgs(argv: string[]): Args {
  let quick = false;
  let only = PARTS;
  let markdown: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') {
      quick = true;
    } else if (a === '--only' || a.startsWith('--only=')) {
      const v = a.includes('=') ? a.split('=')[1] : argv[++i];
      const parts = (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      const bad = parts.filter((p) => !PARTS.includes(p as Part));
      if (parts.length === 0 || bad.length > 0) {
        throw new Error(`--only takes a comma-separated list of ${PARTS.join(', ')} (got ${v})`);
      }
      only = parts as Part[];
    } else if (a === '--markdown' || a.startsWith('--markdown=')) {
      markdown = a.includes('=') ? a.split('=')[1] : argv[++i];
    } else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: bench/run.ts [--quick] [--only crypto,memory,kms,synth,inventory] [--markdown FILE]\n');
      process.exit(0);
    } else {
      throw new Error(`unknown argument ${a}`);
    }
  }
  return { quick, only, markdown };
}

function tryRead(f: string): string {
  try {
    return readFileSync(f, 'utf8');
  } catch {
    return '';
  }
}

function sh(cmd: string): string {
  try {
    return execSync(cmd, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

function machine(commit: string): string[] {
  const cpu = /model name\s*:\s*(.*)/.exec(tryRead('/proc/cpuinfo'))?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const osName = /PRETTY_NAME="?([^"\n]*)/.exec(tryRead('/etc/os-release'))?.[1] ?? os.type();
  return [
    `- CPU: ${cpu}; ${os.availableParallelism()} logical CPUs available (nproc)`,
    `- RAM: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- OS: ${osName}, kernel ${os.release()} (${os.arch()})`,
    `- Node.js ${process.version}; OpenSSL ${process.versions.openssl}`,
    `- Commit: ${commit}`,
  ];
}

function load(): string {
  return os.loadavg().map((x) => x.toFixed(2)).join(' / ');
}

/** Target checks; one line each. */
function targets(crypto: CaseResult[], memory: MemoryResult[], synth: SynthResult[], inventory?: InventoryResult): string[] {
  const lines: string[] = [];
  for (const cr of crypto) {
    if (cr.c.bytes < 64 * 1024 * 1024) {
      continue;
    }
    for (const r of cr.results.filter((x) => x.name.startsWith('src/crypto'))) {
      const met = r.vsCeiling.median >= 0.85;
      lines.push(`- ${met ? 'met' : 'MISSED'}: ${cr.c.label} ${cr.c.mode} ${cr.op}, ${r.name}: ${r.vsCeiling.median.toFixed(2)}x the raw ceiling (target ≥0.85x)`);
    }
    for (const r of cr.results.filter((x) => x.reference && x.oursOverThis)) {
      lines.push(`- context: ${cr.c.label} ${cr.c.mode} ${cr.op}, src/crypto (default) is ${r.oursOverThis!.median.toFixed(2)}x ${r.name.replace('reference: ', 'the reference ')}, `
        + `which itself is ${r.vsCeiling.median.toFixed(2)}x the raw ceiling`);
    }
    for (const r of cr.results.filter((x) => x.oursOverThis && !x.reference)) {
      const ratio = r.oursOverThis!.median;
      lines.push(`- ${ratio >= 8 ? 'met' : 'MISSED'}: ${cr.c.label} ${cr.c.mode} ${cr.op}, src/crypto is ${ratio.toFixed(1)}x ${r.name.split(',')[0]}${r.name.includes('0x0478') ? ' (0x0478)' : ' (default)'} (target ≈8x)`);
    }
  }
  for (const m of memory) {
    lines.push(`- ${m.maxRss.max < MEMORY_TARGET_BYTES / 2 ** 20 ? 'met' : 'MISSED'}: peak RSS ${m.maxRss.max.toFixed(1)} MiB (worst run), ${m.label} (target <128 MiB)`);
  }
  if (inventory) {
    lines.push(`- ${inventory.maxRss.max < INVENTORY_RSS_TARGET_MIB ? 'met' : 'MISSED'}: audit-inventory of ${inventory.rows.toLocaleString('en-US')} rows, `
      + `peak RSS ${inventory.maxRss.max.toFixed(1)} MiB (worst run; target <${INVENTORY_RSS_TARGET_MIB} MiB), ${Math.round(inventory.rowsPerSecond.median).toLocaleString('en-US')} rows/s`);
  }
  for (const s of synth) {
    lines.push(`- ${s.ratio.median <= 1.5 ? 'met' : 'MISSED'}: synth of ${s.n} bucket(s) ${s.ratio.median.toFixed(2)}x hand-written (target ≤1.5x)`);
  }
  return lines;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const log = (s: string) => process.stderr.write(s + '\n');
  const started = new Date();
  const loadBefore = load();
  const commit = `${sh('git rev-parse --short HEAD')}${sh('git status --porcelain -- src') ? ' (src/ had uncommitted changes in the working tree)' : ''}`;
  const t0 = Date.now();
  let crypto: CaseResult[] = [];
  let memory: MemoryResult[] = [];
  let kms: KmsResult[] = [];
  let synth: SynthResult[] = [];
  let inventory: InventoryResult | undefined;
  const out: string[] = [];

  if (args.only.includes('crypto')) {
    log('crypto throughput ...');
    crypto = await runCrypto({ quick: args.quick }, log);
  }
  if (args.only.includes('memory')) {
    log('streaming memory (child process) ...');
    memory = runMemory({ quick: args.quick }, log);
  }
  if (args.only.includes('kms')) {
    log('KMS requests ...');
    kms = await runKms({ quick: args.quick }, log);
  }
  if (args.only.includes('synth')) {
    log('synth time ...');
    synth = runSynth({ quick: args.quick }, log);
  }
  if (args.only.includes('inventory')) {
    log('audit-inventory (child process) ...');
    inventory = await runInventory({ quick: args.quick }, log);
  }
  const seconds = (Date.now() - t0) / 1000;

  out.push(`## Run of ${started.toISOString()}${args.quick ? ' (--quick)' : ''}`, '');
  out.push(`Command: \`npx ts-node --transpile-only bench/run.ts${process.argv.slice(2).length ? ' ' + process.argv.slice(2).join(' ') : ''}\`, ${seconds.toFixed(0)} s.`, '');
  out.push(...machine(commit), `- Load average (1/5/15 min) before: ${loadBefore}; after: ${load()}`, '');
  if (crypto.length > 0) {
    out.push(section('1. Envelope encryption throughput (MiB/s)', cryptoMarkdown(crypto),
      'Same plaintext for every contender (one random 64 MiB pool; 1 GiB = the pool 16 times, generated on the fly in 64 KiB chunks). '
      + 'Each cell: median (min–max) over the timed runs after a warm-up; contenders interleaved, starting contender rotated each round; '
      + 'ratios are per-round pairs, then median (min–max). "vs raw ceiling" = contender ÷ raw node:crypto loop in the same round; '
      + '"src/crypto ÷ this" = src/crypto (default variant, same mode and op) ÷ that Encryption SDK or reference contender. '
      + 'The two "reference" contenders are raw node:crypto doing only what src/crypto must do beyond the ceiling: return one contiguous buffer '
      + '(whole-buffer), or store the whole ciphertext in a temp file before decrypting it (authenticated streaming above the in-memory limit). 1 MiB runs process the payload 16 times per timed run.'));
  }
  if (memory.length > 0) {
    out.push(section('2. Peak resident memory while streaming', memoryMarkdown(memory),
      'One child process per run (plain `node --expose-gc` on a transpiled copy of src/; TypeScript is not loaded), 64 KiB plaintext chunks from a 1 MiB pool. '
      + 'Peak = process.resourceUsage().maxRSS (whole process, including Node itself); "RSS before streaming" is the same process after loading the module.'));
  }
  if (kms.length > 0) {
    out.push(section('3. KMS requests for small objects', kmsMarkdown(kms),
      'In-process counting KMS client (no network, so objects/s shows the library\'s own cost only). Each object is encrypted, then each decrypted, with encryption context {tenant: bench}.'));
  }
  if (synth.length > 0) {
    out.push(section('4. Synth time: SecureBucket (SSE-KMS) vs the same resources written with plain L2s', synthMarkdown(synth),
      'Each run: new App + Stack, construct N buckets, app.synth() (to a temp outdir). Interleaved SecureBucket / hand-written, alternating which goes first; ratio per pair.'));
  }
  if (inventory) {
    out.push(section('5. audit-inventory: rows per second and peak memory', inventoryMarkdown(inventory),
      'A local S3 Inventory in the delivery format (gzip level 6 CSV, every field quoted, 12 columns) with 10% SSE-S3 objects among SSE-KMS ones, '
      + 'audited by the real command (`--expect-mode SSE-KMS --format json --batch-manifest`) in a child process (plain `node` on a transpiled copy of src/). '
      + 'rows/s = rows ÷ wall time of the command (MD5 of every file, gunzip, CSV parse, tally, batch manifest); peak = process.resourceUsage().maxRSS.'));
  }
  const t = targets(crypto, memory, synth, inventory);
  if (t.length > 0) {
    out.push('### Targets', '', ...t, '');
  }
  const md = out.join('\n');
  process.stdout.write(md + '\n');
  if (args.markdown) {
    writeFileSync(args.markdown, md + '\n');
    log(`wrote ${args.markdown}`);
  }
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e) + '\n');
  process.exit(1);
});
