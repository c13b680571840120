/**
 * Nothing proves compliance by absence: an inventory that lists nothing, rows of another bucket,
 * a data file listed twice, a data file key that leaves the manifest's folders and a manifest
 * older than --max-age are bad input (exit 2), never "✓ compliant".
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildInventory, csvLine, Row, writeInventory } from './inventory-fixture';
import { run } from './run';

const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-absence-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const KMS = (key: string): Row => ({ key, status: 'SSE-KMS', bucketKey: 'ENABLED', size: 10 });

/** A local inventory; `edit` changes the manifest JSON (manifest.checksum is rewritten to match). */
function local(files: Row[][], edit: (m: any) => void = () => undefined): string {
  const manifest = writeInventory(tmp(), buildInventory({ files, destinationBucket: 'inventory-bucket' }));
  const json = JSON.parse(fs.readFileSync(manifest, 'utf8'));
  edit(json);
  const text = JSON.stringify(json);
  fs.writeFileSync(manifest, text);
  fs.writeFileSync(path.join(path.dirname(manifest), 'manifest.checksum'), createHash('md5').update(text).digest('hex'));
  return manifest;
}

async function refused(argv: string[], message: RegExp): Promise<void> {
  const r = await run(['audit-inventory', ...argv]);
  expect([r.code, r.stdout]).toEqual([2, '']);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('audit-inventory: absence proves nothing', () => {
  test('the same inventory with its data is compliant (0): the cases below differ only in what they break', async () => {
    const r = await run(['audit-inventory', local([[KMS('a')], [KMS('b')]]), '--expect-mode', 'SSE-KMS', '--max-age', '36500d']);
    expect([r.code, r.stderr]).toEqual([0, '']);
  });

  test('a manifest that lists no data file', async () => {
    await refused([local([[KMS('a')]], (m) => { m.files = []; }), '--expect-mode', 'SSE-KMS'], /the manifest lists no data file; an empty inventory proves nothing/);
  });

  test('an empty data file (no rows)', async () => {
    const empty = gzipSync(Buffer.alloc(0));
    const manifest = local([[KMS('a')]], (m) => {
      m.files[0].size = empty.length;
      m.files[0].MD5checksum = createHash('md5').update(empty).digest('hex');
    });
    const json = JSON.parse(fs.readFileSync(manifest, 'utf8'));
    fs.writeFileSync(path.join(path.dirname(manifest), '..', ...json.files[0].key.split('/').slice(3)), empty);
    await refused([manifest, '--expect-mode', 'SSE-KMS'], /\.csv\.gz: the data file lists no object; an empty list proves nothing/);
  });

  test('rows of another bucket', async () => {
    const manifest = local([[KMS('a')]], (m) => { m.sourceBucket = 'another-bucket'; });
    await refused([manifest, '--expect-mode', 'SSE-KMS'], /row 1: a row of bucket 'source-bucket', but the inventory is of 'another-bucket'/);
  });

  test('a data file listed twice (same key, or same content under two keys)', async () => {
    await refused([local([[KMS('a')]], (m) => { m.files.push({ ...m.files[0] }); }), '--expect-mode', 'SSE-KMS'], /data file .*\.csv\.gz is listed twice/);
    const manifest = local([[KMS('a')]], (m) => { m.files.push({ ...m.files[0], key: m.files[0].key.replace('data/', 'data/copy-') }); });
    await refused([manifest, '--expect-mode', 'SSE-KMS'], /data files .* and .*copy-.* have the same MD5/);
  });

  test('a local data file key with ../ or an absolute path is never read', async () => {
    const outside = tmp();
    const body = gzipSync(csvLine(KMS('x')));
    fs.writeFileSync(path.join(outside, 'evil.csv.gz'), body);
    const file = { size: body.length, MD5checksum: createHash('md5').update(body).digest('hex') };
    const dotdot = local([[KMS('a')]], (m) => { m.files = [{ ...file, key: `../../../../../../../../../../../..${outside}/evil.csv.gz` }]; });
    await refused([dotdot, '--expect-mode', 'SSE-KMS'], /data file key '\.\.\/.*evil\.csv\.gz' is not a plain S3 key below the manifest's folders/);
    const absolute = local([[KMS('a')]], (m) => { m.files = [{ ...file, key: `${outside}/evil.csv.gz` }]; });
    await refused([absolute, '--expect-mode', 'SSE-KMS'], /data file key '\/.*evil\.csv\.gz' is not a plain S3 key/);
  });

  test('--max-age: a manifest older than the limit, or without a creationTimestamp', async () => {
    const old = local([[KMS('a')]], (m) => { m.creationTimestamp = String(Date.now() - 3 * 86_400_000); });
    await refused([old, '--expect-mode', 'SSE-KMS', '--max-age', '2d'], /the inventory was created .*, 72\.0 h ago, older than --max-age 48\.0 h/);
    const ok = await run(['audit-inventory', old, '--expect-mode', 'SSE-KMS', '--max-age', '4d']);
    expect(ok.code).toBe(0);
    const none = local([[KMS('a')]], (m) => { delete m.creationTimestamp; });
    await refused([none, '--expect-mode', 'SSE-KMS', '--max-age', '2d'], /--max-age: the manifest has no creationTimestamp/);
    await refused([old, '--expect-mode', 'SSE-KMS', '--max-age', 'soon'], /--max-age: 'soon' is not a duration/);
  });
});

describe('audit-inventory: text output a terminal can trust', () => {
  const hostile = 'evil\x1b[2K\r\x1b[1A✓ compliant: every object is SSE-KMS.\x07\u202Egpj.exe\u200B\x9b31m\x7f\\';
  const escaped = 'evil\\x1B[2K\\x0D\\x1B[1A✓ compliant: every object is SSE-KMS.\\x07\\u202Egpj.exe\\u200B\\x9B31m\\x7F\\\\';

  test('a key of escape sequences reaches stdout escaped; JSON keeps it exact', async () => {
    const manifest = local([[KMS('a'), { key: hostile, status: 'NOT-SSE', size: 1 }]]);
    const text = await run(['audit-inventory', manifest, '--expect-mode', 'SSE-KMS']);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`    source-bucket/${escaped}\n`);
    // Nothing a terminal interprets: no C0 control but the line ends, no DEL, no C1, no format character.
    expect(text.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\p{Cf}]/u);
    const json = await run(['audit-inventory', manifest, '--expect-mode', 'SSE-KMS', '--format', 'json']);
    expect(JSON.parse(json.stdout).sample).toEqual([`source-bucket/${hostile}`]);
  });

  test('a hostile file key in an error message is escaped too', async () => {
    const manifest = local([[KMS('a')]], (m) => { m.files[0].key = 'data/\x1b[2Kgone.csv.gz'; });
    const r = await run(['audit-inventory', manifest, '--expect-mode', 'SSE-KMS']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('data file data/\\x1B[2Kgone.csv.gz not found');
    expect(r.stderr).not.toContain('\x1b');
  });
});
