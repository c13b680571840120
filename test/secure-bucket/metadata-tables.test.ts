import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { EncryptionMode, MetadataTablesOptions, SecureBucket } from '../../src';
import { METADATA_TABLES_KEY_WARNING } from '../../src/audit/add-metadata-tables';
import { isSecureBucketConfigError } from '../../src/private/errors';
import { synthError } from '../fixtures/synth-error';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const TABLES = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3tables:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':bucket/aws-s3/*']] };

function build(mode: EncryptionMode, metadataTables?: MetadataTablesOptions) {
  const app = new App();
  const stack = new Stack(app, 'S', { env: ENV });
  const bucket = new SecureBucket(stack, 'Data', { mode, metadataTables });
  return { app, stack, bucket };
}

function bucketProps(stack: Stack, bucket: SecureBucket): any {
  return Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket)].Properties;
}

function keyStatements(stack: Stack, bucket: SecureBucket): any[] {
  const key = bucket.encryptionKey as kms.Key;
  return Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(key.node.defaultChild as kms.CfnKey)].Properties.KeyPolicy.Statement;
}

describe('S3 Metadata tables on SecureBucket', () => {
  test('off by default: no MetadataConfiguration and no key-policy statement for the metadata services', () => {
    const { stack, bucket } = build(EncryptionMode.sseKms());
    expect(bucketProps(stack, bucket).MetadataConfiguration).toBeUndefined();
    expect(JSON.stringify(keyStatements(stack, bucket))).not.toMatch(/metadata\.s3|s3tables/);
  });

  test('SSE-KMS: journal (90 days) and live inventory tables, both encrypted with the bucket\'s own key', () => {
    const { stack, bucket } = build(EncryptionMode.sseKms(), { enabled: true });
    const keyArn = { 'Fn::GetAtt': [stack.getLogicalId((bucket.encryptionKey as kms.Key).node.defaultChild as kms.CfnKey), 'Arn'] };
    expect(bucketProps(stack, bucket).MetadataConfiguration).toEqual({
      JournalTableConfiguration: {
        RecordExpiration: { Expiration: 'ENABLED', Days: 90 },
        EncryptionConfiguration: { SseAlgorithm: 'aws:kms', KmsKeyArn: keyArn },
      },
      InventoryTableConfiguration: {
        ConfigurationState: 'ENABLED',
        EncryptionConfiguration: { SseAlgorithm: 'aws:kms', KmsKeyArn: keyArn },
      },
    });
  });

  test('the key policy lets only the S3 Metadata and S3 Tables maintenance services use the key, only for tables of the aws-s3 table bucket', () => {
    const { stack, bucket } = build(EncryptionMode.sseKms(), { enabled: true });
    const added = keyStatements(stack, bucket).filter((s) => /Metadata/.test(s.Sid ?? ''));
    expect(added).toEqual([
      {
        Sid: 'AllowS3MetadataToWriteMetadataTables',
        Effect: 'Allow',
        Principal: { Service: 'metadata.s3.amazonaws.com' },
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }, StringLike: { 'kms:EncryptionContext:aws:s3:arn': TABLES } },
      },
      {
        Sid: 'AllowS3TablesMaintenanceOfMetadataTables',
        Effect: 'Allow',
        Principal: { Service: 'maintenance.s3tables.amazonaws.com' },
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: '*',
        Condition: { StringLike: { 'kms:EncryptionContext:aws:s3:arn': TABLES } },
      },
    ]);
  });

  test.each([
    ['SSE-S3', () => EncryptionMode.sseS3()],
    ['SSE-C', () => EncryptionMode.sseC()],
  ])('%s: tables encrypted with SSE-S3 (AES256)', (_name, mode) => {
    const { stack, bucket } = build(mode(), { enabled: true, journalRecordExpiration: Duration.days(7) });
    expect(bucketProps(stack, bucket).MetadataConfiguration).toEqual({
      JournalTableConfiguration: { RecordExpiration: { Expiration: 'ENABLED', Days: 7 }, EncryptionConfiguration: { SseAlgorithm: 'AES256' } },
      InventoryTableConfiguration: { ConfigurationState: 'ENABLED', EncryptionConfiguration: { SseAlgorithm: 'AES256' } },
    });
  });

  test('inventoryTable: false keeps the journal only', () => {
    const { stack, bucket } = build(EncryptionMode.dsseKms(), { enabled: true, inventoryTable: false });
    expect(bucketProps(stack, bucket).MetadataConfiguration.InventoryTableConfiguration).toEqual({ ConfigurationState: 'DISABLED' });
  });

  test('an imported key: the configuration is written and a warning says which principals its policy must allow', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: ENV });
    const key = kms.Key.fromKeyArn(stack, 'Imported', 'arn:aws:kms:eu-west-1:111111111111:key/11111111-1111-1111-1111-111111111111');
    const bucket = new SecureBucket(stack, 'Data', { mode: EncryptionMode.sseKms({ encryptionKey: key }), metadataTables: { enabled: true } });
    const warnings = bucket.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data));
    expect(warnings.filter((w) => w.includes(METADATA_TABLES_KEY_WARNING))).toHaveLength(1);
    expect(warnings.join('\n')).toMatch(/metadata\.s3\.amazonaws\.com and maintenance\.s3tables\.amazonaws\.com/);
    Validations.of(bucket).acknowledge({ id: METADATA_TABLES_KEY_WARNING, reason: 'granted in the key policy' });
    expect(bucketProps(stack, bucket).MetadataConfiguration.JournalTableConfiguration.EncryptionConfiguration.KmsKeyArn).toBe(key.keyArn);
  });

  test.each<[string, MetadataTablesOptions, RegExp]>([
    ['options without enabled', { journalRecordExpiration: Duration.days(30) }, /metadataTables\.journalRecordExpiration: is set but .*not enabled/],
    ['fewer than 7 days', { enabled: true, journalRecordExpiration: Duration.days(6) }, /metadataTables\.journalRecordExpiration: must be a whole number of days, at least 7/],
    ['part of a day', { enabled: true, journalRecordExpiration: Duration.hours(200) }, /at least 7 \(got 8 days 8 hours\)/],
  ])('refused: %s', (_name, options, message) => {
    let error: unknown;
    try {
      build(EncryptionMode.sseS3(), options);
    } catch (e) {
      error = e;
    }
    expect(isSecureBucketConfigError(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
  });
});

describe('S3 Metadata tables: the final-template check', () => {
  test('a MetadataConfiguration the user sets on the L1 without the option is theirs, not checked', () => {
    const { app, bucket } = build(EncryptionMode.sseS3());
    (bucket.node.defaultChild as s3.CfnBucket).metadataConfiguration = { journalTableConfiguration: { recordExpiration: { expiration: 'DISABLED' } } };
    expect(() => app.synth()).not.toThrow();
  });

  test('an override that removes the inventory table fails synthesis', () => {
    const { app, bucket } = build(EncryptionMode.sseKms(), { enabled: true });
    (bucket.node.defaultChild as s3.CfnBucket).addPropertyOverride('MetadataConfiguration.InventoryTableConfiguration.ConfigurationState', 'DISABLED');
    const e = synthError(app);
    expect(e.message).toMatch(/MetadataConfiguration/);
    expect(e.message).toMatch(/InventoryTableConfiguration\.ConfigurationState is "?DISABLED"? \(must be "?ENABLED"?\)/);
  });

  test('an override that switches the tables to SSE-S3 fails synthesis', () => {
    const { app, bucket } = build(EncryptionMode.sseKms(), { enabled: true });
    (bucket.node.defaultChild as s3.CfnBucket).addPropertyOverride('MetadataConfiguration.JournalTableConfiguration.EncryptionConfiguration', { SseAlgorithm: 'AES256' });
    expect(synthError(app).message).toMatch(/MetadataConfiguration/);
  });

  test('removing the metadata services\' key-policy statement fails synthesis', () => {
    const { app, bucket } = build(EncryptionMode.sseKms(), { enabled: true });
    const cfnKey = (bucket.encryptionKey as kms.Key).node.defaultChild as kms.CfnKey;
    cfnKey.addPropertyOverride('KeyPolicy.Statement', [(cfnKey.keyPolicy as any).toJSON().Statement[0]]);
    expect(synthError(app).message).toMatch(/AllowS3MetadataToWriteMetadataTables/);
  });
});

describe('S3 Metadata tables: cdk-nag', () => {
  test.each([
    ['SSE-KMS', () => EncryptionMode.sseKms()],
    ['SSE-S3', () => EncryptionMode.sseS3()],
  ])('%s: the option adds no finding in the four packs', (_name, mode) => {
    const rulesOf = (options?: MetadataTablesOptions) => {
      const { app } = build(mode(), options);
      return [AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks]
        .flatMap((Pack) => new Pack(app).validateScope(app).violations.flatMap((v) => v.violatingResources.map((r: any) => `${v.ruleName} @ ${r.constructPath ?? r.resourceLogicalId}`)))
        .sort();
    };
    expect(rulesOf({ enabled: true })).toEqual(rulesOf(undefined));
  });
});
