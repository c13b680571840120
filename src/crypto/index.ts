// cdk-secure-bucket/crypto: client-side envelope encryption in the Amazon S3 Encryption Client format.
// Re-exports only.
export * from './errors';
export * from './format/algorithm-suite';
export * from './keyring/keyring';
export * from './keyring/kms-client';
export * from './cipher/types';
