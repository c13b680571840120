import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import {
  KeyAuditSqlInput, SqlDialect, encodedKeyExpression, keyAuditFindingsSql, keyAuditManifestSelectSql, keyAuditSummarySql, keyAuditUnloadSql,
} from '../../src/metadata-audit/key-audit-sql';

// The key audit's SQL, run by DuckDB on a generated S3 Metadata live inventory table written
// to Parquet with the documented columns and types ("S3 Metadata live inventory tables schema":
// strings, booleans, a long, a timestamp without time zone, two string maps), queried through
// the same three-part name Athena uses ("s3tablescatalog/aws-s3"."b_<bucket>"."inventory").

const BUCKET = 'records-bucket';
const OTHER_BUCKET = 'other-bucket';
const RIGHT = 'arn:aws:kms:eu-west-1:111111111111:key/11111111-1111-1111-1111-111111111111';
const OTHER = 'arn:aws:kms:eu-west-1:111111111111:key/22222222-2222-2222-2222-222222222222';
const AWS_S3 = 'arn:aws:kms:eu-west-1:111111111111:key/33333333-3333-3333-3333-333333333333'; // the account's aws/s3 key
const TABLE = '"s3tablescatalog/aws-s3"."b_records-bucket"."inventory"';
const WEIRD_KEY = 'dir/ä b~*+%,"\'\n.txt';

interface Row {
  bucket?: string;
  key: string;
  seq: string;
  version?: string | null;
  marker?: boolean | null;
  status?: string | null;
  kms?: string | null;
  bk?: boolean | null;
}

/** The live inventory rows: every case the audit must tell apart. */
const ROWS: Row[] = [
  { key: 'ok.txt', seq: '01', version: 'v1', status: 'SSE-KMS', kms: RIGHT, bk: true },
  { key: 'other-key.txt', seq: '01', version: 'v1', status: 'SSE-KMS', kms: OTHER, bk: true },
  { key: 'aws-s3-key.txt', seq: '01', version: 'v1', status: 'SSE-KMS', kms: AWS_S3, bk: true },
  { key: 'sse-s3.txt', seq: '01', version: 'v1', status: 'SSE-S3', kms: null, bk: false },
  { key: 'dsse.txt', seq: '01', version: 'v1', status: 'DSSE-KMS', kms: RIGHT, bk: false },
  { key: 'sse-c.txt', seq: '01', version: 'v1', status: 'SSE-C', kms: null, bk: false },
  { key: 'plain.txt', seq: '01', version: 'v1', status: null, kms: null, bk: false },
  { key: 'bucket-key-off.txt', seq: '01', version: 'v1', status: 'SSE-KMS', kms: RIGHT, bk: false },
  { key: 'bucket-key-null.txt', seq: '01', version: 'v1', status: 'SSE-KMS', kms: RIGHT, bk: null },
  { key: 'key-unknown.txt', seq: '01', version: 'v1', status: 'SSE-KMS', kms: null, bk: true },
  { key: 'before-versioning.txt', seq: '01', version: null, status: 'SSE-KMS', kms: OTHER, bk: true },
  // Deleted: its only data version is noncurrent, under a delete marker.
  { key: 'deleted.txt', seq: '01', version: 'v1', status: 'SSE-S3', kms: null, bk: false },
  { key: 'deleted.txt', seq: '02', version: 'v2', marker: true, status: null, kms: null, bk: null },
  // Fixed since: the old version is under another key, the current one is right.
  { key: 'fixed.txt', seq: '01', version: 'v1', status: 'SSE-KMS', kms: OTHER, bk: true },
  { key: 'fixed.txt', seq: '02', version: 'v2', status: 'SSE-KMS', kms: RIGHT, bk: true },
  // Broken since: the current version is under another key (sequence numbers compare as strings).
  { key: 'broken.txt', seq: '0a', version: 'v2', status: 'SSE-KMS', kms: OTHER, bk: true },
  { key: 'broken.txt', seq: '09', version: 'v1', status: 'SSE-KMS', kms: RIGHT, bk: true },
  { key: WEIRD_KEY, seq: '01', version: 'v1', status: 'SSE-KMS', kms: OTHER, bk: true },
  // Another bucket's row in the same table: never listed.
  { bucket: OTHER_BUCKET, key: 'other-key.txt', seq: '01', version: 'v1', status: 'SSE-KMS', kms: OTHER, bk: true },
];

const SSE_KMS: KeyAuditSqlInput = { table: TABLE, bucketName: BUCKET, expected: { status: 'SSE-KMS', kmsKeyArn: RIGHT, bucketKeyEnabled: true } };

function literal(v: string | boolean | null | undefined): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  return `'${v.replace(/'/g, "''")}'`;
}

let dir: string;
let instance: DuckDBInstance;
let db: DuckDBConnection;

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  return (await db.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'key-audit-sql-'));
  instance = await DuckDBInstance.create(':memory:');
  db = await instance.connect();
  await db.run(`CREATE TABLE generated (
    bucket VARCHAR NOT NULL, key VARCHAR NOT NULL, sequence_number VARCHAR NOT NULL, version_id VARCHAR,
    is_delete_marker BOOLEAN, size BIGINT, last_modified_date TIMESTAMP, e_tag VARCHAR, storage_class VARCHAR,
    is_multipart BOOLEAN, encryption_status VARCHAR, is_bucket_key_enabled BOOLEAN, kms_key_arn VARCHAR,
    checksum_algorithm VARCHAR, object_tags MAP(VARCHAR, VARCHAR), user_metadata MAP(VARCHAR, VARCHAR))`);
  const values = ROWS.map((r) => `(${[
    literal(r.bucket ?? BUCKET), literal(r.key), literal(r.seq), literal(r.version === undefined ? 'v1' : r.version),
    literal(r.marker ?? false), r.marker ? '0' : '1024', "TIMESTAMP '2026-11-30 12:00:00'", r.marker ? 'NULL' : "'e1'", r.marker ? 'NULL' : "'STANDARD'",
    'FALSE', literal(r.status), literal(r.bk), literal(r.kms), 'NULL', r.marker ? 'NULL' : 'MAP {}', r.marker ? 'NULL' : 'MAP {}',
  ].join(', ')})`);
  await db.run(`INSERT INTO generated VALUES ${values.join(',\n')}`);
  const parquet = path.join(dir, 'inventory.parquet');
  await db.run(`COPY generated TO ${literal(parquet)} (FORMAT parquet)`);
  await db.run('DROP TABLE generated');
  // The table as Athena names it: catalog, namespace, table.
  await db.run('ATTACH \':memory:\' AS "s3tablescatalog/aws-s3"');
  await db.run('CREATE SCHEMA "s3tablescatalog/aws-s3"."b_records-bucket"');
  await db.run(`CREATE VIEW ${TABLE} AS SELECT * FROM read_parquet(${literal(parquet)})`);
}, 60_000);

afterAll(() => {
  db?.closeSync();
  instance?.closeSync();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('key audit SQL on a generated live inventory table (DuckDB)', () => {
  test('the table read back has the documented column types', async () => {
    const types = await rows(`SELECT column_name, column_type FROM (DESCRIBE ${TABLE})`);
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.column_type]))).toMatchObject({
      bucket: 'VARCHAR',
      key: 'VARCHAR',
      sequence_number: 'VARCHAR',
      version_id: 'VARCHAR',
      is_delete_marker: 'BOOLEAN',
      size: 'BIGINT',
      last_modified_date: 'TIMESTAMP',
      encryption_status: 'VARCHAR',
      is_bucket_key_enabled: 'BOOLEAN',
      kms_key_arn: 'VARCHAR',
      object_tags: 'MAP(VARCHAR, VARCHAR)',
    });
  });

  test('SSE-KMS with a Bucket Key: exactly the objects not under the bucket\'s key and setting, each with its reason', async () => {
    const found = await rows(keyAuditFindingsSql(SSE_KMS));
    expect(found.map((r) => [r.key, r.version_id, r.is_latest, r.finding])).toEqual([
      ['aws-s3-key.txt', 'v1', true, 'other key'],
      ['before-versioning.txt', null, true, 'other key'],
      ['broken.txt', 'v2', true, 'other key'],
      ['bucket-key-null.txt', 'v1', true, 'bucket key off'],
      ['bucket-key-off.txt', 'v1', true, 'bucket key off'],
      ['deleted.txt', 'v1', false, 'other mode'],
      ['dir/ä b~*+%,"\'\n.txt', 'v1', true, 'other key'],
      ['dsse.txt', 'v1', true, 'other mode'],
      ['fixed.txt', 'v1', false, 'other key'],
      ['key-unknown.txt', 'v1', true, 'key unknown'],
      ['other-key.txt', 'v1', true, 'other key'],
      ['plain.txt', 'v1', true, 'not encrypted'],
      ['sse-c.txt', 'v1', true, 'other mode'],
      ['sse-s3.txt', 'v1', true, 'other mode'],
    ]);
    expect(found.every((r) => r.bucket === BUCKET)).toBe(true);
  });

  test('the summary: objects and bytes per reason, mode, key and currency, most objects first', async () => {
    const summary = await rows(keyAuditSummarySql(SSE_KMS));
    expect(summary.map((r) => [r.finding, r.encryption_status, r.kms_key_arn, r.is_latest, Number(r.objects), Number(r.bytes)])).toEqual([
      ['other key', 'SSE-KMS', OTHER, true, 4, 4096],
      ['bucket key off', 'SSE-KMS', RIGHT, true, 2, 2048],
      ['key unknown', 'SSE-KMS', null, true, 1, 1024],
      ['not encrypted', null, null, true, 1, 1024],
      ['other key', 'SSE-KMS', OTHER, false, 1, 1024],
      ['other key', 'SSE-KMS', AWS_S3, true, 1, 1024],
      ['other mode', 'DSSE-KMS', RIGHT, true, 1, 1024],
      ['other mode', 'SSE-C', null, true, 1, 1024],
      ['other mode', 'SSE-S3', null, false, 1, 1024],
      ['other mode', 'SSE-S3', null, true, 1, 1024],
    ]);
  });

  test('DSSE-KMS: the bucket key is not checked (DSSE-KMS has none), the key and the mode are', async () => {
    const found = await rows(keyAuditFindingsSql({ table: TABLE, bucketName: BUCKET, expected: { status: 'DSSE-KMS', kmsKeyArn: RIGHT } }));
    const byKey = Object.fromEntries(found.filter((r) => r.is_latest).map((r) => [r.key, r.finding]));
    expect(byKey['dsse.txt']).toBeUndefined();
    expect(byKey['ok.txt']).toBe('other mode');
    expect(byKey['plain.txt']).toBe('not encrypted');
  });

  test('SSE-S3: every object that is not SSE-S3, and nothing about keys', async () => {
    const found = await rows(keyAuditFindingsSql({ table: TABLE, bucketName: BUCKET, expected: { status: 'SSE-S3' } }));
    expect(found.filter((r) => r.is_latest).map((r) => r.key)).not.toContain('sse-s3.txt');
    expect(found.find((r) => r.key === 'deleted.txt')).toBeUndefined();
    expect(found.find((r) => r.key === 'plain.txt')?.finding).toBe('not encrypted');
    expect(found.find((r) => r.key === 'ok.txt')?.finding).toBe('other mode');
  });

  test('the manifest: one line per key whose current object is a finding, bucket and URL-encoded key, in a real CSV file', async () => {
    const file = path.join(dir, 'manifest.csv');
    await db.run(`COPY (${keyAuditManifestSelectSql(SSE_KMS, SqlDialect.DUCKDB)}) TO ${literal(file)} (FORMAT csv, HEADER false)`);
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
    const decoded = lines.map((l) => {
      const [bucket, key, ...rest] = l.split(',');
      expect(rest).toEqual([]);
      expect(key).toMatch(/^[A-Za-z0-9.\-_*%]+$/);
      return [bucket, decodeURIComponent(key)];
    });
    expect(decoded.sort()).toEqual([
      'aws-s3-key.txt', 'before-versioning.txt', 'broken.txt', 'bucket-key-null.txt', 'bucket-key-off.txt', WEIRD_KEY,
      'dsse.txt', 'key-unknown.txt', 'other-key.txt', 'plain.txt', 'sse-c.txt', 'sse-s3.txt',
    ].sort().map((k) => [BUCKET, k]));
    // Not listed: the deleted object (its current row is a delete marker) and the fixed one (its current version is right).
    expect(lines.join('\n')).not.toMatch(/deleted|fixed|ok\.txt/);
  });

  test('the encoded key: every byte but A-Z a-z 0-9 . - _ * percent-encoded, a space as %20', async () => {
    const [r] = await rows(`SELECT ${encodedKeyExpression(SqlDialect.DUCKDB)} AS encoded FROM (SELECT ${literal(WEIRD_KEY)} AS key)`);
    const reference = encodeURIComponent(WEIRD_KEY).replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    expect(r.encoded).toBe(reference);
    expect(r.encoded).toBe('dir%2F%C3%A4%20b%7E*%2B%25%2C%22%27%0A.txt');
  });
});

describe('the Athena text', () => {
  test('differs from what DuckDB ran only in the key-encoding expression', () => {
    const athena = keyAuditManifestSelectSql(SSE_KMS, SqlDialect.ATHENA);
    const duck = keyAuditManifestSelectSql(SSE_KMS, SqlDialect.DUCKDB);
    expect(athena).toContain("replace(url_encode(key), '+', '%20')");
    expect(athena.replace(encodedKeyExpression(SqlDialect.ATHENA), encodedKeyExpression(SqlDialect.DUCKDB))).toBe(duck);
  });

  test('the UNLOAD wraps the manifest select: uncompressed comma-separated text to the given prefix', () => {
    expect(keyAuditUnloadSql(SSE_KMS, 's3://results/manifests/run-1/')).toBe(
      `UNLOAD (\n${keyAuditManifestSelectSql(SSE_KMS, SqlDialect.ATHENA)}\n)\nTO 's3://results/manifests/run-1/'\n`
      + "WITH (format = 'TEXTFILE', field_delimiter = ',', compression = 'NONE')");
  });

  test('bad expectations are refused', () => {
    expect(() => keyAuditFindingsSql({ table: TABLE, bucketName: BUCKET, expected: { status: 'SSE-KMS' } })).toThrow(/needs the key ARN/);
    expect(() => keyAuditFindingsSql({ table: TABLE, bucketName: BUCKET, expected: { status: 'SSE-S3', kmsKeyArn: RIGHT } })).toThrow(/no KMS key/);
    expect(() => keyAuditFindingsSql({ table: TABLE, bucketName: BUCKET, expected: { status: 'DSSE-KMS', kmsKeyArn: RIGHT, bucketKeyEnabled: true } })).toThrow(/SSE-KMS only/);
    expect(() => keyAuditFindingsSql({ table: TABLE, bucketName: BUCKET, expected: { status: 'AES256' } })).toThrow(/must be one of/);
  });

  test('a quote in a value cannot end the string literal', () => {
    const sql = keyAuditFindingsSql({ table: TABLE, bucketName: "x' OR '1'='1", expected: { status: 'SSE-S3' } });
    expect(sql).toContain("WHERE bucket = 'x'' OR ''1''=''1'");
  });
});
