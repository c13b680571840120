/**
 * Judges each inventory object against the expectation: counts it, and, when it is not in the
 * expected mode, bucket-key setting and KMS key, records it with the Batch Operations operation
 * that fixes it. The KMS key of an object comes from the source (the S3 Metadata live inventory
 * table has `kms_key_arn`) or, for S3 Inventory, which has no key field, from a HeadObject per
 * SSE-KMS object when a {@link KeyLookup} is given; those lookups run with bounded concurrency,
 * and the reader waits ({@link ObjectJudge.settle}) before it reads more rows.
 */
import { AuditCounts } from './audit-counts';
import { InventoryObject, objectKey } from './inventory-object';
import { BatchOperation, ExpectedMode, remedy } from './remediation';
import { InputError } from '../cli-input/input-error';
import { findModeRowByLabel } from '../encryption-modes/mode-lookup';

export interface Expectation {
  readonly mode: ExpectedMode;
  /** Objects must also have BucketKeyStatus ENABLED (SSE-KMS). */
  readonly bucketKey: boolean;
  /** SSE-KMS / DSSE-KMS objects must be under one of these key ARNs; undefined: any key. */
  readonly kmsKeys?: readonly string[];
}

/** Where a non-compliant object goes: the batch manifest of its operation. */
export type ObjectSink = (operation: BatchOperation, bucket: string, encodedKey: string, versionId: string | undefined) => void;

/** The result of looking up an object's key: its ARN (null if S3 returned none), or gone since the inventory. */
export type KeyLookupResult = { readonly kmsKeyArn: string | null } | { readonly gone: true };

export interface KeyLookup {
  readonly lookup: (object: InventoryObject) => Promise<KeyLookupResult>;
  /** The most lookups in flight. */
  readonly concurrency: number;
}

export class ObjectJudge {
  public readonly counts = new AuditCounts();
  private readonly queue: InventoryObject[] = [];
  private inFlight = 0;
  private failure?: unknown;
  private wake?: () => void;
  private readonly expectedKeys?: ReadonlySet<string>;

  constructor(
    private readonly expect: Expectation,
    private readonly sourceBucket: string,
    private readonly sink?: ObjectSink,
    private readonly keyLookup?: KeyLookup,
  ) {
    this.expectedKeys = expect.kmsKeys ? new Set(expect.kmsKeys) : undefined;
  }

  /** Counts and judges one object; `where` and `row` name it in messages. */
  public judge(o: InventoryObject, where: string, row: number): void {
    if (this.failure !== undefined) throw this.failure;
    if (o.bucket !== this.sourceBucket) {
      throw new InputError(`${where}: row ${row}: a row of bucket '${o.bucket}', but the inventory is of '${this.sourceBucket}'; `
        + 'rows of another bucket prove nothing about this one');
    }
    if (o.isDeleteMarker) {
      this.counts.deleteMarkers += 1;
      return;
    }
    const size = o.size ?? 0;
    this.counts.add(o.status, o.bucketKey, size);
    if (o.status !== this.expect.mode || (this.expect.bucketKey && o.bucketKey !== 'ENABLED')) {
      this.nonCompliant(o, undefined);
      return;
    }
    if (this.expectedKeys === undefined || !findModeRowByLabel(o.status)?.usesKms) return;
    if (o.kmsKeyArn !== undefined) {
      this.judgeKey(o, o.kmsKeyArn);
      return;
    }
    if (this.keyLookup === undefined) {
      throw new InputError(`${where}: row ${row}: the source has no KMS key column; use --verify-kms-keys or an S3 Metadata live inventory table export`);
    }
    this.queue.push(o);
    this.pump();
  }

  /** Waits until at most `maxQueued` lookups wait to start; rethrows a failed lookup. */
  public async settle(maxQueued: number): Promise<void> {
    while (this.failure === undefined && this.queue.length > maxQueued) {
      await new Promise<void>((resolve) => { this.wake = resolve; });
    }
    if (this.failure !== undefined) throw this.failure;
  }

  /** Waits for every lookup; rethrows a failed one. */
  public async drain(): Promise<void> {
    while (this.failure === undefined && (this.queue.length > 0 || this.inFlight > 0)) {
      await new Promise<void>((resolve) => { this.wake = resolve; });
    }
    if (this.failure !== undefined) throw this.failure;
  }

  private pump(): void {
    const lookup = this.keyLookup!;
    while (this.failure === undefined && this.inFlight < lookup.concurrency && this.queue.length > 0) {
      const o = this.queue.shift()!;
      this.inFlight += 1;
      this.counts.keyLookups += 1;
      lookup.lookup(o).then((r) => {
        if ('gone' in r) this.counts.goneSinceInventory += 1;
        else this.judgeKey(o, r.kmsKeyArn);
      }, (e) => {
        this.failure ??= e;
      }).finally(() => {
        this.inFlight -= 1;
        this.pump();
        const wake = this.wake;
        this.wake = undefined;
        wake?.();
      });
    }
  }

  private judgeKey(o: InventoryObject, arn: string | null): void {
    this.counts.addKey(arn ?? '(none)', o.size ?? 0);
    if (arn !== null && this.expectedKeys!.has(arn)) return;
    this.counts.otherKey += 1;
    this.nonCompliant(o, arn ?? '(none)');
  }

  private nonCompliant(o: InventoryObject, otherKey: string | undefined): void {
    const size = o.size ?? 0;
    this.counts.addNonCompliant(() => `${o.bucket}/${objectKey(o)}${o.versionId ? ` (version ${o.versionId})` : ''}${otherKey ? ` under key ${otherKey}` : ''}`, size);
    const fix = remedy({
      status: o.status,
      size: o.size,
      storageClass: o.storageClass,
      intelligentTieringTier: o.intelligentTieringTier,
      isLatest: o.isLatest,
    }, this.expect.mode);
    if (fix.operation === undefined) {
      this.counts.notRemediable[fix.reason] = (this.counts.notRemediable[fix.reason] ?? 0) + 1;
      return;
    }
    this.counts.byOperation[fix.operation] = (this.counts.byOperation[fix.operation] ?? 0) + 1;
    this.sink?.(fix.operation, o.bucket, o.encodedKey, o.versionId);
  }
}
