/**
 * rewrapObjects: {@link rewrapObject} over many keys, with bounded concurrency, a progress callback, a
 * resumable checkpoint of constant size and one outcome per key, streamed.
 *
 * Each object is re-wrapped by one conditional write (see rewrapObject), so an interrupted or failed batch leaves
 * every object either fully re-wrapped or untouched, and never overwrites a concurrent write.
 *
 * Keys come in ascending UTF-8 byte order, as ListObjectsV2 lists them (a key equal to the previous one is a
 * duplicate and handled once). The checkpoint is a cursor and the failures: every key up to and including
 * `after` is finished, and `failed` lists the ones among them that failed. A resumed run tries the failed keys
 * again, then skips every key up to `after` (list with `StartAfter: checkpoint.after` to skip nothing). Its size
 * does not grow with the number of objects, only with the number of failures.
 *
 * "Done" is proven by key identity: an object counts as `rewrapped` only after its stored metadata was read back
 * equal to what was written (a wrap the target's primary key unwrapped), and as `already-rewrapped` only when the
 * target's primary key alone (Keyring.primaryKeyOnly: no older keys, no cache) unwraps what is stored: a crashed
 * run's write after its last saved checkpoint. An object the source cannot unwrap and the target's primary key
 * does not either is `failed` with SourceKeyMismatchError; `sourceKeyMismatchLimit` of them in a row stop the
 * batch with that error (a wrong source key fails loudly, it does not turn into `already-rewrapped`).
 */
import { EncryptionContextMismatchError, InvalidArgumentError, KeyNotAllowedError, KmsError, needs, S3EncryptionError, WrongKeyError } from '../errors';
import { isWrappedForTarget, rewrapObject, RewrapObjectOptions, RewrapObjectResult, targetPrimary } from './rewrap-object';
import { SourceKeyMismatchError } from '../rewrap/rewrap-errors';

/** JSON-serialisable progress of a batch: a cursor and the failures (constant size). */
export interface RewrapCheckpoint {
  readonly version: 2;
  /** Every key up to and including this one (in the keys' ascending order) is finished. Absent: none yet. */
  readonly after?: string;
  /** Keys up to `after` that failed; a run resuming from this checkpoint tries them again first. */
  readonly failed: readonly string[];
}

export interface RewrapOutcome {
  readonly key: string;
  /**
   * `rewrapped` now (and read back); `skipped`: finished according to the checkpoint passed in;
   * `already-rewrapped`: the source keyring could not unwrap it but the target's primary key does (re-wrapped by an
   * earlier run after its last saved checkpoint), nothing written; `failed`: nothing was written for it (or, with
   * ObjectChangedError, another writer's newer write stands).
   */
  readonly status: 'rewrapped' | 'skipped' | 'already-rewrapped' | 'failed';
  readonly result?: RewrapObjectResult;
  /** Why it failed: ObjectChangedError, SourceKeyMismatchError, ObjectLockError, another typed S3EncryptionError, or the S3 client's error. */
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
  /**
   * The object keys (not instruction files) to re-wrap, in ascending UTF-8 byte order (ListObjectsV2's order);
   * any (async) iterable, read lazily. A key equal to the previous one is handled once.
   */
  readonly keys: Iterable<string> | AsyncIterable<string>;
  /** Objects re-wrapped at the same time, 1 to 64. @default 4 */
  readonly concurrency?: number;
  /** The checkpoint of an earlier run (a version 1 checkpoint, a list of completed keys, is also read). @default none */
  readonly checkpoint?: RewrapCheckpoint;
  /** Called after every key, with the running totals. An exception thrown here stops the batch (as `signal`). */
  readonly onProgress?: (progress: RewrapProgress) => void;
  /**
   * Called with every outcome, in completion order; awaited. When given, outcomes are not kept in the result
   * (memory stays flat over any number of keys). @default outcomes are kept in `RewrapObjectsResult.outcomes`
   */
  readonly onOutcome?: (outcome: RewrapOutcome) => void | Promise<void>;
  /** Called whenever the checkpoint changed (after a key finished); awaited, in order, so it can be persisted first. */
  readonly onCheckpoint?: (checkpoint: RewrapCheckpoint) => void | Promise<void>;
  /** Stops the batch: no new key is started; keys in flight finish (each is one write). */
  readonly signal?: AbortSignal;
  /**
   * This many SourceKeyMismatchError outcomes in a row stop the batch with a SourceKeyMismatchError (the source key
   * is probably wrong). 0: never stop. @default 10
   */
  readonly sourceKeyMismatchLimit?: number;
}

export interface RewrapObjectsResult {
  /** One outcome per key handled, in completion order; empty when `onOutcome` was given. */
  readonly outcomes: RewrapOutcome[];
  readonly checkpoint: RewrapCheckpoint;
  readonly rewrapped: number;
  readonly skipped: number;
  readonly alreadyRewrapped: number;
  readonly failed: number;
  /** True when the batch stopped before reading every key (signal, or onProgress threw). */
  readonly stopped: boolean;
}

/** How far ahead of the oldest unfinished key the workers may run (bounds memory when one key is slow). */
const MAX_WINDOW = 4096;

export async function rewrapObjects(options: RewrapObjectsOptions): Promise<RewrapObjectsResult> {
  const concurrency = options.concurrency ?? 4;
  needs(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 64,
    () => new InvalidArgumentError('rewrapObjects: concurrency must be an integer from 1 to 64'));
  const mismatchLimit = options.sourceKeyMismatchLimit ?? 10;
  needs(Number.isInteger(mismatchLimit) && mismatchLimit >= 0,
    () => new InvalidArgumentError('rewrapObjects: sourceKeyMismatchLimit must be a non-negative integer'));
  targetPrimary(options.targetKeyring);
  const resume = readCheckpoint(options.checkpoint);
  const {
    keys: _keys, concurrency: _c, checkpoint: _cp, onProgress, onOutcome, onCheckpoint, signal, sourceKeyMismatchLimit: _l, ...single
  } = options;

  const outcomes: RewrapOutcome[] = [];
  const totals = { 'rewrapped': 0, 'skipped': 0, 'already-rewrapped': 0, 'failed': 0 };
  let finished = 0;
  let stopped = false;
  let mismatchesInRow = 0;
  // The cursor: `after` and the failures behind it; `window` holds the keys started in order and not yet behind it.
  let after = resume.after;
  const retrying = new Set(resume.failed);
  const failedBehind: string[] = [];
  const window: Array<{ key: string; done: boolean; failed: boolean }> = [];
  let windowWaiters: Array<() => void> = [];
  let checkpointChain: Promise<void> = Promise.resolve();
  const checkpoint = (): RewrapCheckpoint => ({ version: 2, ...(after !== undefined ? { after } : {}), failed: [...retrying, ...failedBehind] });

  const retryQueue = [...resume.failed];
  const iterator = toAsyncIterator(options.keys);
  let previous: Buffer | undefined;
  let reading: Promise<unknown> = Promise.resolve();
  /** The next key to start (a retry, then the keys), or undefined when there is none or the batch was stopped. */
  const nextKey = async (): Promise<{ key: string; retry: boolean } | undefined> => {
    const turn = reading.then(async () => {
      for (;;) {
        if (stopped || signal?.aborted) {
          stopped = true;
          return undefined;
        }
        const retry = retryQueue.shift();
        if (retry !== undefined) return { key: retry, retry: true };
        while (window.length >= MAX_WINDOW && !stopped) await new Promise<void>((resolve) => windowWaiters.push(resolve));
        const r = await iterator.next();
        if (r.done) return undefined;
        const key = r.value;
        needs(typeof key === 'string' && key.length > 0, () => new InvalidArgumentError('rewrapObjects: every key must be a non-empty string'));
        const bytes = Buffer.from(key, 'utf8');
        if (previous !== undefined) {
          const order = Buffer.compare(bytes, previous);
          needs(order >= 0, () => new InvalidArgumentError(
            `rewrapObjects: keys must come in ascending UTF-8 byte order, as ListObjectsV2 lists them ("${key}" after a greater key)`));
          if (order === 0) continue;
        }
        previous = bytes;
        return { key, retry: false };
      }
    });
    reading = turn.catch(() => undefined);
    return turn;
  };

  const counts = () => ({
    rewrapped: totals.rewrapped, skipped: totals.skipped, alreadyRewrapped: totals['already-rewrapped'], failed: totals.failed,
  });
  const saveCheckpoint = async (): Promise<void> => {
    if (!onCheckpoint) return;
    const snapshot = checkpoint();
    checkpointChain = checkpointChain.then(() => onCheckpoint(snapshot));
    await checkpointChain;
  };
  const record = async (outcome: RewrapOutcome, entry: { key: string; done: boolean; failed: boolean } | undefined): Promise<void> => {
    finished += 1;
    totals[outcome.status] += 1;
    const failed = outcome.status === 'failed';
    if (entry === undefined) {
      // A retried failure: it stays in the checkpoint until it succeeds.
      if (!failed) retrying.delete(outcome.key);
    } else {
      entry.done = true;
      entry.failed = failed;
      while (window.length > 0 && window[0].done) {
        const head = window.shift() as { key: string; failed: boolean };
        after = head.key;
        if (head.failed) failedBehind.push(head.key);
      }
      const waiters = windowWaiters;
      windowWaiters = [];
      for (const w of waiters) w();
    }
    if (onOutcome) await onOutcome(outcome);
    else outcomes.push(outcome);
    await saveCheckpoint();
    if (onProgress) {
      try {
        onProgress({ finished, ...counts(), last: outcome });
      } catch {
        stopped = true;
      }
    }
  };

  const rotate = async (key: string): Promise<RewrapOutcome> => {
    try {
      const result = await rewrapObject({ ...single, key });
      mismatchesInRow = 0;
      return { key, status: 'rewrapped', result };
    } catch (error) {
      if (!isSourceKeyError(error)) return { key, status: 'failed', error };
      // The source cannot unwrap it: done by a crashed run (proven by the target's primary key), or a wrong source key.
      if (await isWrappedForTarget({ ...single, key }).catch(() => false)) {
        mismatchesInRow = 0;
        return { key, status: 'already-rewrapped' };
      }
      mismatchesInRow += 1;
      const mismatch = new SourceKeyMismatchError(
        `rewrapObjects: the source keyring cannot unwrap ${key} and it is not wrapped by the target's primary key`, { cause: error });
      if (mismatchLimit > 0 && mismatchesInRow >= mismatchLimit) {
        stopped = true;
        throw new SourceKeyMismatchError(`rewrapObjects: ${mismatchesInRow} objects in a row are not readable with the source keyring `
          + 'and not wrapped by the target key: the source key is probably wrong; the batch stopped (resume from the checkpoint)', { cause: error });
      }
      return { key, status: 'failed', error: mismatch };
    }
  };

  const worker = async (): Promise<void> => {
    try {
      for (let next = await nextKey(); next !== undefined; next = await nextKey()) {
        const { key, retry } = next;
        if (retry) {
          await record(await rotate(key), undefined);
          continue;
        }
        const entry = { key, done: false, failed: false };
        window.push(entry);
        const skip = (resume.after !== undefined && Buffer.compare(Buffer.from(key, 'utf8'), Buffer.from(resume.after, 'utf8')) <= 0)
          || resume.completed.has(key);
        if (skip) {
          await record({ key, status: 'skipped' }, entry);
          continue;
        }
        // If rotate throws, the key stays unfinished in the window: the cursor never passes it.
        await record(await rotate(key), entry);
      }
    } catch (e) {
      // Stop the other workers too: they finish the key in hand and start no other.
      stopped = true;
      for (const w of windowWaiters) w();
      throw e;
    }
  };

  // allSettled: every worker has finished its key in hand before this returns or throws.
  const settled = await Promise.allSettled(Array.from({ length: concurrency }, worker));
  if (stopped) await iterator.return?.();
  const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure !== undefined) {
    // A bad key in the input, onCheckpoint failed, or a wrong source key: objects written so far are fully re-wrapped.
    if (failure.reason instanceof S3EncryptionError) throw failure.reason;
    throw new S3EncryptionError('REWRAP_BATCH_FAILED', 'rewrapObjects: the batch stopped (key source or onCheckpoint failed)', { cause: failure.reason });
  }
  return { outcomes, checkpoint: checkpoint(), ...counts(), stopped };
}

function isSourceKeyError(e: unknown): boolean {
  return e instanceof WrongKeyError || e instanceof KmsError || e instanceof KeyNotAllowedError || e instanceof EncryptionContextMismatchError;
}

/** A checkpoint passed in: version 2, or version 1 (its completed keys are skipped). */
function readCheckpoint(c: unknown): { after?: string; failed: readonly string[]; completed: ReadonlySet<string> } {
  if (c === undefined) return { failed: [], completed: new Set() };
  const v = c as { version?: unknown; after?: unknown; failed?: unknown; completed?: unknown };
  const strings = (x: unknown): x is string[] => Array.isArray(x) && x.every((k) => typeof k === 'string' && k.length > 0);
  if (v?.version === 1 && strings(v.completed)) return { failed: [], completed: new Set(v.completed) };
  needs(v?.version === 2 && strings(v.failed) && (v.after === undefined || (typeof v.after === 'string' && v.after.length > 0)),
    () => new InvalidArgumentError('rewrapObjects: checkpoint is not a rewrapObjects checkpoint (version 2 { after?, failed })'));
  return { after: v.after as string | undefined, failed: [...new Set(v.failed as string[])], completed: new Set() };
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
