import * as s3 from 'aws-cdk-lib/aws-s3';
import { InventoryBucket } from './inventory-bucket';

/**
 * The S3 Inventory configuration a SecureBucket gets for encryption audits.
 *
 * By default every SecureBucket has one inventory configuration with id
 * `EncryptionAudit`: daily, current versions only, CSV, with the optional
 * fields `Size`, `LastModifiedDate`, `StorageClass`, `EncryptionStatus` and
 * `BucketKeyStatus`, delivered to the stack's `InventoryBucket`.
 */
export interface EncryptionInventoryOptions {
  /**
   * Whether the bucket gets its encryption-audit inventory.
   *
   * Set to false to opt out; no other option may be set then.
   *
   * @default true
   */
  readonly enabled?: boolean;

  /**
   * Format of the inventory data files: `InventoryFormat.CSV` (gzip) or
   * `InventoryFormat.PARQUET`. ORC is refused (the audit tooling reads CSV
   * and Parquet).
   *
   * @default s3.InventoryFormat.CSV
   */
  readonly format?: s3.InventoryFormat;

  /**
   * The bucket the reports are delivered to. It must be in the bucket's
   * Region (an S3 Inventory requirement).
   *
   * @default - the stack's shared inventory bucket, `InventoryBucket.of(stack)`
   */
  readonly destination?: InventoryBucket;

  /**
   * Key prefix of the reports in the destination, without a leading or
   * trailing '/'. S3 writes them under
   * `<prefix>/<bucket name>/EncryptionAudit/`.
   *
   * @default - the bucket's construct path
   */
  readonly prefix?: string;
}
