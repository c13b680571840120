export * from './S3BucketTypeSupported';
export * from './S3NestedStackTemplate';
export * from './S3TemplateUnderstood';
export * from './S3BucketChangedElsewhere';
