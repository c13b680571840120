/**
 * Writes an S3 Inventory in its real delivery format: gzip CSV data files (every field quoted, no
 * header), a manifest.json listing each file's key, size and MD5, and manifest.checksum (the
 * manifest's MD5), laid out as S3 delivers them:
 *
 *   <prefix>/<source-bucket>/<config-id>/YYYY-MM-DDTHH-MMZ/manifest.json
 *   <prefix>/<source-bucket>/<config-id>/data/<uuid>.csv.gz
 */
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';

export const SCHEMA = ['Bucket', 'Key', 'VersionId', 'IsLatest', 'IsDeleteMarker', 'Size', 'LastModifiedDate', 'StorageClass', 'EncryptionStatus', 'BucketKeyStatus'];

export interface Row {
  readonly key: string;
  readonly status: string;
  readonly size?: number;
  readonly bucketKey?: string;
  readonly versionId?: string;
  readonly isLatest?: boolean;
  readonly deleteMarker?: boolean;
  readonly storageClass?: string;
}

export interface Inventory {
  /** Keys (in the destination bucket) and bytes of every object to store. */
  readonly objects: Array<{ key: string; body: Buffer }>;
  readonly manifestKey: string;
  readonly manifestText: string;
}

export const SOURCE_BUCKET = 'source-bucket';

/** One CSV line for a row, as S3 Inventory writes it (key URL-encoded, fields quoted). */
export function csvLine(r: Row, schema = SCHEMA): string {
  const v: Record<string, string> = {
    Bucket: SOURCE_BUCKET,
    Key: encodeURIComponent(r.key).replace(/%2F/g, '/'),
    VersionId: r.versionId ?? '',
    IsLatest: r.isLatest === false ? 'false' : 'true',
    IsDeleteMarker: r.deleteMarker ? 'true' : 'false',
    Size: r.deleteMarker ? '' : String(r.size ?? 100),
    LastModifiedDate: '2026-11-01T00:00:00.000Z',
    StorageClass: r.storageClass ?? 'STANDARD',
    EncryptionStatus: r.status,
    BucketKeyStatus: r.bucketKey ?? 'DISABLED',
  };
  return schema.map((c) => `"${(v[c] ?? '').replace(/"/g, '""')}"`).join(',') + '\n';
}

/** Builds the inventory: `files` is a list of row lists, one per data file. */
export function buildInventory(options: {
  files: Row[][];
  destinationBucket: string;
  prefix?: string;
  schema?: string[];
  fileFormat?: string;
  /** Index of a file whose MD5 in the manifest is wrong. */
  wrongChecksum?: number;
}): Inventory {
  const schema = options.schema ?? SCHEMA;
  const base = `${options.prefix ?? 'inventory'}/${SOURCE_BUCKET}/daily`;
  const objects: Array<{ key: string; body: Buffer }> = [];
  const files = options.files.map((rows, i) => {
    const body = gzipSync(Buffer.from(rows.map((r) => csvLine(r, schema)).join(''), 'utf8'));
    const key = `${base}/data/${randomUUID()}.csv.gz`;
    objects.push({ key, body });
    const md5 = createHash('md5').update(body).digest('hex');
    return { key, size: body.length, MD5checksum: i === options.wrongChecksum ? md5.replace(/^./, (c) => (c === '0' ? '1' : '0')) : md5 };
  });
  const manifestText = JSON.stringify({
    sourceBucket: SOURCE_BUCKET,
    destinationBucket: `arn:aws:s3:::${options.destinationBucket}`,
    version: '2016-11-30',
    creationTimestamp: '1764460800000',
    fileFormat: options.fileFormat ?? 'CSV',
    fileSchema: schema.join(', '),
    files,
  }, null, 2);
  const manifestKey = `${base}/2026-11-30T00-00Z/manifest.json`;
  objects.push({ key: manifestKey, body: Buffer.from(manifestText) });
  objects.push({ key: manifestKey.replace(/manifest\.json$/, 'manifest.checksum'), body: Buffer.from(createHash('md5').update(manifestText).digest('hex') + '\n') });
  return { objects, manifestKey, manifestText };
}

/** Writes the inventory below `root` (a synced copy of the destination bucket); returns the manifest's path. */
export function writeInventory(root: string, inv: Inventory): string {
  for (const o of inv.objects) {
    const file = path.join(root, ...o.key.split('/'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, o.body);
  }
  return path.join(root, ...inv.manifestKey.split('/'));
}
