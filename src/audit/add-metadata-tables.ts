import { Aws, Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { MetadataTablesOptions } from './metadata-tables-options';
import { SecureBucketConfigError } from '../private/errors';

/** Id of the warning added when the key of a KMS-mode bucket is imported (its policy cannot be extended). */
export const METADATA_TABLES_KEY_WARNING = 'cdk-secure-bucket:metadataTablesKeyPolicy';

/** Service principals that write and maintain SSE-KMS encrypted metadata tables. */
const METADATA_SERVICE = 'metadata.s3.amazonaws.com';
const TABLES_MAINTENANCE_SERVICE = 'maintenance.s3tables.amazonaws.com';

/**
 * Writes the V2 S3 Metadata configuration on the bucket's L1 and returns it
 * (CloudFormation form, for the final-template check), or undefined when the
 * option is off.
 *
 * The tables are encrypted like the bucket: with the bucket's own KMS key in
 * the KMS modes (SSE-KMS: S3 Tables accepts customer managed keys only), with
 * SSE-S3 otherwise. For a key of this app, the key policy lets the S3
 * Metadata service and the S3 Tables maintenance service generate and decrypt
 * data keys only for tables of the account's AWS managed table bucket
 * (`kms:EncryptionContext:aws:s3:arn`, the table ARN S3 Tables passes,
 * "Permission requirements for S3 Tables SSE-KMS encryption",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-tables-kms-permissions.html),
 * and the metadata service only for this account (`aws:SourceAccount`).
 */
export function addMetadataTables(bucket: s3.Bucket, options: MetadataTablesOptions = {}): s3.CfnBucket.MetadataConfigurationProperty | undefined {
  const days = validate(bucket, options);
  if (options.enabled !== true) return undefined;

  const key = bucket.encryptionKey;
  const encryption: s3.CfnBucket.MetadataTableEncryptionConfigurationProperty = key
    ? { sseAlgorithm: 'aws:kms', kmsKeyArn: key.keyArn }
    : { sseAlgorithm: 'AES256' };
  if (key) grantMetadataServices(bucket, key);

  const configuration: s3.CfnBucket.MetadataConfigurationProperty = {
    journalTableConfiguration: {
      recordExpiration: { expiration: 'ENABLED', days },
      encryptionConfiguration: encryption,
    },
    inventoryTableConfiguration: options.inventoryTable === false
      ? { configurationState: 'DISABLED' }
      : { configurationState: 'ENABLED', encryptionConfiguration: encryption },
  };
  (bucket.node.defaultChild as s3.CfnBucket).metadataConfiguration = configuration;
  return configuration;
}

function grantMetadataServices(bucket: s3.Bucket, key: kms.IKey): void {
  const tables = `arn:${Aws.PARTITION}:s3tables:${Aws.REGION}:${Aws.ACCOUNT_ID}:bucket/aws-s3/*`;
  const statements = [
    new iam.PolicyStatement({
      sid: 'AllowS3MetadataToWriteMetadataTables',
      principals: [new iam.ServicePrincipal(METADATA_SERVICE)],
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': tables },
      },
    }),
    new iam.PolicyStatement({
      sid: 'AllowS3TablesMaintenanceOfMetadataTables',
      principals: [new iam.ServicePrincipal(TABLES_MAINTENANCE_SERVICE)],
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: ['*'],
      conditions: { StringLike: { 'kms:EncryptionContext:aws:s3:arn': tables } },
    }),
  ];
  const added = statements.map((s) => key.addToResourcePolicy(s).statementAdded);
  if (added.some((a) => !a)) {
    Validations.of(bucket).addWarning(METADATA_TABLES_KEY_WARNING,
      `metadataTables: the key ${key.keyArn} is imported, so its key policy cannot be extended here. `
      + `Let ${METADATA_SERVICE} and ${TABLES_MAINTENANCE_SERVICE} use it (kms:GenerateDataKey, kms:Decrypt) for tables of the `
      + 'aws-s3 table bucket, or S3 Metadata cannot write the encrypted tables; then acknowledge with '
      + `Validations.of(bucket).acknowledge({ id: '${METADATA_TABLES_KEY_WARNING}', reason: '...' }).`);
  }
}

/** The journal record expiration in days; throws on options that would be ignored or are out of range. */
function validate(bucket: s3.Bucket, options: MetadataTablesOptions): number {
  if (options.enabled !== true) {
    const given = Object.entries(options).filter(([k, v]) => k !== 'enabled' && v !== undefined).map(([k]) => k);
    if (given.length > 0) {
      throw new SecureBucketConfigError(bucket, `metadataTables.${given[0]}`,
        `is set but the S3 Metadata tables are not enabled, so it has no effect (got ${given.join(', ')})`,
        'add enabled: true to metadataTables, or remove the other options');
    }
    return 0;
  }
  const expiration = options.journalRecordExpiration ?? Duration.days(90);
  if (expiration.isUnresolved()) {
    throw new SecureBucketConfigError(bucket, 'metadataTables.journalRecordExpiration', 'must be a literal duration, not a token',
      'pass Duration.days(n) with n >= 7');
  }
  const days = expiration.toDays({ integral: false });
  if (!Number.isInteger(days) || days < 7 || days > 2147483647) {
    throw new SecureBucketConfigError(bucket, 'metadataTables.journalRecordExpiration',
      `must be a whole number of days, at least 7 (got ${expiration.toHumanString()})`,
      'pass Duration.days(n) with n >= 7, or omit it for 90 days');
  }
  return days;
}
