import { Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IConstruct } from 'constructs';
import { AccessLogsBucket } from './access-logs-bucket';
import { EncryptionModeKind } from '../encryption-modes/encryption-mode-kind';
import { deliveryBucketProps, requireWholeDays } from '../private/delivery-bucket';
import { SecureBucketConfigError } from '../private/errors';
import { enableEventBridgeOnL1 } from '../private/event-bridge';
import { guardHelperBucket } from '../private/helper-bucket-check';
import { enableServerAccessLogs } from '../private/server-access-logs';
import { sharedInStack } from '../private/shared-in-stack';

const INVENTORY_BUCKET_BRAND = Symbol.for('cdk-secure-bucket.InventoryBucket');
const SHARED_ID = 'SecureBucketInventory';

/**
 * Properties of an `InventoryBucket`.
 */
export interface InventoryBucketProps {
  /**
   * Physical name of the bucket.
   *
   * @default - CloudFormation generates a name
   */
  readonly bucketName?: string;

  /**
   * How long inventory reports (manifests, data files, Athena symlinks) are
   * kept before S3 expires them. Must be at least one day.
   *
   * A daily inventory writes a full list of the source bucket every day, so
   * old reports are only useful for comparing audits over time.
   *
   * @default Duration.days(90)
   */
  readonly retention?: Duration;

  /**
   * How long a replaced or deleted report file (a noncurrent version) is kept.
   * Must be at least one day.
   *
   * @default Duration.days(7)
   */
  readonly noncurrentVersionRetention?: Duration;

  /**
   * What happens to the bucket when it leaves the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Bucket that receives the server access logs of the inventory bucket.
   *
   * @default - the stack's shared access-log bucket, `AccessLogsBucket.of(this)`
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
}

/**
 * The destination of the S3 Inventory reports of SecureBuckets.
 *
 * One is created per stack on demand (`InventoryBucket.of(scope)`) and shared
 * by every SecureBucket in it. It is secured like the access-log bucket, with
 * the differences S3 Inventory delivery imposes:
 *
 * - default encryption is SSE-S3 and a bucket policy refuses uploads that ask
 *   for another algorithm; SSE-C is blocked;
 * - TLS-only access, all public access blocked, object ownership
 *   bucket-owner-enforced (no ACLs);
 * - versioned, with current reports expiring after `retention` and
 *   noncurrent versions after `noncurrentVersionRetention`, so it never grows
 *   forever;
 * - its own server access logs go to the stack's access-log bucket;
 * - S3 Object Lock is enabled without a default retention (nothing is
 *   locked unless a writer asks), and events go to EventBridge.
 *
 * Like the other helper buckets, its final template is checked at synth:
 * an Aspect or escape hatch that changes its encryption, removes the
 * public access block, TLS-only access, ownership, logging or the deny
 * statements above fails synthesis, naming the bucket's path.
 *
 * Delivery is granted per source bucket with `grantInventoryDeliveryFrom`: a
 * bucket-policy statement for `s3.amazonaws.com` `s3:PutObject` under the
 * source's prefix, scoped with `aws:SourceArn` to the source bucket and
 * `aws:SourceAccount` to the account, with the `bucket-owner-full-control`
 * ACL condition: the S3 User Guide's inventory destination policy
 * (`InventoryAndAnalyticsExamplePolicy` in "Bucket policy examples",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html;
 * "Creating a destination bucket policy" in
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/configure-inventory.html).
 * Under BucketOwnerEnforced, S3 still accepts a PUT that carries that one
 * ACL, and the reports belong to the bucket owner.
 *
 * S3 requires the destination to be in the same Region as the source bucket
 * (PutBucketInventoryConfiguration,
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketInventoryConfiguration.html);
 * `grantInventoryDeliveryFrom` throws when both Regions are known and differ.
 */
export class InventoryBucket extends s3.Bucket {
  /**
   * Construct id of the shared per-stack inventory bucket created by `of`.
   */
  public static readonly SHARED_ID: string = SHARED_ID;

  /**
   * The stack's shared inventory bucket, created on first use.
   *
   * @param scope any construct in the stack
   */
  public static of(scope: IConstruct): InventoryBucket {
    return sharedInStack(scope, {
      id: SHARED_ID,
      what: 'inventory bucket',
      is: InventoryBucket.isInventoryBucket,
      create: (stack, id) => new InventoryBucket(stack, id),
    });
  }

  /**
   * Whether `x` is an `InventoryBucket` (works across copies of this library).
   *
   * @param x any value
   */
  public static isInventoryBucket(x: any): x is InventoryBucket {
    return x !== null && typeof x === 'object' && INVENTORY_BUCKET_BRAND in x;
  }

  constructor(scope: Construct, id: string, props: InventoryBucketProps = {}) {
    const retention = props.retention ?? Duration.days(90);
    const noncurrent = props.noncurrentVersionRetention ?? Duration.days(7);
    // S3 writes inventory reports with the destination's default encryption (the inventory
    // configuration's own report encryption is not settable in CloudFormation's
    // InventoryConfiguration), and S3 Inventory delivery is authorized by the bucket policy.
    super(scope, id, deliveryBucketProps({
      bucketName: props.bucketName,
      removalPolicy: props.removalPolicy,
      lifecycleRuleId: 'ExpireInventoryReports',
      retention,
      noncurrentVersionRetention: noncurrent,
      objectLockEnabled: true,
    }));
    Object.defineProperty(this, INVENTORY_BUCKET_BRAND, { value: true });
    enableEventBridgeOnL1(this);

    requireWholeDays(this, retention, 'retention');
    requireWholeDays(this, noncurrent, 'noncurrentVersionRetention');

    // Refuse uploads that ask for another algorithm than SSE-S3 (the same
    // statement SecureBucket adds in SSE-S3 mode): a request without an
    // encryption header, like S3's own delivery, gets the default.
    this.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'DenyOtherServerSideEncryption',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:PutObject'],
      resources: [this.arnForObjects('*')],
      conditions: {
        Null: { 's3:x-amz-server-side-encryption': 'false' },
        StringNotEquals: { 's3:x-amz-server-side-encryption': 'AES256' },
      },
    }));
    // Nor may stored reports be switched to another encryption in place (s3:UpdateObjectEncryption,
    // whose only targets besides SSE-S3 are KMS keys), as in a SecureBucket of SSE-S3 mode.
    this.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'DenyUpdateObjectEncryption',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:UpdateObjectEncryption'],
      resources: [this.arnForObjects('*')],
    }));

    enableServerAccessLogs(this, props.serverAccessLogsBucket ?? AccessLogsBucket.of(this), `${this.node.path}/`);

    const sseS3 = 'SSE-S3 by design, as for the access-log bucket: S3 Inventory delivery writes with the destination\'s default '
      + 'encryption, and SSE-KMS would need a key policy letting the s3.amazonaws.com service principal generate data keys plus a '
      + 'kms:Decrypt grant for every Athena, audit and Batch Operations reader. The reports hold object metadata (keys, sizes, '
      + 'encryption status), not object contents.';
    const replication = 'Inventory reports are regenerated from the source buckets every day and expire by lifecycle rule; '
      + 'replicate the source buckets, not their inventory reports.';
    Validations.of(this).acknowledge(
      { id: 'HIPAA.Security-S3DefaultEncryptionKMS', reason: sseS3 },
      { id: 'NIST.800.53.R5-S3DefaultEncryptionKMS', reason: sseS3 },
      { id: 'PCI.DSS.321-S3DefaultEncryptionKMS', reason: sseS3 },
      { id: 'HIPAA.Security-S3BucketReplicationEnabled', reason: replication },
      { id: 'NIST.800.53.R5-S3BucketReplicationEnabled', reason: replication },
      { id: 'PCI.DSS.321-S3BucketReplicationEnabled', reason: replication },
    );

    // What its final template must keep (after Aspects and overrides), checked at synth: SSE-S3, the
    // secure baseline and the two deny statements above.
    guardHelperBucket(this, { mode: EncryptionModeKind.SSE_S3 });
  }

  /**
   * Lets S3 deliver the inventory reports of `source` into this bucket under
   * `prefix`.
   *
   * Adds one bucket-policy statement: `s3.amazonaws.com` may `s3:PutObject` to
   * `<prefix>/*` only when `aws:SourceArn` is the source bucket's ARN,
   * `aws:SourceAccount` is the source's account and the request carries the
   * `bucket-owner-full-control` ACL, as in the S3 User Guide's inventory
   * destination policy. S3 writes the reports under
   * `<prefix>/<source bucket name>/<inventory id>/`.
   *
   * @param source the bucket whose inventory is delivered here
   * @param prefix the destination prefix of its inventory configuration (no trailing '/')
   */
  public grantInventoryDeliveryFrom(source: s3.IBucket, prefix: string): void {
    const here = Stack.of(this).region;
    const there = source.env.region;
    if (!Token.isUnresolved(here) && !Token.isUnresolved(there) && here !== there) {
      throw new SecureBucketConfigError(source, 'encryptionInventory',
        `S3 Inventory delivers only to a destination in the source bucket's Region, but the source is in ${there} and ${this.node.path} is in ${here}`,
        'give the source bucket an InventoryBucket in its own Region (encryptionInventory.destination), or disable its inventory');
    }
    this.addToResourcePolicy(inventoryDeliveryStatement(this, source, prefix));
  }
}

/** The scoped S3 Inventory delivery grant (see grantInventoryDeliveryFrom). */
function inventoryDeliveryStatement(destination: s3.IBucket, source: s3.IBucket, prefix: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    effect: iam.Effect.ALLOW,
    principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
    actions: ['s3:PutObject'],
    resources: [destination.arnForObjects(prefix === '' ? '*' : `${prefix}/*`)],
    conditions: {
      ArnLike: { 'aws:SourceArn': source.bucketArn },
      StringEquals: {
        'aws:SourceAccount': Stack.of(source).account,
        's3:x-amz-acl': 'bucket-owner-full-control',
      },
    },
  });
}
