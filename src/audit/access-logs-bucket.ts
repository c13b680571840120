import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IConstruct } from 'constructs';
import { EncryptionModeKind } from '../encryption-modes/encryption-mode-kind';
import { deliveryBucketProps, requireWholeDays } from '../private/delivery-bucket';
import { enableEventBridgeOnL1 } from '../private/event-bridge';
import { guardHelperBucket } from '../private/helper-bucket-check';
import { logDeliveryStatement } from '../private/server-access-logs';
import { sharedInStack } from '../private/shared-in-stack';

const ACCESS_LOGS_BUCKET_BRAND = Symbol.for('cdk-secure-bucket.AccessLogsBucket');
const SHARED_ID = 'SecureBucketAccessLogs';

/**
 * Properties of an `AccessLogsBucket`.
 */
export interface AccessLogsBucketProps {
  /**
   * Physical name of the bucket.
   *
   * @default - CloudFormation generates a name
   */
  readonly bucketName?: string;

  /**
   * How long access log files are kept before S3 expires them.
   * Must be at least one day.
   *
   * @default Duration.days(365)
   */
  readonly retention?: Duration;

  /**
   * How long a replaced or deleted log file (a noncurrent version) is kept.
   * Must be at least one day.
   *
   * @default Duration.days(30)
   */
  readonly noncurrentVersionRetention?: Duration;

  /**
   * What happens to the bucket when it leaves the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The destination of S3 server access logs for SecureBuckets.
 *
 * One is created per stack on demand (`AccessLogsBucket.of(scope)`) and
 * shared by every SecureBucket and audit-trail bucket in it, unless a bucket is
 * given its own. It is secured like a SecureBucket with these differences,
 * each forced by how S3 server access logging works:
 *
 * - default encryption is SSE-S3: S3 log delivery can only write to
 *   destination buckets encrypted with SSE-S3;
 * - it does not log its own accesses (a log bucket that logs to itself
 *   produces logs about log delivery forever);
 * - it is versioned, but noncurrent versions and current log files expire
 *   (`retention`), so it never grows forever;
 * - no S3 Object Lock: S3 does not deliver server access logs into a bucket
 *   with Object Lock (or, per its logging guide, with a default retention).
 *
 * Like every bucket of the library it sends its events to EventBridge (on
 * its own L1, no custom resource).
 *
 * Log delivery is granted with a bucket policy scoped to the source buckets
 * and account (no ACLs: object ownership is bucket-owner-enforced).
 */
export class AccessLogsBucket extends s3.Bucket {
  /**
   * The stack's shared access-log bucket, created on first use.
   */
  public static of(scope: IConstruct): AccessLogsBucket {
    return sharedInStack(scope, {
      id: SHARED_ID,
      what: 'access-log bucket',
      is: AccessLogsBucket.isAccessLogsBucket,
      create: (stack, id) => new AccessLogsBucket(stack, id),
    });
  }

  /**
   * Whether `x` is an `AccessLogsBucket` (works across copies of this library).
   */
  public static isAccessLogsBucket(x: any): x is AccessLogsBucket {
    return x !== null && typeof x === 'object' && ACCESS_LOGS_BUCKET_BRAND in x;
  }

  constructor(scope: Construct, id: string, props: AccessLogsBucketProps = {}) {
    const retention = props.retention ?? Duration.days(365);
    const noncurrent = props.noncurrentVersionRetention ?? Duration.days(30);
    super(scope, id, deliveryBucketProps({
      bucketName: props.bucketName,
      removalPolicy: props.removalPolicy,
      lifecycleRuleId: 'ExpireAccessLogs',
      retention,
      noncurrentVersionRetention: noncurrent,
      // Not on a server-access-log destination: S3 refuses an Object Lock default retention there
      // ("Logging requests with server access logging"), and its Object Lock guide says a bucket
      // with Object Lock cannot be a destination at all ("Configuring S3 Object Lock"). Enabling
      // it could stop the logs, so CT.S3.PR.9 stays a documented conflict here.
      objectLockEnabled: false,
    }));
    Object.defineProperty(this, ACCESS_LOGS_BUCKET_BRAND, { value: true });
    enableEventBridgeOnL1(this);

    requireWholeDays(this, retention, 'retention');
    requireWholeDays(this, noncurrent, 'noncurrentVersionRetention');

    Validations.of(this).acknowledge(
      { id: 'AwsSolutions-S1', reason: 'This is the server access log destination; logging its own accesses into itself would generate log records about log delivery without end.' },
      { id: 'HIPAA.Security-S3BucketLoggingEnabled', reason: 'This is the server access log destination; it cannot log into itself without a feedback loop.' },
      { id: 'NIST.800.53.R5-S3BucketLoggingEnabled', reason: 'This is the server access log destination; it cannot log into itself without a feedback loop.' },
      { id: 'PCI.DSS.321-S3BucketLoggingEnabled', reason: 'This is the server access log destination; it cannot log into itself without a feedback loop.' },
      { id: 'HIPAA.Security-S3DefaultEncryptionKMS', reason: 'S3 server access log delivery only supports destination buckets encrypted with SSE-S3 (AES256); SSE-KMS would make delivery fail.' },
      { id: 'NIST.800.53.R5-S3DefaultEncryptionKMS', reason: 'S3 server access log delivery only supports destination buckets encrypted with SSE-S3 (AES256); SSE-KMS would make delivery fail.' },
      { id: 'PCI.DSS.321-S3DefaultEncryptionKMS', reason: 'S3 server access log delivery only supports destination buckets encrypted with SSE-S3 (AES256); SSE-KMS would make delivery fail.' },
      { id: 'HIPAA.Security-S3BucketReplicationEnabled', reason: 'Access logs are short-lived operational records that expire by lifecycle rule; replicate the data buckets, not their access logs.' },
      { id: 'NIST.800.53.R5-S3BucketReplicationEnabled', reason: 'Access logs are short-lived operational records that expire by lifecycle rule; replicate the data buckets, not their access logs.' },
      { id: 'PCI.DSS.321-S3BucketReplicationEnabled', reason: 'Access logs are short-lived operational records that expire by lifecycle rule; replicate the data buckets, not their access logs.' },
    );

    // What its final template must keep (after Aspects and overrides), checked at synth.
    guardHelperBucket(this, { mode: EncryptionModeKind.SSE_S3 });
  }

  /**
   * Lets S3 deliver server access logs from `source` into this bucket under
   * `prefix`, with a bucket-policy grant to `logging.s3.amazonaws.com` scoped
   * to the source bucket's ARN and account (no ACLs).
   */
  public grantLogDeliveryFrom(source: s3.IBucket, prefix?: string): void {
    this.addToResourcePolicy(logDeliveryStatement(this, source, prefix ?? ''));
  }

}
