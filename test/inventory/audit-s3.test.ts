/**
 * audit-inventory against S3 (s3rver, reached through --endpoint-url with path-style addressing)
 * and CreateJob against a loopback S3 Control that checks the request, both with the real
 * AWS SDK clients the command loads.
 */
import { createHash } from 'node:crypto';
import { S3 } from '@aws-sdk/client-s3';
import { buildInventory, Inventory, Row } from './inventory-fixture';
import { run } from './run';
import { S3ControlServer, startS3ControlServer } from '../fixtures/s3-control-server';
import { S3Server, startS3Server } from '../fixtures/s3-server';

const INVENTORY_BUCKET = 'inventory-bucket';
const ACCOUNT = '111122223333';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/batch-reencrypt`;
const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const ENV = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'AWS_PROFILE'];

let s3: S3Server;
let control: S3ControlServer;
let client: S3;
const savedEnv: Record<string, string | undefined> = {};

beforeAll(async () => {
  s3 = await startS3Server({ buckets: [INVENTORY_BUCKET] });
  control = await startS3ControlServer();
  client = s3.client();
  for (const k of ENV) savedEnv[k] = process.env[k];
  // The command uses the SDK's default credential chain: the environment, here s3rver's account.
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  process.env.AWS_REGION = 'us-east-1';
  delete process.env.AWS_PROFILE;
});

afterAll(async () => {
  for (const k of ENV) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
  await control?.stop();
  await s3?.stop();
});

async function upload(inv: Inventory): Promise<string> {
  for (const o of inv.objects) await client.putObject({ Bucket: INVENTORY_BUCKET, Key: o.key, Body: o.body });
  return `s3://${INVENTORY_BUCKET}/${inv.manifestKey}`;
}

async function text(key: string): Promise<string> {
  const out = await client.getObject({ Bucket: INVENTORY_BUCKET, Key: key });
  return out.Body!.transformToString();
}

const rows = (prefix: string, n: number, status: string, extra: Partial<Row> = {}): Row[] =>
  Array.from({ length: n }, (_, i) => ({ key: `${prefix}/${i}`, status, size: 10, ...extra }));

describe('audit-inventory from S3 (s3rver)', () => {
  let manifest: string;
  beforeAll(async () => {
    manifest = await upload(buildInventory({
      prefix: 'good',
      destinationBucket: INVENTORY_BUCKET,
      files: [rows('kms', 3, 'SSE-KMS', { bucketKey: 'ENABLED' }), rows('s3', 2, 'SSE-S3'), [...rows('plain', 1, 'NOT-SSE'), ...rows('kms2', 2, 'SSE-KMS', { bucketKey: 'ENABLED' })]],
    }));
  });

  test('streams every gzip file from S3 and reports by status (1: findings)', async () => {
    const r = await run(['audit-inventory', manifest, '--expect-mode', 'SSE-KMS', '--endpoint-url', s3.endpoint, '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ files: 3, objects: 8, bytes: 80, nonCompliant: 3, nonCompliantBytes: 30 });
    expect(j.byStatus['SSE-KMS']).toEqual({ objects: 5, bytes: 50 });
    expect(j.byStatus['SSE-S3']).toEqual({ objects: 2, bytes: 20 });
    expect(j.byStatus['NOT-SSE']).toEqual({ objects: 1, bytes: 10 });
  });

  test('one data file with a wrong checksum in the manifest: 2, naming the file', async () => {
    const bad = await upload(buildInventory({
      prefix: 'bad',
      destinationBucket: INVENTORY_BUCKET,
      files: [rows('a', 2, 'SSE-KMS'), rows('b', 2, 'SSE-KMS'), rows('c', 2, 'SSE-KMS')],
      wrongChecksum: 1,
    }));
    const r = await run(['audit-inventory', bad, '--expect-mode', 'SSE-KMS', '--endpoint-url', s3.endpoint]);
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toMatch(new RegExp(`s3://${INVENTORY_BUCKET}/bad/.*\\.csv\\.gz: MD5 checksum mismatch`));
  });

  test('a missing manifest: 2 with the S3 error', async () => {
    const r = await run(['audit-inventory', `s3://${INVENTORY_BUCKET}/nope/manifest.json`, '--expect-mode', 'SSE-KMS', '--endpoint-url', s3.endpoint]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nope\/manifest.json: cannot read \(NoSuchKey/);
  });

  test('--batch-manifest to S3 and --create-job: one job per operation, each request checked by the S3 Control fixture', async () => {
    const argv = ['audit-inventory', manifest, '--expect-mode', 'SSE-KMS', '--expect-bucket-key', '--endpoint-url', s3.endpoint,
      '--batch-manifest', `s3://${INVENTORY_BUCKET}/fix/run1.csv`, '--format', 'json',
      '--create-job', '--role-arn', ROLE, '--account-id', ACCOUNT, '--kms-key-arn', KEY_ARN,
      '--report-bucket', 'report-bucket', '--control-endpoint-url', control.endpoint];
    const r = await run(argv);
    expect(control.rejected).toEqual([]);
    expect([r.code, r.stderr]).toEqual([1, '']);
    const j = JSON.parse(r.stdout);

    // The manifests in S3: URL-encoded bucket,key lines, split by operation.
    const update = await text('fix/run1-update-encryption.csv');
    const copy = await text('fix/run1-copy.csv');
    expect(update).toBe('source-bucket,s3/0\nsource-bucket,s3/1\n');
    expect(copy).toBe('source-bucket,plain/0\n');
    const md5 = (s: string) => createHash('md5').update(s).digest('hex');

    expect(control.jobs).toHaveLength(2);
    const [u, c] = control.jobs;
    expect(j.batchManifests.map((m: any) => [m.operation, m.jobId, m.etag])).toEqual([
      ['S3UpdateObjectEncryption', u.jobId, md5(update)],
      ['S3PutObjectCopy', c.jobId, md5(copy)],
    ]);
    expect(u.accountId).toBe(ACCOUNT);
    expect(u.body).toMatchObject({
      ConfirmationRequired: 'true',
      RoleArn: ROLE,
      Priority: '10',
      Operation: { S3UpdateObjectEncryption: { ObjectEncryption: { 'SSE-KMS': { KMSKeyArn: KEY_ARN, BucketKeyEnabled: 'true' } } } },
      Manifest: {
        Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: { member: ['Bucket', 'Key'] } },
        Location: { ObjectArn: `arn:aws:s3:::${INVENTORY_BUCKET}/fix/run1-update-encryption.csv`, ETag: md5(update) },
      },
      Report: { Enabled: 'true', Bucket: 'arn:aws:s3:::report-bucket', Format: 'Report_CSV_20180820', ReportScope: 'AllTasks', Prefix: 'cdk-secure-bucket/batch-reports' },
    });
    expect(c.body).toMatchObject({
      Operation: {
        S3PutObjectCopy: {
          TargetResource: 'arn:aws:s3:::source-bucket',
          MetadataDirective: 'COPY',
          SSEAwsKmsKeyId: KEY_ARN,
          BucketKeyEnabled: 'true',
          NewObjectMetadata: { SSEAlgorithm: 'KMS' },
        },
      },
      Manifest: { Location: { ObjectArn: `arn:aws:s3:::${INVENTORY_BUCKET}/fix/run1-copy.csv`, ETag: md5(copy) } },
    });
    expect(u.body.ClientRequestToken).not.toBe(c.body.ClientRequestToken);

    // The same audit again: the same tokens, so S3 Control returns the same jobs.
    const again = await run(argv);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout).batchManifests.map((m: any) => m.jobId)).toEqual([u.jobId, c.jobId]);
    expect(control.jobs.slice(2).map((x) => x.body.ClientRequestToken)).toEqual([u.body.ClientRequestToken, c.body.ClientRequestToken]);
  });

  test('S3 Control refuses the job: 2 with its error, no stack trace', async () => {
    const otherAccountRole = 'arn:aws:iam::999999999999:role/other';
    const r = await run(['audit-inventory', manifest, '--expect-mode', 'SSE-S3', '--endpoint-url', s3.endpoint,
      '--batch-manifest', `s3://${INVENTORY_BUCKET}/fix/run2.csv`, '--create-job', '--role-arn', otherAccountRole,
      '--account-id', ACCOUNT, '--control-endpoint-url', control.endpoint]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/CreateJob \(S3PutObjectCopy\) failed: InvalidRequest: RoleArn must be a role of the account/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(control.rejected.pop()).toMatch(/RoleArn/);
  });
});
