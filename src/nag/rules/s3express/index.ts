export * from './S3DirectoryBucketEncryption';
