import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { EncryptionMode, KeyAuditQueries, SecureBucket } from '../../src';
import { SqlDialect, keyAuditFindingsSql, keyAuditManifestSelectSql, keyAuditSummarySql, keyAuditUnloadSql } from '../../src/metadata-audit/key-audit-sql';
import { isSecureBucketConfigError } from '../../src/private/errors';
import { thrown } from '../support/thrown';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const TABLE = '"s3tablescatalog/aws-s3"."b_records-bucket"."inventory"';

function build(mode: EncryptionMode, withMetadata = true) {
  const app = new App();
  const stack = new Stack(app, 'S', { env: ENV });
  const bucket = new SecureBucket(stack, 'Records', { mode, bucketName: 'records-bucket', metadataTables: withMetadata ? { enabled: true } : undefined });
  return { app, stack, bucket };
}

describe('KeyAuditQueries', () => {
  test('deploys exactly the summary and findings SQL and the UNLOAD of the manifest for the bucket\'s mode, key and bucket-key setting', () => {
    const { stack, bucket } = build(EncryptionMode.sseKms());
    const audit = new KeyAuditQueries(stack, 'KeyAudit', { bucket });
    const t = Template.fromStack(stack).toJSON().Resources;
    const keyArn = (bucket.encryptionKey as kms.Key).keyArn;
    const input = { table: TABLE, bucketName: 'records-bucket', expected: { status: 'SSE-KMS', kmsKeyArn: keyArn, bucketKeyEnabled: true } };
    const findings = t[stack.getLogicalId(audit.findingsQuery)].Properties;
    expect(findings.QueryString).toEqual(stack.resolve(keyAuditFindingsSql(input)));
    expect(findings.Database).toBe('b_records-bucket');
    expect(findings.WorkGroup).toEqual({ Ref: stack.getLogicalId(audit.workGroup) });
    const summary = t[stack.getLogicalId(audit.summaryQuery)].Properties;
    expect(summary.QueryString).toEqual(stack.resolve(keyAuditSummarySql(input)));
    expect(Object.values(t).filter((r: any) => r.Type === 'AWS::Athena::NamedQuery')).toHaveLength(3);
    const manifest = t[stack.getLogicalId(audit.manifestQuery)].Properties;
    const results = stack.resolve(audit.resultsBucket.bucketName);
    expect(manifest.QueryString).toEqual(stack.resolve(keyAuditUnloadSql(input, `s3://${audit.resultsBucket.bucketName}/manifests/records-bucket/RUN-ID/`)));
    // The deployed text, tokens resolved to what they name, is what the DuckDB test runs (findings)
    // and differs from it only in the key encoding (manifest).
    const keyLogicalId = stack.getLogicalId((bucket.encryptionKey as kms.Key).node.defaultChild as kms.CfnKey);
    const concrete = (v: any): string => (typeof v === 'string' ? v : v['Fn::Join'][1].map((p: any) => (typeof p === 'string' ? p
      : p['Fn::GetAtt']?.[0] === keyLogicalId ? 'KEY' : p.Ref === results.Ref ? 'RESULTS' : JSON.stringify(p))).join(''));
    const plain = { ...input, expected: { ...input.expected, kmsKeyArn: 'KEY' } };
    expect(concrete(findings.QueryString)).toBe(keyAuditFindingsSql(plain));
    expect(concrete(manifest.QueryString)).toContain(keyAuditManifestSelectSql(plain, SqlDialect.ATHENA));
    expect(concrete(manifest.QueryString)).toContain("TO 's3://RESULTS/manifests/records-bucket/RUN-ID/'");
    expect(concrete(findings.QueryString)).toContain("WHEN kms_key_arn IS DISTINCT FROM 'KEY' THEN 'other key'");
    expect(concrete(findings.QueryString)).toContain("WHEN is_bucket_key_enabled IS DISTINCT FROM TRUE THEN 'bucket key off'");
  });

  test.each([
    ['DSSE-KMS', () => EncryptionMode.dsseKms(), "'DSSE-KMS'", true, false],
    ['SSE-S3', () => EncryptionMode.sseS3(), "'SSE-S3'", false, false],
    ['SSE-C', () => EncryptionMode.sseC(), "'SSE-C'", false, false],
  ])('%s: the query checks the mode', (_name, mode, status, checksKey, checksBucketKey) => {
    const { stack, bucket } = build(mode());
    const audit = new KeyAuditQueries(stack, 'KeyAudit', { bucket });
    const sql = JSON.stringify(Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(audit.findingsQuery)].Properties.QueryString);
    expect(sql).toContain(`IS DISTINCT FROM ${status} THEN 'other mode'`);
    expect(sql.includes("'other key'")).toBe(checksKey);
    expect(sql.includes("'bucket key off'")).toBe(checksBucketKey);
  });

  test('the workgroup: enforced settings, results under results/ encrypted with the results bucket\'s own key, metrics on', () => {
    const { stack, bucket } = build(EncryptionMode.sseKms());
    const audit = new KeyAuditQueries(stack, 'KeyAudit', { bucket, workGroupName: 'records-key-audit' });
    const wg = Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(audit.workGroup)].Properties;
    const resultsKey = stack.getLogicalId((audit.resultsBucket.encryptionKey as kms.Key).node.defaultChild as kms.CfnKey);
    expect(wg).toEqual({
      Name: 'records-key-audit',
      Description: 'Key audit of S/Records on its S3 Metadata live inventory table',
      State: 'ENABLED',
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        PublishCloudWatchMetricsEnabled: true,
        ResultConfiguration: {
          OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: stack.getLogicalId(audit.resultsBucket.node.defaultChild as any) }, '/results/']] },
          EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: { 'Fn::GetAtt': [resultsKey, 'Arn'] } },
          ExpectedBucketOwner: { Ref: 'AWS::AccountId' },
        },
      },
    });
    expect(audit.resultsBucket.modeKind).toBe('SSE_KMS');
  });

  test('results expire after resultsRetention (30 days by default)', () => {
    const { stack, bucket } = build(EncryptionMode.sseKms());
    const audit = new KeyAuditQueries(stack, 'KeyAudit', { bucket, resultsRetention: Duration.days(7) });
    const results = Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(audit.resultsBucket.node.defaultChild as any)];
    const rules = results.Properties.LifecycleConfiguration.Rules;
    expect(rules).toEqual([expect.objectContaining({ ExpirationInDays: 7, NoncurrentVersionExpiration: { NoncurrentDays: 1 }, Status: 'Enabled' })]);
    expect(thrown(() => new KeyAuditQueries(stack, 'Bad', { bucket, resultsRetention: Duration.hours(1) })).prop).toBe('resultsRetention');
  });

  test('a bucket without the live inventory table is refused, naming the fix', () => {
    const { stack, bucket } = build(EncryptionMode.sseKms(), false);
    const e = thrown(() => new KeyAuditQueries(stack, 'KeyAudit', { bucket }));
    expect(isSecureBucketConfigError(e)).toBe(true);
    expect(e.message).toMatch(/^S\/KeyAudit: bucket: S\/Records has no S3 Metadata live inventory table.*Fix: give the bucket metadataTables: \{ enabled: true \}/);
    const app = new App();
    const s2 = new Stack(app, 'T', { env: ENV });
    const journalOnly = new SecureBucket(s2, 'J', { mode: EncryptionMode.sseS3(), metadataTables: { enabled: true, inventoryTable: false } });
    expect(isSecureBucketConfigError(thrown(() => new KeyAuditQueries(s2, 'KeyAudit', { bucket: journalOnly })))).toBe(true);
  });

  test('a bucket name with a dot is refused (its metadata namespace is not b_<name>)', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: ENV });
    const bucket = new SecureBucket(stack, 'Dotted', { mode: EncryptionMode.sseS3(), bucketName: 'records.example', metadataTables: { enabled: true } });
    expect(thrown(() => new KeyAuditQueries(stack, 'KeyAudit', { bucket })).message).toMatch(/has a dot/);
  });

  test('synthesizes, and the four cdk-nag packs find nothing on its resources', () => {
    const { app, stack, bucket } = build(EncryptionMode.sseKms());
    new KeyAuditQueries(stack, 'KeyAudit', { bucket });
    expect(() => app.synth()).not.toThrow();
    const found = [AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks]
      .flatMap((Pack) => new Pack(app).validateScope(app).violations.flatMap((v) => v.violatingResources.map((r: any) => `${v.ruleName} @ ${r.constructPath ?? r.resourceLogicalId}`)))
      .filter((f) => f.includes('S/KeyAudit'));
    expect(found).toEqual([]);
  });
});
