import { allModeLabels, findModeRowByLabel } from '../encryption-modes/mode-lookup';

/**
 * Which S3 Batch Operations operation brings a non-compliant object into the expected mode.
 * Pure: one inventory row's fields in, a decision out.
 *
 * - `S3UpdateObjectEncryption` (UpdateObjectEncryption, 2026): rewrites only the wrapped data key,
 *   no data movement; keeps metadata, storage class (archived objects are not restored), ETag and
 *   checksums; any object size, any storage class of a general purpose bucket. Target: SSE-KMS
 *   only (ObjectEncryption.SSEKMS); source: SSE-S3 or SSE-KMS objects only: "this operation does
 *   not support unencrypted objects, nor objects encrypted with DSSE-KMS or SSE-C".
 *   https://docs.aws.amazon.com/AmazonS3/latest/userguide/update-sse-encryption.html
 *   https://docs.aws.amazon.com/AmazonS3/latest/userguide/batch-ops-update-encryption.html
 *   https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_UpdateObjectEncryptionOperation.html
 * - `S3PutObjectCopy` (CopyObject onto the same key) everywhere else, within its limits: objects of
 *   at most 5 GB, not archived (GLACIER / DEEP_ARCHIVE or an Intelligent-Tiering archive tier must be
 *   restored first), and only the current version (copying a noncurrent version would make its old
 *   data current again). https://docs.aws.amazon.com/AmazonS3/latest/userguide/batch-ops-copy-object.html
 * - Nothing can read an SSE-C object without its customer key, and nothing but a client holding
 *   that key can write one: SSE-C objects, and the SSE-C mode itself, are left to the application.
 */
/** An object's `EncryptionStatus` in S3 Inventory: `NOT-SSE` or a mode's label (the mode table's). */
export type EncryptionStatus = string;
/** The modes an audit can expect (an object is never expected to be NOT-SSE), by label: `SSE-KMS`. */
export const EXPECTED_MODES: readonly string[] = allModeLabels();
export const ENCRYPTION_STATUSES: readonly EncryptionStatus[] = ['NOT-SSE', ...EXPECTED_MODES];
export type ExpectedMode = string;

export type BatchOperation = 'S3UpdateObjectEncryption' | 'S3PutObjectCopy';

/** Batch Operations' copy limit (CopyObject in one request). */
export const COPY_MAX_BYTES = 5 * 1000 ** 3;

const ARCHIVED_CLASSES = new Set(['GLACIER', 'DEEP_ARCHIVE']);
const ARCHIVED_TIERS = new Set(['ARCHIVE_ACCESS', 'DEEP_ARCHIVE_ACCESS']);

export interface ObjectFacts {
  readonly status: string;
  readonly size?: number;
  readonly storageClass?: string;
  readonly intelligentTieringTier?: string;
  /** False only for a noncurrent version (IsLatest = false). */
  readonly isLatest: boolean;
}

export type Remedy =
  | { readonly operation: BatchOperation }
  | { readonly operation?: undefined; readonly reason: string };

export function remedy(object: ObjectFacts, expect: ExpectedMode): Remedy {
  const target = findModeRowByLabel(expect)?.remediation;
  const source = findModeRowByLabel(object.status)?.remediation;
  if (target?.notWritable !== undefined) return { reason: target.notWritable };
  if (source?.notReadable !== undefined) return { reason: source.notReadable };
  if (target?.updateInPlaceTarget && source?.updateInPlaceSource) {
    return { operation: 'S3UpdateObjectEncryption' };
  }
  if (!object.isLatest) return { reason: 'a noncurrent version cannot be copied in place (delete it or let a lifecycle rule expire it)' };
  if (object.size !== undefined && object.size > COPY_MAX_BYTES) return { reason: 'larger than the 5 GB Batch Operations copy limit (copy it with multipart upload)' };
  if ((object.storageClass && ARCHIVED_CLASSES.has(object.storageClass))
    || (object.intelligentTieringTier && ARCHIVED_TIERS.has(object.intelligentTieringTier))) {
    return { reason: 'archived: restore it before it can be copied' };
  }
  return { operation: 'S3PutObjectCopy' };
}
