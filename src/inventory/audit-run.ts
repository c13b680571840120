/**
 * The object-level encryption audit behind `cdk-secure-bucket audit-inventory`: reads an S3
 * Inventory (or live inventory exports), reports objects and bytes by encryption status against
 * the expected mode, and optionally writes the Batch Operations manifests (and creates the jobs)
 * that bring the rest into that mode. The command line is read in src/cli/audit-inventory-command.ts.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { audit, auditExport } from './audit';
import { BatchManifestWriter } from './batch-manifest';
import { createJob } from './create-job';
import { md5Hex, InventoryReader } from './inventory-reader';
import { headObjectKeyLookup } from './key-lookup';
import { Limits } from './limits';
import { InventoryManifest, parseManifest } from './manifest';
import { ObjectSink } from './object-judge';
import { Progress } from './progress';
import { BatchOperation, ExpectedMode } from './remediation';
import { AuditReport, BatchManifestOut, toJson, toText } from './report';
import { ClientOptions } from './sdk';
import { describe, StorageLocation, parseLocation, withSuffix } from './storage-location';
import { InputError } from '../cli-input/input-error';

const SUFFIX: Record<BatchOperation, string> = {
  S3UpdateObjectEncryption: '-update-encryption.csv',
  S3PutObjectCopy: '-copy.csv',
};

/** Where the audit writes: the report to stdout, the progress line to stderr (when it is a terminal). */
export interface AuditIo {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { isTTY?: boolean; write(s: string): unknown };
}

/** What to audit and against what: the checked options of `audit-inventory`. */
export interface AuditRunOptions {
  readonly manifest?: string;
  readonly exports: string[];
  readonly sourceBucket?: string;
  readonly kmsKeys?: string[];
  readonly verifyKmsKeys: boolean;
  readonly concurrency: number;
  readonly mode: ExpectedMode;
  readonly bucketKey: boolean;
  readonly format: 'text' | 'json';
  readonly batchManifest?: string;
  readonly createJob: boolean;
  readonly roleArn?: string;
  readonly accountId?: string;
  readonly kmsKeyArn?: string;
  readonly reportBucket?: string;
  readonly client: { region?: string; endpointUrl?: string };
  readonly controlEndpointUrl?: string;
  readonly limits: Limits;
  readonly maxAgeMs?: number;
}

/**
 * Runs the audit: exit code 0 when every object is in the expected mode, 1 when some are not;
 * throws an InputError on bad input (an unreadable or inconsistent inventory, an overrun limit).
 */
export async function runInventoryAudit(a: AuditRunOptions, io: AuditIo): Promise<number> {
  const clientOptions: ClientOptions = a.client;
  const manifestAt = a.manifest !== undefined ? parseLocation(a.manifest, 'manifest') : undefined;
  const batchAt = a.batchManifest !== undefined ? parseLocation(a.batchManifest, '--batch-manifest') : undefined;
  const source = new InventoryReader(clientOptions, a.limits);
  const writers = new Map<BatchOperation, { writer: BatchManifestWriter; target: StorageLocation }>();
  let tmpDir: string | undefined;
  try {
    let manifest: InventoryManifest;
    if (manifestAt !== undefined) {
      const text = (await source.readText(manifestAt))!;
      manifest = parseManifest(text, describe(manifestAt));
      await verifyManifestChecksum(source, manifestAt, text);
      if (a.maxAgeMs !== undefined) checkAge(manifest, describe(manifestAt), a.maxAgeMs);
    } else {
      manifest = {
        sourceBucket: a.sourceBucket!,
        destinationBucket: '',
        fileFormat: 'Parquet',
        columns: [],
        files: a.exports.map((e) => ({ key: e, size: 0, md5: '' })),
      };
    }
    const expect = { mode: a.mode, bucketKey: a.bucketKey, ...(a.kmsKeys ? { kmsKeys: a.kmsKeys } : {}) };

    let sink: ObjectSink | undefined;
    if (batchAt) {
      if (batchAt.kind === 's3') tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-inventory-'));
      sink = (operation, bucket, key, versionId) => {
        let w = writers.get(operation);
        if (!w) {
          const target = withSuffix(batchAt, SUFFIX[operation]);
          const file = target.kind === 'file' ? target.path : path.join(tmpDir!, `manifest${SUFFIX[operation]}`);
          w = { writer: new BatchManifestWriter(file, `--batch-manifest ${describe(target)}`), target };
          writers.set(operation, w);
        }
        w.writer.add(bucket, key, versionId);
      };
    }

    const progress = new Progress(io.stderr, manifest.files.length);
    let counts;
    try {
      counts = manifestAt === undefined
        ? await auditExport({
          files: a.exports,
          sourceBucket: manifest.sourceBucket,
          expect,
          limits: a.limits,
          sink,
          progress: (files, t) => progress.update(files, t.objects),
        })
        : await audit({
          manifest,
          expect,
          limits: a.limits,
          open: async (file) => {
            const at = source.dataLocation(manifestAt, file);
            return { stream: await source.open(at), where: describe(at), path: at.kind === 'file' ? at.path : undefined };
          },
          sink,
          keyLookup: a.verifyKmsKeys ? headObjectKeyLookup(source, a.concurrency) : undefined,
          progress: (files, t) => progress.update(files, t.objects),
        });
    } finally {
      progress.done();
    }

    const outs: BatchManifestOut[] = [];
    for (const [operation, { writer, target }] of writers) {
      const md5 = writer.close();
      const etag = target.kind === 's3' ? await source.upload(writer.file, target) : md5;
      outs.push({ operation, location: describe(target), objects: writer.objects, fields: writer.fields, etag });
    }
    writers.clear();

    if (a.createJob) {
      const target = batchAt as StorageLocation & { kind: 's3' };
      for (const out of outs) {
        const at = parseLocation(out.location, '--batch-manifest') as StorageLocation & { kind: 's3' };
        out.jobId = await createJob({
          accountId: a.accountId!,
          roleArn: a.roleArn!,
          operation: out.operation,
          mode: a.mode,
          kmsKeyArn: a.kmsKeyArn,
          bucketKey: a.bucketKey,
          bucket: manifest.sourceBucket,
          manifest: { bucket: at.bucket, key: at.key, etag: out.etag, fields: out.fields },
          report: { bucket: a.reportBucket ?? target.bucket, prefix: 'cdk-secure-bucket/batch-reports' },
        }, { region: clientOptions.region, endpointUrl: a.controlEndpointUrl ?? clientOptions.endpointUrl });
      }
    }

    const report: AuditReport = {
      manifest: manifestAt !== undefined ? describe(manifestAt) : a.exports.join(', '),
      inventory: manifest,
      expect,
      counts,
      batchManifests: outs,
    };
    io.stdout.write(a.format === 'json' ? toJson(report) : toText(report));
    return counts.nonCompliant.objects > 0 ? 1 : 0;
  } finally {
    for (const { writer } of writers.values()) writer.discard();
    if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
    source.close();
  }
}

/** --max-age: the manifest's creationTimestamp (ms since the epoch) is at most `maxAgeMs` old. */
function checkAge(manifest: InventoryManifest, where: string, maxAgeMs: number): void {
  const created = manifest.creationTimestamp !== undefined && /^\d+$/.test(manifest.creationTimestamp) ? Number(manifest.creationTimestamp) : NaN;
  if (!Number.isFinite(created)) {
    throw new InputError(`${where}: --max-age: the manifest has no creationTimestamp (milliseconds since the epoch), so its age is unknown`);
  }
  const age = Date.now() - created;
  if (age > maxAgeMs) {
    throw new InputError(`${where}: the inventory was created ${new Date(created).toISOString()}, ${(age / 3_600_000).toFixed(1)} h ago, `
      + `older than --max-age ${(maxAgeMs / 3_600_000).toFixed(1)} h; audit a newer inventory`);
  }
}

/** `manifest.checksum` beside `manifest.json` holds the manifest's MD5; checked when present. */
async function verifyManifestChecksum(source: InventoryReader, manifestAt: StorageLocation, text: string): Promise<void> {
  const at: StorageLocation = manifestAt.kind === 's3'
    ? { ...manifestAt, key: manifestAt.key.replace(/[^/]*$/, 'manifest.checksum') }
    : { kind: 'file', path: path.join(path.dirname(manifestAt.path), 'manifest.checksum') };
  const checksum = await source.readText(at, true);
  if (checksum === undefined) return;
  const expected = checksum.trim().toLowerCase();
  const actual = md5Hex(Buffer.from(text, 'utf8'));
  if (expected !== actual) {
    throw new InputError(`${describe(manifestAt)}: MD5 checksum mismatch: ${describe(at)} says ${expected}, the manifest has ${actual}`);
  }
}
