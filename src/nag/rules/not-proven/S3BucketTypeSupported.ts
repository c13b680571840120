import { DIRECTORY_BUCKET, GENERAL_PURPOSE_BUCKET, OUTPOSTS_BUCKET, TABLE_BUCKET, VECTOR_BUCKET, isBucketType } from '../../engine/resource-types';
import { EncryptionRule, RuleResult, nonCompliant, notApplicable } from '../../engine/rule';

/** What is not judged on each bucket type the engine knows by name. */
const NOT_JUDGED: Readonly<Record<string, string>> = {
  [DIRECTORY_BUCKET]: 'a directory bucket (AWS::S3Express::DirectoryBucket): S3DirectoryBucketEncryption judges its default encryption; its bucket policy (AWS::S3Express::BucketPolicy), TLS and data events are not judged',
  [TABLE_BUCKET]: 'a table bucket (AWS::S3Tables::TableBucket): its EncryptionConfiguration, table bucket policy and data events are not judged',
  [VECTOR_BUCKET]: 'a vector bucket (AWS::S3Vectors::VectorBucket): its EncryptionConfiguration, vector bucket policy and data events are not judged',
  [OUTPOSTS_BUCKET]: 'an S3 on Outposts bucket (AWS::S3Outposts::Bucket): its encryption, bucket policy (AWS::S3Outposts::BucketPolicy) and access points are not judged',
};

/**
 * The bucket is a general purpose bucket (`AWS::S3::Bucket`), the type the
 * rules prove. Any other bucket type (directory, table, vector, Outposts,
 * and any `AWS::S3*::*Bucket` CloudFormation adds later) is reported, never
 * skipped: its default encryption may be judged (S3DirectoryBucketEncryption),
 * but the rest is not, so it is not proven.
 */
export const S3BucketTypeSupported: EncryptionRule = {
  name: 'S3BucketTypeSupported',
  finding: 'The bucket is of a type these rules do not prove (only AWS::S3::Bucket is judged in full).',
  fix: 'Review the bucket\'s encryption, bucket policy, TLS and audit yourself, then acknowledge this finding on it (Validations.of(bucket).acknowledge, or an acknowledgements file for `check`), or use a general purpose bucket (AWS::S3::Bucket, e.g. SecureBucket) where the encryption must be proven.',
  evaluate(bucket): RuleResult {
    if (bucket.type === GENERAL_PURPOSE_BUCKET || !isBucketType(bucket.type)) return notApplicable();
    return nonCompliant(NOT_JUDGED[bucket.type]
      ?? `a bucket of type ${bucket.type}, which the engine does not know: its encryption, policy, TLS and data events are not judged`);
  },
};
