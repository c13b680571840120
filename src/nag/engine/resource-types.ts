// The CloudFormation resource types the rules look at. The drivers use these
// lists to decide what to hand to the rules and what to count as a bucket.

/** A general purpose S3 bucket: the type every S3 rule judges in full. */
export const GENERAL_PURPOSE_BUCKET = 'AWS::S3::Bucket';
/** An S3 Express One Zone directory bucket. */
export const DIRECTORY_BUCKET = 'AWS::S3Express::DirectoryBucket';
/** An S3 Tables table bucket. */
export const TABLE_BUCKET = 'AWS::S3Tables::TableBucket';
/** An S3 Vectors vector bucket. */
export const VECTOR_BUCKET = 'AWS::S3Vectors::VectorBucket';
/** An S3 on Outposts bucket. */
export const OUTPOSTS_BUCKET = 'AWS::S3Outposts::Bucket';
/** A nested stack: its buckets live in another template. */
export const NESTED_STACK = 'AWS::CloudFormation::Stack';

/** Every bucket type CloudFormation has today: none of them is skipped silently. */
export const BUCKET_TYPES: readonly string[] = [GENERAL_PURPOSE_BUCKET, DIRECTORY_BUCKET, TABLE_BUCKET, VECTOR_BUCKET, OUTPOSTS_BUCKET];

/**
 * Whether a resource type is a bucket: one of BUCKET_TYPES, or any type of
 * an S3 namespace whose name ends in `Bucket` (`AWS::S3<anything>::<anything>Bucket`),
 * so a bucket type added to CloudFormation later is reported, never skipped.
 */
export function isBucketType(type: string): boolean {
  return BUCKET_TYPES.includes(type) || /^AWS::S3[A-Za-z0-9]*::[A-Za-z0-9]*Bucket$/.test(type);
}

/** Whether some rule judges resources of this type (buckets, and nested stacks that may hold buckets). */
export function isJudgedType(type: string): boolean {
  return isBucketType(type) || type === NESTED_STACK;
}
