/**
 * The errors of key rotation (rewrapObject / rewrapObjects) beyond the module's common ones.
 */
import { S3EncryptionError, S3EncryptionErrorOptions } from '../errors';

/**
 * The object (or its instruction file) changed, or was deleted, between the rotation's read and its write:
 * S3 refused the conditional write (412 PreconditionFailed, 409 ConditionalRequestConflict, 404 on If-Match),
 * or the re-read after the write found another object. Nothing of the other writer's was overwritten; rotate the
 * object again later.
 */
export class ObjectChangedError extends S3EncryptionError {
  constructor(message = 'object changed during rotation', options?: S3EncryptionErrorOptions) {
    super('OBJECT_CHANGED', message, options);
  }
}

/**
 * The source keyring cannot unwrap the object's data key, and the object is not wrapped by the target's primary
 * key either: the source key is wrong (or the object belongs to another key). Nothing was written.
 */
export class SourceKeyMismatchError extends S3EncryptionError {
  constructor(message = 'the source keyring cannot unwrap the object and it is not wrapped by the target key', options?: S3EncryptionErrorOptions) {
    super('SOURCE_KEY_MISMATCH', message, options);
  }
}

/**
 * The object is under S3 Object Lock (retention or legal hold) and the rotation could not restate it on the
 * rewritten object (S3 refused, typically for want of s3:PutObjectRetention / s3:PutObjectLegalHold), or
 * `objectLock: 'refuse'` was asked. Nothing was written.
 */
export class ObjectLockError extends S3EncryptionError {
  constructor(message: string, options?: S3EncryptionErrorOptions) {
    super('OBJECT_LOCK', message, options);
  }
}
