import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IConstruct } from 'constructs';
import { EncryptionAuditTrail } from './encryption-audit-trail';
import { validateWholeDays } from './validate-audit-props';
import { SecureBucketConfigError } from '../private/errors';
import { denyGrantsUnlessForAwsResource } from '../private/key-grants';
import { rememberCreationProps, sharedInStack } from '../private/shared-in-stack';

const BRAND = Symbol.for('cdk-secure-bucket.EncryptionDriftAlerts');
const SHARED_ID = 'SecureBucketDriftAlerts';
const EVENTS_SERVICE = 'events.amazonaws.com';
const CLOUDTRAIL_DETAIL_TYPE = 'AWS API Call via CloudTrail';

/**
 * S3 API calls that change what a bucket enforces about encryption, or the
 * evidence an audit of it reads, by their CloudTrail event name. The
 * bucket-level Block Public Access calls are recorded as
 * `PutBucketPublicAccessBlock` / `DeleteBucketPublicAccessBlock`; the API
 * names are listed too. `UpdateObjectEncryption` is object-level: see
 * `EncryptionDriftAlerts`.
 *
 * - inventory configurations: deleting the `EncryptionAudit` inventory
 *   silently removes the daily evidence `audit-inventory` reads;
 * - S3 Metadata (V2: Create/DeleteBucketMetadataConfiguration and the
 *   journal and inventory table updates; V1: Create/Delete
 *   BucketMetadataTableConfiguration): the live inventory table the Athena
 *   audit queries;
 * - replication (copies leave for another key or account) and versioning
 *   (suspending it lets an overwrite destroy the only copy).
 */
const S3_EVENT_NAMES = [
  'PutBucketEncryption', 'DeleteBucketEncryption',
  'PutBucketPolicy', 'DeleteBucketPolicy',
  'PutPublicAccessBlock', 'DeletePublicAccessBlock',
  'PutBucketPublicAccessBlock', 'DeleteBucketPublicAccessBlock',
  'PutBucketOwnershipControls', 'DeleteBucketOwnershipControls',
  'UpdateObjectEncryption',
  'PutBucketInventoryConfiguration', 'DeleteBucketInventoryConfiguration',
  'CreateBucketMetadataConfiguration', 'DeleteBucketMetadataConfiguration',
  'UpdateBucketMetadataInventoryTableConfiguration', 'UpdateBucketMetadataJournalTableConfiguration',
  'CreateBucketMetadataTableConfiguration', 'DeleteBucketMetadataTableConfiguration',
  'PutBucketReplication', 'DeleteBucketReplication',
  'PutBucketVersioning',
];

/**
 * KMS API calls that weaken or remove a bucket key, or hand its use to
 * another principal (`CreateGrant`: a grant is a permission outside the key
 * policy, as strong as a policy statement for the operations it names).
 */
const KMS_EVENT_NAMES = ['DisableKeyRotation', 'ScheduleKeyDeletion', 'DisableKey', 'PutKeyPolicy', 'CreateGrant'];

/**
 * Properties of `EncryptionDriftAlerts`.
 */
export interface EncryptionDriftAlertsProps {
  /**
   * Whether to make sure a CloudTrail trail records the management events the
   * rules match, by using the stack's `EncryptionAuditTrail.of(stack)` (created
   * if it does not exist yet; it records all management events of its Region).
   *
   * EventBridge only receives "AWS API Call via CloudTrail" events while a
   * trail with logging enabled records them. Turn this off only when another
   * trail (an organization trail, say) already records write management
   * events in this Region.
   *
   * @default true
   */
  readonly ensureTrail?: boolean;

  /**
   * Rotation period of the KMS key that encrypts the alert topic.
   * Must be a whole number of days between 90 and 2560.
   *
   * @default Duration.days(365)
   */
  readonly keyRotationPeriod?: Duration;

  /**
   * Removal policy of the topic's KMS key.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Alerts on changes to the encryption, policy, public access block, object
 * ownership, inventory and metadata tables, replication and versioning of
 * watched buckets, and on KMS calls that disable, schedule deletion of,
 * re-police or grant use of their keys.
 *
 * One per stack (`EncryptionDriftAlerts.of(stack)`), shared by every watched
 * bucket and key:
 *
 * - an EventBridge rule on "AWS API Call via CloudTrail" events from
 *   `aws.s3` whose `requestParameters.bucketName` is a watched bucket, for
 *   PutBucketEncryption, DeleteBucketEncryption, PutBucketPolicy,
 *   DeleteBucketPolicy, Put/DeleteBucketPublicAccessBlock,
 *   Put/DeleteBucketOwnershipControls, UpdateObjectEncryption,
 *   Put/DeleteBucketInventoryConfiguration, the S3 Metadata configuration
 *   calls (Create/DeleteBucketMetadataConfiguration,
 *   UpdateBucketMetadataInventoryTableConfiguration,
 *   UpdateBucketMetadataJournalTableConfiguration and the V1
 *   Create/DeleteBucketMetadataTableConfiguration),
 *   Put/DeleteBucketReplication and PutBucketVersioning;
 * - an EventBridge rule on the same detail type from `aws.kms` whose
 *   `resources.ARN` is a watched key, for DisableKeyRotation,
 *   ScheduleKeyDeletion, DisableKey, PutKeyPolicy and CreateGrant;
 * - both deliver to `topic`, an SNS topic encrypted with a rotating KMS key
 *   whose policy lets EventBridge use it for this account only
 *   (`aws:SourceAccount`), with a TLS-only topic policy that lets only these
 *   two rules publish. Subscribe to `topic`.
 *
 * What arrives: EventBridge receives CloudTrail events only while a trail
 * with logging enabled records them (see `ensureTrail`). The bucket and KMS
 * calls above are management events, except `UpdateObjectEncryption`, an
 * object-level call that CloudTrail records as an S3 data event: it only
 * arrives for buckets whose write data events a trail records (a KMS-mode
 * SecureBucket with `dataEvents` ALL or WRITE_ONLY is recorded on its audit
 * trail; SSE-S3 and SSE-C buckets are not, unless you record them).
 * EventBridge rules see events of their own Region; watch buckets and keys of
 * the stack's Region.
 */
export class EncryptionDriftAlerts extends Construct {
  /**
   * Construct id of the shared per-stack instance created by `of`.
   */
  public static readonly SHARED_ID: string = SHARED_ID;

  /**
   * Get or create the stack's drift alerts.
   *
   * `props` are used when this call creates the construct; when it already
   * exists, any prop given must equal the one it was created with.
   *
   * @param scope any construct in the stack
   * @param props properties of the drift alerts if this call creates them
   */
  public static of(scope: IConstruct, props?: EncryptionDriftAlertsProps): EncryptionDriftAlerts {
    return sharedInStack(scope, {
      id: SHARED_ID,
      what: 'encryption drift alerts',
      is: EncryptionDriftAlerts.isEncryptionDriftAlerts,
      create: (stack, id) => new EncryptionDriftAlerts(stack, id, props),
      propsName: 'props',
      propsFix: 'pass props only to the first EncryptionDriftAlerts.of call in the stack (before any SecureBucket with alertOnDrift), or the same ones',
    }, props);
  }

  /**
   * Whether `x` is an `EncryptionDriftAlerts` (works across copies of this library).
   *
   * @param x any value
   */
  public static isEncryptionDriftAlerts(x: any): x is EncryptionDriftAlerts {
    return x !== null && typeof x === 'object' && BRAND in x;
  }

  /** The topic the alerts are published to: subscribe to it. */
  public readonly topic: sns.Topic;

  /** The KMS key that encrypts the topic. */
  public readonly encryptionKey: kms.Key;

  /**
   * The trail that records the management events, when `ensureTrail` is on.
   *
   * @default - undefined when `ensureTrail` is false
   */
  public readonly trail?: EncryptionAuditTrail;

  private bucketRuleInstance?: events.Rule;
  private keyRuleInstance?: events.Rule;

  constructor(scope: Construct, id: string, props: EncryptionDriftAlertsProps = {}) {
    super(scope, id);
    Object.defineProperty(this, BRAND, { value: true });
    rememberCreationProps(this, props);

    const rotationPeriod = props.keyRotationPeriod ?? Duration.days(365);
    validateWholeDays(this, 'keyRotationPeriod', rotationPeriod, 90, 2560,
      'set keyRotationPeriod to a whole number of days between Duration.days(90) and Duration.days(2560)');

    this.encryptionKey = new kms.Key(this, 'Key', {
      description: `Encrypts the encryption drift alerts topic of ${this.node.path}`,
      enableKeyRotation: true,
      rotationPeriod,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    // EventBridge publishes to an SSE topic with its own service identity, so
    // the key policy must let events.amazonaws.com use kms:Decrypt and
    // kms:GenerateDataKey, or deliveries fail (AWS Knowledge Center, "Why
    // isn't my Amazon SNS topic receiving EventBridge notifications?",
    // https://repost.aws/knowledge-center/sns-not-getting-eventbridge-notification).
    // The statement cannot name the topic or the rules (aws:SourceArn): they
    // depend on the key, so referencing them here would be circular. It is
    // limited to EventBridge acting for this account (aws:SourceAccount), so
    // no rule of another account can use the key as a confused deputy; the
    // key serves only this topic, and the topic policy below lets only this
    // construct's rules publish.
    this.encryptionKey.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowEventBridgeToPublishToEncryptedTopic',
      principals: [new iam.ServicePrincipal(EVENTS_SERVICE)],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
    }));
    denyGrantsUnlessForAwsResource(this.encryptionKey);

    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'SecureBucket encryption drift',
      masterKey: this.encryptionKey,
      enforceSSL: true,
    });

    if (props.ensureTrail ?? true) {
      this.trail = EncryptionAuditTrail.of(this);
    }
  }

  /** The rule on S3 calls, or undefined before the first bucket is watched. */
  public get bucketRule(): events.Rule | undefined {
    return this.bucketRuleInstance;
  }

  /** The rule on KMS calls, or undefined before the first key is watched. */
  public get keyRule(): events.Rule | undefined {
    return this.keyRuleInstance;
  }

  /**
   * Alert on encryption drift of `bucket`, and of its KMS key if it has one.
   *
   * @param bucket a bucket in this stack's Region
   */
  public watchBucket(bucket: s3.IBucket): void {
    this.checkRegion(bucket, 'alertOnDrift', bucket.env.region);
    const rule = this.bucketRuleInstance ?? (this.bucketRuleInstance = this.newRule('BucketRule',
      'Encryption drift of SecureBuckets: S3 calls that change encryption, policy, public access block, ownership, inventory, metadata tables, replication or versioning',
      { source: ['aws.s3'], detailType: [CLOUDTRAIL_DETAIL_TYPE], detail: { eventSource: ['s3.amazonaws.com'], eventName: S3_EVENT_NAMES } }));
    rule.addEventPattern({ detail: { requestParameters: { bucketName: [bucket.bucketName] } } });
    if (bucket.encryptionKey) {
      this.watchKey(bucket.encryptionKey);
    }
  }

  /**
   * Alert when `key` is disabled, scheduled for deletion, loses rotation or
   * gets a new key policy.
   *
   * @param key a KMS key in this stack's Region
   */
  public watchKey(key: kms.IKey): void {
    this.checkRegion(key, 'key', key.env.region);
    const rule = this.keyRuleInstance ?? (this.keyRuleInstance = this.newRule('KeyRule',
      'Encryption drift of SecureBucket keys: KMS calls that disable, schedule deletion of, stop rotating, re-police or grant use of a key',
      { source: ['aws.kms'], detailType: [CLOUDTRAIL_DETAIL_TYPE], detail: { eventSource: ['kms.amazonaws.com'], eventName: KMS_EVENT_NAMES } }));
    rule.addEventPattern({ detail: { resources: { ARN: [key.keyArn] } } });
  }

  private newRule(id: string, description: string, pattern: events.EventPattern): events.Rule {
    const rule = new events.Rule(this, id, { description, eventPattern: pattern });
    const topic = this.topic;
    // Not events_targets.SnsTopic: it grants sns:Publish to events.amazonaws.com
    // without conditions. This statement pins the publishing rule.
    rule.addTarget({ bind: () => ({ arn: topic.topicArn, targetResource: topic }) });
    topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: `AllowEventBridge${id}ToPublish`,
      principals: [new iam.ServicePrincipal(EVENTS_SERVICE)],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleArn }, StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
    }));
    return rule;
  }

  private checkRegion(what: IConstruct, prop: string, region: string): void {
    const here = Stack.of(this).region;
    if (!Token.isUnresolved(here) && !Token.isUnresolved(region) && here !== region) {
      throw new SecureBucketConfigError(what, prop,
        `it is in ${region}, but the drift alerts ${this.node.path} are in ${here} and EventBridge only sees CloudTrail events of its own Region`,
        'watch it from an EncryptionDriftAlerts in a stack of its own Region');
    }
  }
}
