import { CfnResource, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { EncryptionMode } from './encryption-mode';
import { enforcementStatements } from './enforcement-statements';
import { checkSecureBucketTemplate } from './final-template';
import { DEFAULT_ROTATION } from './key-rotation-period';
import { validateBeforeCreate } from './validate-props';
import { AccessLogsBucket } from '../audit/access-logs-bucket';
import { addEncryptionInventory } from '../audit/add-encryption-inventory';
import { addMetadataTables } from '../audit/add-metadata-tables';
import { DataEvents } from '../audit/data-events';
import { EncryptionAuditTrail } from '../audit/encryption-audit-trail';
import { EncryptionDriftAlerts } from '../audit/encryption-drift-alerts';
import { EncryptionInventoryOptions } from '../audit/encryption-inventory-options';
import { MetadataTablesOptions } from '../audit/metadata-tables-options';
import { EncryptionModeKind } from '../encryption-modes/encryption-mode-kind';
import { modeRow } from '../encryption-modes/mode-lookup';
import { encryptionProps } from '../private/encryption-props';
import { SecureBucketConfigError } from '../private/errors';
import { enableEventBridgeOnL1 } from '../private/event-bridge';
import { denyGrantsUnlessForAwsResource } from '../private/key-grants';
import { SECURE_BASELINE } from '../private/secure-baseline';
import { enableServerAccessLogs } from '../private/server-access-logs';

/** Id of the warning added when rotation of an imported key cannot be confirmed. */
export const IMPORTED_KEY_ROTATION_WARNING = 'cdk-secure-bucket:importedKeyRotationUnconfirmed';

/**
 * Properties of a SecureBucket.
 *
 * Only options that cannot weaken the bucket's security are offered. Public
 * access, ACLs, TLS and encryption settings are not settable: they follow
 * from `mode`.
 */
export interface SecureBucketProps {
  /**
   * The encryption mode the bucket is provisioned for.
   */
  readonly mode: EncryptionMode;

  /**
   * Physical name of the bucket.
   *
   * @default - CloudFormation generates a unique name
   */
  readonly bucketName?: string;

  /**
   * Whether the bucket keeps every version of its objects.
   * Must stay `true` when `objectLockEnabled` is set.
   *
   * @default true
   */
  readonly versioned?: boolean;

  /**
   * Lifecycle rules for the bucket's objects.
   *
   * @default - no lifecycle rules
   */
  readonly lifecycleRules?: s3.LifecycleRule[];

  /**
   * What happens to the bucket when it leaves the stack. The KMS key of a KMS
   * mode is retained regardless, so that retained copies of the data stay
   * readable.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Whether to empty the bucket when it is deleted. Requires
   * `removalPolicy: RemovalPolicy.DESTROY`.
   *
   * @default false
   */
  readonly autoDeleteObjects?: boolean;

  /**
   * CORS rules.
   *
   * @default - no CORS configuration
   */
  readonly cors?: s3.CorsRule[];

  /**
   * Whether to send the bucket's events to Amazon EventBridge.
   *
   * Written on the bucket's `AWS::S3::Bucket` itself
   * (`NotificationConfiguration.EventBridgeConfiguration`), not through the
   * custom resource and Lambda function `s3.Bucket` uses, so AWS Control
   * Tower's CT.S3.PR.4 (event notifications configured) passes and no Lambda
   * is added. On by default: S3 charges nothing for it, the default event bus
   * ingests AWS service events without charge, and only the EventBridge rules
   * you add cost anything. `false` leaves CT.S3.PR.4 failing, your choice.
   *
   * @default true
   */
  readonly eventBridgeEnabled?: boolean;

  /**
   * Whether S3 Object Lock is enabled (requires versioning).
   *
   * Once on, S3 never turns it off. A locked version keeps the encryption it
   * was written with: key rotation and re-encryption write new versions, so
   * the key that wrapped a locked version must stay usable until its
   * retention ends (docs/secure-bucket.md, "Object Lock and key rotation").
   * Enabling it passes AWS Control Tower's CT.S3.PR.9.
   *
   * @default false, unless `objectLockDefaultRetention` is given
   */
  readonly objectLockEnabled?: boolean;

  /**
   * Default retention applied to new objects when Object Lock is enabled.
   *
   * @default - no default retention
   */
  readonly objectLockDefaultRetention?: s3.ObjectLockRetention;

  /**
   * S3 Inventory configurations.
   *
   * @default - no inventories
   */
  readonly inventories?: s3.Inventory[];

  /**
   * CloudWatch request metrics configurations.
   *
   * @default - no request metrics
   */
  readonly metrics?: s3.BucketMetrics[];

  /**
   * S3 Intelligent-Tiering configurations.
   *
   * @default - no Intelligent-Tiering configurations
   */
  readonly intelligentTieringConfigurations?: s3.IntelligentTieringConfiguration[];

  /**
   * Whether S3 Transfer Acceleration is enabled.
   *
   * @default false
   */
  readonly transferAcceleration?: boolean;

  /**
   * Replication rules, checked against the mode.
   *
   * In KMS modes every object is KMS-encrypted, so each rule needs a replica
   * key (`kmsKey`) and `sseKmsEncryptedObjects: true`, or S3 would skip
   * every object. A rule whose destination is in another account needs
   * `accessControlTransition: true` (the destination account owns the
   * replicas) and a replica key, in every mode.
   *
   * Configuring replication makes the cdk-nag `S3BucketReplicationEnabled`
   * findings (HIPAA, NIST 800-53 rev 5, PCI DSS) disappear for this bucket.
   *
   * @default - no replication
   */
  readonly replicationRules?: s3.ReplicationRule[];

  /**
   * The role S3 assumes to replicate objects.
   *
   * @default - a role is created when `replicationRules` are given
   */
  readonly replicationRole?: iam.IRole;

  /**
   * The bucket that receives this bucket's server access logs. A bucket
   * defined in this app is granted log delivery by bucket policy; for an
   * imported bucket, grant `logging.s3.amazonaws.com` `s3:PutObject`
   * yourself. The destination must use SSE-S3 default encryption (S3 log
   * delivery writes to no other): a bucket with an `encryptionKey`, or one of
   * this app whose final template encrypts with KMS, is refused.
   *
   * @default - the stack's shared access-log bucket, `AccessLogsBucket.of(stack)`
   */
  readonly serverAccessLogsBucket?: s3.IBucket;

  /**
   * Key prefix of this bucket's access log files.
   *
   * @default - `<construct path>/` with `/` separators, unique in the stack
   */
  readonly serverAccessLogsPrefix?: string;

  /**
   * How access log object keys are formatted.
   *
   * @default - S3's simple prefix format
   */
  readonly targetObjectKeyFormat?: s3.TargetObjectKeyFormat;

  // --- Encryption inventory and drift alerts (src/audit) ---

  /**
   * The daily S3 Inventory that lists every object's encryption status, for
   * audits after deploy. It is added to any `inventories` you give (id
   * `EncryptionAudit`, reserved); set `{ enabled: false }` to opt out.
   *
   * @default - a daily CSV inventory of current versions into `InventoryBucket.of(stack)`
   */
  readonly encryptionInventory?: EncryptionInventoryOptions;

  /**
   * Whether to alert on encryption drift of this bucket and its KMS key
   * through the stack's `EncryptionDriftAlerts.of(stack)` (subscribe to its
   * `topic`).
   *
   * @default false
   */
  readonly alertOnDrift?: boolean;

  /**
   * S3 Metadata: a journal table and a live inventory table of every object
   * with its encryption status, KMS key and bucket-key setting, queryable
   * with Athena (`KeyAuditQueries`). Encrypted with the bucket's key in KMS
   * modes, SSE-S3 otherwise. Off by default: it costs per object and per
   * change, and exists only in the Regions that offer S3 Metadata.
   *
   * @default - no S3 Metadata configuration
   */
  readonly metadataTables?: MetadataTablesOptions;
}

/**
 * An S3 bucket provisioned for one encryption mode, with everything the mode
 * needs and nothing insecure:
 *
 * - all public access blocked, TLS-only access with TLS 1.2 or later, object
 *   ownership enforced (no ACLs), versioning on by default;
 * - default encryption for the mode, and a bucket policy that refuses
 *   uploads that ask for any other mode (or, in KMS modes, another key);
 * - SSE-C blocked, except in SSE-C mode where it is explicitly allowed;
 * - in KMS modes, a rotating customer-managed key and CloudTrail data events;
 * - server access logs to a shared, expiring access-log bucket.
 *
 * These hold on the final template: at synth time (after Aspects, with
 * property overrides applied) the bucket checks its resolved CloudFormation
 * against what it configured and against the S3Encryption compliance rules,
 * and an escape hatch that undoes any of it (an L1 override or deletion, a
 * removed or replaced bucket policy, key rotation turned off on the key's
 * L1) fails synthesis with an error naming the path, what changed and the fix.
 *
 * It *is* an `s3.Bucket`: use it anywhere an `IBucket` is expected. Grants
 * keep working (`grantRead` also grants `kms:Decrypt` on the key).
 *
 * What still holds if you add your own statements with `addToResourcePolicy`:
 * the Deny statements above win over any Allow, so no statement you add can
 * allow plaintext transport or another encryption mode; Block Public Access
 * makes S3 reject a policy that grants public access at deploy time.
 */
export class SecureBucket extends s3.Bucket {
  /** Which encryption mode the bucket is provisioned for. */
  public readonly modeKind: EncryptionModeKind;

  /**
   * The trail that records the bucket's S3 data events.
   *
   * @default - none: SSE-S3 and SSE-C modes, or `DataEvents.NONE`
   */
  public readonly auditTrail?: EncryptionAuditTrail;

  /**
   * The bucket that receives the server access logs.
   */
  public readonly serverAccessLogsBucket: s3.IBucket;

  /** Whether EventBridge is enabled on the L1 (see `eventBridgeEnabled`). */
  private readonly nativeEventBridge: boolean = false;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    const mode = props.mode;
    validateBeforeCreate(scope, id, props);

    super(scope, id, {
      bucketName: props.bucketName,
      versioned: props.versioned ?? true,
      lifecycleRules: props.lifecycleRules,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      autoDeleteObjects: props.autoDeleteObjects,
      cors: props.cors,
      objectLockEnabled: props.objectLockEnabled,
      objectLockDefaultRetention: props.objectLockDefaultRetention,
      inventories: props.inventories,
      metrics: props.metrics,
      intelligentTieringConfigurations: props.intelligentTieringConfigurations,
      transferAcceleration: props.transferAcceleration,
      replicationRules: props.replicationRules,
      replicationRole: props.replicationRole,

      // Not settable: the secure baseline, and security that follows from the mode.
      ...SECURE_BASELINE,
      ...encryptionProps(modeRow(mode.kind), mode.kmsOptions?.encryptionKey),
    });

    this.modeKind = mode.kind;
    if (props.eventBridgeEnabled ?? true) {
      enableEventBridgeOnL1(this);
      this.nativeEventBridge = true;
    }

    if (mode.usesKms) {
      if (mode.kmsOptions?.encryptionKey) {
        this.checkProvidedKey(mode.kmsOptions.encryptionKey);
      } else {
        this.configureCreatedKey(mode);
      }
      this.auditTrail = this.recordDataEvents(mode);
    }
    enforcementStatements(mode.kind, { objectsArn: this.arnForObjects('*'), keyArn: this.encryptionKey?.keyArn })
      .forEach((s) => this.addToResourcePolicy(s));

    this.serverAccessLogsBucket = props.serverAccessLogsBucket ?? AccessLogsBucket.of(this);
    const logPrefix = props.serverAccessLogsPrefix ?? `${this.node.path}/`;
    enableServerAccessLogs(this, this.serverAccessLogsBucket, logPrefix, props.targetObjectKeyFormat);

    // --- Encryption inventory and drift alerts (src/audit) ---
    addEncryptionInventory(this, props.encryptionInventory);
    if (props.alertOnDrift) {
      EncryptionDriftAlerts.of(this).watchBucket(this);
    }
    const metadataConfiguration = addMetadataTables(this, props.metadataTables);

    // What the final template must still say after Aspects and overrides: checked at synth.
    checkSecureBucketTemplate(this, {
      mode,
      createdKey: mode.usesKms && !mode.kmsOptions?.encryptionKey,
      metadataConfiguration,
      requiredStatements: this.policy!.document.toJSON().Statement,
      keyStatements: this.encryptionKey && !mode.kmsOptions?.encryptionKey ? createdKeyStatements(this.encryptionKey as kms.Key) : [],
    });
  }

  /**
   * Adds a bucket notification (see `s3.Bucket.addEventNotification`).
   *
   * Notifications are applied by CDK's `Custom::S3BucketNotifications`
   * resource, which replaces the bucket's whole notification configuration
   * when it runs: with `eventBridgeEnabled` (the default), the EventBridge
   * setting is handed to that resource as well, so it is kept.
   *
   * @param event the event to trigger the notification
   * @param dest the notification destination (Lambda, SNS topic or SQS queue)
   * @param filters S3 object key filter rules that select which objects trigger the event
   */
  public addEventNotification(event: s3.EventType, dest: s3.IBucketNotificationDestination, ...filters: s3.NotificationKeyFilter[]): void {
    if (this.nativeEventBridge) {
      this.enableEventBridgeNotification();
    }
    super.addEventNotification(event, dest, ...filters);
  }

  /** The key the L2 created for us: rotation on with the chosen period, retained on delete. */
  private configureCreatedKey(mode: EncryptionMode): void {
    const key = this.encryptionKey as kms.Key;
    const cfnKey = key.node.defaultChild as kms.CfnKey;
    cfnKey.enableKeyRotation = true;
    cfnKey.rotationPeriodInDays = (mode.kmsOptions?.keyRotationPeriod ?? DEFAULT_ROTATION).toDays();
    cfnKey.description = `${modeRow(mode.kind).label} key of the SecureBucket ${this.node.path}`;
    key.applyRemovalPolicy(RemovalPolicy.RETAIN);
    denyGrantsUnlessForAwsResource(key);
  }

  /** A key defined in this app must rotate; an imported key's rotation cannot be seen, so warn. */
  private checkProvidedKey(given: kms.IKey): void {
    const cfnKey = given.node.defaultChild;
    if (CfnResource.isCfnResource(cfnKey) && cfnKey.cfnResourceType === 'AWS::KMS::Key') {
      const rotation = Stack.of(cfnKey).resolve((cfnKey as kms.CfnKey).enableKeyRotation);
      if (rotation !== true) {
        throw new SecureBucketConfigError(this, 'mode.encryptionKey',
          `the key ${given.node.path} does not have automatic rotation enabled`,
          'create it with `enableKeyRotation: true` (and a rotationPeriod), or omit encryptionKey to let SecureBucket create a rotating key');
      }
      return;
    }
    Validations.of(this).addWarning(IMPORTED_KEY_ROTATION_WARNING,
      `mode.encryptionKey: ${given.keyArn} is imported, so its automatic rotation cannot be confirmed at synth time. ` +
      'Confirm that rotation is enabled on the key, then acknowledge with ' +
      `Validations.of(bucket).acknowledge({ id: '${IMPORTED_KEY_ROTATION_WARNING}', reason: '...' }).`);
  }

  private recordDataEvents(mode: EncryptionMode): EncryptionAuditTrail | undefined {
    const events = mode.kmsOptions?.dataEvents ?? DataEvents.ALL;
    const given = mode.kmsOptions?.auditTrail;
    if (given !== undefined && !EncryptionAuditTrail.isEncryptionAuditTrail(given)) {
      throw new SecureBucketConfigError(this, 'mode.auditTrail',
        `${given.node.path} is not an EncryptionAuditTrail (SecureBucket scopes advanced event selectors per bucket, which only EncryptionAuditTrail manages)`,
        'pass an EncryptionAuditTrail (new EncryptionAuditTrail(stack, id) or EncryptionAuditTrail.of(stack)), or omit auditTrail to use the stack\'s shared trail');
    }
    if (events === DataEvents.NONE) {
      return undefined;
    }
    const trail = given ?? EncryptionAuditTrail.of(this);
    trail.recordDataEvents(this, events);
    return trail;
  }

}

/** The key-policy statements of a key created here (the account-root grant of the L2). */
function createdKeyStatements(key: kms.Key): unknown[] {
  // kms.Key keeps its policy document protected; the L1 holds the same document.
  const doc = (key.node.defaultChild as kms.CfnKey).keyPolicy as iam.PolicyDocument | undefined;
  return doc?.toJSON()?.Statement ?? [];
}
