/**
 * Creates the S3 Batch Operations job for a batch manifest (S3 Control `CreateJob`,
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_CreateJob.html).
 *
 * - Manifest: `S3BatchOperations_CSV_20180820` with its Fields, located by object ARN and ETag
 *   (https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_JobManifestLocation.html).
 * - Report: a completion report of all tasks, `Report_CSV_20180820`, to a bucket given by ARN
 *   (https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_JobReport.html).
 * - ConfirmationRequired: the job waits until someone confirms it (`aws s3control update-job-status
 *   --requested-job-status Ready`): an audit creates jobs, a person runs them.
 * - ClientRequestToken: derived from the manifest's ARN, ETag and the operation, so running the
 *   same command twice creates one job, and a new manifest a new job.
 * - Operation: `S3UpdateObjectEncryption` with ObjectEncryption.SSEKMS {KMSKeyArn, BucketKeyEnabled}
 *   (https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_S3UpdateObjectEncryptionOperation.html),
 *   or `S3PutObjectCopy` onto the same bucket with MetadataDirective COPY and the mode's
 *   encryption: SSEAlgorithm AES256 (SSE-S3) or KMS with the key (SSE-KMS). S3PutObjectCopy has
 *   no DSSE-KMS algorithm (S3SSEAlgorithm: AES256 | KMS), so for DSSE-KMS the copy names no
 *   encryption and takes the bucket's default encryption, which a DSSE-KMS SecureBucket sets.
 */
import { createHash } from 'crypto';
import { BatchOperation, ExpectedMode } from './remediation';
import { ClientOptions, loadSdk, sdkProblem } from './sdk';
import { InputError } from '../cli-input/input-error';
import { findModeRowByLabel, modeLabels } from '../encryption-modes/mode-lookup';

export interface JobParameters {
  readonly accountId: string;
  readonly roleArn: string;
  readonly operation: BatchOperation;
  readonly mode: ExpectedMode;
  readonly kmsKeyArn?: string;
  readonly bucketKey: boolean;
  /** The bucket the objects are in (copy target). */
  readonly bucket: string;
  readonly manifest: { readonly bucket: string; readonly key: string; readonly etag: string; readonly fields: readonly string[] };
  readonly report: { readonly bucket: string; readonly prefix: string };
  readonly description?: string;
}

/** The CreateJob request (plain data, as the S3 Control client takes it). */
export function createJobRequest(p: JobParameters): Record<string, any> {
  const manifestArn = `arn:aws:s3:::${p.manifest.bucket}/${p.manifest.key}`;
  return {
    AccountId: p.accountId,
    ConfirmationRequired: true,
    Operation: operation(p),
    Report: {
      Enabled: true,
      Bucket: `arn:aws:s3:::${p.report.bucket}`,
      Prefix: p.report.prefix,
      Format: 'Report_CSV_20180820',
      ReportScope: 'AllTasks',
    },
    ClientRequestToken: createHash('sha256').update(`${manifestArn}\n${p.manifest.etag}\n${p.operation}\n${p.kmsKeyArn ?? ''}`).digest('hex').slice(0, 64),
    Manifest: {
      Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: [...p.manifest.fields] },
      Location: { ObjectArn: manifestArn, ETag: p.manifest.etag },
    },
    Description: (p.description ?? `cdk-secure-bucket audit-inventory: ${p.operation} to ${p.mode}`).slice(0, 256),
    Priority: 10,
    RoleArn: p.roleArn,
  };
}

function operation(p: JobParameters): Record<string, any> {
  const row = findModeRowByLabel(p.mode);
  if (p.operation === 'S3UpdateObjectEncryption') {
    if (!row?.remediation.updateInPlaceTarget || !p.kmsKeyArn) {
      throw new InputError(`S3UpdateObjectEncryption needs ${modeLabels((r) => r.remediation.updateInPlaceTarget)} and --kms-key-arn`);
    }
    return { S3UpdateObjectEncryption: { ObjectEncryption: { SSEKMS: { KMSKeyArn: p.kmsKeyArn, BucketKeyEnabled: p.bucketKey } } } };
  }
  const copy: Record<string, any> = { TargetResource: `arn:aws:s3:::${p.bucket}`, MetadataDirective: 'COPY' };
  // The mode's S3PutObjectCopy encryption; BUCKET_DEFAULT names none and the bucket's default applies.
  const algorithm = row?.remediation.copyAlgorithm;
  if (algorithm === 'AES256') copy.NewObjectMetadata = { SSEAlgorithm: 'AES256' };
  if (algorithm === 'KMS') {
    if (!p.kmsKeyArn) throw new InputError(`S3PutObjectCopy to ${p.mode} needs --kms-key-arn`);
    copy.NewObjectMetadata = { SSEAlgorithm: 'KMS' };
    copy.SSEAwsKmsKeyId = p.kmsKeyArn;
    copy.BucketKeyEnabled = p.bucketKey;
  }
  return { S3PutObjectCopy: copy };
}

/** Sends CreateJob with the real S3 Control client; returns the job id. */
export async function createJob(p: JobParameters, options: ClientOptions): Promise<string> {
  const { S3ControlClient, CreateJobCommand } = loadSdk('@aws-sdk/client-s3-control', '--create-job');
  const client = new S3ControlClient({
    ...(options.region ? { region: options.region } : {}),
    // S3 Control's endpoint rules put the account id in front of the host (<account>.s3-control...):
    // with --endpoint-url the URL is taken as it is.
    ...(options.endpointUrl ? { endpointProvider: () => ({ url: new URL(options.endpointUrl!) }) } : {}),
  });
  try {
    const out = await client.send(new CreateJobCommand(createJobRequest(p)));
    if (!out.JobId) throw new Error('CreateJob returned no JobId');
    return out.JobId;
  } catch (e) {
    throw new InputError(`CreateJob (${p.operation}) failed: ${sdkProblem(e)}`);
  } finally {
    client.destroy();
  }
}
