export * from './S3BucketTypeSupported';
export * from './S3NestedStackTemplate';
