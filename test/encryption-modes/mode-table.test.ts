import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { verifyObjectEncryption } from '../../src/crypto';
import { EncryptionModeKind } from '../../src/encryption-modes/encryption-mode-kind';
import { enforcementDenials } from '../../src/encryption-modes/enforcement-denials';
import { expectedBucketEncryption } from '../../src/encryption-modes/expected-bucket-encryption';
import { allModeKinds, findModeRowByLabel, modeLabel, modeLabels, modeRow, parseModeName } from '../../src/encryption-modes/mode-lookup';
import { MODE_TABLE } from '../../src/encryption-modes/mode-table';
import { S3DirectoryBucketEncryption } from '../../src/nag/rules/s3express/S3DirectoryBucketEncryption';
import { encryptionProps } from '../../src/private/encryption-props';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111111111111:key/11111111-1111-1111-1111-111111111111';

describe('the mode table', () => {
  test('has one row per EncryptionModeKind, in the enum\'s order', () => {
    expect(MODE_TABLE.map((r) => r.kind)).toEqual(Object.values(EncryptionModeKind));
    expect(allModeKinds()).toEqual(Object.values(EncryptionModeKind));
  });

  test('spells every mode three ways: kind SSE_KMS, label SSE-KMS, factory sseKms', () => {
    expect(MODE_TABLE.map((r) => [r.kind, r.label, r.factory])).toEqual([
      ['SSE_S3', 'SSE-S3', 'sseS3'],
      ['SSE_KMS', 'SSE-KMS', 'sseKms'],
      ['DSSE_KMS', 'DSSE-KMS', 'dsseKms'],
      ['SSE_C', 'SSE-C', 'sseC'],
    ]);
    for (const row of MODE_TABLE) {
      expect(row.label).toBe(row.kind.replace(/_/g, '-'));
      expect(findModeRowByLabel(row.label)).toBe(row);
      expect(modeLabel(row.kind)).toBe(row.label);
      for (const spelling of [row.kind, row.label, row.label.toLowerCase(), ` ${row.kind.toLowerCase()} `]) {
        expect(parseModeName(spelling)).toBe(row);
      }
    }
    expect(parseModeName('SSE')).toBeUndefined();
    expect(modeLabels()).toBe('SSE-S3, SSE-KMS, DSSE-KMS or SSE-C');
    expect(modeLabels((r) => r.usesKms, 'and')).toBe('SSE-KMS and DSSE-KMS');
  });

  test('its algorithms are S3\'s: default encryption and upload headers', () => {
    expect(MODE_TABLE.map((r) => [r.kind, r.defaultEncryption.sseAlgorithm, r.uploads.sseHeader, r.uploads.customerAlgorithm])).toEqual([
      ['SSE_S3', 'AES256', 'AES256', undefined],
      ['SSE_KMS', 'aws:kms', 'aws:kms', undefined],
      ['DSSE_KMS', 'aws:kms:dsse', 'aws:kms:dsse', undefined],
      ['SSE_C', 'AES256', undefined, 'AES256'],
    ]);
  });

  test('each row\'s L2 props render its default encryption in the L1 (an s3.Bucket, not SecureBucket)', () => {
    for (const row of MODE_TABLE) {
      const stack = new Stack(new App());
      const bucket = new s3.Bucket(stack, 'Bucket', encryptionProps(row));
      const keyArn = bucket.encryptionKey ? stack.resolve(bucket.encryptionKey.keyArn) : undefined;
      const expected = JSON.parse(JSON.stringify(expectedBucketEncryption(row, keyArn)));
      Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', { BucketEncryption: expected });
      const rendered = Template.fromStack(stack).findResources('AWS::S3::Bucket');
      const actual = Object.values(rendered)[0].Properties.BucketEncryption;
      expect(actual).toEqual(expected);
    }
  });

  test('the L1 the self-check expects, per mode', () => {
    expect(expectedBucketEncryption(modeRow(EncryptionModeKind.SSE_KMS), KEY_ARN)).toEqual({
      ServerSideEncryptionConfiguration: [{
        ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KEY_ARN },
        BucketKeyEnabled: true,
        BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
      }],
    });
    expect(expectedBucketEncryption(modeRow(EncryptionModeKind.SSE_C))).toEqual({
      ServerSideEncryptionConfiguration: [{
        ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
        BucketKeyEnabled: undefined,
        BlockedEncryptionTypes: { EncryptionType: ['NONE'] },
      }],
    });
  });

  test('the deny statements per mode', () => {
    const sids = (kind: EncryptionModeKind) => enforcementDenials(modeRow(kind), KEY_ARN).map((d) => `${d.action}:${d.sid}`);
    expect(sids(EncryptionModeKind.SSE_S3)).toEqual([
      's3:PutObject:DenyOtherServerSideEncryption', 's3:PutObject:DenySseC', 's3:UpdateObjectEncryption:DenyUpdateObjectEncryption',
    ]);
    expect(sids(EncryptionModeKind.SSE_KMS)).toEqual([
      's3:PutObject:DenyOtherServerSideEncryption', 's3:PutObject:DenyOtherKmsKey', 's3:PutObject:DenyKmsWithoutKeyId', 's3:PutObject:DenySseC',
      's3:UpdateObjectEncryption:DenyUpdateToOtherEncryption', 's3:UpdateObjectEncryption:DenyUpdateToOtherKmsKey',
    ]);
    expect(sids(EncryptionModeKind.DSSE_KMS)).toEqual([
      's3:PutObject:DenyOtherServerSideEncryption', 's3:PutObject:DenyOtherKmsKey', 's3:PutObject:DenyKmsWithoutKeyId', 's3:PutObject:DenySseC',
      's3:UpdateObjectEncryption:DenyUpdateObjectEncryption',
    ]);
    expect(sids(EncryptionModeKind.SSE_C)).toEqual([
      's3:PutObject:RequireSseC', 's3:PutObject:DenyServerManagedEncryption', 's3:UpdateObjectEncryption:DenyUpdateObjectEncryption',
    ]);
    expect(() => enforcementDenials(modeRow(EncryptionModeKind.SSE_KMS))).toThrow(/needs the key ARN/);
  });

  test('a rule\'s fix names the algorithms of the modes it accepts', () => {
    expect(S3DirectoryBucketEncryption.fix).toBe('Set BucketEncryption.ServerSideEncryptionConfiguration on the AWS::S3Express::DirectoryBucket with an allowed mode '
      + '(AES256 or aws:kms) and, for aws:kms, KMSMasterKeyID set to a customer-managed key (one named in allowedKmsKeyArns when the policy names keys).');
  });

  test('the folder is the bottom layer: it imports nothing but its own files', () => {
    const dir = path.join(__dirname, '../../src/encryption-modes');
    for (const file of fs.readdirSync(dir)) {
      const imports = [...fs.readFileSync(path.join(dir, file), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      expect({ file, outside: imports.filter((i) => !i.startsWith('./')) }).toEqual({ file, outside: [] });
    }
  });

  // The runtime crypto module is its own package and does not import the table: its mode
  // names and algorithms must still be the table's.
  test('the crypto module\'s object verification agrees with the table', () => {
    for (const row of MODE_TABLE) {
      const head = row.uploads.customerAlgorithm !== undefined
        ? { SSECustomerAlgorithm: row.uploads.customerAlgorithm }
        : { ServerSideEncryption: row.uploads.sseHeader, ...(row.usesKms ? { SSEKMSKeyId: KEY_ARN } : {}) };
      const expectation = { mode: row.kind, ...(row.usesKms ? { keyArn: KEY_ARN } : {}) } as Parameters<typeof verifyObjectEncryption>[1];
      expect({ mode: row.kind, findings: verifyObjectEncryption(head, expectation).findings }).toEqual({ mode: row.kind, findings: [] });
      for (const other of MODE_TABLE.filter((o) => o.defaultEncryption.sseAlgorithm !== row.defaultEncryption.sseAlgorithm && o.uploads.sseHeader)) {
        const wrong = { ...head, ServerSideEncryption: other.uploads.sseHeader };
        expect(verifyObjectEncryption(wrong, expectation).ok).toBe(false);
      }
    }
    expect(() => verifyObjectEncryption({}, { mode: 'SSE_UNKNOWN' } as any)).toThrow();
  });
});
