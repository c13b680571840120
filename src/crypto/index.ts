// cdk-secure-bucket/crypto: client-side envelope encryption in the Amazon S3 Encryption Client format.
// Re-exports only.
export * from './errors';
export * from './format/algorithm-suite';
export * from './format/metadata-keys';
export * from './format/content-metadata';
export * from './format/key-derivation';
export * from './format/json-map';
export * from './keyring/keyring';
export * from './keyring/kms-client';
export * from './keyring/kms-keyring';
export * from './keyring/raw-aes-keyring';
export * from './cipher/types';
export * from './cipher/envelope-cipher';
export * from './cipher/ranged';
export * from './verify/verify-envelope';
export * from './rewrap/rewrap-metadata';
// I/O half: SSE-C helpers, object-encryption verification, data-key cache, S3 helpers.
export * from './sse-c';
export * from './sse-c-rotate';
export * from './verify/verify-object-encryption';
export * from './cache/caching-keyring';
export * from './s3/s3-client';
export * from './s3/instruction-file';
export * from './s3/resolve-object-metadata';
export * from './s3/upload-ciphertext';
export * from './s3/put-encrypted-object';
export * from './s3/get-decrypted-object';
export * from './s3/get-decrypted-object-stream';
export * from './s3/get-object-range';
export * from './s3/rewrap-object';
export * from './s3/rewrap-objects';
