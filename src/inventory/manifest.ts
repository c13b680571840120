/**
 * The S3 Inventory manifest (`manifest.json`), parsed and checked. Pure: text in, manifest out.
 *
 * Format (S3 User Guide, "Locating your inventory list" and "Inventory manifest",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-inventory-location.html):
 *
 *   { "sourceBucket": "src", "destinationBucket": "arn:aws:s3:::dest", "version": "2016-11-30",
 *     "creationTimestamp": "1514944800000", "fileFormat": "CSV",
 *     "fileSchema": "Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, ..., EncryptionStatus, ...",
 *     "files": [ { "key": "prefix/src/config/data/<uuid>.csv.gz", "size": 2147483647,
 *                  "MD5checksum": "f11166069f1990abeb9c97ace9cdfabc" } ] }
 *
 * `files[].key` is the data file's key in the destination bucket; `MD5checksum` is the MD5 of
 * that (gzip) object. `manifest.checksum`, beside `manifest.json`, holds the MD5 of the manifest
 * itself. For the CSV format `fileSchema` is a comma-separated list of column names; Parquet
 * inventories carry a schema there instead, and their data files carry it too (read there). ORC
 * is refused.
 */
import { InputError } from '../cli-input/input-error';

export interface InventoryFile {
  /** The data file's key in the destination bucket. */
  readonly key: string;
  /** Its size in bytes (of the gzip object). */
  readonly size: number;
  /** Lowercase hex MD5 of the gzip object. */
  readonly md5: string;
}

export interface InventoryManifest {
  readonly sourceBucket: string;
  /** The destination bucket's name (the manifest holds its ARN). */
  readonly destinationBucket: string;
  /** CSV (gzip) or Parquet data files. */
  readonly fileFormat: 'CSV' | 'Parquet';
  /** Column names in file order (CSV; empty for Parquet, whose files carry their schema). */
  readonly columns: readonly string[];
  readonly files: readonly InventoryFile[];
  readonly creationTimestamp?: string;
}

/** The columns the audit reads; only EncryptionStatus, Bucket and Key are required. */
export const REQUIRED_COLUMNS = ['Bucket', 'Key', 'EncryptionStatus'] as const;

/**
 * Parses and checks a manifest. Throws an {@link InputError} naming `where` and the problem.
 */
export function parseManifest(text: string, where: string): InventoryManifest {
  let json: any;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${where}: not valid JSON (${(e as Error).message}); expected an S3 Inventory manifest.json`);
  }
  const bad = (problem: string) => new InputError(`${where}: not an S3 Inventory manifest: ${problem}`);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw bad('not a JSON object');
  for (const field of ['sourceBucket', 'destinationBucket', 'fileFormat', 'fileSchema']) {
    if (typeof json[field] !== 'string' || json[field] === '') throw bad(`"${field}" is missing or not a string`);
  }
  if (json.fileFormat !== 'CSV' && json.fileFormat !== 'Parquet') {
    throw new InputError(`${where}: fileFormat "${json.fileFormat}" is not supported; audit-inventory reads CSV and Parquet inventories `
      + '(configure the inventory with Format CSV or Parquet)');
  }
  const parquet = json.fileFormat === 'Parquet';
  const columns = parquet ? [] : String(json.fileSchema).split(',').map((c) => c.trim());
  if (columns.some((c) => c === '')) throw bad(`fileSchema "${json.fileSchema}" has an empty column name`);
  const missing = parquet ? [] : REQUIRED_COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    throw new InputError(`${where}: fileSchema has no ${missing.join(', ')} column${missing.length > 1 ? 's' : ''}; `
      + 'add the optional field EncryptionStatus (and BucketKeyStatus) to the inventory configuration');
  }
  if (!Array.isArray(json.files)) throw bad('"files" is missing or not a list');
  const files = json.files.map((f: any, i: number): InventoryFile => {
    const at = `files[${i}]`;
    if (typeof f !== 'object' || f === null) throw bad(`${at} is not an object`);
    if (typeof f.key !== 'string' || f.key === '') throw bad(`${at}.key is missing`);
    if (typeof f.MD5checksum !== 'string' || !/^[0-9a-fA-F]{32}$/.test(f.MD5checksum)) {
      throw bad(`${at}.MD5checksum is missing or not 32 hex digits`);
    }
    const size = typeof f.size === 'number' ? f.size : Number(f.size);
    if (!Number.isSafeInteger(size) || size < 0) throw bad(`${at}.size is not a byte count`);
    return { key: f.key, size, md5: f.MD5checksum.toLowerCase() };
  });
  if (files.length === 0) {
    throw new InputError(`${where}: the manifest lists no data file; an empty inventory proves nothing `
      + '(if the bucket is empty, there is nothing to audit; otherwise the inventory is incomplete)');
  }
  const seenKeys = new Set<string>();
  const seenMd5 = new Map<string, string>();
  for (const f of files as InventoryFile[]) {
    if (seenKeys.has(f.key)) throw bad(`data file ${f.key} is listed twice (its objects would be counted twice)`);
    seenKeys.add(f.key);
    const other = seenMd5.get(f.md5);
    if (other !== undefined) throw bad(`data files ${other} and ${f.key} have the same MD5 ${f.md5} (the same file listed twice)`);
    seenMd5.set(f.md5, f.key);
  }
  const dest = String(json.destinationBucket);
  return {
    sourceBucket: json.sourceBucket,
    destinationBucket: dest.startsWith('arn:') ? dest.slice(dest.lastIndexOf(':') + 1) : dest,
    fileFormat: parquet ? 'Parquet' : 'CSV',
    columns,
    files,
    creationTimestamp: typeof json.creationTimestamp === 'string' ? json.creationTimestamp : undefined,
  };
}
