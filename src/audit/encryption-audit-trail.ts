import { ArnFormat, Duration, Lazy, Names, RemovalPolicy, Resource, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IConstruct } from 'constructs';
import { AccessLogsBucket } from './access-logs-bucket';
import { ADVANCED_EVENT_SELECTOR_VALUE_LIMIT, DataEventSelection } from './data-event-selection';
import { DataEvents } from './data-events';
import { validateTrailName, validateWholeDays } from './validate-audit-props';
import { SecureBucketConfigError } from '../private/errors';
import { enableEventBridgeOnL1 } from '../private/event-bridge';
import { checkFinalTemplate, checkKey } from '../private/final-template-check';
import { guardHelperBucket, trailProblems } from '../private/helper-bucket-check';
import { denyGrantsUnlessForAwsResource } from '../private/key-grants';
import { SECURE_BASELINE } from '../private/secure-baseline';
import { enableServerAccessLogs } from '../private/server-access-logs';
import { rememberCreationProps, sharedInStack } from '../private/shared-in-stack';

const BRAND = Symbol.for('cdk-secure-bucket.EncryptionAuditTrail');
const SHARED_ID = 'SecureBucketAuditTrail';
const CLOUDTRAIL_SERVICE = 'cloudtrail.amazonaws.com';
const NONCURRENT_VERSION_EXPIRY = Duration.days(30);
const ABORT_INCOMPLETE_MULTIPART_UPLOAD = Duration.days(7);

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

    validateTrailName(this, props.trailName);
    const logRetention = props.logRetention ?? Duration.days(365);
    validateWholeDays(this, 'logRetention', logRetention, 1, undefined,
      'set logRetention to a whole number of days, at least Duration.days(1)');
    const lockRetention = props.logFileLockRetention ?? s3.ObjectLockRetention.governance(logRetention);
    validateLockRetention(this, lockRetention, logRetention);
    const rotationPeriod = props.keyRotationPeriod ?? Duration.days(365);
    validateWholeDays(this, 'keyRotationPeriod', rotationPeriod, 90, 2560,
      'set keyRotationPeriod to a whole number of days between Duration.days(90) and Duration.days(2560)');
    const cloudWatchLogs = props.cloudWatchLogs ?? true;
    if (!cloudWatchLogs && props.cloudWatchLogsRetention !== undefined) {
      throw new SecureBucketConfigError(this, 'cloudWatchLogsRetention',
        'is set but cloudWatchLogs is false, so there is no log group to retain',
        'remove cloudWatchLogsRetention, or set cloudWatchLogs to true');
    }
    const cloudWatchLogsRetention = props.cloudWatchLogsRetention ?? logs.RetentionDays.ONE_YEAR;
    if (cloudWatchLogsRetention === logs.RetentionDays.INFINITE) {
      throw new SecureBucketConfigError(this, 'cloudWatchLogsRetention',
        'RetentionDays.INFINITE leaves the log group without an explicit retention, which HIPAA, NIST 800-53 and PCI DSS reject',
        'use a finite retention such as RetentionDays.TEN_YEARS (the S3 log files are kept for logRetention independently)');
    }

    const stack = Stack.of(this);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const isMultiRegionTrail = props.isMultiRegionTrail ?? false;

    // CloudTrail's requests carry aws:SourceArn = this trail's ARN. The trail
    // depends on the key and the bucket policy, so its ARN attribute cannot be
    // referenced from them: build it from the name when the name is known.
    const sourceArnCondition: Record<string, Record<string, string>> = props.trailName !== undefined
      ? { StringEquals: { 'aws:SourceArn': stack.formatArn({ service: 'cloudtrail', resource: 'trail', resourceName: props.trailName }) } }
      : { ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudtrail', resource: 'trail', resourceName: '*' }) } };
    const anyTrailOfAccount = `arn:${stack.partition}:cloudtrail:*:${stack.account}:trail/*`;

    this.encryptionKey = new kms.Key(this, 'Key', {
      description: `Encrypts the CloudTrail log files of ${this.node.path}`,
      enableKeyRotation: true,
      rotationPeriod,
      removalPolicy,
    });
    this.addCloudTrailKeyPolicy(sourceArnCondition, anyTrailOfAccount);
    denyGrantsUnlessForAwsResource(this.encryptionKey);

    this.logBucket = new s3.Bucket(this, 'LogBucket', {
      ...SECURE_BASELINE,
      versioned: true,
      // Each log and digest file CloudTrail delivers gets the bucket's default retention; the
      // lifecycle rule below removes a version only once its lock has expired.
      objectLockEnabled: true,
      objectLockDefaultRetention: lockRetention,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.encryptionKey,
      bucketKeyEnabled: true,
      // CloudTrail never writes with SSE-C; nobody else should either.
      blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C],
      lifecycleRules: [{
        id: 'ExpireTrailLogFiles',
        expiration: logRetention,
        noncurrentVersionExpiration: NONCURRENT_VERSION_EXPIRY,
        abortIncompleteMultipartUploadAfter: ABORT_INCOMPLETE_MULTIPART_UPLOAD,
      }],
      removalPolicy,
    });
    enableEventBridgeOnL1(this.logBucket);
    const accessLogs = props.serverAccessLogsBucket ?? AccessLogsBucket.of(this);
    const accessLogsPrefix = props.serverAccessLogsPrefix ?? `${this.logBucket.node.path}/`;
    enableServerAccessLogs(this.logBucket, accessLogs, accessLogsPrefix);
    this.addCloudTrailBucketPolicy(sourceArnCondition);
    this.acknowledgeReplication();

    let cloudWatchLogsRole: iam.Role | undefined;
    let cloudWatchLogsPolicy: iam.ManagedPolicy | undefined;
    if (cloudWatchLogs) {
      const logGroupName = `/aws/cloudtrail/${props.trailName ?? Names.uniqueResourceName(this, { maxLength: 256, separator: '-' })}`;
      this.addCloudWatchLogsKeyPolicy(logGroupName);
      this.logGroup = new logs.LogGroup(this, 'LogGroup', {
        logGroupName,
        encryptionKey: this.encryptionKey,
        retention: cloudWatchLogsRetention,
        removalPolicy,
      });
      cloudWatchLogsRole = new iam.Role(this, 'CloudWatchLogsRole', {
        assumedBy: new iam.ServicePrincipal(CLOUDTRAIL_SERVICE),
        description: `Lets CloudTrail deliver ${this.node.path} to CloudWatch Logs`,
      });
      // The log group is dedicated to this trail, so its streams (the
      // log group ARN attribute ends in ':*') are exactly the streams
      // CloudTrail creates for it (<account>_CloudTrail_<region>...).
      cloudWatchLogsPolicy = new iam.ManagedPolicy(this, 'CloudWatchLogsPolicy', {
        description: `Lets CloudTrail write ${this.node.path} events to ${logGroupName}`,
        roles: [cloudWatchLogsRole],
        statements: [new iam.PolicyStatement({
          sid: 'AWSCloudTrailCreateLogStreamAndPutLogEvents',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [this.logGroup.logGroupArn],
        })],
      });
    }

    this.cfnTrail = new cloudtrail.CfnTrail(this, 'Resource', {
      trailName: this.physicalName,
      isLogging: true,
      enableLogFileValidation: true,
      includeGlobalServiceEvents: true,
      isMultiRegionTrail,
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
    guardHelperBucket(this.logBucket, {
      encryption: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: this.encryptionKey.keyArn },
      bucketKey: true,
    });
    const cfnKey = this.encryptionKey.node.defaultChild as kms.CfnKey;
    const keyStatements = (cfnKey.keyPolicy as iam.PolicyDocument).toJSON()?.Statement ?? [];
    checkFinalTemplate(this, (ctx) => [
      ...checkKey(ctx, {
        key: this.encryptionKey,
        cfnKey,
        prop: 'encryptionKey',
        rotationPeriodInDays: rotationPeriod.isUnresolved() ? undefined : rotationPeriod.toDays(),
        retained: removalPolicy === RemovalPolicy.RETAIN,
        requiredStatements: keyStatements,
      }),
      ...trailProblems(stack, ctx.resourceOf(this.cfnTrail)?.raw, this.node.path, this.encryptionKey, this.logBucket),
    ], !EncryptionAuditTrail.isSharedId(id));
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

  private addCloudTrailKeyPolicy(sourceArnCondition: Record<string, Record<string, string>>, anyTrailOfAccount: string): void {
    const cloudtrailPrincipal = new iam.ServicePrincipal(CLOUDTRAIL_SERVICE);
    this.encryptionKey.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudTrailToEncryptLogs',
      principals: [cloudtrailPrincipal],
      actions: ['kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: {
        ...sourceArnCondition,
        StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': anyTrailOfAccount },
      },
    }));
    this.encryptionKey.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudTrailToDescribeKey',
      principals: [cloudtrailPrincipal],
      actions: ['kms:DescribeKey'],
      resources: ['*'],
      conditions: sourceArnCondition,
    }));
    this.encryptionKey.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowPrincipalsInAccountToDecryptLogFiles',
      principals: [new iam.AccountRootPrincipal()],
      actions: ['kms:Decrypt'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'kms:CallerAccount': Stack.of(this).account },
        StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': anyTrailOfAccount },
      },
    }));
  }

  private addCloudWatchLogsKeyPolicy(logGroupName: string): void {
    const stack = Stack.of(this);
    this.encryptionKey.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudWatchLogsToUseKeyForTrailLogGroup',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnEquals: {
          'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: logGroupName,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        },
      },
    }));
  }

  private addCloudTrailBucketPolicy(sourceArnCondition: Record<string, Record<string, string>>): void {
    const cloudtrailPrincipal = new iam.ServicePrincipal(CLOUDTRAIL_SERVICE);
    this.logBucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AWSCloudTrailAclCheck',
      principals: [cloudtrailPrincipal],
      actions: ['s3:GetBucketAcl'],
      resources: [this.logBucket.bucketArn],
      conditions: sourceArnCondition,
    }));
    const writeConditions: Record<string, Record<string, string>> = {
      ...sourceArnCondition,
      StringEquals: {
        ...(sourceArnCondition.StringEquals ?? {}),
        's3:x-amz-acl': 'bucket-owner-full-control',
      },
    };
    this.logBucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AWSCloudTrailWrite',
      principals: [cloudtrailPrincipal],
      actions: ['s3:PutObject'],
      resources: [this.logBucket.arnForObjects(`AWSLogs/${Stack.of(this).account}/*`)],
      conditions: writeConditions,
    }));
  }

  private acknowledgeReplication(): void {
    const reason = 'The trail log bucket is the terminal sink of this audit trail: replicating it needs a second bucket in another '
      + 'Region or account with its own key, policy and logging, which this single-stack construct cannot create by construction. '
      + 'Log integrity is protected instead by log-file validation digests, versioning, SSE-KMS, TLS-only access and RETAIN.';
    Validations.of(this.logBucket).acknowledge(
      { id: 'HIPAA.Security-S3BucketReplicationEnabled', reason },
      { id: 'NIST.800.53.R5-S3BucketReplicationEnabled', reason },
      { id: 'PCI.DSS.321-S3BucketReplicationEnabled', reason },
    );
  }
}

/** A lock of at least a day, at most as long as the log files are kept. */
function validateLockRetention(scope: Construct, lock: s3.ObjectLockRetention, logRetention: Duration): void {
  if (lock.duration.isUnresolved() || logRetention.isUnresolved()) return;
  const days = lock.duration.toDays({ integral: false });
  if (!Number.isInteger(days) || days < 1 || days > logRetention.toDays()) {
    throw new SecureBucketConfigError(scope, 'logFileLockRetention',
      `must be a whole number of days between 1 and logRetention (${logRetention.toDays()} days), got ${lock.duration.toHumanString()}`,
      'pass s3.ObjectLockRetention.governance(Duration.days(n)) (or .compliance) with n <= logRetention, or raise logRetention');
  }
}
