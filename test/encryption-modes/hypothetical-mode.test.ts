import { App, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { EncryptionModeKind } from '../../src/encryption-modes/encryption-mode-kind';
import { enforcementDenials } from '../../src/encryption-modes/enforcement-denials';
import { expectedBucketEncryption } from '../../src/encryption-modes/expected-bucket-encryption';
import { modeRow } from '../../src/encryption-modes/mode-lookup';
import { EncryptionModeRow } from '../../src/encryption-modes/mode-table';
import { keyAuditFindingsSql } from '../../src/metadata-audit/key-audit-sql';
import { assertEncryptionModeKind } from '../../src/secure-bucket/assert-mode-kind';
import { EncryptionMode } from '../../src/secure-bucket/encryption-mode';
import { encryptionProps } from '../../src/secure-bucket/encryption-props';
import { enforcementStatements } from '../../src/secure-bucket/enforcement-statements';
import { SecureBucket } from '../../src/secure-bucket/secure-bucket';

// "Adding a mode touches one table": the table below has a fifth row, a hypothetical
// post-quantum SSE-KMS ('aws:kms:pq', no S3 Bucket Key, nothing in place), and nothing
// else changes. Every consumer reads it from the table: the construct layer, the
// self-check's expected L1, the deny statements and the key audit's SQL.
// docs/contributing.md, "Adding an encryption mode", gives the same diff for a real mode.

jest.mock('../../src/encryption-modes/mode-table', () => {
  const actual = jest.requireActual('../../src/encryption-modes/mode-table');
  const fifth: EncryptionModeRow = {
    kind: 'SSE_KMS_PQ' as EncryptionModeKind,
    label: 'SSE-KMS-PQ',
    factory: 'sseKmsPq',
    usesKms: true,
    keySource: 'encrypts with a KMS key',
    defaultEncryption: { sseAlgorithm: 'aws:kms:pq', kmsMasterKey: true, bucketKey: false, blockedEncryptionType: 'SSE-C', l2Encryption: 'KMS' },
    uploads: { sseHeader: 'aws:kms:pq', updateToOwnKey: false },
    services: { accessLogs: false, cloudTrailLogs: false, inventoryReports: false, directoryBuckets: false },
    remediation: { updateInPlaceTarget: false, updateInPlaceSource: false, copyAlgorithm: 'BUCKET_DEFAULT' },
  };
  return { ...actual, MODE_TABLE: [...actual.MODE_TABLE, fifth] };
});

const PQ = 'SSE_KMS_PQ' as EncryptionModeKind;
const KEY_ARN = 'arn:aws:kms:eu-west-1:111111111111:key/11111111-1111-1111-1111-111111111111';

describe('a hypothetical fifth mode, added as one table row', () => {
  test('is a mode kind: EncryptionMode.of accepts it, in any spelling the hint offers', () => {
    const mode = EncryptionMode.of(PQ, {});
    expect(mode.kind).toBe('SSE_KMS_PQ');
    expect(mode.usesKms).toBe(true);
    expect(() => assertEncryptionModeKind('sse-kms-pq', { node: { path: 'X' } } as any, 'kind')).toThrow(/did you mean 'SSE_KMS_PQ'\?/);
    expect(() => assertEncryptionModeKind('nope', { node: { path: 'X' } } as any, 'kind')).toThrow(/EncryptionModeKind\.SSE_KMS_PQ/);
  });

  test('has L2 props, and the L1 the self-check expects', () => {
    const props = encryptionProps(modeRow(PQ), EncryptionMode.of(PQ));
    expect(props.encryption).toBe(s3.BucketEncryption.KMS);
    expect(props.bucketKeyEnabled).toBeUndefined();
    expect(props.blockedEncryptionTypes!.map((t) => t.name)).toEqual(['SSE-C']);
    expect(expectedBucketEncryption(modeRow(PQ), KEY_ARN)).toEqual({
      ServerSideEncryptionConfiguration: [{
        ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms:pq', KMSMasterKeyID: KEY_ARN },
        BucketKeyEnabled: undefined,
        BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
      }],
    });
  });

  test('has deny statements: its own algorithm and key only, no SSE-C, no in-place change', () => {
    expect(enforcementDenials(modeRow(PQ), KEY_ARN).map((d) => d.sid)).toEqual([
      'DenyOtherServerSideEncryption', 'DenyOtherKmsKey', 'DenyKmsWithoutKeyId', 'DenySseC', 'DenyUpdateObjectEncryption',
    ]);
    const [first] = enforcementStatements(PQ, { objectsArn: 'arn:aws:s3:::b/*', keyArn: KEY_ARN });
    expect(first.toStatementJson().Condition).toEqual({
      Null: { 's3:x-amz-server-side-encryption': 'false' },
      StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms:pq' },
    });
  });

  test('SecureBucket validation names it: its factory among the modes and among the KMS modes', () => {
    const stack = new Stack(new App());
    expect(() => new SecureBucket(stack, 'NoMode', { mode: undefined as any }))
      .toThrow(/EncryptionMode\.sseS3\(\), sseKms\(\), dsseKms\(\), sseC\(\) or sseKmsPq\(\)/);
    expect(() => new SecureBucket(stack, 'Opts', { mode: EncryptionMode.of(EncryptionModeKind.SSE_S3, { keyRotationPeriod: undefined, dataEvents: 'ALL' as any }) }))
      .toThrow(/EncryptionMode\.sseKms\(\{\.\.\.\}\), EncryptionMode\.dsseKms\(\{\.\.\.\}\) or EncryptionMode\.sseKmsPq\(\{\.\.\.\}\)/);
  });

  test('the S3 Metadata key audit expects its status and key', () => {
    const sql = keyAuditFindingsSql({ table: '"t"', bucketName: 'b', expected: { status: 'SSE-KMS-PQ', kmsKeyArn: KEY_ARN } });
    expect(sql).toContain("encryption_status IS DISTINCT FROM 'SSE-KMS-PQ'");
    expect(sql).toContain(`kms_key_arn IS DISTINCT FROM '${KEY_ARN}'`);
    expect(() => keyAuditFindingsSql({ table: '"t"', bucketName: 'b', expected: { status: 'SSE-KMS-PQ' } })).toThrow(/needs the key ARN/);
    expect(() => keyAuditFindingsSql({ table: '"t"', bucketName: 'b', expected: { status: 'SSE-KMS-PQ', kmsKeyArn: KEY_ARN, bucketKeyEnabled: true } }))
      .toThrow(/apply to SSE-KMS only/);
  });
});
