import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { parseMode } from '../../src/check/check';
import { AUDIT_USAGE } from '../../src/cli/audit-inventory-command';
import { CHECK_USAGE } from '../../src/cli/check-command';
import { EncryptionModeKind } from '../../src/encryption-modes/encryption-mode-kind';
import { enforcementDenials } from '../../src/encryption-modes/enforcement-denials';
import { expectedBucketEncryption } from '../../src/encryption-modes/expected-bucket-encryption';
import { modeRow } from '../../src/encryption-modes/mode-lookup';
import { EncryptionModeRow } from '../../src/encryption-modes/mode-table';
import { createJobRequest } from '../../src/inventory/create-job';
import { ENCRYPTION_STATUSES, EXPECTED_MODES, remedy } from '../../src/inventory/remediation';
import { keyAuditFindingsSql } from '../../src/metadata-audit/key-audit-sql';
import { bucketEncryption } from '../../src/nag/engine/bucket-model';
import { SSE_KEY, SSE_KMS_KEY_ID_KEY } from '../../src/nag/engine/condition-keys';
import { ALL_MODES, EnginePolicy, toEnginePolicy } from '../../src/nag/engine/policy';
import { anyExcept, exact } from '../../src/nag/engine/policy-statements';
import { RuleStatus } from '../../src/nag/engine/rule';
import { TemplateIndex } from '../../src/nag/engine/template-index';
import { describeUpload } from '../../src/nag/engine/upload-request';
import { S3DefaultEncryptionMode } from '../../src/nag/rules/s3/S3DefaultEncryptionMode';
import { S3EncryptionEnforcementPolicy } from '../../src/nag/rules/s3/S3EncryptionEnforcementPolicy';
import { S3KmsBucketKeyEnabled } from '../../src/nag/rules/s3/S3KmsBucketKeyEnabled';
import { S3SseCBlocked } from '../../src/nag/rules/s3/S3SseCBlocked';
import { encryptionProps } from '../../src/private/encryption-props';
import { assertEncryptionModeKind } from '../../src/secure-bucket/assert-mode-kind';
import { EncryptionMode } from '../../src/secure-bucket/encryption-mode';
import { enforcementStatements } from '../../src/secure-bucket/enforcement-statements';
import { SecureBucket } from '../../src/secure-bucket/secure-bucket';

// "Adding a mode touches one table": the table below has a fifth row, a hypothetical
// post-quantum SSE-KMS ('aws:kms:pq', no S3 Bucket Key, nothing in place), and nothing
// else changes. Every consumer reads it from the table: the construct layer, the
// self-check's expected L1, the deny statements, the rule engine (recognising the mode in a
// template, the uploads its policy must refuse, the policy's modes), `check`'s mode names,
// the inventory audit's statuses and Batch Operations jobs, and the key audit's SQL.
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
    const props = encryptionProps(modeRow(PQ));
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

  test('the engine recognises it in a template and knows what its bucket policy must refuse', () => {
    const template = (enforcedAs: EncryptionModeKind) => {
      const stack = new Stack(new App());
      const bucket = new s3.Bucket(stack, 'Bucket', encryptionProps(modeRow(PQ)));
      // aws-cdk-lib has no BucketEncryption for a mode S3 has not launched: the algorithm is the row's.
      (bucket.node.defaultChild as s3.CfnBucket).addPropertyOverride(
        'BucketEncryption.ServerSideEncryptionConfiguration.0.ServerSideEncryptionByDefault.SSEAlgorithm', 'aws:kms:pq');
      enforcementStatements(enforcedAs, { objectsArn: bucket.arnForObjects('*'), keyArn: bucket.encryptionKey!.keyArn })
        .forEach((st) => bucket.addToResourcePolicy(st));
      const json = Template.fromStack(stack).toJSON();
      return { json, bucketId: Object.keys(json.Resources).find((id) => json.Resources[id].Type === 'AWS::S3::Bucket')! };
    };
    const judge = (rule: typeof S3DefaultEncryptionMode, enforcedAs: EncryptionModeKind, policy: EnginePolicy = toEnginePolicy({})) => {
      const { json, bucketId } = template(enforcedAs);
      const index = new TemplateIndex(json, policy);
      return rule.evaluate(index.resources.get(bucketId)!, index);
    };

    const { json, bucketId } = template(PQ);
    const index = new TemplateIndex(json, toEnginePolicy({}));
    expect(bucketEncryption(index.resources.get(bucketId)!, index).mode).toBe(PQ);
    expect(ALL_MODES).toContain(PQ);
    expect(judge(S3DefaultEncryptionMode, PQ).status).toBe(RuleStatus.COMPLIANT);
    expect(judge(S3DefaultEncryptionMode, PQ, toEnginePolicy({ allowedModes: [EncryptionModeKind.SSE_KMS] }))).toEqual({
      status: RuleStatus.NON_COMPLIANT, message: 'the bucket uses SSE-KMS-PQ; the policy allows SSE-KMS',
    });
    expect(judge(S3EncryptionEnforcementPolicy, PQ).status).toBe(RuleStatus.COMPLIANT);
    // SSE-KMS's statements refuse other algorithms than aws:kms, so they let SSE-KMS uploads into an SSE-KMS-PQ bucket.
    const wrong = judge(S3EncryptionEnforcementPolicy, EncryptionModeKind.SSE_KMS);
    expect(wrong.status).toBe(RuleStatus.NON_COMPLIANT);
    expect(wrong.message).toMatch(/an SSE-KMS upload.*\(SSE-KMS-PQ mode\)/);
    expect(judge(S3KmsBucketKeyEnabled, PQ).status).toBe(RuleStatus.NOT_APPLICABLE);
    expect(judge(S3SseCBlocked, PQ).status).toBe(RuleStatus.COMPLIANT);
    expect(describeUpload({ [SSE_KEY]: [exact('aws:kms:pq')], [SSE_KMS_KEY_ID_KEY]: [anyExcept('k')] })).toBe('an SSE-KMS-PQ upload naming another KMS key');
  });

  test('check takes its name in any spelling, and the CLI help lists it', () => {
    expect(parseMode('sse-kms-pq', '--allowed-modes')).toBe(PQ);
    expect(() => parseMode('pq', '--allowed-modes')).toThrow(/use SSE-S3, SSE-KMS, DSSE-KMS, SSE-C or SSE-KMS-PQ/);
    expect(CHECK_USAGE).toContain('modes buckets may use: SSE-S3, SSE-KMS, DSSE-KMS, SSE-C, SSE-KMS-PQ (default: all)');
    expect(AUDIT_USAGE).toContain('--expect-mode <SSE-S3|SSE-KMS|DSSE-KMS|SSE-C|SSE-KMS-PQ>');
  });

  test('the inventory audit expects it, and brings objects to it by copy (the bucket default)', () => {
    expect(EXPECTED_MODES).toContain('SSE-KMS-PQ');
    expect(ENCRYPTION_STATUSES).toContain('SSE-KMS-PQ');
    expect(remedy({ status: 'SSE-KMS', isLatest: true }, 'SSE-KMS-PQ')).toEqual({ operation: 'S3PutObjectCopy' });
    const job = createJobRequest({
      accountId: '111111111111',
      roleArn: 'arn:aws:iam::111111111111:role/batch',
      operation: 'S3PutObjectCopy',
      mode: 'SSE-KMS-PQ',
      bucketKey: false,
      bucket: 'b',
      manifest: { bucket: 'm', key: 'k', etag: 'e', fields: ['Bucket', 'Key'] },
      report: { bucket: 'r', prefix: 'p' },
    });
    expect(job.Operation).toEqual({ S3PutObjectCopy: { TargetResource: 'arn:aws:s3:::b', MetadataDirective: 'COPY' } });
  });
});
