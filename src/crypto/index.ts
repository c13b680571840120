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
