import { EncryptionModeKind } from './encryption-mode-kind';

// Every fact about an encryption mode, one row per mode. The constructs (L2 props, the
// self-check's expected L1, the enforcement statements), the rule engine (recognising a mode
// from a template, the uploads its policy must refuse), `check`, the inventory audit and the
// S3 Metadata queries derive what they need from a row; none of them names a mode itself.
// Pure data: no aws-cdk-lib here, so the engine and the CLI can import it.
//
// Adding a mode: a member of EncryptionModeKind and a row below (docs/contributing.md).

/** How a bucket in the mode sets its default encryption (`BucketEncryption`). */
export interface DefaultEncryptionRow {
  /** `ServerSideEncryptionByDefault.SSEAlgorithm`. */
  readonly sseAlgorithm: string;
  /** Whether `KMSMasterKeyID` names the bucket's KMS key. */
  readonly kmsMasterKey: boolean;
  /** Whether `BucketKeyEnabled` is true (otherwise it is left unset). */
  readonly bucketKey: boolean;
  /** `BlockedEncryptionTypes.EncryptionType`: `SSE-C` blocks SSE-C, `NONE` explicitly allows it. */
  readonly blockedEncryptionType: 'SSE-C' | 'NONE';
  /** The `s3.BucketEncryption` value (by name) the L2 renders this default from. */
  readonly l2Encryption: 'S3_MANAGED' | 'KMS' | 'DSSE';
}

/** What the bucket policy lets an upload in the mode carry, and refuses otherwise. */
export interface UploadRow {
  /**
   * The `x-amz-server-side-encryption` value uploads in the mode may name; any
   * other present value is denied. Undefined: uploads name none (the server
   * never manages the key), and any present value is denied.
   */
  readonly sseHeader?: string;
  /**
   * The `x-amz-server-side-encryption-customer-algorithm` every upload must carry
   * (SSE-C). Undefined: an upload carrying it is denied.
   */
  readonly customerAlgorithm?: string;
  /** Whether `s3:UpdateObjectEncryption` may change objects in place to this mode with the bucket's key. */
  readonly updateToOwnKey: boolean;
}

/** What the AWS services that write into buckets accept, for buckets in the mode. */
export interface ServiceSupportRow {
  /** S3 server access log delivery writes to buckets in this mode. */
  readonly accessLogs: boolean;
  /** CloudTrail writes log files to buckets in this mode. */
  readonly cloudTrailLogs: boolean;
  /** S3 Inventory delivers reports to buckets in this mode. */
  readonly inventoryReports: boolean;
  /** Directory buckets (S3 Express One Zone) offer this mode as default encryption. */
  readonly directoryBuckets: boolean;
}

/** How the inventory audit brings an object into, or out of, the mode with S3 Batch Operations. */
export interface RemediationRow {
  /** `S3UpdateObjectEncryption` can change objects to this mode (with a key) in place. */
  readonly updateInPlaceTarget: boolean;
  /** `S3UpdateObjectEncryption` accepts objects in this mode as its source. */
  readonly updateInPlaceSource: boolean;
  /**
   * `S3PutObjectCopy` can write objects in this mode: its `NewObjectMetadata.SSEAlgorithm`
   * (`KMS` also takes the key and bucket-key setting), or `BUCKET_DEFAULT` when the copy
   * names no encryption and the bucket's default applies. Undefined: Batch Operations
   * cannot write objects in the mode.
   */
  readonly copyAlgorithm?: 'AES256' | 'KMS' | 'BUCKET_DEFAULT';
  /** Why no Batch Operations job can bring an object into the mode (when `copyAlgorithm` is undefined). */
  readonly notWritable?: string;
  /** Why no Batch Operations job can write objects in the mode, for `--create-job`. */
  readonly notWritableByJobs?: string;
  /** Why no Batch Operations job can read objects in the mode, if it cannot. */
  readonly notReadable?: string;
}

/** One encryption mode in every form the library names or checks it. */
export interface EncryptionModeRow {
  /** The `EncryptionModeKind` value: `SSE_KMS`. */
  readonly kind: EncryptionModeKind;
  /**
   * The name people, S3 Inventory (`EncryptionStatus`) and S3 Metadata
   * (`encryption_status`) use: `SSE-KMS`.
   */
  readonly label: string;
  /** The `EncryptionMode` factory: `sseKms`. */
  readonly factory: string;
  /** Whether the mode encrypts with a customer-managed KMS key (KMS options, key, data events). */
  readonly usesKms: boolean;
  /** Where the keys come from, for messages: `uses S3 managed keys`. */
  readonly keySource: string;
  readonly defaultEncryption: DefaultEncryptionRow;
  readonly uploads: UploadRow;
  readonly services: ServiceSupportRow;
  readonly remediation: RemediationRow;
}

/** The modes, in the order they are listed to users. */
export const MODE_TABLE: readonly EncryptionModeRow[] = [
  {
    kind: EncryptionModeKind.SSE_S3,
    label: 'SSE-S3',
    factory: 'sseS3',
    usesKms: false,
    keySource: 'uses S3 managed keys',
    defaultEncryption: { sseAlgorithm: 'AES256', kmsMasterKey: false, bucketKey: false, blockedEncryptionType: 'SSE-C', l2Encryption: 'S3_MANAGED' },
    uploads: { sseHeader: 'AES256', updateToOwnKey: false },
    services: { accessLogs: true, cloudTrailLogs: true, inventoryReports: true, directoryBuckets: true },
    remediation: { updateInPlaceTarget: false, updateInPlaceSource: true, copyAlgorithm: 'AES256' },
  },
  {
    kind: EncryptionModeKind.SSE_KMS,
    label: 'SSE-KMS',
    factory: 'sseKms',
    usesKms: true,
    keySource: 'encrypts with a KMS key',
    defaultEncryption: { sseAlgorithm: 'aws:kms', kmsMasterKey: true, bucketKey: true, blockedEncryptionType: 'SSE-C', l2Encryption: 'KMS' },
    uploads: { sseHeader: 'aws:kms', updateToOwnKey: true },
    services: { accessLogs: false, cloudTrailLogs: true, inventoryReports: true, directoryBuckets: true },
    remediation: { updateInPlaceTarget: true, updateInPlaceSource: true, copyAlgorithm: 'KMS' },
  },
  {
    kind: EncryptionModeKind.DSSE_KMS,
    label: 'DSSE-KMS',
    factory: 'dsseKms',
    usesKms: true,
    keySource: 'encrypts with a KMS key',
    // S3 Bucket Keys are not supported with DSSE-KMS.
    defaultEncryption: { sseAlgorithm: 'aws:kms:dsse', kmsMasterKey: true, bucketKey: false, blockedEncryptionType: 'SSE-C', l2Encryption: 'DSSE' },
    // UpdateObjectEncryption offers only SSE-S3 and SSE-KMS, both a downgrade.
    uploads: { sseHeader: 'aws:kms:dsse', updateToOwnKey: false },
    services: { accessLogs: false, cloudTrailLogs: false, inventoryReports: false, directoryBuckets: false },
    // S3PutObjectCopy has no DSSE-KMS algorithm: the copy takes the bucket's default encryption.
    remediation: { updateInPlaceTarget: false, updateInPlaceSource: false, copyAlgorithm: 'BUCKET_DEFAULT' },
  },
  {
    kind: EncryptionModeKind.SSE_C,
    label: 'SSE-C',
    factory: 'sseC',
    usesKms: false,
    keySource: 'uses the key each request carries',
    // AES256 is the floor for requests without SSE-C headers (which the policy refuses anyway);
    // SSE-C is explicitly allowed because S3 blocks it on new buckets unless told otherwise.
    defaultEncryption: { sseAlgorithm: 'AES256', kmsMasterKey: false, bucketKey: false, blockedEncryptionType: 'NONE', l2Encryption: 'S3_MANAGED' },
    uploads: { customerAlgorithm: 'AES256', updateToOwnKey: false },
    services: { accessLogs: false, cloudTrailLogs: false, inventoryReports: false, directoryBuckets: false },
    remediation: {
      updateInPlaceTarget: false,
      updateInPlaceSource: false,
      notWritable: 'SSE-C objects can only be written by a client holding the key',
      notWritableByJobs: 'the customer key never reaches S3 at rest',
      notReadable: 'an SSE-C object cannot be read without its customer key',
    },
  },
];
