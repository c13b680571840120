/**
 * Reads the objects of a Parquet file: an S3 Inventory data file in Parquet format, or an export
 * of the S3 Metadata live inventory table. The reader is hyparquet (pure JavaScript) with
 * hyparquet-compressors; both are ES modules, loaded with import() the first time a Parquet
 * file is read, so the CLI loads nothing more for CSV.
 *
 * Columns, by name (both sources use snake_case):
 * - S3 Inventory (https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-inventory.html):
 *   bucket, key, version_id, is_latest, is_delete_marker, size, storage_class, encryption_status,
 *   bucket_key_status, intelligent_tiering_access_tier. Keys are not URL-encoded (only CSV's are).
 * - S3 Metadata live inventory table
 *   (https://docs.aws.amazon.com/AmazonS3/latest/userguide/metadata-tables-inventory-schema.html):
 *   bucket, key, version_id, is_delete_marker, size, storage_class, encryption_status,
 *   is_bucket_key_enabled, kms_key_arn. It has no is_latest: a row with a version id is not taken
 *   as the current version (never copied in place).
 *
 * Bounds: the file is read in row groups, only the columns above; the footer may not be larger
 * than --max-manifest-bytes; every page is decompressed through a wrapper that refuses to go past
 * --max-expansion times the file's size in total, checked on the size a page declares, before the
 * page is allocated.
 */
import * as path from 'path';
import { pathToFileURL } from 'url';
import { encodeKey, InventoryObject } from './inventory-object';
import { formatBytes, Limits, maxDecompressedBytes } from './limits';
import { InputError } from '../cli-input/input-error';

const COLUMNS = ['bucket', 'key', 'version_id', 'is_latest', 'is_delete_marker', 'size', 'storage_class', 'encryption_status',
  'bucket_key_status', 'is_bucket_key_enabled', 'kms_key_arn', 'intelligent_tiering_access_tier'];
const REQUIRED = ['bucket', 'key', 'encryption_status'];

interface ParquetModules {
  readonly hyparquet: any;
  readonly compressors: Record<string, (input: Uint8Array, outputLength: number) => Uint8Array>;
}

let modules: Promise<ParquetModules> | undefined;

/** import() of an ES module by absolute file URL (resolved as require would); tsc would turn a plain import() into require(). */
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const importEsm = new Function('url', 'return import(url)') as (url: string) => Promise<any>;

function load(): Promise<ParquetModules> {
  modules ??= (async () => {
    const hyparquet = await importEsm(pathToFileURL(require.resolve('hyparquet')).href);
    const extra = await importEsm(pathToFileURL(require.resolve('hyparquet-compressors')).href);
    return { hyparquet, compressors: extra.compressors };
  })();
  return modules;
}

export interface ParquetReadOptions {
  /** A local file. */
  readonly file: string;
  /** Names the file in messages. */
  readonly where: string;
  readonly limits: Limits;
  /** Called for each object; awaited after each row group (back pressure for key lookups). */
  readonly onObject: (o: InventoryObject, row: number) => void;
  readonly afterRowGroup?: () => Promise<void>;
  /** The file must have a kms_key_arn column (an S3 Metadata live inventory export). */
  readonly requireKeyColumn?: boolean;
  /** The file must have bucket_key_status or is_bucket_key_enabled (--expect-bucket-key). */
  readonly requireBucketKeyColumn?: boolean;
}

/** Reads every object of a Parquet file; returns the number of rows. */
export async function readParquetObjects(options: ParquetReadOptions): Promise<number> {
  const { where, limits } = options;
  let mods: ParquetModules;
  try {
    mods = await load();
  } catch (e) {
    throw new InputError(`${where}: cannot load the Parquet reader hyparquet (${(e as Error).message})`);
  }
  const { hyparquet } = mods;
  let file: { byteLength: number; slice(start: number, end?: number): Promise<ArrayBuffer> };
  try {
    file = await hyparquet.asyncBufferFromFile(path.resolve(options.file));
  } catch (e) {
    throw new InputError(`${where}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const notParquet = (why: string) => new InputError(`${where}: not a readable Parquet file (${why})`);
  if (file.byteLength < 12) throw notParquet('too short');
  const footer = new DataView(await file.slice(file.byteLength - 8, file.byteLength));
  if (footer.getUint32(4, true) !== 0x31524150) throw notParquet('no PAR1 footer');
  const metadataLength = footer.getUint32(0, true);
  if (metadataLength > limits.maxManifestBytes) {
    throw new InputError(`${where}: a Parquet footer of ${formatBytes(metadataLength)}, more than ${formatBytes(limits.maxManifestBytes)} (--max-manifest-bytes)`);
  }
  let metadata: any;
  try {
    metadata = await hyparquet.parquetMetadataAsync(file);
  } catch (e) {
    throw notParquet((e as Error).message);
  }
  const names = new Set<string>((hyparquet.parquetSchema(metadata).children as any[]).map((c: any) => c.element.name));
  const missing = REQUIRED.filter((c) => !names.has(c));
  if (missing.length > 0) {
    throw new InputError(`${where}: the Parquet file has no ${missing.join(', ')} column(s); expected an S3 Inventory (with the `
      + 'EncryptionStatus field) or an S3 Metadata live inventory table export');
  }
  if (options.requireKeyColumn && !names.has('kms_key_arn')) {
    throw new InputError(`${where}: no kms_key_arn column; export the live inventory table's kms_key_arn (with encryption_status and is_bucket_key_enabled)`);
  }
  if (options.requireBucketKeyColumn && !names.has('bucket_key_status') && !names.has('is_bucket_key_enabled')) {
    throw new InputError('--expect-bucket-key: the inventory has no bucket_key_status (or is_bucket_key_enabled) column; add that optional field');
  }
  const columns = COLUMNS.filter((c) => names.has(c));
  const compressors = budgeted(mods, file.byteLength, limits, where);

  let row = 0;
  let groupStart = 0;
  for (const group of metadata.row_groups as any[]) {
    const groupEnd = groupStart + Number(group.num_rows);
    let rows: any[];
    try {
      rows = await hyparquet.parquetReadObjects({ file, metadata, columns, rowStart: groupStart, rowEnd: groupEnd, compressors });
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw notParquet((e as Error).message);
    }
    for (const r of rows) {
      row += 1;
      options.onObject(toObject(r, names, where, row), row);
    }
    rows.length = 0;
    groupStart = groupEnd;
    await options.afterRowGroup?.();
  }
  return row;
}

/** Decompressors that stop past the budget, judged on each page's declared size before it is allocated. */
type Decompressor = (input: Uint8Array, outputLength: number) => Uint8Array;

function budgeted(mods: ParquetModules, fileBytes: number, limits: Limits, where: string): Record<string, Decompressor> {
  const max = maxDecompressedBytes(fileBytes, limits);
  let used = 0;
  const guard = (codec: string, inner: Decompressor): Decompressor => (input, n) => {
    used += n;
    if (used > max) {
      throw new InputError(`${where}: decompresses to more than ${formatBytes(max)}, ${limits.maxExpansion} times its ${formatBytes(fileBytes)} `
        + `(--max-expansion; ${codec} pages); not an inventory (a decompression bomb?)`);
    }
    return inner(input, n);
  };
  const out: Record<string, Decompressor> = {};
  for (const [codec, fn] of Object.entries(mods.compressors)) out[codec] = guard(codec, fn);
  out.SNAPPY = guard('SNAPPY', (input, n) => {
    const page = new Uint8Array(n);
    mods.hyparquet.snappyUncompress(input, page);
    return page;
  });
  return out;
}

function toObject(r: Record<string, unknown>, names: Set<string>, where: string, row: number): InventoryObject {
  const str = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));
  const bucket = str(r.bucket);
  const key = str(r.key);
  if (bucket === undefined || key === undefined) throw new InputError(`${where}: row ${row} has no bucket or key`);
  const size = r.size === null || r.size === undefined ? undefined : Number(r.size);
  if (size !== undefined && !Number.isFinite(size)) throw new InputError(`${where}: row ${row}: size '${String(r.size)}' is not a number`);
  const version = str(r.version_id);
  let bucketKey: string | undefined;
  if (names.has('bucket_key_status')) bucketKey = str(r.bucket_key_status) ?? '';
  else if (names.has('is_bucket_key_enabled')) bucketKey = r.is_bucket_key_enabled === true ? 'ENABLED' : r.is_bucket_key_enabled === false ? 'DISABLED' : '';
  return {
    bucket,
    key,
    encodedKey: encodeKey(key),
    versionId: version === '' || version === 'null' ? undefined : version,
    // The live inventory table has no is_latest and may list noncurrent versions: without that
    // column a row with a version id is not taken as current, so it is never copied in place
    // (which would make old data current); UpdateObjectEncryption still fixes any version.
    isLatest: names.has('is_latest') ? r.is_latest !== false : version === undefined || version === '' || version === 'null',
    isDeleteMarker: r.is_delete_marker === true,
    size: names.has('size') ? size ?? 0 : undefined,
    status: str(r.encryption_status) ?? '',
    bucketKey,
    kmsKeyArn: names.has('kms_key_arn') ? str(r.kms_key_arn) ?? null : undefined,
    storageClass: str(r.storage_class),
    intelligentTieringTier: str(r.intelligent_tiering_access_tier),
  };
}
