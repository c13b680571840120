/**
 * Typed errors of the client-side envelope encryption module.
 *
 * Every error thrown on purpose by `cdk-secure-bucket/crypto` extends
 * {@link S3EncryptionError}, so callers can catch the whole family at once and
 * branch on `instanceof` (or on the stable `code`) for the specific case.
 * Messages never contain key material or plaintext.
 */

/** Options accepted by every error constructor. */
export interface S3EncryptionErrorOptions {
  /** The underlying error, if any (e.g. the KMS SDK exception). */
  readonly cause?: unknown;
}

/** Base class of all errors of this module. */
export class S3EncryptionError extends Error {
  /** Stable machine-readable code, e.g. `TAMPERED_CIPHERTEXT`. */
  public readonly code: string;

  constructor(code: string, message: string, options?: S3EncryptionErrorOptions) {
    super(message, options && 'cause' in options ? { cause: options.cause } : undefined);
    this.code = code;
    this.name = new.target.name;
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** Authentication failed: GCM tag, key commitment or wrapped-key integrity. */
export class TamperedCiphertextError extends S3EncryptionError {
  constructor(message = 'ciphertext failed authentication', options?: S3EncryptionErrorOptions) {
    super('TAMPERED_CIPHERTEXT', message, options);
  }
}

/** The wrapping key cannot unwrap the stored data key (wrong key, or the wrapped key was modified). */
export class WrongKeyError extends S3EncryptionError {
  constructor(message = 'the wrapping key cannot unwrap the data key', options?: S3EncryptionErrorOptions) {
    super('WRONG_KEY', message, options);
  }
}

/** The stored encryption context / material description differs from what the caller expects, or uses a reserved key. */
export class EncryptionContextMismatchError extends S3EncryptionError {
  constructor(message = 'encryption context mismatch', options?: S3EncryptionErrorOptions) {
    super('ENCRYPTION_CONTEXT_MISMATCH', message, options);
  }
}

/** The object names a key that this keyring / policy does not allow. */
export class KeyNotAllowedError extends S3EncryptionError {
  constructor(message = 'key not allowed', options?: S3EncryptionErrorOptions) {
    super('KEY_NOT_ALLOWED', message, options);
  }
}

/** Unknown, mixed-version, or legacy (V1) metadata without the legacy opt-in. */
export class UnsupportedFormatError extends S3EncryptionError {
  constructor(message = 'unsupported object format', options?: S3EncryptionErrorOptions) {
    super('UNSUPPORTED_FORMAT', message, options);
  }
}

/**
 * A metadata field, an instruction file or a stream chunk is larger than this module accepts (bounded reads:
 * an instruction file is a few hundred bytes, a wrapped data key a few KiB). Nothing larger is read whole.
 */
export class MetadataTooLargeError extends S3EncryptionError {
  constructor(message = 'metadata is larger than allowed', options?: S3EncryptionErrorOptions) {
    super('METADATA_TOO_LARGE', message, options);
  }
}

/** The ciphertext is shorter than the format allows (e.g. fewer than 16 bytes: no room for the tag). */
export class TruncatedCiphertextError extends S3EncryptionError {
  constructor(message = 'ciphertext is truncated', options?: S3EncryptionErrorOptions) {
    super('TRUNCATED_CIPHERTEXT', message, options);
  }
}

/** A call to AWS KMS failed; the SDK error is attached as `cause`. */
export class KmsError extends S3EncryptionError {
  constructor(message = 'AWS KMS call failed', options?: S3EncryptionErrorOptions) {
    super('KMS_ERROR', message, options);
  }
}

/** The caller passed an invalid argument (wrong key length, bad option combination, ...). */
export class InvalidArgumentError extends S3EncryptionError {
  constructor(message = 'invalid argument', options?: S3EncryptionErrorOptions) {
    super('INVALID_ARGUMENT', message, options);
  }
}

/**
 * Precondition helper in the style of aws-encryption-sdk-javascript `needs()`:
 * throws the given error when the condition does not hold.
 */
export function needs(condition: unknown, error: () => S3EncryptionError): asserts condition {
  if (!condition) {
    throw error();
  }
}
