import { Duration, Lazy, Names, RemovalPolicy, Resource, Stack, Token } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IConstruct } from 'constructs';
import { ADVANCED_EVENT_SELECTOR_VALUE_LIMIT, DataEventSelection } from './data-event-selection';
import { DataEvents } from './data-events';
import { checkTrailTemplate } from './trail-final-template';
import { addTrailLogBucket } from './trail-log-bucket';
import {
  CLOUDTRAIL_SERVICE, cloudTrailKeyStatements, cloudWatchLogsDeliveryStatement, cloudWatchLogsKeyStatement, trailSourceArnCondition,
} from './trail-policies';
import { trailSettings } from './trail-settings';
import { SecureBucketConfigError } from '../private/errors';
import { denyGrantsUnlessForAwsResource } from '../private/key-grants';
import { rememberCreationProps, sharedInStack } from '../private/shared-in-stack';

const BRAND = Symbol.for('cdk-secure-bucket.EncryptionAuditTrail');
const SHARED_ID = 'SecureBucketAuditTrail';

/**
 * Properties for an `EncryptionAuditTrail`.
 */
export interface EncryptionAuditTrailProps {
  /**
   * The name of the trail.
   *
   * When set, the key policy and the log bucket policy pin `aws:SourceArn` to
   * this exact trail ARN. When not set, they pin it to the trails of this
   * account in this stack's Region (the generated name is not known before
   * deployment, and referencing the trail's ARN would be circular).
   *
   * @default - CloudFormation-generated
   */
  readonly trailName?: string;

  /**
   * How long CloudTrail log files are kept in the log bucket.
   *
   * Current log objects expire after this long; noncurrent versions expire
   * 30 days after they become noncurrent. Must be a whole number of days,
   * at least 1.
   *
   * @default Duration.days(365)
   */
  readonly logRetention?: Duration;

  /**
   * The S3 Object Lock default retention of the log bucket: every log and
   * digest file CloudTrail writes is locked for this long, so nobody can
   * overwrite or delete the audit evidence before then (AWS Control Tower
   * CT.S3.PR.9; the log bucket is always created with Object Lock enabled).
   *
   * Governance mode by default: a principal granted
   * `s3:BypassGovernanceRetention` can still remove a locked version (for a
   * mistaken delivery, say), and every such call is recorded. Use
   * `s3.ObjectLockRetention.compliance(...)` when not even the account root may
   * shorten it; a compliance lock cannot be removed until it expires. Must not
   * be longer than `logRetention` (files are kept for `logRetention`, and a
   * lock that outlives it would keep them anyway).
   *
   * @default s3.ObjectLockRetention.governance(logRetention)
   */
  readonly logFileLockRetention?: s3.ObjectLockRetention;

  /**
   * Whether the trail also delivers its events to CloudWatch Logs.
   *
   * On by default: HIPAA Security, NIST 800-53 rev 5 and PCI DSS 3.2.1 all
   * require CloudTrail-to-CloudWatch Logs delivery (rule
   * `CloudTrailCloudWatchLogsEnabled`) so that events can drive metric
   * filters and alarms in near real time, and an audit trail that fails its
   * own compliance checks by default is the wrong default for this library.
   * The log group is encrypted with the trail key and has an explicit
   * retention (`cloudWatchLogsRetention`). Turn it off only to save the
   * CloudWatch Logs ingestion cost when another system already consumes the
   * S3 log files; the `CloudTrailCloudWatchLogsEnabled` findings are then
   * yours to acknowledge.
   *
   * @default true
   */
  readonly cloudWatchLogs?: boolean;

  /**
   * Retention of the CloudWatch Logs log group the trail delivers to.
   *
   * Must be finite (`RetentionDays.INFINITE` is rejected: the compliance
   * packs require an explicit retention, and the S3 copy is the long-term
   * record). Only valid when `cloudWatchLogs` is true.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly cloudWatchLogsRetention?: logs.RetentionDays;

  /**
   * Rotation period of the trail's KMS key.
   *
   * Must be between 90 and 2560 days (the KMS limits).
   *
   * @default Duration.days(365)
   */
  readonly keyRotationPeriod?: Duration;

  /**
   * Whether the trail records events in every Region.
   *
   * Data events are selected per bucket, so a single-Region trail in the
   * buckets' Region is enough; make it multi-Region only to record data
   * events of buckets in other Regions.
   *
   * @default false
   */
  readonly isMultiRegionTrail?: boolean;

  /**
   * Removal policy of the log bucket, the trail key and the log group.
   *
   * Audit records outlive the stack by default.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Bucket that receives the server access logs of the trail's log bucket.
   *
   * Delivery is configured on the log bucket and granted with a bucket policy
   * on the destination (no ACLs): through `grantLogDeliveryFrom` for an
   * `AccessLogsBucket`, `addToResourcePolicy` for another bucket of the app.
   * For an imported bucket the grant cannot be added; its policy must already
   * allow `logging.s3.amazonaws.com` to write under the prefix.
   *
   * @default - the stack's shared access-log bucket, `AccessLogsBucket.of(this)`
   */
  readonly serverAccessLogsBucket?: s3.IBucket;

  /**
   * Key prefix of the log bucket's server access logs in
   * `serverAccessLogsBucket`.
   *
   * @default - the log bucket's construct path followed by '/'
   */
  readonly serverAccessLogsPrefix?: string;
}

/**
 * The CloudTrail trail that records S3 data events for buckets encrypted with
 * KMS.
 *
 * One trail per stack is shared by every bucket recorded on it (see
 * `EncryptionAuditTrail.of`). The trail:
 *
 * - logs management events and, through advanced event selectors, the S3 data
 *   events of each recorded bucket (`recordDataEvents`);
 * - validates log files (digest files) and encrypts them with its own KMS key
 *   (rotated, RETAIN by default);
 * - writes to a dedicated, versioned, SSE-KMS, TLS-only, non-public log bucket
 *   whose lifecycle expires log files after `logRetention`;
 * - delivers to an encrypted CloudWatch Logs log group by default.
 *
 * CloudTrail allows at most 500 values across the advanced event selectors of
 * a trail (`EncryptionAuditTrail.MAX_SELECTOR_VALUES`); `recordDataEvents`
 * throws before that is exceeded.
 *
 * @example
 * import { Stack } from 'aws-cdk-lib';
 * import * as s3 from 'aws-cdk-lib/aws-s3';
 * import { DataEvents, EncryptionAuditTrail } from 'cdk-secure-bucket';
 *
 * declare const bucket: s3.IBucket;
 * declare const stack: Stack;
 * EncryptionAuditTrail.of(stack).recordDataEvents(bucket, DataEvents.WRITE_ONLY);
 */
export class EncryptionAuditTrail extends Resource implements cloudtrail.ITrailRef {
  /**
   * The most condition values CloudTrail accepts across all advanced event
   * selectors of one trail.
   */
  public static readonly MAX_SELECTOR_VALUES: number = ADVANCED_EVENT_SELECTOR_VALUE_LIMIT;

  /**
   * Construct id of the shared per-stack trail created by `of`.
   */
  public static readonly SHARED_TRAIL_ID: string = SHARED_ID;

  /**
   * Get or create the stack's shared audit trail.
   *
   * The trail is a direct child of `Stack.of(scope)` with id
   * `SecureBucketAuditTrail`. `props` are used when this call creates the
   * trail; when the trail already exists, any prop given must equal the one
   * it was created with.
   *
   * @param scope any construct in the stack
   * @param props properties of the trail if this call creates it
   */
  public static of(scope: IConstruct, props?: EncryptionAuditTrailProps): EncryptionAuditTrail {
    return sharedInStack(scope, {
      id: SHARED_ID,
      what: 'audit trail',
      is: EncryptionAuditTrail.isEncryptionAuditTrail,
      create: (stack, id) => new EncryptionAuditTrail(stack, id, props),
      propsFix: 'pass the same props to every EncryptionAuditTrail.of call in this stack, or pass a dedicated EncryptionAuditTrail via the mode\'s auditTrail option',
    }, props);
  }

  /**
   * Whether `x` is an `EncryptionAuditTrail`.
   *
   * Uses a `Symbol.for` brand rather than `instanceof`, so it also recognises
   * trails created by another copy of this library in the same app.
   *
   * @param x any value
   */
  public static isEncryptionAuditTrail(x: any): x is EncryptionAuditTrail {
    return x !== null && typeof x === 'object' && BRAND in x;
  }

  /** Whether `id` is the id of the stack's shared trail (created by the library, not the user). */
  private static isSharedId(id: string): boolean {
    return id === SHARED_ID;
  }

  /** The ARN of the trail. @attribute */
  public readonly trailArn: string;

  /** The L1 trail (the L2 `Trail` has no advanced event selectors). */
  public readonly cfnTrail: cloudtrail.CfnTrail;

  /** The bucket CloudTrail writes log and digest files to. */
  public readonly logBucket: s3.Bucket;

  /** The KMS key that encrypts the log files, the log bucket and the log group. */
  public readonly encryptionKey: kms.Key;

  /**
   * The CloudWatch Logs log group the trail delivers to.
   *
   * @default - undefined when `cloudWatchLogs` is false
   */
  public readonly logGroup?: logs.ILogGroup;

  private readonly selection = new DataEventSelection();

  constructor(scope: Construct, id: string, props: EncryptionAuditTrailProps = {}) {
    super(scope, id, { physicalName: props.trailName });
    Object.defineProperty(this, BRAND, { value: true });
    rememberCreationProps(this, props);
    const settings = trailSettings(this, props);
    const stack = Stack.of(this);
    const sourceArnCondition = trailSourceArnCondition(stack, props.trailName);

    this.encryptionKey = new kms.Key(this, 'Key', {
      description: `Encrypts the CloudTrail log files of ${this.node.path}`,
      enableKeyRotation: true,
      rotationPeriod: settings.rotationPeriod,
      removalPolicy: settings.removalPolicy,
    });
    cloudTrailKeyStatements(stack, sourceArnCondition).forEach((s) => this.encryptionKey.addToResourcePolicy(s));
    denyGrantsUnlessForAwsResource(this.encryptionKey);

    this.logBucket = addTrailLogBucket(this, this.encryptionKey, settings, sourceArnCondition, props);

    let cloudWatchLogsRole: iam.Role | undefined;
    let cloudWatchLogsPolicy: iam.ManagedPolicy | undefined;
    if (settings.cloudWatchLogs) {
      const logGroupName = `/aws/cloudtrail/${props.trailName ?? Names.uniqueResourceName(this, { maxLength: 256, separator: '-' })}`;
      this.encryptionKey.addToResourcePolicy(cloudWatchLogsKeyStatement(stack, logGroupName));
      this.logGroup = new logs.LogGroup(this, 'LogGroup', {
        logGroupName,
        encryptionKey: this.encryptionKey,
        retention: settings.cloudWatchLogsRetention,
        removalPolicy: settings.removalPolicy,
      });
      cloudWatchLogsRole = new iam.Role(this, 'CloudWatchLogsRole', {
        assumedBy: new iam.ServicePrincipal(CLOUDTRAIL_SERVICE),
        description: `Lets CloudTrail deliver ${this.node.path} to CloudWatch Logs`,
      });
      cloudWatchLogsPolicy = new iam.ManagedPolicy(this, 'CloudWatchLogsPolicy', {
        description: `Lets CloudTrail write ${this.node.path} events to ${logGroupName}`,
        roles: [cloudWatchLogsRole],
        statements: [cloudWatchLogsDeliveryStatement(this.logGroup.logGroupArn)],
      });
    }

    this.cfnTrail = new cloudtrail.CfnTrail(this, 'Resource', {
      trailName: this.physicalName,
      isLogging: true,
      enableLogFileValidation: true,
      includeGlobalServiceEvents: true,
      isMultiRegionTrail: settings.isMultiRegionTrail,
      kmsKeyId: this.encryptionKey.keyArn,
      s3BucketName: this.logBucket.bucketName,
      cloudWatchLogsLogGroupArn: this.logGroup?.logGroupArn,
      cloudWatchLogsRoleArn: cloudWatchLogsRole?.roleArn,
      advancedEventSelectors: Lazy.uncachedAny({ produce: () => this.selection.render() }, { omitEmptyArray: true }),
    });
    this.cfnTrail.node.addDependency(this.logBucket.policy!);
    if (cloudWatchLogsPolicy) {
      this.cfnTrail.node.addDependency(cloudWatchLogsPolicy);
    }
    this.trailArn = this.getResourceArnAttribute(this.cfnTrail.attrArn, {
      service: 'cloudtrail',
      resource: 'trail',
      resourceName: this.physicalName,
    });

    // What the final template must keep (after Aspects and overrides), checked at synth.
    checkTrailTemplate(this, {
      cfnTrail: this.cfnTrail,
      encryptionKey: this.encryptionKey,
      logBucket: this.logBucket,
      settings,
      primary: !EncryptionAuditTrail.isSharedId(id),
    });
  }

  /** A reference to this trail. */
  public get trailRef(): cloudtrail.TrailReference {
    return this.cfnTrail.trailRef;
  }

  /** The number of buckets whose data events this trail records. */
  public get bucketCount(): number {
    return this.selection.size;
  }

  /**
   * Record the S3 data events of `bucket` on this trail.
   *
   * Recording the same bucket again keeps the broader selection (`ALL` over
   * `WRITE_ONLY` over `NONE`) and emits no duplicate value. `DataEvents.NONE`
   * records nothing.
   *
   * @param bucket the bucket whose object-level API calls to record
   * @param events which data events to record
   * @throws SecureBucketConfigError when the trail would exceed CloudTrail's
   *   500-value limit on advanced event selectors, or when a single-Region
   *   trail is asked to record a bucket of another Region
   */
  public recordDataEvents(bucket: s3.IBucket, events: DataEvents): void {
    if (events === DataEvents.NONE) {
      return;
    }
    const bucketRegion = bucket.env.region;
    const trailRegion = this.env.region;
    if (!this.cfnTrail.isMultiRegionTrail && !Token.isUnresolved(bucketRegion) && !Token.isUnresolved(trailRegion)
      && bucketRegion !== trailRegion) {
      throw new SecureBucketConfigError(bucket, 'dataEvents',
        `the bucket is in ${bucketRegion} but audit trail ${this.node.path} is a single-Region trail in ${trailRegion}`,
        'give this bucket an EncryptionAuditTrail in its own Region via its mode\'s auditTrail option, '
        + 'create the trail with isMultiRegionTrail: true, or use DataEvents.NONE');
    }
    if (bucket.bucketArn === this.logBucket.bucketArn) {
      throw new SecureBucketConfigError(bucket, 'dataEvents',
        `this is the log bucket of audit trail ${this.node.path}; recording its data events would log every log delivery without end`,
        'use DataEvents.NONE for the trail\'s own log bucket');
    }
    const needed = this.selection.valueCountWith(bucket, events);
    if (needed > ADVANCED_EVENT_SELECTOR_VALUE_LIMIT) {
      throw new SecureBucketConfigError(bucket, 'dataEvents',
        `recording ${events} data events on audit trail ${this.node.path} (already recording ${this.bucketCount} bucket(s)) `
        + `would need ${needed} advanced event selector values, over CloudTrail's limit of ${ADVANCED_EVENT_SELECTOR_VALUE_LIMIT} per trail`,
        'give this bucket another EncryptionAuditTrail via its mode\'s auditTrail option, or set its dataEvents to DataEvents.NONE');
    }
    this.selection.record(bucket, events);
  }
}
