import { CfnResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { EncryptionMode } from './encryption-mode';
import { enforcementStatements } from './enforcement-statements';
import { AccessLogsBucket } from '../audit/access-logs-bucket';
import { DataEvents } from '../audit/data-events';
import { EncryptionAuditTrail } from '../audit/encryption-audit-trail';
import { EncryptionDriftAlerts } from '../audit/encryption-drift-alerts';
import { EncryptionInventoryOptions } from '../audit/encryption-inventory-options';
import { addEncryptionInventory } from '../audit/private/encryption-inventory';
import { EncryptionModeKind } from '../nag/engine/encryption-mode-kind';
import { SecureBucketConfigError } from '../private/errors';
import { enableServerAccessLogs } from '../private/server-access-logs';

const MIN_ROTATION_DAYS = 90;
const MAX_ROTATION_DAYS = 2560;
const DEFAULT_ROTATION = Duration.days(365);

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
   * @default false
   */
  readonly eventBridgeEnabled?: boolean;

  /**
   * Whether S3 Object Lock is enabled (requires versioning).
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
   * Replication rules. Replicated objects are re-encrypted by the
   * destination bucket's own default encryption.
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
   * yourself. The destination must use SSE-S3 default encryption.
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

  // --- Issue 14: encryption inventory and drift alerts (src/audit) ---

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
      eventBridgeEnabled: props.eventBridgeEnabled,
      objectLockEnabled: props.objectLockEnabled,
      objectLockDefaultRetention: props.objectLockDefaultRetention,
      inventories: props.inventories,
      metrics: props.metrics,
      intelligentTieringConfigurations: props.intelligentTieringConfigurations,
      transferAcceleration: props.transferAcceleration,
      replicationRules: props.replicationRules,
      replicationRole: props.replicationRole,

      // Not settable: security follows from the mode.
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      ...encryptionProps(mode),
    });

    this.modeKind = mode.kind;

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
    this.configureAccessLogs(this.serverAccessLogsBucket, props);

    // --- Issue 14: encryption inventory and drift alerts (src/audit) ---
    addEncryptionInventory(this, props.encryptionInventory);
    if (props.alertOnDrift) {
      EncryptionDriftAlerts.of(this).watchBucket(this);
    }
  }

  /** The key the L2 created for us: rotation on with the chosen period, retained on delete. */
  private configureCreatedKey(mode: EncryptionMode): void {
    const key = this.encryptionKey as kms.Key;
    const cfnKey = key.node.defaultChild as kms.CfnKey;
    cfnKey.enableKeyRotation = true;
    cfnKey.rotationPeriodInDays = (mode.kmsOptions?.keyRotationPeriod ?? DEFAULT_ROTATION).toDays();
    cfnKey.description = `${mode.kind === EncryptionModeKind.SSE_KMS ? 'SSE-KMS' : 'DSSE-KMS'} key of the SecureBucket ${this.node.path}`;
    key.applyRemovalPolicy(RemovalPolicy.RETAIN);
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

  private configureAccessLogs(target: s3.IBucket, props: SecureBucketProps): void {
    enableServerAccessLogs(this, target, props.serverAccessLogsPrefix ?? `${this.node.path}/`, props.targetObjectKeyFormat);
  }

}

/**
 * Checks the props that must be right before the bucket exists. All problems
 * are collected and reported together.
 */
function validateBeforeCreate(scope: Construct, id: string, props: SecureBucketProps): void {
  // The bucket does not exist yet: the errors name the path it would have.
  const at = { node: { path: scope.node.path ? `${scope.node.path}/${id}` : id } } as Construct;
  const mode = props.mode;
  const problems: SecureBucketConfigError[] = [];
  if (mode === undefined || mode === null) {
    throw new SecureBucketConfigError(at, 'mode', 'is required', 'pass mode: EncryptionMode.sseS3(), sseKms(), dsseKms() or sseC()');
  }
  const o = mode.kmsOptions;
  if (!mode.usesKms && o !== undefined) {
    const given = Object.entries(o).filter(([, v]) => v !== undefined).map(([k]) => k);
    if (given.length > 0) {
      problems.push(new SecureBucketConfigError(at, `mode.${given[0]}`,
        `${mode.kind} ${mode.kind === EncryptionModeKind.SSE_C ? 'uses the key each request carries' : 'uses S3 managed keys'} and takes no KMS options (got ${given.join(', ')})`,
        'use EncryptionMode.sseKms({...}) or EncryptionMode.dsseKms({...}) to encrypt with a KMS key, or drop the options'));
    }
  }
  if (o?.keyRotationPeriod !== undefined) {
    if (o.encryptionKey !== undefined) {
      problems.push(new SecureBucketConfigError(at, 'mode.keyRotationPeriod',
        'only applies to the key SecureBucket creates, but encryptionKey was given',
        'set the rotation period on your key (kms.Key rotationPeriod) and drop keyRotationPeriod'));
    } else if (!o.keyRotationPeriod.isUnresolved()) {
      const days = o.keyRotationPeriod.toDays({ integral: false });
      if (days < MIN_ROTATION_DAYS || days > MAX_ROTATION_DAYS || !Number.isInteger(days)) {
        problems.push(new SecureBucketConfigError(at, 'mode.keyRotationPeriod',
          `must be a whole number of days between ${MIN_ROTATION_DAYS} and ${MAX_ROTATION_DAYS} (got ${o.keyRotationPeriod.toHumanString()})`,
          `pass Duration.days(n) with ${MIN_ROTATION_DAYS} <= n <= ${MAX_ROTATION_DAYS}, or omit it for ${DEFAULT_ROTATION.toDays()} days`));
      }
    }
  }
  if (o?.dataEvents !== undefined && !Object.values(DataEvents).includes(o.dataEvents)) {
    problems.push(new SecureBucketConfigError(at, 'mode.dataEvents', `unknown value '${o.dataEvents}'`,
      'use DataEvents.ALL, DataEvents.WRITE_ONLY or DataEvents.NONE'));
  }
  if (props.autoDeleteObjects && props.removalPolicy !== RemovalPolicy.DESTROY) {
    problems.push(new SecureBucketConfigError(at, 'autoDeleteObjects',
      'empties the bucket on deletion, but the bucket is retained (removalPolicy is not DESTROY), so the objects would be deleted and the bucket kept',
      'set removalPolicy: RemovalPolicy.DESTROY as well, or drop autoDeleteObjects'));
  }
  if (props.versioned === false && (props.objectLockEnabled || props.objectLockDefaultRetention)) {
    problems.push(new SecureBucketConfigError(at, 'versioned',
      'is false, but S3 Object Lock requires versioning',
      'drop versioned: false (it defaults to true)'));
  }
  if (problems.length === 1) {
    throw problems[0];
  }
  if (problems.length > 1) {
    throw new SecureBucketConfigError(at, problems.map((p) => p.prop).join(', '),
      `${problems.length} problems:\n  - ${problems.map((p) => p.message).join('\n  - ')}`,
      'see each problem above');
  }
}

/** The L2 encryption props for a mode. */
function encryptionProps(mode: EncryptionMode): Partial<s3.BucketProps> {
  switch (mode.kind) {
    case EncryptionModeKind.SSE_S3:
      return {
        encryption: s3.BucketEncryption.S3_MANAGED,
        blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C],
      };
    case EncryptionModeKind.SSE_C:
      // AES256 is the floor for requests without SSE-C headers (which the policy refuses anyway);
      // SSE-C is explicitly allowed because S3 blocks it on new buckets unless told otherwise.
      return {
        encryption: s3.BucketEncryption.S3_MANAGED,
        blockedEncryptionTypes: [s3.BlockedEncryptionType.NONE],
      };
    case EncryptionModeKind.SSE_KMS:
    case EncryptionModeKind.DSSE_KMS: {
      const sse = mode.kind === EncryptionModeKind.SSE_KMS;
      return {
        encryption: sse ? s3.BucketEncryption.KMS : s3.BucketEncryption.DSSE,
        // Without a key, the L2 creates one at `<bucket>/Key`; SecureBucket then sets its rotation.
        encryptionKey: mode.kmsOptions?.encryptionKey,
        // S3 Bucket Keys are not supported with DSSE-KMS.
        bucketKeyEnabled: sse ? true : undefined,
        blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C],
      };
    }
  }
}
