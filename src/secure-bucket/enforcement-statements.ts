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
 * The bucket-policy statements that refuse uploads in any mode other than `kind`.
 *
 * Every statement denies `s3:PutObject`, the action S3 authorizes PutObject,
 * CopyObject (destination), UploadPart, UploadPartCopy and
 * CompleteMultipartUpload as. In SSE-S3 and KMS modes every statement
 * requires a header to be *present* and wrong, so requests without SSE headers
 * (default encryption applies; multipart parts and completions) pass. In SSE-C
 * mode, a request *without* the SSE-C algorithm header is refused, so every
 * part and the completion must carry the SSE-C headers.
 *
 * Statements in one `Condition` block are ANDed by IAM.
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

  switch (kind) {
    case EncryptionModeKind.SSE_S3:
      return [denyOtherAlgorithm('AES256'), denySseC()];
    case EncryptionModeKind.SSE_KMS:
    case EncryptionModeKind.DSSE_KMS: {
      if (!target.keyArn) {
        throw new Error(`enforcementStatements: ${kind} needs the key ARN`);
      }
      const algorithm = kind === EncryptionModeKind.SSE_KMS ? 'aws:kms' : 'aws:kms:dsse';
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
      ];
    }
    case EncryptionModeKind.SSE_C:
      return [
        // StringNotEquals matches an absent key too (IAM), so this one statement refuses
        // a request without the SSE-C algorithm header and one naming another algorithm.
        deny('RequireSseC', { StringNotEquals: { [SSE_C_ALGORITHM]: 'AES256' } }),
        deny('DenyServerManagedEncryption', { Null: { [SSE]: 'false' } }),
      ];
  }
}
