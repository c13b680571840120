/**
 * Hostile input ends, every time, with exit 2, one clear line on stderr and no stack trace, within a
 * time and a memory bound: the CLI runs in a child process (test/inventory/cli-child.ts) whose peak
 * RSS is read from /proc; the endpoints are small loopback HTTP servers in this process.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildCliChild, ChildResult, CliChild } from './cli-child';
import { csvLine, SCHEMA, SOURCE_BUCKET } from './inventory-fixture';
import { writeParquet } from './parquet-fixture';
import { closeServer, listenOnLoopback } from '../fixtures/loopback';

const MiB = 1024 * 1024;
/** Far above what the child needs (about 60-120 MB) and far below what an unbounded read takes. */
const MEMORY_BOUND = 300 * MiB;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let child: CliChild;
let server: Server;
let endpoint: string;
const routes = new Map<string, Handler>();
const dirs: string[] = [];

beforeAll(async () => {
  child = buildCliChild();
  server = createServer((req, res) => {
    const handler = routes.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (handler) {
      handler(req, res);
      return;
    }
    const body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>';
    res.writeHead(404, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  endpoint = await listenOnLoopback(server);
}, 60_000);

afterAll(async () => {
  child?.dispose();
  if (server) await closeServer(server);
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const ENV = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_REGION: 'us-east-1', AWS_PROFILE: '' };

async function cli(argv: string[], timeoutMs = 60_000): Promise<ChildResult> {
  return child.run(['audit-inventory', ...argv, '--expect-mode', 'SSE-KMS'], { env: ENV, timeoutMs });
}

/** Exit 2, nothing on stdout, one line on stderr matching `message`, within the bounds. */
function expectRefused(r: ChildResult, message: RegExp, maxMs: number): void {
  expect([r.code, r.stdout]).toEqual([2, '']);
  expect(r.stderr).toMatch(message);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
  expect(r.ms).toBeLessThan(maxMs);
  expect(r.peakRss).toBeGreaterThan(10 * MiB);
  expect(r.peakRss).toBeLessThan(MEMORY_BOUND);
}

/** Writes `chunk` forever, as fast as the client reads, until the client goes away. */
function endless(res: ServerResponse, chunk: Buffer, head?: Buffer): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  if (head) res.write(head);
  const pump = () => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once('drain', pump);
  };
  res.on('close', () => res.removeAllListeners('drain'));
  pump();
}

function manifestText(files: Array<{ key: string; size: number; md5: string }>): string {
  return JSON.stringify({
    sourceBucket: SOURCE_BUCKET,
    destinationBucket: 'arn:aws:s3:::inv',
    version: '2016-11-30',
    creationTimestamp: String(Date.now()),
    fileFormat: 'CSV',
    fileSchema: SCHEMA.join(', '),
    files: files.map((f) => ({ key: f.key, size: f.size, MD5checksum: f.md5 })),
  });
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

/** A local inventory of one data file with these exact bytes (size and MD5 declared truthfully). */
function localInventory(data: Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-'));
  dirs.push(dir);
  fs.mkdirSync(path.join(dir, 'data'));
  fs.writeFileSync(path.join(dir, 'data', 'one.csv.gz'), data);
  const manifest = path.join(dir, 'manifest.json');
  fs.writeFileSync(manifest, manifestText([{ key: 'data/one.csv.gz', size: data.length, md5: md5(data) }]));
  return manifest;
}

/** `count` gzip members of `member` decompressed bytes of `byte` (a gzip file may hold several members). */
function repeatedGzip(byte: string, member: number, count: number): Buffer {
  const one = gzipSync(Buffer.alloc(member, byte), { level: 9 });
  return Buffer.concat(Array.from({ length: count }, () => one));
}

describe('audit-inventory: hostile input is exit 2, bounded in time and memory', () => {
  test('an endpoint that streams the manifest forever: stopped at --max-manifest-bytes (64 MiB by default)', async () => {
    routes.set('/inv/endless/manifest.json', (_req, res) => endless(res, Buffer.alloc(64 * 1024, 'x'), Buffer.from('{"files": "')));
    const r = await cli(['s3://inv/endless/manifest.json', '--endpoint-url', endpoint]);
    expectRefused(r, /^cdk-secure-bucket: s3:\/\/inv\/endless\/manifest\.json: more than 64 MiB \(--max-manifest-bytes\); stopped reading$/m, 30_000);
  }, 60_000);

  test('a data file longer than the manifest declares: stopped at the declared size', async () => {
    const first = gzipSync(csvLine({ key: 'a', status: 'SSE-KMS' }));
    const declared = first.length;
    const text = manifestText([{ key: 'long/data/1.csv.gz', size: declared, md5: md5(first) }]);
    routes.set('/inv/long/manifest.json', (_req, res) => res.end(text));
    routes.set('/inv/long/data/1.csv.gz', (_req, res) => endless(res, first, first));
    const r = await cli(['s3://inv/long/manifest.json', '--endpoint-url', endpoint]);
    expectRefused(r, new RegExp(`^cdk-secure-bucket: s3://inv/long/data/1\\.csv\\.gz: more than ${declared} B \\(the manifest declares ${declared} bytes\\); stopped reading$`, 'm'), 30_000);
  }, 60_000);

  test('an endpoint that never answers: --request-timeout', async () => {
    routes.set('/inv/silent/manifest.json', () => undefined);
    const r = await cli(['s3://inv/silent/manifest.json', '--endpoint-url', endpoint, '--request-timeout', '2s']);
    expectRefused(r, /^cdk-secure-bucket: s3:\/\/inv\/silent\/manifest\.json: no response within 2 s \(--request-timeout sets this limit\)$/m, 20_000);
    expect(r.ms).toBeGreaterThanOrEqual(2_000);
  }, 60_000);

  test('a body that stalls halfway: --idle-timeout', async () => {
    routes.set('/inv/stall/manifest.json', (_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write(Buffer.alloc(100, ' '));
    });
    const r = await cli(['s3://inv/stall/manifest.json', '--endpoint-url', endpoint, '--idle-timeout', '2s']);
    expectRefused(r, /^cdk-secure-bucket: s3:\/\/inv\/stall\/manifest\.json: no data for 2 s after 100 B \(the connection stalled; --idle-timeout sets this limit\)$/m, 20_000);
    expect(r.ms).toBeGreaterThanOrEqual(2_000);
  }, 60_000);

  test('a data file that stalls halfway: --idle-timeout', async () => {
    const data = gzipSync(csvLine({ key: 'a', status: 'SSE-KMS' }));
    const text = manifestText([{ key: 'stall2/data/1.csv.gz', size: data.length, md5: md5(data) }]);
    routes.set('/inv/stall2/manifest.json', (_req, res) => res.end(text));
    routes.set('/inv/stall2/data/1.csv.gz', (_req, res) => {
      res.writeHead(200, { 'content-length': String(data.length) });
      res.write(data.subarray(0, 10));
    });
    const r = await cli(['s3://inv/stall2/manifest.json', '--endpoint-url', endpoint, '--idle-timeout', '1500ms']);
    expectRefused(r, /^cdk-secure-bucket: s3:\/\/inv\/stall2\/data\/1\.csv\.gz: no data for 1500 ms after 10 B/m, 20_000);
  }, 60_000);

  test('a 600 MB CSV row: stopped at --max-row-length (65536 by default)', async () => {
    const manifest = localInventory(repeatedGzip('a', MiB, 600));
    const r = await cli([manifest]);
    expectRefused(r, /one\.csv\.gz: row 1 is longer than 65536 characters \(--max-row-length\)/, 30_000);
  }, 60_000);

  test('a gzip bomb: stopped at --max-expansion (100 times the declared size, plus 1 MiB)', async () => {
    // 1,000 members of 1 MiB of line ends: 1 GiB from about 1 MB.
    const bomb = repeatedGzip('\n', MiB, 1000);
    const manifest = localInventory(bomb);
    const r = await cli([manifest]);
    expectRefused(r, /one\.csv\.gz: decompresses to more than [\d.]+ MiB, 100 times its declared [\d.]+ MiB \(--max-expansion\)/, 30_000);
  }, 60_000);

  test('Parquet: a footer over --max-manifest-bytes, pages that decompress past --max-expansion', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-'));
    dirs.push(dir);
    const file = path.join(dir, 'live.parquet');
    // 4,000 keys of 1,000 characters: about 4 MB of strings that SNAPPY shrinks about 20 times.
    const n = 4000;
    writeParquet(file, [
      { name: 'bucket', type: 'STRING', data: Array.from({ length: n }, () => SOURCE_BUCKET) },
      { name: 'key', type: 'STRING', data: Array.from({ length: n }, (_, i) => `${'k'.repeat(1000)}${i}`) },
      { name: 'encryption_status', type: 'STRING', data: Array.from({ length: n }, () => 'SSE-KMS') },
      { name: 'kms_key_arn', type: 'STRING', data: Array.from({ length: n }, () => null) },
    ]);
    const argv = [file, '--source-bucket', SOURCE_BUCKET];
    const footer = await cli([...argv, '--max-manifest-bytes', '64']);
    expectRefused(footer, /live\.parquet: a Parquet footer of [\d.]+ (B|KiB), more than 64 B \(--max-manifest-bytes\)/, 30_000);
    const bomb = await cli([...argv, '--max-expansion', '2']);
    expectRefused(bomb, /live\.parquet: decompresses to more than [\d.]+ MiB, 2 times its [\d.]+ KiB \(--max-expansion; SNAPPY pages\)/, 30_000);
    // The same file within the default limits: read, every object counted.
    const ok = await cli(argv);
    expect([ok.code, ok.stderr]).toEqual([0, '']);
    expect(ok.stdout).toContain('4,000 object(s)');
  }, 90_000);
});
