/**
 * rewrapObjects: {@link rewrapObject} over many keys, with bounded concurrency, a progress callback, a
 * resumable checkpoint and one outcome per key.
 *
 * Each object is re-wrapped by one write (a CopyObject or an instruction-file PutObject; see rewrapObject),
 * so an interrupted or failed batch leaves every object either fully re-wrapped or untouched. The checkpoint
 * lists the keys re-wrapped so far; passing it to a later run skips them (they are no longer readable with the
 * source key), and keys that failed are tried again. A key re-wrapped after the last checkpoint was saved (a
 * crash between the write and onCheckpoint) is recognised on the next run: the source cannot unwrap it, the
 * target can, so it is reported `already-rewrapped` and nothing is written.
 */
import { InvalidArgumentError, KmsError, needs, S3EncryptionError, WrongKeyError } from '../errors';
import { isWrappedForTarget, rewrapObject, RewrapObjectOptions, RewrapObjectResult } from './rewrap-object';

/** JSON-serialisable progress of a batch: the keys already re-wrapped. */
export interface RewrapCheckpoint {
  readonly version: 1;
  /** Keys re-wrapped (by this run or an earlier one it resumed), in completion order. */
  readonly completed: readonly string[];
}

export interface RewrapOutcome {
  readonly key: string;
  /**
   * `rewrapped` now; `skipped`: listed in the checkpoint passed in; `already-rewrapped`: the source keyring could
   * not unwrap it but the target can (re-wrapped by an earlier run after its last saved checkpoint), nothing
   * written; `failed`: nothing was written for it.
   */
  readonly status: 'rewrapped' | 'skipped' | 'already-rewrapped' | 'failed';
  readonly result?: RewrapObjectResult;
  /** Why it failed (a typed S3EncryptionError, or the S3 client's error). */
  readonly error?: unknown;
}

export interface RewrapProgress {
  /** Keys finished so far in this run (any status). */
  readonly finished: number;
  readonly rewrapped: number;
  readonly skipped: number;
  readonly alreadyRewrapped: number;
  readonly failed: number;
  /** The outcome that was just recorded. */
  readonly last: RewrapOutcome;
}

export interface RewrapObjectsOptions extends Omit<RewrapObjectOptions, 'key'> {
  /** The object keys (not instruction files) to re-wrap; any (async) iterable, read lazily. Duplicates are handled once. */
  readonly keys: Iterable<string> | AsyncIterable<string>;
  /** Objects re-wrapped at the same time, 1 to 64. @default 4 */
  readonly concurrency?: number;
  /** A checkpoint of an earlier run: its keys are skipped. @default none */
  readonly checkpoint?: RewrapCheckpoint;
  /** Called after every key, with the running totals. An exception thrown here stops the batch (as `signal`). */
  readonly onProgress?: (progress: RewrapProgress) => void;
  /** Called after every re-wrapped key with the updated checkpoint; awaited, so it can be persisted first. */
  readonly onCheckpoint?: (checkpoint: RewrapCheckpoint) => void | Promise<void>;
  /** Stops the batch: no new key is started; keys in flight finish (each is one write). */
  readonly signal?: AbortSignal;
}

export interface RewrapObjectsResult {
  /** One outcome per key handled, in completion order. Keys never started (after a stop) have none. */
  readonly outcomes: RewrapOutcome[];
  readonly checkpoint: RewrapCheckpoint;
  readonly rewrapped: number;
  readonly skipped: number;
  readonly alreadyRewrapped: number;
  readonly failed: number;
  /** True when the batch stopped before reading every key (signal, or onProgress threw). */
  readonly stopped: boolean;
}

export async function rewrapObjects(options: RewrapObjectsOptions): Promise<RewrapObjectsResult> {
  const concurrency = options.concurrency ?? 4;
  needs(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 64,
    () => new InvalidArgumentError('rewrapObjects: concurrency must be an integer from 1 to 64'));
  const previous = options.checkpoint;
  needs(previous === undefined || (previous.version === 1 && Array.isArray(previous.completed)),
    () => new InvalidArgumentError('rewrapObjects: checkpoint is not a version 1 checkpoint'));
  const done = new Set<string>(previous?.completed ?? []);
  const completed: string[] = [...done];
  const seen = new Set<string>();
  const outcomes: RewrapOutcome[] = [];
  const totals = { 'rewrapped': 0, 'skipped': 0, 'already-rewrapped': 0, 'failed': 0 };
  let stopped = false;
  let checkpointChain: Promise<void> = Promise.resolve();

  const iterator = toAsyncIterator(options.keys);
  const { keys: _keys, concurrency: _c, checkpoint: _cp, onProgress, onCheckpoint, signal, ...single } = options;

  /** The next key to start, or undefined when there is none or the batch was stopped. */
  let reading: Promise<unknown> = Promise.resolve();
  const nextKey = async (): Promise<string | undefined> => {
    // One reader at a time: async iterators are not safe for concurrent next().
    const turn = reading.then(async () => {
      for (;;) {
        if (stopped || signal?.aborted) {
          stopped = true;
          return undefined;
        }
        const r = await iterator.next();
        if (r.done) return undefined;
        needs(typeof r.value === 'string' && r.value.length > 0, () => new InvalidArgumentError('rewrapObjects: every key must be a non-empty string'));
        if (seen.has(r.value)) continue;
        seen.add(r.value);
        return r.value;
      }
    });
    reading = turn.catch(() => undefined);
    return turn;
  };

  const counts = () => ({
    rewrapped: totals.rewrapped, skipped: totals.skipped, alreadyRewrapped: totals['already-rewrapped'], failed: totals.failed,
  });
  const record = async (outcome: RewrapOutcome): Promise<void> => {
    outcomes.push(outcome);
    totals[outcome.status] += 1;
    if (outcome.status === 'rewrapped' || outcome.status === 'already-rewrapped') {
      completed.push(outcome.key);
      if (onCheckpoint) {
        const snapshot: RewrapCheckpoint = { version: 1, completed: [...completed] };
        // Persist in order, one at a time.
        checkpointChain = checkpointChain.then(() => onCheckpoint(snapshot));
        await checkpointChain;
      }
    }
    if (onProgress) {
      try {
        onProgress({ finished: outcomes.length, ...counts(), last: outcome });
      } catch {
        stopped = true;
      }
    }
  };

  const worker = async (): Promise<void> => {
    try {
      await work();
    } catch (e) {
      // Stop the other workers too: they finish the key in hand and start no other.
      stopped = true;
      throw e;
    }
  };
  const work = async (): Promise<void> => {
    for (let key = await nextKey(); key !== undefined; key = await nextKey()) {
      if (done.has(key)) {
        await record({ key, status: 'skipped' });
        continue;
      }
      let outcome: RewrapOutcome;
      try {
        outcome = { key, status: 'rewrapped', result: await rewrapObject({ ...single, key }) };
      } catch (error) {
        // The source cannot unwrap it: perhaps a crashed run re-wrapped it after its last saved checkpoint.
        const maybeDone = error instanceof WrongKeyError || error instanceof KmsError;
        outcome = maybeDone && await isWrappedForTarget({ ...single, key }).catch(() => false)
          ? { key, status: 'already-rewrapped' }
          : { key, status: 'failed', error };
      }
      await record(outcome);
    }
  };

  // allSettled: every worker has finished its key in hand before this returns or throws.
  const settled = await Promise.allSettled(Array.from({ length: concurrency }, worker));
  if (stopped) await iterator.return?.();
  const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure !== undefined) {
    // A bad key in the input, or onCheckpoint failed: objects written so far are fully re-wrapped.
    if (failure.reason instanceof S3EncryptionError) throw failure.reason;
    throw new S3EncryptionError('REWRAP_BATCH_FAILED', 'rewrapObjects: the batch stopped (key source or onCheckpoint failed)', { cause: failure.reason });
  }
  return { outcomes, checkpoint: { version: 1, completed }, ...counts(), stopped };
}

function toAsyncIterator(keys: Iterable<string> | AsyncIterable<string>): AsyncIterator<string> {
  needs(keys !== null && typeof keys === 'object' && (Symbol.asyncIterator in keys || Symbol.iterator in keys),
    () => new InvalidArgumentError('rewrapObjects: keys must be an iterable of strings'));
  if (Symbol.asyncIterator in keys) return (keys as AsyncIterable<string>)[Symbol.asyncIterator]();
  const it = (keys as Iterable<string>)[Symbol.iterator]();
  return {
    next: async () => it.next(),
    return: async () => it.return?.() ?? { done: true, value: undefined },
  };
}
