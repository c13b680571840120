import { DIRECTORY_BUCKET, TABLE_BUCKET } from '../../engine/resource-types';
import { EncryptionRule, RuleResult, nonCompliant, notApplicable } from '../../engine/rule';

/**
 * The bucket is a general purpose bucket (`AWS::S3::Bucket`), the type the
 * rules prove. A directory bucket or a table bucket is reported, never
 * skipped: its default encryption may be judged (S3DirectoryBucketEncryption),
 * but its policy, TLS and audit are not, so it is not proven.
 */
export const S3BucketTypeSupported: EncryptionRule = {
  name: 'S3BucketTypeSupported',
  finding: 'The bucket is of a type these rules do not prove (only AWS::S3::Bucket is judged in full).',
  fix: 'Review the bucket\'s encryption, bucket policy, TLS and audit yourself, then acknowledge this finding on it (Validations.of(bucket).acknowledge), or use a general purpose bucket (AWS::S3::Bucket, e.g. SecureBucket) where the encryption must be proven.',
  evaluate(bucket): RuleResult {
    if (bucket.type === DIRECTORY_BUCKET) {
      return nonCompliant('a directory bucket (AWS::S3Express::DirectoryBucket): S3DirectoryBucketEncryption judges its default encryption; its bucket policy (AWS::S3Express::BucketPolicy), TLS and data events are not judged');
    }
    if (bucket.type === TABLE_BUCKET) {
      return nonCompliant('a table bucket (AWS::S3Tables::TableBucket): its EncryptionConfiguration, table bucket policy and data events are not judged');
    }
    return notApplicable();
  },
};
