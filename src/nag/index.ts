export type { S3EncryptionPolicy } from './engine/policy';
export * from './s3-encryption-checks';
