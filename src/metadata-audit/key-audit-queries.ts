import { Aws, Duration, Names, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ExpectedEncryption, KeyAuditSqlInput, keyAuditFindingsSql, keyAuditSummarySql, keyAuditUnloadSql, sqlIdentifier } from './key-audit-sql';
import { modeRow } from '../encryption-modes/mode-lookup';
import { SecureBucketConfigError } from '../private/errors';
import { EncryptionMode } from '../secure-bucket/encryption-mode';
import { SecureBucket } from '../secure-bucket/secure-bucket';

/** The catalog Athena sees the AWS managed table bucket `aws-s3` as. */
const CATALOG = 's3tablescatalog/aws-s3';
/** Where each run's manifest goes; replaced in the named query before each run. */
const RUN_PLACEHOLDER = 'RUN-ID';

/**
 * Properties of `KeyAuditQueries`.
 */
export interface KeyAuditQueriesProps {
  /**
   * The SecureBucket to audit. It must have S3 Metadata with the live
   * inventory table (`metadataTables: { enabled: true }`).
   */
  readonly bucket: SecureBucket;

  /**
   * Name of the Athena workgroup.
   *
   * @default - a name unique in the account, derived from the construct path
   */
  readonly workGroupName?: string;

  /**
   * How long query results and manifests are kept in the results bucket the
   * construct creates. A whole number of days, at least 1.
   *
   * @default Duration.days(30)
   */
  readonly resultsRetention?: Duration;
}

/**
 * The key audit at scale: an Athena workgroup and three named queries over
 * the bucket's S3 Metadata live inventory table.
 *
 * - `summaryQuery`: the findings counted (objects and bytes per reason, mode,
 *   key and whether current), what to read first;
 * - `findingsQuery`: every object and version not under the bucket's mode,
 *   key (`kms_key_arn`) and bucket-key setting, with the reason;
 * - `manifestQuery`: an `UNLOAD` of the keys whose current object is a
 *   finding, as S3 Batch Operations CSV manifests (`bucket,key`, keys
 *   URL-encoded) under `s3://<results>/manifests/<bucket>/RUN-ID/`; replace
 *   `RUN-ID` before each run (UNLOAD refuses a prefix that holds objects).
 *
 * The workgroup keeps results in `resultsBucket` (an SSE-KMS SecureBucket
 * with its own key; results and manifests expire after `resultsRetention`)
 * under `results/`, encrypted with that key, and enforces its settings on
 * every query, with CloudWatch metrics on. The queries name the table as Athena sees S3 Metadata tables:
 * `"s3tablescatalog/aws-s3"."b_<bucket name>"."inventory"`; the AWS managed
 * table bucket must be integrated with the AWS analytics services, and who
 * runs the queries needs Athena, S3 Tables read (`s3tables:GetTable`,
 * `GetTableData`, `GetTableMetadataLocation`) and, for SSE-KMS tables,
 * `kms:Decrypt` on the bucket's key (see docs/after-deploy.md).
 */
export class KeyAuditQueries extends Construct {
  /** The workgroup the queries run in. */
  public readonly workGroup: athena.CfnWorkGroup;

  /** The named query counting the findings. */
  public readonly summaryQuery: athena.CfnNamedQuery;

  /** The named query listing the findings. */
  public readonly findingsQuery: athena.CfnNamedQuery;

  /** The named query writing the Batch Operations manifests. */
  public readonly manifestQuery: athena.CfnNamedQuery;

  /** Where query results and manifests are written. */
  public readonly resultsBucket: SecureBucket;

  constructor(scope: Construct, id: string, props: KeyAuditQueriesProps) {
    super(scope, id);
    const bucket = props.bucket;
    const cfnBucket = bucket.node.defaultChild as s3.CfnBucket;
    const metadata = Stack.of(bucket).resolve(cfnBucket.metadataConfiguration);
    // The L1 holds the configuration in its own (camelCase) form.
    if (metadata?.inventoryTableConfiguration?.configurationState !== 'ENABLED') {
      throw new SecureBucketConfigError(this, 'bucket',
        `${bucket.node.path} has no S3 Metadata live inventory table, which is what the key audit queries`,
        'give the bucket metadataTables: { enabled: true } (and leave inventoryTable on)');
    }
    // The physical name when it is given (the SQL then names it literally), else the bucket's Ref.
    const given = cfnBucket.bucketName;
    const name = given !== undefined && !Token.isUnresolved(given) ? given : bucket.bucketName;
    if (!Token.isUnresolved(name) && name.includes('.')) {
      throw new SecureBucketConfigError(this, 'bucket',
        `the bucket name ${name} has a dot, and S3 Tables namespaces cannot, so its metadata namespace is not b_${name}`,
        'audit a bucket whose name has no dot (S3 Metadata namespaces are b_<bucket name>)');
    }

    const namespace = `b_${name}`;
    const input: KeyAuditSqlInput = {
      table: [CATALOG, namespace, 'inventory'].map(sqlIdentifier).join('.'),
      bucketName: name,
      expected: expectedEncryption(bucket),
    };

    const retention = props.resultsRetention ?? Duration.days(30);
    const retentionDays = retention.isUnresolved() ? NaN : retention.toDays({ integral: false });
    if (!Number.isInteger(retentionDays) || retentionDays < 1) {
      throw new SecureBucketConfigError(this, 'resultsRetention', `must be a whole number of days, at least 1 (got ${retention.toHumanString()})`,
        'pass Duration.days(n) with n >= 1, or omit it for 30 days');
    }
    // SSE-KMS with its own key: the results list object keys of the audited bucket.
    this.resultsBucket = new SecureBucket(this, 'Results', {
      mode: EncryptionMode.sseKms(),
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{
        expiration: retention,
        noncurrentVersionExpiration: Duration.days(1),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      }],
    });
    const replication = 'Query results and Batch Operations manifests are derived data that expire by lifecycle rule: '
      + 'run the named queries again against the live inventory table to regenerate them; replicate the audited bucket, not its audit results.';
    Validations.of(this.resultsBucket).acknowledge(
      { id: 'HIPAA.Security-S3BucketReplicationEnabled', reason: replication },
      { id: 'NIST.800.53.R5-S3BucketReplicationEnabled', reason: replication },
      { id: 'PCI.DSS.321-S3BucketReplicationEnabled', reason: replication },
    );

    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: props.workGroupName ?? Names.uniqueResourceName(this, { maxLength: 128, separator: '-' }),
      description: `Key audit of ${bucket.node.path} on its S3 Metadata live inventory table`,
      state: 'ENABLED',
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        resultConfiguration: {
          outputLocation: `s3://${this.resultsBucket.bucketName}/results/`,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: this.resultsBucket.encryptionKey!.keyArn },
          expectedBucketOwner: Aws.ACCOUNT_ID,
        },
      },
    });

    const manifests = `s3://${this.resultsBucket.bucketName}/manifests/${name}/${RUN_PLACEHOLDER}/`;
    this.summaryQuery = this.namedQuery('SummaryQuery', 'summary',
      'Objects and bytes not under the bucket\'s encryption mode, KMS key and bucket-key setting, per reason, mode, key and currency',
      namespace, keyAuditSummarySql(input));
    this.findingsQuery = this.namedQuery('FindingsQuery', 'findings',
      'Objects and versions not under the bucket\'s encryption mode, KMS key and bucket-key setting, with the reason',
      namespace, keyAuditFindingsSql(input));
    this.manifestQuery = this.namedQuery('ManifestQuery', 'batch-manifest',
      `S3 Batch Operations CSV manifests of the keys whose current object is a finding; replace ${RUN_PLACEHOLDER} in the TO prefix before each run`,
      namespace, keyAuditUnloadSql(input, manifests));
  }

  private namedQuery(id: string, suffix: string, description: string, database: string, queryString: string): athena.CfnNamedQuery {
    const q = new athena.CfnNamedQuery(this, id, {
      name: `${this.node.path}/${suffix}`.slice(-128),
      description,
      database,
      queryString,
      workGroup: this.workGroup.ref,
    });
    return q;
  }
}

/** What every object of the bucket must be under, from its mode. */
function expectedEncryption(bucket: SecureBucket): ExpectedEncryption {
  const row = modeRow(bucket.modeKind);
  return {
    status: row.label,
    ...(row.usesKms ? { kmsKeyArn: bucket.encryptionKey!.keyArn } : {}),
    ...(row.defaultEncryption.bucketKey ? { bucketKeyEnabled: true } : {}),
  };
}
