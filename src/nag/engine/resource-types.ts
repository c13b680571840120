// The CloudFormation resource types the rules look at. The drivers use these
// lists to decide what to hand to the rules and what to count as a bucket.

/** A general purpose S3 bucket: the type every S3 rule judges in full. */
export const GENERAL_PURPOSE_BUCKET = 'AWS::S3::Bucket';
/** An S3 Express One Zone directory bucket. */
export const DIRECTORY_BUCKET = 'AWS::S3Express::DirectoryBucket';
/** An S3 Tables table bucket. */
export const TABLE_BUCKET = 'AWS::S3Tables::TableBucket';
/** A nested stack: its buckets live in another template. */
export const NESTED_STACK = 'AWS::CloudFormation::Stack';

/** Every bucket type: none of them is skipped silently. */
export const BUCKET_TYPES: readonly string[] = [GENERAL_PURPOSE_BUCKET, DIRECTORY_BUCKET, TABLE_BUCKET];

/** Every resource type some rule judges (buckets, and nested stacks that may hold buckets). */
export const JUDGED_TYPES: readonly string[] = [...BUCKET_TYPES, NESTED_STACK];
