import * as notProven from './not-proven';
import * as s3 from './s3';
import * as s3express from './s3express';
import { EncryptionRule } from '../engine/rule';

/** Every rule of the S3Encryption pack, in evaluation order. */
export const ALL_RULES: readonly EncryptionRule[] = [
  s3.S3DefaultEncryptionMode,
  s3.S3KmsCustomerManagedKey,
  s3.S3KmsBucketKeyEnabled,
  s3.S3KmsKeyRotation,
  s3.S3EncryptionEnforcementPolicy,
  s3.S3SseCBlocked,
  s3.S3TlsOnly,
  s3.S3KmsDataEventsTrail,
  s3express.S3DirectoryBucketEncryption,
  notProven.S3BucketTypeSupported,
  notProven.S3NestedStackTemplate,
  notProven.S3TemplateUnderstood,
  notProven.S3BucketChangedElsewhere,
];
