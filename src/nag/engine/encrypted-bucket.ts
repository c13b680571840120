import { BucketEncryption, KeyRef, bucketEncryption, isKmsMode, resolveKey } from './bucket-model';
import { DIRECTORY_BUCKET, GENERAL_PURPOSE_BUCKET } from './resource-types';
import { RuleResult, cannotResolve, notApplicable } from './rule';
import { CfnResourceView, TemplateIndex } from './template-index';
import { EncryptionModeKind } from '../../encryption-modes/encryption-mode-kind';

// What the S3 rules judge, read once: a general purpose bucket, its default encryption, its
// mode, and in KMS modes its key. Each accessor wraps a rule's judgement with the checks every
// rule of that kind made first: a resource that is not such a bucket is NOT_APPLICABLE, a value
// that cannot be resolved is UNKNOWN (never a pass), so a rule states only its own verdict.

/** A bucket (a general purpose AWS::S3::Bucket unless the accessor says otherwise) whose properties resolved. */
export interface S3Bucket {
  readonly resource: CfnResourceView;
}

/** A general purpose bucket with its default encryption read (which may be absent). */
export interface EncryptedBucket extends S3Bucket {
  readonly encryption: BucketEncryption;
}

/** A general purpose bucket whose default encryption names one of the modes. */
export interface BucketWithMode extends EncryptedBucket {
  readonly mode: EncryptionModeKind;
}

/** A bucket in SSE-KMS or DSSE-KMS mode; `encryption.kmsKeyId` is its default key as given. */
export type KmsBucket = BucketWithMode;

/** A KMS-mode bucket with its default key resolved against the template. */
export interface KmsBucketWithKey extends KmsBucket {
  readonly key: KeyRef;
}

/** A rule's judgement of one kind of bucket. */
export type Judge<B> = (bucket: B, index: TemplateIndex) => RuleResult;

/** The `evaluate` of a rule. */
export type Evaluate = (resource: CfnResourceView, index: TemplateIndex) => RuleResult;

/** Why a rule on the bucket's mode does not apply to a bucket without one (S3DefaultEncryptionMode reports it). */
export const NO_MODE = 'no default encryption mode (S3DefaultEncryptionMode reports it)';

/** Judges the resources of one type whose properties resolved; other resources are not applicable. */
function resolvedOfType(type: string, judge: Judge<S3Bucket>): Evaluate {
  return (resource, index) => {
    if (resource.type !== type) return notApplicable();
    if (resource.unresolvable) return cannotResolve(resource.unresolvable);
    return judge({ resource }, index);
  };
}

/** Judges general purpose buckets whose properties resolved; other resources are not applicable. */
export function s3Bucket(judge: Judge<S3Bucket>): Evaluate {
  return resolvedOfType(GENERAL_PURPOSE_BUCKET, judge);
}

/** Judges directory buckets (S3 Express One Zone) whose properties resolved; other resources are not applicable. */
export function directoryBucket(judge: Judge<S3Bucket>): Evaluate {
  return resolvedOfType(DIRECTORY_BUCKET, judge);
}

/** Judges general purpose buckets whose default encryption could be read (present or not). */
export function encryptedBucket(judge: Judge<EncryptedBucket>): Evaluate {
  return (resource, index) => {
    if (resource.type !== GENERAL_PURPOSE_BUCKET) return notApplicable();
    const encryption = bucketEncryption(resource, index);
    if (encryption.unresolved) return cannotResolve(encryption.unresolved);
    return judge({ resource, encryption }, index);
  };
}

/** Judges buckets with a default encryption mode; one without is not applicable ({@link NO_MODE}). */
export function bucketWithMode(judge: Judge<BucketWithMode>): Evaluate {
  return encryptedBucket((b, index) => {
    const mode = b.encryption.mode;
    if (mode === undefined) return notApplicable(NO_MODE);
    return judge({ ...b, mode }, index);
  });
}

/** Judges SSE-KMS and DSSE-KMS buckets; buckets in another mode, or without one, are not applicable. */
export function kmsBucket(judge: Judge<KmsBucket>): Evaluate {
  return encryptedBucket((b, index) => {
    const mode = b.encryption.mode;
    if (mode === undefined || !isKmsMode(mode)) return notApplicable();
    return judge({ ...b, mode }, index);
  });
}

/** Judges KMS-mode buckets with their default key resolved; a key that cannot be resolved is UNKNOWN. */
export function kmsBucketWithKey(judge: Judge<KmsBucketWithKey>): Evaluate {
  return kmsBucket((b, index) => {
    const key = resolveKey(b.encryption.kmsKeyId, index);
    if (key.unresolved) return cannotResolve(key.unresolved);
    return judge({ ...b, key }, index);
  });
}
