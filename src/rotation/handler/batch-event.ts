/**
 * The payload S3 Batch Operations sends to, and expects back from, a Lambda function of an "Invoke AWS Lambda
 * function" job (`LambdaInvoke` operation), invocation schema 2.0:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/batch-ops-invoke-lambda.html and
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_LambdaInvokeOperation.html ("Ensure that your
 * function expects InvocationSchemaVersion 2.0 and uses bucket name rather than bucket ARN").
 *
 * Plain types, no AWS SDK and no aws-cdk-lib: this runs inside the Lambda function.
 */

/** One object of the manifest. Schema 2.0 names the bucket (`s3Bucket`); 1.0 gave its ARN (`s3BucketArn`). */
export interface BatchTask {
  readonly taskId: string;
  /** The object key as the manifest holds it: URL-encoded. */
  readonly s3Key: string;
  readonly s3VersionId?: string | null;
  readonly s3Bucket?: string;
  readonly s3BucketArn?: string;
}

export interface BatchEvent {
  readonly invocationSchemaVersion: string;
  readonly invocationId: string;
  readonly job: { readonly id: string; readonly userArguments?: Readonly<Record<string, string>> };
  readonly tasks: readonly BatchTask[];
}

/** Batch Operations retries `TemporaryFailure` tasks and reports the others as they are. */
export type BatchResultCode = 'Succeeded' | 'TemporaryFailure' | 'PermanentFailure';

export interface BatchTaskResult {
  readonly taskId: string;
  readonly resultCode: BatchResultCode;
  /** Written to the job's completion report. */
  readonly resultString: string;
}

export interface BatchResponse {
  readonly invocationSchemaVersion: string;
  /** What a task the response does not mention counts as. */
  readonly treatMissingKeysAs: BatchResultCode;
  readonly invocationId: string;
  readonly results: readonly BatchTaskResult[];
}

/**
 * The object key of a task. Manifest keys are URL-encoded
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/batch-ops-create-job.html#create-manifest-file) and reach
 * the function as written; the User Guide's example functions decode them as form-encoding (`+` is a space).
 */
export function taskObjectKey(task: BatchTask): string {
  return decodeURIComponent(task.s3Key.replace(/\+/g, ' '));
}

/** The bucket name of a task (schema 2.0 `s3Bucket`, or the name in a 1.0 `s3BucketArn`). */
export function taskBucket(task: BatchTask): string | undefined {
  if (typeof task.s3Bucket === 'string' && task.s3Bucket.length > 0) {
    return task.s3Bucket;
  }
  const arn = task.s3BucketArn;
  return typeof arn === 'string' && arn.startsWith('arn:') ? arn.slice(arn.lastIndexOf(':') + 1) : undefined;
}
