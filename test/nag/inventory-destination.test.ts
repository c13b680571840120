import { templateFindings } from './helpers';
import { EncryptionModeKind } from '../../src';
import { DEFAULT_POLICY, EnginePolicy } from '../../src/nag/engine/policy';

/** A source bucket whose S3 Inventory goes to `Dest`, and `Dest` with the given default encryption. */
function template(destAlgorithm: string, destinationArn: unknown = { 'Fn::GetAtt': ['Dest', 'Arn'] }) {
  const enc = (algorithm: string) => ({
    ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: algorithm } }],
  });
  return {
    Resources: {
      Source: {
        Type: 'AWS::S3::Bucket',
        Properties: {
          BucketEncryption: enc('aws:kms:dsse'),
          InventoryConfigurations: [{
            Id: 'EncryptionAudit',
            Enabled: true,
            IncludedObjectVersions: 'Current',
            ScheduleFrequency: 'Daily',
            Destination: { BucketArn: destinationArn, Format: 'CSV' },
          }],
        },
      },
      Dest: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'inventory-dest', BucketEncryption: enc(destAlgorithm) } },
    },
  };
}

const DSSE_ONLY: EnginePolicy = { ...DEFAULT_POLICY, allowedModes: [EncryptionModeKind.DSSE_KMS] };
const modeFindings = (t: unknown, policy: EnginePolicy) =>
  templateFindings(t, policy).filter((f) => f.startsWith('S3Encryption-S3DefaultEncryptionMode'));

describe('S3DefaultEncryptionMode on an S3 Inventory destination', () => {
  test('SSE-S3 and SSE-KMS destinations pass a policy that allows neither (S3 writes the reports)', () => {
    expect(modeFindings(template('AES256'), DSSE_ONLY)).toEqual([]);
    expect(modeFindings(template('aws:kms'), DSSE_ONLY)).toEqual([]);
  });

  test('the destination is found by a literal ARN of its name too', () => {
    expect(modeFindings(template('AES256', 'arn:aws:s3:::inventory-dest'), DSSE_ONLY)).toEqual([]);
  });

  test('a bucket that receives no inventory is held to the policy', () => {
    expect(modeFindings(template('AES256', 'arn:aws:s3:::some-other-bucket'), DSSE_ONLY)).toEqual(['S3Encryption-S3DefaultEncryptionMode @ Dest']);
  });

  test('a destination in another mode is held to the policy', () => {
    const policy: EnginePolicy = { ...DEFAULT_POLICY, allowedModes: [EncryptionModeKind.SSE_KMS] };
    expect(modeFindings(template('aws:kms:dsse'), policy)).toEqual(['S3Encryption-S3DefaultEncryptionMode @ Dest', 'S3Encryption-S3DefaultEncryptionMode @ Source']);
  });

  test('exemptLogBuckets: false holds the destination to the policy', () => {
    expect(modeFindings(template('AES256'), { ...DSSE_ONLY, exemptLogBuckets: false })).toEqual(['S3Encryption-S3DefaultEncryptionMode @ Dest']);
  });
});
