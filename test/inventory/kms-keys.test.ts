/**
 * The key-aware audit: SSE-KMS objects under a key other than --expect-kms-key are found and go
 * into the fix manifests, through a Parquet export of the S3 Metadata live inventory table (read
 * in a child process: the Parquet reader is an ES module, see cli-child.ts), through an S3
 * Inventory in Parquet format, and through --verify-kms-keys (HeadObject on the local S3 behind
 * the SSE front, which answers with the key each object was written under).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildCliChild, CliChild } from './cli-child';
import { buildInventory, Row } from './inventory-fixture';
import { writeParquet } from './parquet-fixture';
import { run } from './run';
import { S3SseFront, startS3SseFront } from '../fixtures/s3-sse-front';

const ACCOUNT = '111122223333';
const KEY_A = `arn:aws:kms:us-east-1:${ACCOUNT}:key/aaaaaaaa-1111-2222-3333-000000000001`;
const KEY_B = `arn:aws:kms:us-east-1:${ACCOUNT}:key/bbbbbbbb-1111-2222-3333-000000000002`;
const SOURCE = 'source-bucket';

let child: CliChild;
const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-kms-'));
  dirs.push(d);
  return d;
}
beforeAll(() => { child = buildCliChild(); }, 60_000);
afterAll(() => {
  child?.dispose();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

interface LiveRow {
  key: string;
  status: string;
  kmsKeyArn: string | null;
  bucketKey?: boolean;
  bucket?: string;
  size?: number;
  versionId?: string;
}

/** An export of the live inventory table with its documented column names. */
function liveExport(rows: LiveRow[], file = path.join(tmp(), 'live.parquet')): string {
  writeParquet(file, [
    { name: 'bucket', type: 'STRING', data: rows.map((r) => r.bucket ?? SOURCE) },
    { name: 'key', type: 'STRING', data: rows.map((r) => r.key) },
    { name: 'sequence_number', type: 'STRING', data: rows.map((_, i) => String(1000 + i)) },
    { name: 'version_id', type: 'STRING', data: rows.map((r) => r.versionId ?? null) },
    { name: 'is_delete_marker', type: 'BOOLEAN', data: rows.map(() => false) },
    { name: 'size', type: 'INT64', data: rows.map((r) => r.size ?? 100) },
    { name: 'storage_class', type: 'STRING', data: rows.map(() => 'STANDARD') },
    { name: 'encryption_status', type: 'STRING', data: rows.map((r) => r.status) },
    { name: 'is_bucket_key_enabled', type: 'BOOLEAN', data: rows.map((r) => r.bucketKey ?? true) },
    { name: 'kms_key_arn', type: 'STRING', data: rows.map((r) => r.kmsKeyArn) },
  ], { rowGroupSize: 2 });
  return file;
}

const ROWS: LiveRow[] = [
  { key: 'ok', status: 'SSE-KMS', kmsKeyArn: KEY_A },
  { key: 'old key/1', status: 'SSE-KMS', kmsKeyArn: KEY_B },
  { key: 'no-key', status: 'SSE-KMS', kmsKeyArn: null },
  { key: 's3', status: 'SSE-S3', kmsKeyArn: null },
  { key: 'dsse', status: 'DSSE-KMS', kmsKeyArn: KEY_A },
];

describe('--expect-kms-key through an S3 Metadata live inventory export (Parquet)', () => {
  test('objects under another key (or none) are non-compliant and go to the update-encryption manifest', async () => {
    const out = path.join(tmp(), 'fix.csv');
    const r = await child.run(['audit-inventory', liveExport(ROWS), '--source-bucket', SOURCE, '--expect-mode', 'SSE-KMS',
      '--expect-kms-key', KEY_A, '--batch-manifest', out, '--format', 'json']);
    expect([r.code, r.stderr]).toEqual([1, '']);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ objects: 5, nonCompliant: 4, otherKey: 2, compliant: false, expect: { mode: 'SSE-KMS', kmsKeys: [KEY_A] } });
    expect(j.byKmsKey).toEqual({ [KEY_A]: { objects: 1, bytes: 100 }, [KEY_B]: { objects: 1, bytes: 100 }, '(none)': { objects: 1, bytes: 100 } });
    expect(j.sample).toEqual([`${SOURCE}/old key/1 under key ${KEY_B}`, `${SOURCE}/no-key under key (none)`, `${SOURCE}/s3`, `${SOURCE}/dsse`]);
    expect(fs.readFileSync(path.join(path.dirname(out), 'fix-update-encryption.csv'), 'utf8'))
      .toBe(`${SOURCE},old%20key/1\n${SOURCE},no-key\n${SOURCE},s3\n`);
    expect(fs.readFileSync(path.join(path.dirname(out), 'fix-copy.csv'), 'utf8')).toBe(`${SOURCE},dsse\n`);
  }, 60_000);

  test('every SSE-KMS object under one of the keys: 0; the text report names the keys', async () => {
    const file = liveExport([ROWS[0], ROWS[1]]);
    const r = await child.run(['audit-inventory', file, '--source-bucket', SOURCE, '--expect-mode', 'SSE-KMS', '--expect-kms-key', `${KEY_A},${KEY_B}`]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain(`✓ compliant: every object is SSE-KMS under one of the keys ${KEY_A}, ${KEY_B}.`);
    expect(r.stdout).toContain(`  key ${KEY_B}: 1 object(s) 100 B`);
    const one = await child.run(['audit-inventory', file, '--source-bucket', SOURCE, '--expect-mode', 'SSE-KMS', '--expect-kms-key', KEY_A]);
    expect(one.code).toBe(1);
    expect(one.stdout).toContain(`    ${SOURCE}/old key/1 under key ${KEY_B}`);
  }, 60_000);

  test('a versioned row of an export (no is_latest) is never copied in place; UpdateObjectEncryption still lists it', async () => {
    const out = path.join(tmp(), 'v.csv');
    const r = await child.run(['audit-inventory', liveExport([
      { key: 'v', status: 'DSSE-KMS', kmsKeyArn: KEY_A, versionId: 'v1' },
      { key: 'w', status: 'SSE-KMS', kmsKeyArn: KEY_B, versionId: 'v2' },
    ]), '--source-bucket', SOURCE, '--expect-mode', 'SSE-KMS', '--expect-kms-key', KEY_A, '--batch-manifest', out, '--format', 'json']);
    expect([r.code, r.stderr]).toEqual([1, '']);
    expect(JSON.parse(r.stdout).remediation).toEqual({
      byOperation: { S3UpdateObjectEncryption: 1 },
      notRemediable: { 'a noncurrent version cannot be copied in place (delete it or let a lifecycle rule expire it)': 1 },
    });
    expect(fs.readFileSync(path.join(path.dirname(out), 'v-update-encryption.csv'), 'utf8')).toBe(`${SOURCE},w,v2\n`);
    expect(fs.existsSync(path.join(path.dirname(out), 'v-copy.csv'))).toBe(false);
  }, 60_000);

  test('bad exports: rows of another bucket, an empty export, no kms_key_arn column, not Parquet', async () => {
    const argv = (file: string) => ['audit-inventory', file, '--source-bucket', SOURCE, '--expect-mode', 'SSE-KMS', '--expect-kms-key', KEY_A];
    const other = await child.run(argv(liveExport([ROWS[0], { ...ROWS[0], bucket: 'other' }])));
    expect([other.code, other.stdout]).toEqual([2, '']);
    expect(other.stderr).toMatch(/live\.parquet: row 2: a row of bucket 'other', but the inventory is of 'source-bucket'/);
    const empty = await child.run(argv(liveExport([])));
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/the export lists no object; an empty list proves nothing/);
    const noKey = path.join(tmp(), 'nokey.parquet');
    writeParquet(noKey, [
      { name: 'bucket', type: 'STRING', data: [SOURCE] },
      { name: 'key', type: 'STRING', data: ['a'] },
      { name: 'encryption_status', type: 'STRING', data: ['SSE-KMS'] },
    ]);
    const nk = await child.run(argv(noKey));
    expect(nk.code).toBe(2);
    expect(nk.stderr).toMatch(/no kms_key_arn column/);
    const junk = path.join(tmp(), 'junk.parquet');
    fs.writeFileSync(junk, 'not parquet at all');
    const j = await child.run(argv(junk));
    expect(j.code).toBe(2);
    expect(j.stderr).toMatch(/junk\.parquet: not a readable Parquet file \(no PAR1 footer\)/);
    expect(`${other.stderr}${empty.stderr}${nk.stderr}${j.stderr}`).not.toMatch(/\n\s+at /);
  }, 60_000);
});

describe('an S3 Inventory in Parquet format', () => {
  /** A local S3 Inventory whose one data file is Parquet with S3 Inventory's column names. */
  function parquetInventory(rows: Row[]): string {
    const root = tmp();
    const dataKey = `inv/${SOURCE}/daily/data/1.parquet`;
    const dataFile = path.join(root, ...dataKey.split('/'));
    fs.mkdirSync(path.dirname(dataFile), { recursive: true });
    writeParquet(dataFile, [
      { name: 'bucket', type: 'STRING', data: rows.map(() => SOURCE) },
      { name: 'key', type: 'STRING', data: rows.map((r) => r.key) },
      { name: 'version_id', type: 'STRING', data: rows.map((r) => r.versionId ?? null) },
      { name: 'is_latest', type: 'BOOLEAN', data: rows.map((r) => r.isLatest !== false) },
      { name: 'is_delete_marker', type: 'BOOLEAN', data: rows.map((r) => r.deleteMarker === true) },
      { name: 'size', type: 'INT64', data: rows.map((r) => r.size ?? 100) },
      { name: 'storage_class', type: 'STRING', data: rows.map(() => 'STANDARD') },
      { name: 'encryption_status', type: 'STRING', data: rows.map((r) => r.status) },
      { name: 'bucket_key_status', type: 'STRING', data: rows.map((r) => r.bucketKey ?? 'DISABLED') },
    ], { codec: 'GZIP' });
    const body = fs.readFileSync(dataFile);
    const manifest = path.join(root, 'inv', SOURCE, 'daily', '2026-12-01T00-00Z', 'manifest.json');
    fs.mkdirSync(path.dirname(manifest), { recursive: true });
    fs.writeFileSync(manifest, JSON.stringify({
      sourceBucket: SOURCE,
      destinationBucket: 'arn:aws:s3:::inventory-bucket',
      version: '2016-11-30',
      creationTimestamp: String(Date.now()),
      fileFormat: 'Parquet',
      fileSchema: 'message s3.inventory { required binary bucket (STRING); required binary key (STRING); ... }',
      files: [{ key: dataKey, size: body.length, MD5checksum: createHash('md5').update(body).digest('hex') }],
    }));
    return manifest;
  }

  test('counts by status, bucket key and remediation; keys are not URL-encoded in Parquet', async () => {
    const manifest = parquetInventory([
      { key: 'a b', status: 'SSE-KMS', bucketKey: 'ENABLED' },
      { key: 'c', status: 'SSE-S3' },
      { key: 'd', status: 'NOT-SSE' },
      { key: 'e', status: '', deleteMarker: true },
    ]);
    const out = path.join(tmp(), 'fix.csv');
    const r = await child.run(['audit-inventory', manifest, '--expect-mode', 'SSE-KMS', '--expect-bucket-key', '--batch-manifest', out, '--format', 'json']);
    expect([r.code, r.stderr]).toEqual([1, '']);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ files: 1, objects: 3, deleteMarkers: 1, nonCompliant: 2, bytes: 300 });
    expect(j.byBucketKeyStatus).toEqual({ ENABLED: { objects: 1, bytes: 100 }, DISABLED: { objects: 2, bytes: 200 } });
    expect(fs.readFileSync(path.join(path.dirname(out), 'fix-update-encryption.csv'), 'utf8')).toBe(`${SOURCE},c\n`);
    expect(fs.readFileSync(path.join(path.dirname(out), 'fix-copy.csv'), 'utf8')).toBe(`${SOURCE},d\n`);
  }, 60_000);

  test('--expect-kms-key on an S3 Inventory without --verify-kms-keys: 2 (S3 Inventory has no key field)', async () => {
    const r = await run(['audit-inventory', parquetInventory([{ key: 'a', status: 'SSE-KMS' }]), '--expect-mode', 'SSE-KMS', '--expect-kms-key', KEY_A]);
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toMatch(/--expect-kms-key: S3 Inventory has no KMS key field; add --verify-kms-keys/);
  });
});

describe('--expect-kms-key: bad values', () => {
  test('an alias (name or ARN) or a bare key id is refused; keys need a KMS mode', async () => {
    const m = 's3://b/manifest.json';
    for (const [value, message] of [
      ['alias/aws/s3', /'alias\/aws\/s3' is an alias; give the key ARN/],
      [`arn:aws:kms:us-east-1:${ACCOUNT}:alias/app`, /is an alias; give the key ARN/],
      ['1234abcd-12ab-34cd-56ef-1234567890ab', /is not a KMS key ARN/],
    ] as const) {
      const r = await run(['audit-inventory', m, '--expect-mode', 'SSE-KMS', '--verify-kms-keys', '--expect-kms-key', value]);
      expect([r.code, r.stdout]).toEqual([2, '']);
      expect(r.stderr).toMatch(message);
    }
    const s3 = await run(['audit-inventory', m, '--expect-mode', 'SSE-S3', '--verify-kms-keys', '--expect-kms-key', KEY_A]);
    expect(s3.stderr).toMatch(/--expect-kms-key applies to SSE-KMS and DSSE-KMS \(not SSE-S3\)/);
    const noKeys = await run(['audit-inventory', m, '--expect-mode', 'SSE-KMS', '--verify-kms-keys']);
    expect(noKeys.stderr).toMatch(/--verify-kms-keys needs --expect-kms-key/);
  });
});

describe('--verify-kms-keys: HeadObject on the local S3 (s3rver behind the SSE front)', () => {
  const ENV = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'AWS_PROFILE'];
  const saved: Record<string, string | undefined> = {};
  let front: S3SseFront;

  beforeAll(async () => {
    front = await startS3SseFront({ buckets: [SOURCE, 'inventory-bucket'] });
    for (const k of ENV) saved[k] = process.env[k];
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    process.env.AWS_REGION = 'us-east-1';
    delete process.env.AWS_PROFILE;
  });
  afterAll(async () => {
    for (const k of ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    await front?.stop();
  });

  test('objects written under another key are found and listed for UpdateObjectEncryption; one HeadObject per SSE-KMS row', async () => {
    const s3 = front.client();
    const put = (key: string, kmsKey?: string) => s3.putObject({
      Bucket: SOURCE, Key: key, Body: 'x', ...(kmsKey ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: kmsKey, BucketKeyEnabled: true } : {}),
    });
    for (let i = 0; i < 20; i++) await put(`good/${i}`, KEY_A);
    await put('stale/one', KEY_B);
    await put('stale/two ü', KEY_B);
    await put('plain');
    await put('deleted', KEY_B);
    await s3.deleteObject({ Bucket: SOURCE, Key: 'deleted' });
    // The inventory as S3 would list these objects (taken before 'deleted' was deleted).
    const kms = (key: string): Row => ({ key, status: 'SSE-KMS', bucketKey: 'ENABLED', size: 1 });
    const inv = buildInventory({
      destinationBucket: 'inventory-bucket',
      files: [[...Array.from({ length: 20 }, (_, i) => kms(`good/${i}`)), kms('stale/one')], [kms('stale/two ü'), { key: 'plain', status: 'SSE-S3', size: 1 }, kms('deleted')]],
    });
    for (const o of inv.objects) await s3.putObject({ Bucket: 'inventory-bucket', Key: o.key, Body: o.body });
    const heads = front.heads.length;
    const out = path.join(tmp(), 'fix.csv');

    const r = await run(['audit-inventory', `s3://inventory-bucket/${inv.manifestKey}`, '--endpoint-url', front.endpoint, '--expect-mode', 'SSE-KMS',
      '--expect-kms-key', KEY_A, '--verify-kms-keys', '--concurrency', '4', '--batch-manifest', out, '--format', 'json']);
    expect([r.code, r.stderr]).toEqual([1, '']);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ objects: 24, nonCompliant: 3, otherKey: 2, keyLookups: 23, goneSinceInventory: 1 });
    expect(j.byKmsKey).toEqual({ [KEY_A]: { objects: 20, bytes: 20 }, [KEY_B]: { objects: 2, bytes: 2 } });
    expect(front.heads.length - heads).toBe(23);
    const update = fs.readFileSync(path.join(path.dirname(out), 'fix-update-encryption.csv'), 'utf8').split('\n').filter((l) => l !== '').sort();
    expect(update).toEqual([`${SOURCE},plain`, `${SOURCE},stale/one`, `${SOURCE},stale/two%20%C3%BC`]);

    // One re-encrypted under the expected key (what the Batch Operations job does): no longer listed.
    await s3.copyObject({ Bucket: SOURCE, Key: 'stale/one', CopySource: `${SOURCE}/stale/one`, MetadataDirective: 'REPLACE', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY_A });
    const again = await run(['audit-inventory', `s3://inventory-bucket/${inv.manifestKey}`, '--endpoint-url', front.endpoint, '--expect-mode', 'SSE-KMS',
      '--expect-kms-key', KEY_A, '--verify-kms-keys', '--format', 'json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ nonCompliant: 2, otherKey: 1, sample: [`${SOURCE}/plain`, `${SOURCE}/stale/two ü under key ${KEY_B}`] });
  }, 60_000);
});
