export * from './s3-encryption-checks';
