export * from './S3DefaultEncryptionMode';
export * from './S3KmsCustomerManagedKey';
export * from './S3KmsBucketKeyEnabled';
export * from './S3KmsKeyRotation';
export * from './S3EncryptionEnforcementPolicy';
export * from './S3SseCBlocked';
export * from './S3TlsOnly';
export * from './S3KmsDataEventsTrail';
