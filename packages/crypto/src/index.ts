// cdk-secure-bucket/crypto: client-side envelope encryption in the Amazon S3 Encryption Client format.
// Re-exports only, and only the public API (docs/crypto.md, docs/crypto-api.md); test/crypto/public-api.test.ts
// pins the list. Format internals (metadata keys, key derivation, suite constants) stay in their modules.

// Errors: every failure is one of these, and none releases plaintext.
export {
  S3EncryptionError, type S3EncryptionErrorOptions, TamperedCiphertextError, WrongKeyError, EncryptionContextMismatchError,
  KeyNotAllowedError, UnsupportedFormatError, MetadataTooLargeError, TruncatedCiphertextError, KmsError, InvalidArgumentError,
} from './errors';
export { type FormatVersion, type AnyFormatVersion } from './format/algorithm-suite';

// The cipher.
export { EnvelopeCipher } from './cipher/envelope-cipher';
export {
  type ObjectMetadata, type RandomBytesFn, type EnvelopeCipherOptions, type EncryptOptions, type EncryptStreamOptions, type DecryptOptions,
  type DecryptBufferOptions,
  type DecryptStreamOptions, type EncryptResult, type EncryptStreamResult, type ByteRange, type DecryptRangeOptions,
} from './cipher/types';

// Keyrings: KMS, raw AES, the data-key cache, and the interface for your own.
export {
  type Keyring, type EncryptionContext, type EncryptionRequest, type EncryptionMaterials, type DecryptionRequest,
  type WrapDataKeyRequest, type WrappedDataKey,
} from './keyring/keyring';
export {
  type KmsClientLike, type KmsGenerateDataKeyInput, type KmsGenerateDataKeyOutput, type KmsDecryptInput, type KmsDecryptOutput,
  type KmsEncryptInput, type KmsEncryptOutput,
} from './keyring/kms-client';
export { KmsKeyring, type KmsKeyringProps } from './keyring/kms-keyring';
export { RawAesKeyring, type RawAesKeyringProps, type RawAesDecryptionKey } from './keyring/raw-aes-keyring';
export { CachingKeyring, type CachingKeyringProps, type CachingKeyringStats } from './cache/caching-keyring';

// S3 helpers: the client is taken structurally (pass `new S3({})`).
export {
  type S3ClientLike, type SseCustomerFields, type SseCopySourceCustomerFields, type S3PutObjectInput, type S3PutObjectOutput, type S3GetObjectInput,
  type S3GetObjectOutput, type S3HeadObjectInput, type S3HeadObjectOutput, type S3CreateMultipartUploadInput, type S3CreateMultipartUploadOutput,
  type S3UploadPartInput, type S3UploadPartOutput, type S3UploadPartCopyInput, type S3UploadPartCopyOutput, type S3CompletedPart,
  type S3CompleteMultipartUploadInput, type S3CompleteMultipartUploadOutput, type S3AbortMultipartUploadInput, type S3GetObjectTaggingInput,
  type S3GetObjectTaggingOutput, type S3CopyObjectInput, type S3CopyObjectOutput, type S3ServerSideEncryption, type S3StorageClass,
  type S3ChecksumAlgorithm, type S3ObjectLockMode, type S3RestatedHeaders,
} from './s3/s3-client';
export { putEncryptedObject, type PutEncryptedObjectOptions, type PutEncryptedObjectResult } from './s3/put-encrypted-object';
export { getDecryptedObject, type GetDecryptedObjectOptions } from './s3/get-decrypted-object';
export { getDecryptedObjectStream, type GetDecryptedObjectStreamOptions } from './s3/get-decrypted-object-stream';
export { getObjectRange, type GetObjectRangeOptions } from './s3/get-object-range';
export { resolveObjectMetadata, type ResolveObjectMetadataOptions } from './s3/resolve-object-metadata';
export { INSTRUCTION_FILE_SUFFIX, instructionFileKey } from './s3/instruction-file';

// Key rotation without re-encrypting content.
export { rewrapMetadata, type RewrapMetadataOptions, type RewrapMetadataResult } from './rewrap/rewrap-metadata';
export { ObjectChangedError, SourceKeyMismatchError, ObjectLockError } from './rewrap/rewrap-errors';
export { rewrapObject, type RewrapObjectOptions, type RewrapObjectResult } from './s3/rewrap-object';
export {
  rewrapObjects, type RewrapObjectsOptions, type RewrapObjectsResult, type RewrapCheckpoint, type RewrapOutcome, type RewrapProgress,
} from './s3/rewrap-objects';

// Verification of envelopes and of objects' server-side encryption.
export { verifyEnvelope, type EnvelopePolicy, type EnvelopeFinding, type EnvelopeVerification } from './verify/verify-envelope';
export {
  verifyObjectEncryption, type ObjectEncryptionFields, type ObjectEncryptionExpectation, type ObjectEncryptionMode,
  type ObjectEncryptionFindingCode, type ObjectEncryptionFinding, type ObjectEncryptionVerification,
} from './verify/verify-object-encryption';

// SSE-C.
export {
  generateCustomerKey, sseCustomerParams, sseCopySourceParams, customerKeyMd5, type SseCustomerParams, type SseCopySourceParams,
  SSE_C_ALGORITHM, SSE_C_KEY_LENGTH,
} from './sse-c';
export { rotateCustomerKey, type RotateCustomerKeyOptions } from './sse-c-rotate';
