/**
 * The audit report: JSON (`{ "objects", "bytes", "byStatus", "nonCompliant", ... }`) or text.
 */
import { AuditCounts } from './audit-counts';
import { inBinaryUnits } from './limits';
import { InventoryManifest } from './manifest';
import { Expectation } from './object-judge';
import { BatchOperation, ENCRYPTION_STATUSES } from './remediation';
import { escapeForTerminal as esc } from './terminal-text';

/** A batch manifest written, and the job created for it. */
export interface BatchManifestOut {
  readonly operation: BatchOperation;
  readonly location: string;
  readonly objects: number;
  /** The manifest's columns (Bucket, Key[, VersionId]). */
  readonly fields: readonly string[];
  /** The ETag of the manifest object (its MD5 for a local file). */
  readonly etag: string;
  jobId?: string;
}

export interface AuditReport {
  readonly manifest: string;
  readonly inventory: InventoryManifest;
  readonly expect: Expectation;
  readonly counts: AuditCounts;
  readonly batchManifests: readonly BatchManifestOut[];
}

export function toJson(r: AuditReport): string {
  const t = r.counts;
  const byStatus: Record<string, { objects: number; bytes: number }> = {};
  for (const s of [...ENCRYPTION_STATUSES, ...Object.keys(t.byStatus).filter((k) => !ENCRYPTION_STATUSES.includes(k as any)).sort()]) {
    byStatus[s] = t.byStatus[s] ?? { objects: 0, bytes: 0 };
  }
  return JSON.stringify({
    manifest: r.manifest,
    sourceBucket: r.inventory.sourceBucket,
    files: r.inventory.files.length,
    expect: { mode: r.expect.mode, bucketKey: r.expect.bucketKey, ...(r.expect.kmsKeys ? { kmsKeys: r.expect.kmsKeys } : {}) },
    compliant: t.nonCompliant.objects === 0,
    objects: t.objects,
    bytes: t.bytes,
    byStatus,
    byBucketKeyStatus: t.byBucketKeyStatus,
    byKmsKey: t.byKmsKey,
    otherKey: t.otherKey,
    keyLookups: t.keyLookups,
    goneSinceInventory: t.goneSinceInventory,
    nonCompliant: t.nonCompliant.objects,
    nonCompliantBytes: t.nonCompliant.bytes,
    sample: t.sample,
    deleteMarkers: t.deleteMarkers,
    remediation: { byOperation: t.byOperation, notRemediable: t.notRemediable },
    batchManifests: r.batchManifests,
  }, null, 2) + '\n';
}

export function toText(r: AuditReport): string {
  const t = r.counts;
  const lines: string[] = [];
  const keys = r.expect.kmsKeys;
  const want = `${r.expect.mode}${r.expect.bucketKey ? ' with an S3 Bucket Key' : ''}`
    + `${keys ? ` under ${keys.length === 1 ? `key ${keys[0]}` : `one of the keys ${keys.join(', ')}`}` : ''}`;
  lines.push(`Inventory of ${esc(r.inventory.sourceBucket)}: ${r.inventory.files.length} file(s), ${n(t.objects)} object(s), ${bytes(t.bytes)}; expected ${want}.`);
  for (const [status, c] of Object.entries(t.byStatus).sort()) {
    lines.push(`  ${esc(status).padEnd(10)} ${n(c.objects).padStart(14)} object(s) ${bytes(c.bytes).padStart(12)}`);
  }
  const bk = Object.entries(t.byBucketKeyStatus);
  if (bk.length > 0) lines.push(`  bucket key: ${bk.sort().map(([k, c]) => `${esc(k)} ${n(c.objects)}`).join(', ')}`);
  for (const [arn, c] of Object.entries(t.byKmsKey).sort()) {
    lines.push(`  key ${esc(arn)}: ${n(c.objects)} object(s) ${bytes(c.bytes)}`);
  }
  if (t.keyLookups > 0) lines.push(`  (${n(t.keyLookups)} HeadObject request(s) read the KMS keys; ${n(t.goneSinceInventory)} object(s) deleted since the inventory)`);
  if (t.deleteMarkers > 0) lines.push(`  (${n(t.deleteMarkers)} delete marker(s) not counted)`);
  if (t.nonCompliant.objects === 0) {
    lines.push(`✓ compliant: every object is ${want}.`);
  } else {
    lines.push(`✗ ${n(t.nonCompliant.objects)} object(s) (${bytes(t.nonCompliant.bytes)}) are not ${want}, e.g.:`);
    for (const s of t.sample) lines.push(`    ${esc(s)}`);
    for (const [op, count] of Object.entries(t.byOperation)) lines.push(`  ${n(count ?? 0)} can be fixed by Batch Operations ${op}`);
    for (const [reason, count] of Object.entries(t.notRemediable)) lines.push(`  ${n(count)} cannot be fixed by Batch Operations: ${esc(reason)}`);
  }
  for (const m of r.batchManifests) {
    lines.push(`Batch manifest (${m.operation}, ${n(m.objects)} object(s)): ${esc(m.location)}${m.jobId ? `; job ${m.jobId} created (confirm it to run)` : ''}`);
  }
  return lines.join('\n') + '\n';
}

function n(x: number): string {
  return x.toLocaleString('en-US');
}

/** `2048` -> `2.0 KiB`: one decimal in every unit above bytes, so the report's columns read alike. */
function bytes(x: number): string {
  const { value, unit, scaled } = inBinaryUnits(x);
  return `${scaled ? value.toFixed(1) : value} ${unit}`;
}
