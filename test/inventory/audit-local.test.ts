import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildInventory, Row, SCHEMA, writeInventory } from './inventory-fixture';
import { run } from './run';

const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-inventory-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function local(files: Row[][], extra: Partial<Parameters<typeof buildInventory>[0]> = {}): string {
  return writeInventory(tmp(), buildInventory({ files, destinationBucket: 'inventory-bucket', ...extra }));
}

const KMS = (key: string, bucketKey = 'ENABLED'): Row => ({ key, status: 'SSE-KMS', bucketKey, size: 1000 });

describe('audit-inventory on local files', () => {
  test('0 when every object is in the expected mode; counts objects and bytes by status', async () => {
    const manifest = local([[KMS('a'), KMS('b')], [KMS('c/d e.txt')]]);
    const r = await run(['audit-inventory', manifest, '--expect-mode', 'SSE-KMS', '--expect-bucket-key', '--format', 'json']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ objects: 3, bytes: 3000, nonCompliant: 0, compliant: true, files: 2, sample: [] });
    expect(json.byStatus).toEqual({
      'NOT-SSE': { objects: 0, bytes: 0 },
      'SSE-S3': { objects: 0, bytes: 0 },
      'SSE-KMS': { objects: 3, bytes: 3000 },
      'DSSE-KMS': { objects: 0, bytes: 0 },
      'SSE-C': { objects: 0, bytes: 0 },
    });
    expect(json.byBucketKeyStatus).toEqual({ ENABLED: { objects: 3, bytes: 3000 } });
  });

  test('1 with findings: non-compliant count, bytes, decoded sample keys, text report', async () => {
    const manifest = local([[KMS('ok'), { key: 'old/plain file+1.txt', status: 'NOT-SSE', size: 7 }], [{ key: 's3', status: 'SSE-S3', size: 5 }, KMS('nokey', 'DISABLED')]]);
    const json = await run(['audit-inventory', manifest, '--expect-mode', 'SSE-KMS', '--expect-bucket-key', '--format', 'json']);
    expect(json.code).toBe(1);
    const j = JSON.parse(json.stdout);
    expect(j).toMatchObject({ objects: 4, nonCompliant: 3, nonCompliantBytes: 1012, compliant: false });
    expect(j.sample).toEqual(['source-bucket/old/plain file+1.txt', 'source-bucket/s3', 'source-bucket/nokey']);
    expect(j.remediation.byOperation).toEqual({ S3PutObjectCopy: 1, S3UpdateObjectEncryption: 2 });
    const text = await run(['audit-inventory', manifest, '--expect-mode', 'SSE-KMS', '--expect-bucket-key']);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('✗ 3 object(s) (1012 B) are not SSE-KMS with an S3 Bucket Key');
    expect(text.stdout).toContain('    source-bucket/old/plain file+1.txt');
  });

  test('delete markers are not objects; without --expect-bucket-key the bucket key is not judged', async () => {
    const manifest = local([[KMS('a', 'DISABLED'), { key: 'gone', status: '', deleteMarker: true, versionId: 'v2' }]]);
    const r = await run(['audit-inventory', manifest, '--expect-mode', 'sse-kms', '--format', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ objects: 1, deleteMarkers: 1, nonCompliant: 0 });
  });

  test('--batch-manifest writes one URL-encoded CSV manifest per operation', async () => {
    const manifest = local([[
      { key: 'a b/ü,1.txt', status: 'SSE-S3' },
      { key: 'plain', status: 'NOT-SSE' },
      { key: 'dsse', status: 'DSSE-KMS' },
      { key: 'custkey', status: 'SSE-C' },
      { key: 'huge', status: 'NOT-SSE', size: 6e9 },
      { key: 'cold', status: 'NOT-SSE', storageClass: 'DEEP_ARCHIVE' },
      KMS('fine'),
    ]]);
    const out = path.join(tmp(), 'fix.csv');
    const r = await run(['audit-inventory', manifest, '--expect-mode', 'SSE-KMS', '--batch-manifest', out, '--format', 'json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    const update = path.join(path.dirname(out), 'fix-update-encryption.csv');
    const copy = path.join(path.dirname(out), 'fix-copy.csv');
    expect(fs.readFileSync(update, 'utf8')).toBe('source-bucket,a%20b/%C3%BC%2C1.txt\n');
    expect(fs.readFileSync(copy, 'utf8')).toBe('source-bucket,plain\nsource-bucket,dsse\n');
    expect(j.batchManifests.map((m: any) => [m.operation, m.location, m.objects, m.fields])).toEqual([
      ['S3UpdateObjectEncryption', update, 1, ['Bucket', 'Key']],
      ['S3PutObjectCopy', copy, 2, ['Bucket', 'Key']],
    ]);
    expect(Object.values(j.remediation.notRemediable)).toEqual([1, 1, 1]);
    expect(Object.keys(j.remediation.notRemediable).join('|')).toMatch(/SSE-C.*5 GB.*archived/);
  });

  test('versioned inventory: version ids in the manifest; a noncurrent version is not copied', async () => {
    const manifest = local([[
      { key: 'k', status: 'SSE-S3', versionId: 'v1', isLatest: false },
      { key: 'k', status: 'NOT-SSE', versionId: 'v2', isLatest: false },
      { key: 'k', status: 'NOT-SSE', versionId: 'v3' },
    ]]);
    const out = path.join(tmp(), 'v.csv');
    const r = await run(['audit-inventory', manifest, '--expect-mode', 'SSE-KMS', '--batch-manifest', out]);
    expect(r.code).toBe(1);
    expect(fs.readFileSync(path.join(path.dirname(out), 'v-update-encryption.csv'), 'utf8')).toBe('source-bucket,k,v1\n');
    expect(fs.readFileSync(path.join(path.dirname(out), 'v-copy.csv'), 'utf8')).toBe('source-bucket,k,v3\n');
    expect(r.stdout).toContain('1 cannot be fixed by Batch Operations: a noncurrent version cannot be copied in place');
  });

  test('a progress line on a TTY only, cleared at the end', async () => {
    const manifest = local([[KMS('a')], [KMS('b')]]);
    const quiet = await run(['audit-inventory', manifest, '--expect-mode', 'SSE-KMS']);
    expect(quiet.stderr).toBe('');
    const tty = await run(['audit-inventory', manifest, '--expect-mode', 'SSE-KMS'], { tty: true });
    expect(tty.code).toBe(0);
    expect(tty.stderr).toMatch(/audit-inventory: 2\/2 file\(s\), 2 object\(s\), [\d,]+ objects\/s/);
    expect(tty.stderr.endsWith('\r\x1b[K')).toBe(true);
  });
});

describe('audit-inventory: bad input is exit 2 with a clear message, no stack trace', () => {
  const bad = async (argv: string[], message: RegExp) => {
    const r = await run(['audit-inventory', ...argv]);
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  };

  test('missing manifest, missing options, unknown mode', async () => {
    await bad(['/nonexistent/manifest.json', '--expect-mode', 'SSE-S3'], /\/nonexistent\/manifest.json: cannot read \(ENOENT\)/);
    await bad(['--expect-mode', 'SSE-S3'], /no manifest/);
    await bad([local([[KMS('a')]])], /--expect-mode is required/);
    await bad([local([[KMS('a')]]), '--expect-mode', 'AES'], /unknown mode 'AES'/);
    await bad([local([[KMS('a')]]), '--expect-mode', 'SSE-S3', '--expect-bucket-key'], /SSE-KMS only/);
    await bad([local([[KMS('a')]]), '--expect-mode', 'SSE-S3', '--bogus'], /unknown option '--bogus'/);
  });

  test('a data file whose MD5 does not match the manifest; the batch manifests begun are removed', async () => {
    const out = tmp();
    const files = [[{ key: 'x', status: 'NOT-SSE' }], [KMS('b')]];
    await bad([local(files, { wrongChecksum: 1 }), '--expect-mode', 'SSE-KMS', '--batch-manifest', path.join(out, 'fix.csv')],
      /\.csv\.gz: MD5 checksum mismatch: the manifest lists [0-9a-f]{32}, the file has [0-9a-f]{32}/);
    expect(fs.readdirSync(out)).toEqual([]);
  });

  test('a corrupt data file, a missing one, a corrupt manifest, a tampered manifest', async () => {
    const m1 = local([[KMS('a')]]);
    const data = path.join(path.dirname(m1), '..', 'data');
    const file = path.join(data, fs.readdirSync(data)[0]);
    fs.writeFileSync(file, 'not gzip');
    await bad([m1, '--expect-mode', 'SSE-KMS'], /not a readable gzip file/);
    fs.rmSync(file);
    await bad([m1, '--expect-mode', 'SSE-KMS'], /data file .*\.csv\.gz not found/);
    const m2 = local([[KMS('a')]]);
    fs.writeFileSync(m2, '{"sourceBucket": ');
    fs.rmSync(path.join(path.dirname(m2), 'manifest.checksum'));
    await bad([m2, '--expect-mode', 'SSE-KMS'], /not valid JSON/);
    const m3 = local([[KMS('a')]]);
    fs.appendFileSync(m3, ' ');
    await bad([m3, '--expect-mode', 'SSE-KMS'], /manifest.json: MD5 checksum mismatch: .*manifest.checksum says/);
  });

  test('an unknown file format or a schema without EncryptionStatus', async () => {
    await bad([local([[KMS('a')]], { fileFormat: 'ORC' }), '--expect-mode', 'SSE-KMS'], /fileFormat "ORC" is not supported/);
    await bad([local([[KMS('a')]], { schema: SCHEMA.filter((c) => c !== 'EncryptionStatus') }), '--expect-mode', 'SSE-KMS'], /fileSchema has no EncryptionStatus column/);
    await bad([local([[KMS('a')]], { schema: SCHEMA.filter((c) => c !== 'BucketKeyStatus') }), '--expect-mode', 'SSE-KMS', '--expect-bucket-key'], /no BucketKeyStatus column/);
  });

  test('rows that do not fit the schema', async () => {
    const m = local([[KMS('a')]]);
    const data = path.join(path.dirname(m), '..', 'data');
    const file = path.join(data, fs.readdirSync(data)[0]);
    const body = gzipSync('"source-bucket","a","SSE-KMS"\n');
    fs.writeFileSync(file, body);
    const manifest = JSON.parse(fs.readFileSync(m, 'utf8'));
    manifest.files[0].MD5checksum = createHash('md5').update(body).digest('hex');
    fs.writeFileSync(m, JSON.stringify(manifest));
    fs.rmSync(path.join(path.dirname(m), 'manifest.checksum'));
    await bad([m, '--expect-mode', 'SSE-KMS'], /row 1 has 3 field\(s\), the manifest's fileSchema has 10/);
  });

  test('--create-job without what it needs', async () => {
    const m = local([[KMS('a')]]);
    await bad([m, '--expect-mode', 'SSE-KMS', '--create-job'], /--create-job needs --batch-manifest, --role-arn, --account-id/);
    await bad([m, '--expect-mode', 'SSE-KMS', '--create-job', '--batch-manifest', 'x.csv', '--role-arn', 'arn:aws:iam::111122223333:role/r', '--account-id', '111122223333'], /needs an s3:\/\/ --batch-manifest/);
    await bad([m, '--expect-mode', 'SSE-KMS', '--create-job', '--batch-manifest', 's3://b/x.csv', '--role-arn', 'arn:aws:iam::111122223333:role/r', '--account-id', '111122223333'], /needs --kms-key-arn/);
    await bad([m, '--expect-mode', 'SSE-C', '--create-job', '--batch-manifest', 's3://b/x.csv', '--role-arn', 'arn:aws:iam::111122223333:role/r', '--account-id', '111122223333'], /cannot write SSE-C objects/);
    await bad([m, '--expect-mode', 'SSE-S3', '--create-job', '--batch-manifest', 's3://b/x.csv', '--role-arn', 'role', '--account-id', '111122223333'], /--role-arn: 'role' is not an IAM role ARN/);
  });
});

test('the top-level help names both commands; check is unchanged', async () => {
  const r = await run(['--help']);
  expect(r.stdout).toMatch(/^Usage: cdk-secure-bucket check </);
  expect(r.stdout).toMatch(/\nUsage: cdk-secure-bucket audit-inventory </);
  expect((await run(['check', '--help'])).stdout).not.toMatch(/audit-inventory/);
  expect((await run(['audit-inventory', '--help'])).stdout).toMatch(/^Usage: cdk-secure-bucket audit-inventory/);
});
