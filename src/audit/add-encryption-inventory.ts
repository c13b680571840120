import { IResolveContext, Lazy, Stack, Tokenization } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { EncryptionInventoryOptions } from './encryption-inventory-options';
import { InventoryBucket } from './inventory-bucket';
import { SecureBucketConfigError } from '../private/errors';

/** Id of the encryption-audit inventory configuration on every source bucket. */
export const ENCRYPTION_INVENTORY_ID = 'EncryptionAudit';

/**
 * The optional fields an encryption audit needs: what each object is
 * encrypted with (EncryptionStatus: NOT-SSE, SSE-S3, SSE-C, SSE-KMS,
 * DSSE-KMS; BucketKeyStatus), and what re-encrypting it would cost and allow
 * (Size, StorageClass, LastModifiedDate).
 */
export const ENCRYPTION_INVENTORY_FIELDS: readonly string[] = [
  'Size', 'LastModifiedDate', 'StorageClass', 'EncryptionStatus', 'BucketKeyStatus',
];

/**
 * Adds the encryption-audit inventory configuration to `source` and grants
 * its delivery on the destination. Returns the destination, or undefined when
 * the inventory is disabled.
 *
 * The configuration is written on the L1 (`inventoryConfigurations`), after
 * any the L2 rendered from the bucket's `inventories` prop, rather than passed
 * through the L2 `inventories` prop: for an `s3.Bucket` destination the L2
 * adds its own delivery grant scoped by `aws:SourceArn` only (no
 * `aws:SourceAccount`, bucket ARN included), and the destination's policy
 * should hold only the scoped statement of `grantInventoryDeliveryFrom`.
 */
export function addEncryptionInventory(source: s3.Bucket, options: EncryptionInventoryOptions = {}): InventoryBucket | undefined {
  validate(source, options);
  if (options.enabled === false) {
    return undefined;
  }
  const destination = options.destination ?? InventoryBucket.of(source);
  const prefix = options.prefix ?? source.node.path;
  destination.grantInventoryDeliveryFrom(source, prefix);

  const audit: s3.CfnBucket.InventoryConfigurationProperty = {
    id: ENCRYPTION_INVENTORY_ID,
    enabled: true,
    includedObjectVersions: s3.InventoryObjectVersion.CURRENT,
    scheduleFrequency: s3.InventoryFrequency.DAILY,
    optionalFields: [...ENCRYPTION_INVENTORY_FIELDS],
    destination: {
      bucketArn: destination.bucketArn,
      // S3 checks the destination's owner before delivering.
      bucketAccountId: Stack.of(destination).account,
      format: options.format ?? s3.InventoryFormat.CSV,
      prefix,
    },
  };
  // The L2 renders its `inventories` lazily (and they may change until
  // synthesis), so append to whatever it produces at synthesis.
  const cfn = source.node.defaultChild as s3.CfnBucket;
  const previous = cfn.inventoryConfigurations;
  cfn.inventoryConfigurations = Lazy.uncachedAny({
    produce: (context: IResolveContext) => {
      const prior = (Tokenization.isResolvable(previous) ? previous.resolve(context) : previous) as Array<{ id?: string }> | undefined;
      if ((prior ?? []).some((c) => c.id === ENCRYPTION_INVENTORY_ID)) {
        throw new SecureBucketConfigError(source, 'inventories',
          `the inventory id '${ENCRYPTION_INVENTORY_ID}' is reserved for the encryption-audit inventory`,
          'give your inventory another inventoryId, or set encryptionInventory: { enabled: false } and keep your own');
      }
      return [...(prior ?? []), audit];
    },
  });
  return destination;
}

function validate(source: s3.Bucket, options: EncryptionInventoryOptions): void {
  if (options.enabled === false) {
    const given = Object.entries(options).filter(([k, v]) => k !== 'enabled' && v !== undefined).map(([k]) => k);
    if (given.length > 0) {
      throw new SecureBucketConfigError(source, `encryptionInventory.${given[0]}`,
        `is set but the encryption inventory is disabled (enabled: false), so it has no effect (got ${given.join(', ')})`,
        'remove the other encryptionInventory options, or drop enabled: false');
    }
    return;
  }
  const format = options.format;
  if (format !== undefined && format !== s3.InventoryFormat.CSV && format !== s3.InventoryFormat.PARQUET) {
    throw new SecureBucketConfigError(source, 'encryptionInventory.format',
      `${format} is not supported for the encryption inventory`,
      'use s3.InventoryFormat.CSV (the default) or s3.InventoryFormat.PARQUET');
  }
  const prefix = options.prefix;
  if (prefix !== undefined && (prefix === '' || prefix.startsWith('/') || prefix.endsWith('/'))) {
    throw new SecureBucketConfigError(source, 'encryptionInventory.prefix',
      `"${prefix}" must be non-empty and must not start or end with '/'`,
      'pass a prefix such as "inventory/my-bucket", or omit it to use the construct path');
  }
  if (options.destination !== undefined && !InventoryBucket.isInventoryBucket(options.destination)) {
    throw new SecureBucketConfigError(source, 'encryptionInventory.destination',
      `${(options.destination as any)?.node?.path ?? String(options.destination)} is not an InventoryBucket`,
      'pass an InventoryBucket (new InventoryBucket(stack, id) or InventoryBucket.of(stack)), or omit destination');
  }
}
