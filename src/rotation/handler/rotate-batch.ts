/**
 * The logic of the key-rotation function of an S3 Batch Operations job: for each task, rewrap one object's data
 * key from one of the old KMS keys to the new one with the crypto module's `rewrapObject` (so every write is the
 * one rewrapObject makes, with its guarantees), and turn the outcome into a per-task result code.
 *
 * Pure with respect to AWS: the S3 client and the keyrings are passed in, so tests run it against loopback S3
 * and KMS; `lambda.ts` builds them once per container.
 *
 * "Done" is never inferred. An object is `Succeeded` when rewrapObject wrote the new envelope, or when the old
 * keys cannot unwrap it and KMS Decrypt *pinned to the new key* can (KMS refuses a ciphertext of another key
 * with IncorrectKeyException), which proves by key identity that an earlier attempt already rewrapped it.
 */
import { Keyring, resolveObjectMetadata, rewrapObject, RewrapObjectOptions, S3EncryptionError } from '@cdk-secure-bucket/crypto';
import { callerContextOf, decryptionRequestFor, parseContentMetadata } from '@cdk-secure-bucket/crypto/internal';
import { BatchEvent, BatchResponse, BatchTask, BatchTaskResult, taskBucket, taskObjectKey } from './batch-event';
import { classifyFailure } from './classify-failure';

/** What the function rotates, from its environment (see `rotationConfigFromEnvironment`). */
export interface RotationConfig {
  /** The only bucket whose objects this function touches. */
  readonly bucket: string;
  /** The old keys, tried in order; each pinned to one KMS key. */
  readonly sourceKeyrings: readonly Keyring[];
  /** Pinned to the new KMS key alone. */
  readonly targetKeyring: Keyring;
  /** The new key's ARN, for the completion report. */
  readonly targetKeyArn: string;
}

export interface RotateBatchOptions {
  /** `new S3({})` fits. */
  readonly client: RewrapObjectOptions['client'];
  readonly config: RotationConfig;
}

/** Thrown for an event that is not a Batch Operations invocation: Lambda reports it and the job fails the tasks. */
export class BatchEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BatchEventError';
  }
}

function checkEvent(event: unknown): asserts event is BatchEvent {
  const e = event as Partial<BatchEvent> | null;
  if (e === null || typeof e !== 'object') throw new BatchEventError('the event is not an S3 Batch Operations invocation (not an object)');
  if (e.invocationSchemaVersion !== '2.0' && e.invocationSchemaVersion !== '1.0') {
    throw new BatchEventError(`unsupported invocationSchemaVersion ${JSON.stringify(e.invocationSchemaVersion)}; create the job with InvocationSchemaVersion 2.0`);
  }
  if (typeof e.invocationId !== 'string' || !Array.isArray(e.tasks)) {
    throw new BatchEventError('the event has no invocationId or no tasks array');
  }
}

/** Rewrap every task's object; one result per task, in order. Throws only for an event that is not a Batch invocation. */
export async function rotateBatch(event: unknown, options: RotateBatchOptions): Promise<BatchResponse> {
  checkEvent(event);
  const results: BatchTaskResult[] = [];
  for (const task of event.tasks) {
    results.push(await rotateTask(task, options));
  }
  return {
    invocationSchemaVersion: event.invocationSchemaVersion,
    // Every task gets a result; one that somehow has none must not count as done.
    treatMissingKeysAs: 'PermanentFailure',
    invocationId: event.invocationId,
    results,
  };
}

async function rotateTask(task: BatchTask, options: RotateBatchOptions): Promise<BatchTaskResult> {
  const taskId = typeof task?.taskId === 'string' ? task.taskId : '';
  const done = (resultString: string): BatchTaskResult => ({ taskId, resultCode: 'Succeeded', resultString });
  const refuse = (resultString: string): BatchTaskResult => ({ taskId, resultCode: 'PermanentFailure', resultString });
  const { client, config } = options;
  const bucket = taskBucket(task);
  if (bucket !== config.bucket) {
    return refuse(`task is for bucket ${String(bucket)}; this function rotates ${config.bucket} only`);
  }
  let key: string;
  try {
    key = taskObjectKey(task);
  } catch {
    return refuse(`the manifest key ${JSON.stringify(task.s3Key)} is not valid URL encoding`);
  }
  try {
    const head = await client.headObject({ Bucket: bucket, Key: key });
    const version = task.s3VersionId ?? undefined;
    if (version !== undefined && version !== '' && head.VersionId !== version) {
      return refuse(`version ${version} is not the current version of ${key} (current: ${String(head.VersionId)}); `
        + 'only current versions are rewrapped, older versions keep their old wrap');
    }
    // Objects whose envelope is in an instruction file use the default suffix, `.instruction`.
    const stored = parseContentMetadata(await resolveObjectMetadata({ client, bucket, key, objectMetadata: head.Metadata ?? {} }));
    // A fleet rotation keeps each object's own context: KMS authenticates it as the Decrypt context.
    const sourceContext = callerContextOf(stored.materialsDescription);
    let lastWrongKey: unknown;
    for (const sourceKeyring of config.sourceKeyrings) {
      try {
        const out = await rewrapObject({ client, bucket, key, sourceKeyring, targetKeyring: config.targetKeyring, sourceContext });
        return done(`rewrapped to ${config.targetKeyArn} (${out.formatVersion}, ${out.mode}${out.instructionFileKey ? ` ${out.instructionFileKey}` : ''})`);
      } catch (e) {
        if (!isWrongKey(e)) throw e;
        lastWrongKey = e;
      }
    }
    if (await unwrapsUnder(config.targetKeyring, stored, sourceContext)) {
      return done(`already wrapped under ${config.targetKeyArn} (verified by KMS Decrypt pinned to that key); nothing written`);
    }
    return refuse(`wrapped under none of the source keys nor the target key: ${classifyFailure(lastWrongKey).reason}`);
  } catch (e) {
    const verdict = classifyFailure(e);
    return { taskId, resultCode: verdict.resultCode, resultString: verdict.reason };
  }
}

/** The keyring's KMS key is not the one that wrapped the data key (KMS: IncorrectKeyException). */
function isWrongKey(e: unknown): boolean {
  if (!(e instanceof S3EncryptionError)) return false;
  if (e.code === 'WRONG_KEY') return true;
  const cause = (e as { cause?: { name?: unknown } }).cause;
  return e.code === 'KMS_ERROR' && cause?.name === 'IncorrectKeyException';
}

async function unwrapsUnder(keyring: Keyring, stored: ReturnType<typeof parseContentMetadata>, context: Record<string, string>): Promise<boolean> {
  try {
    const dataKey = await keyring.onDecrypt(decryptionRequestFor(stored, context));
    dataKey.fill(0);
    return true;
  } catch (e) {
    if (isWrongKey(e)) return false;
    throw e;
  }
}
