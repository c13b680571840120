/**
 * `audit-inventory` throughput and peak memory on a large local inventory: N rows (5,000,000 by
 * default, 500,000 with --quick) in 10 gzip CSV data files in S3 Inventory's delivery format,
 * 10% of them non-compliant (so the batch manifest writer runs too). The audit runs in a child
 * process (plain `node` on a transpiled copy of src/), like bench/memory.ts; peak =
 * process.resourceUsage().maxRSS of that process. Generation is not timed.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { runNodeChild } from './child';
import { fmt, fmtSummary, table } from './report';
import { summarize, Summary } from './stats';
import { tsFilesUnder, writeTranspiledCopy } from '../test/fixtures/transpiled-copy';

const ROOT = join(__dirname, '..');
const MiB = 1024 * 1024;
export const INVENTORY_RSS_TARGET_MIB = 150;
const FILES = 10;
const SCHEMA = 'Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, LastModifiedDate, ETag, StorageClass, IsMultipartUploaded, EncryptionStatus, BucketKeyStatus';

export interface InventoryResult {
  readonly rows: number;
  readonly gzipBytes: number;
  readonly rowsPerSecond: Summary;
  readonly maxRss: Summary;
  readonly sampledPeak: Summary;
}

function buildChild(dir: string): string {
  writeTranspiledCopy([...tsFilesUnder(join(ROOT, 'src')), join(ROOT, 'bench', 'inventory-child.ts')], dir);
  // package-info.ts reads ../../package.json from lib/check.
  writeFileSync(join(dir, 'package.json'), readFileSync(join(ROOT, 'package.json')));
  return join(dir, 'bench', 'inventory-child.js');
}

/** One data file of `rows` rows, generated and gzipped as a stream; returns its size and MD5. */
async function writeDataFile(file: string, first: number, rows: number): Promise<{ size: number; md5: string }> {
  let i = 0;
  const batch = 1000;
  const source = new Readable({
    read() {
      if (i >= rows) {
        this.push(null);
        return;
      }
      let s = '';
      for (let n = 0; n < batch && i < rows; n++, i++) {
        const id = first + i;
        const bad = id % 10 === 0;
        s += `"source-bucket","data/${(id % 997).toString(16)}/object-${id}.parquet","","true","false","${(id * 7919) % 10_000_000}",`
          + `"2026-11-01T00:00:00.000Z","0123456789abcdef0123456789abcdef","STANDARD","false","${bad ? 'SSE-S3' : 'SSE-KMS'}","${bad ? 'DISABLED' : 'ENABLED'}"\n`;
      }
      this.push(s);
    },
  });
  const hash = createHash('md5');
  let size = 0;
  await pipeline(source, createGzip({ level: 6 }), new Transform({
    transform(chunk: Buffer, _e, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  }), createWriteStream(file));
  return { size, md5: hash.digest('hex') };
}

export async function runInventory(o: { quick: boolean }, log: (s: string) => void): Promise<InventoryResult> {
  const rows = o.quick ? 500_000 : 5_000_000;
  const runs = o.quick ? 1 : 3;
  const dir = mkdtempSync(join(tmpdir(), 'bench-inventory-'));
  try {
    const child = buildChild(join(dir, 'build'));
    const base = join(dir, 'inv', 'source-bucket', 'daily');
    mkdirSync(join(base, 'data'), { recursive: true });
    mkdirSync(join(base, '2026-11-30T00-00Z'), { recursive: true });
    const files = [];
    let gzipBytes = 0;
    for (let f = 0; f < FILES; f++) {
      const key = `inv/source-bucket/daily/data/part-${f}.csv.gz`;
      const n = Math.floor(rows / FILES) + (f < rows % FILES ? 1 : 0);
      const { size, md5 } = await writeDataFile(join(dir, key), f * Math.ceil(rows / FILES), n);
      gzipBytes += size;
      files.push({ key, size, MD5checksum: md5 });
    }
    const manifest = join(base, '2026-11-30T00-00Z', 'manifest.json');
    writeFileSync(manifest, JSON.stringify({
      sourceBucket: 'source-bucket',
      destinationBucket: 'arn:aws:s3:::inventory-bucket',
      version: '2016-11-30',
      creationTimestamp: '1764460800000',
      fileFormat: 'CSV',
      fileSchema: SCHEMA,
      files,
    }));
    log(`  inventory: ${fmt(rows)} rows in ${FILES} gzip files, ${fmt(gzipBytes / MiB, 1)} MiB`);
    type ChildOut = {
      rows: number; nonCompliant: number; code: number; ms: number; maxRssBytes: number; peakSampledRssBytes: number; baselineRssBytes: number;
    };
    const samples: ChildOut[] = [];
    for (let r = 0; r < runs; r++) {
      const out = runNodeChild(child, [manifest, join(dir, 'fix.csv')], { what: 'inventory child' }) as ChildOut;
      if (out.rows !== rows || out.nonCompliant !== rows / 10 || out.code !== 1) throw new Error(`inventory child miscounted: ${JSON.stringify(out)}`);
      samples.push(out);
      log(`  run ${r + 1}: ${fmt(out.rows / (out.ms / 1000))} rows/s, maxRSS ${fmt(out.maxRssBytes / MiB, 1)} MiB (RSS before the audit ${fmt(out.baselineRssBytes / MiB, 1)} MiB)`);
    }
    return {
      rows,
      gzipBytes,
      rowsPerSecond: summarize(samples.map((s) => s.rows / (s.ms / 1000))),
      maxRss: summarize(samples.map((s) => s.maxRssBytes / MiB)),
      sampledPeak: summarize(samples.map((s) => s.peakSampledRssBytes / MiB)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function inventoryMarkdown(r: InventoryResult): string {
  return table(
    ['inventory', 'gzip MiB', 'rows/s median (min–max)', 'peak RSS MiB (maxRSS)', 'peak sampled RSS MiB', `target <${INVENTORY_RSS_TARGET_MIB} MiB`],
    [[`${fmt(r.rows)} rows, ${FILES} files, 10% non-compliant`, fmt(r.gzipBytes / MiB, 1), fmtSummary(r.rowsPerSecond), fmtSummary(r.maxRss, 1),
      fmtSummary(r.sampledPeak, 1), r.maxRss.max < INVENTORY_RSS_TARGET_MIB ? 'met' : 'MISSED']],
  );
}
