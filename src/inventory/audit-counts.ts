/**
 * The audit's counts: objects and bytes by encryption status and by bucket-key status, the
 * non-compliant objects with a bounded sample of their keys, and what cannot be remediated.
 */
import { BatchOperation } from './remediation';

export interface Count {
  objects: number;
  bytes: number;
}

export const SAMPLE_SIZE = 20;
/** Distinct keys counted by name; the rest go under '(other keys)'. */
export const MAX_KEYS = 100;

export class AuditCounts {
  public objects = 0;
  public bytes = 0;
  public deleteMarkers = 0;
  public readonly byStatus: Record<string, Count> = {};
  public readonly byBucketKeyStatus: Record<string, Count> = {};
  public readonly nonCompliant: Count = { objects: 0, bytes: 0 };
  /** Decoded keys (`bucket/key`, with ` (version v)` for a version) of the first non-compliant objects. */
  public readonly sample: string[] = [];
  public readonly byOperation: Partial<Record<BatchOperation, number>> = {};
  public readonly notRemediable: Record<string, number> = {};
  /** SSE-KMS / DSSE-KMS objects by KMS key ARN (when the key was read), at most {@link MAX_KEYS} keys. */
  public readonly byKmsKey: Record<string, Count> = {};
  /** Objects in the expected mode but under a key not expected. */
  public otherKey = 0;
  /** HeadObject requests made (--verify-kms-keys). */
  public keyLookups = 0;
  /** Objects HeadObject no longer found (deleted since the inventory). */
  public goneSinceInventory = 0;

  public add(status: string, bucketKeyStatus: string | undefined, size: number): void {
    this.objects += 1;
    this.bytes += size;
    bump(this.byStatus, status || '(empty)', size);
    if (bucketKeyStatus !== undefined) bump(this.byBucketKeyStatus, bucketKeyStatus || '(empty)', size);
  }

  public addKey(arn: string, size: number): void {
    const name = arn in this.byKmsKey || Object.keys(this.byKmsKey).length < MAX_KEYS ? arn : '(other keys)';
    bump(this.byKmsKey, name, size);
  }

  public addNonCompliant(name: () => string, size: number): void {
    this.nonCompliant.objects += 1;
    this.nonCompliant.bytes += size;
    if (this.sample.length < SAMPLE_SIZE) this.sample.push(name());
  }
}

function bump(map: Record<string, Count>, key: string, size: number): void {
  const c = map[key] ?? (map[key] = { objects: 0, bytes: 0 });
  c.objects += 1;
  c.bytes += size;
}
