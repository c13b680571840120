import { Duration } from 'aws-cdk-lib';

/**
 * The S3 Metadata configuration (V2) a SecureBucket can write: a journal
 * table of every change to its objects and a live inventory table of every
 * object with its `encryption_status`, `kms_key_arn` and
 * `is_bucket_key_enabled`, kept current within about an hour, in the
 * account's AWS managed table bucket `aws-s3` (namespace `b_<bucket name>`),
 * queryable with Athena. It is what the key audit at scale
 * (`KeyAuditQueries`) reads.
 *
 * Off by default: it has a cost per object (backfill of the inventory table,
 * journal records per change, and a monthly fee above one billion objects),
 * it exists only in the Regions where S3 Metadata is offered (a stack
 * deployed elsewhere fails), and the deploying role needs S3 Tables
 * permissions. See docs/secure-bucket.md.
 */
export interface MetadataTablesOptions {
  /**
   * Whether the bucket gets its S3 Metadata configuration.
   *
   * @default false
   */
  readonly enabled?: boolean;

  /**
   * Whether the live inventory table is kept (the journal table always is).
   * The key audit at scale needs it.
   *
   * @default true
   */
  readonly inventoryTable?: boolean;

  /**
   * How long journal table records are kept before S3 expires them: a whole
   * number of days, at least 7.
   *
   * @default Duration.days(90)
   */
  readonly journalRecordExpiration?: Duration;
}
