/**
 * Streams every data file of an inventory once: checks its size and MD5 against the manifest
 * while reading it, and hands each object to the {@link ObjectJudge}. Every read is bounded
 * (see ./limits): the bytes a data file may have (its declared size), the bytes it may
 * decompress to, the length of a row and the time a stalled source may take; an overrun is an
 * {@link InputError}. Memory is bounded by the stream buffers, whatever the number of objects.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Readable, Writable } from 'stream';
import { pipeline } from 'stream/promises';
import { StringDecoder } from 'string_decoder';
import { createGunzip } from 'zlib';
import { AuditCounts } from './audit-counts';
import { BoundedStage, ByteCap } from './bounded-stream';
import { CsvRowReader, RowTooLongError } from './csv';
import { InventoryObject } from './inventory-object';
import { formatBytes, Limits, maxDecompressedBytes } from './limits';
import { InventoryFile, InventoryManifest } from './manifest';
import { Expectation, KeyLookup, ObjectJudge, ObjectSink } from './object-judge';
import { readParquetObjects } from './parquet';
import { InputError } from '../cli-input/input-error';

export interface AuditOptions {
  readonly manifest: InventoryManifest;
  readonly expect: Expectation;
  readonly limits: Limits;
  /** Opens a data file; `where` names it in messages; `path` is set for a local file. */
  readonly open: (file: InventoryFile) => Promise<{ stream: Readable; where: string; path?: string }>;
  readonly sink?: ObjectSink;
  /** Looks up the KMS key of SSE-KMS objects (--verify-kms-keys). */
  readonly keyLookup?: KeyLookup;
  /** Called after each data file and every 100,000 rows. */
  readonly progress?: (filesDone: number, counts: AuditCounts) => void;
}

export async function audit(options: AuditOptions): Promise<AuditCounts> {
  if (options.manifest.fileFormat === 'Parquet') return auditParquet(options);
  const { manifest, expect, limits } = options;
  const col = (name: string) => manifest.columns.indexOf(name);
  const iBucket = col('Bucket');
  const iKey = col('Key');
  const iVersion = col('VersionId');
  const iLatest = col('IsLatest');
  const iDeleteMarker = col('IsDeleteMarker');
  const iSize = col('Size');
  const iStatus = col('EncryptionStatus');
  const iBucketKey = col('BucketKeyStatus');
  const iClass = col('StorageClass');
  const iTier = col('IntelligentTieringAccessTier');
  if (expect.bucketKey && iBucketKey < 0) {
    throw new InputError('--expect-bucket-key: the inventory has no BucketKeyStatus column; add that optional field to the inventory configuration');
  }
  const width = manifest.columns.length;
  const used = new Set([iBucket, iKey, iVersion, iLatest, iDeleteMarker, iSize, iStatus, iBucketKey, iClass, iTier]);
  const wanted = manifest.columns.map((_, i) => used.has(i));
  const judge = new ObjectJudge(expect, manifest.sourceBucket, options.sink, options.keyLookup);
  const counts = judge.counts;
  const queued = (options.keyLookup?.concurrency ?? 0) * 4;
  let filesDone = 0;

  for (const file of manifest.files) {
    const { stream, where } = await options.open(file);
    const hash = createHash('md5');
    let row = 0;
    const reader = new CsvRowReader(wanted, limits.maxRowLength);
    const onRow = (f: string[]) => {
      row += 1;
      if (f.length !== width) {
        throw new InputError(`${where}: row ${row} has ${f.length} field(s), the manifest's fileSchema has ${width}`);
      }
      const size = iSize >= 0 && f[iSize] !== '' ? Number(f[iSize]) : undefined;
      if (size !== undefined && !Number.isFinite(size)) throw new InputError(`${where}: row ${row}: Size '${f[iSize]}' is not a number`);
      const o: InventoryObject = {
        bucket: f[iBucket],
        encodedKey: f[iKey],
        versionId: iVersion >= 0 && f[iVersion] !== '' ? f[iVersion] : undefined,
        isLatest: iLatest < 0 || f[iLatest] !== 'false',
        isDeleteMarker: iDeleteMarker >= 0 && f[iDeleteMarker] === 'true',
        size: iSize >= 0 ? size ?? 0 : undefined,
        status: f[iStatus],
        bucketKey: iBucketKey >= 0 ? f[iBucketKey] : undefined,
        storageClass: iClass >= 0 ? f[iClass] : undefined,
        intelligentTieringTier: iTier >= 0 ? f[iTier] : undefined,
      };
      judge.judge(o, where, row);
      if (counts.objects % 100_000 === 0) options.progress?.(filesDone, counts);
    };

    const decoder = new StringDecoder('utf8');
    const declared = new BoundedStage({
      where,
      maxBytes: file.size,
      capReason: `the manifest declares ${file.size} bytes`,
      idleTimeoutMs: limits.idleTimeoutMs,
    });
    const maxOut = maxDecompressedBytes(file.size, limits);
    const inflated = new ByteCap(maxOut, () => `${where}: decompresses to more than ${formatBytes(maxOut)}, ${limits.maxExpansion} times `
      + `its declared ${formatBytes(file.size)} (--max-expansion); not an S3 Inventory data file (a gzip bomb?)`);
    try {
      await pipeline(
        stream,
        declared,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            hash.update(chunk);
            yield chunk;
          }
        },
        createGunzip(),
        inflated,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            reader.push(decoder.write(chunk), onRow);
            if (options.keyLookup) await judge.settle(queued);
          }
          reader.push(decoder.end(), onRow);
          reader.end(onRow);
        },
      );
    } catch (e) {
      if (e instanceof InputError) throw e;
      if (e instanceof RowTooLongError) {
        throw new InputError(`${where}: row ${row + 1} is longer than ${e.maxRowLength} characters (--max-row-length); `
          + 'S3 Inventory rows are a few KiB at most (an object key is at most 1,024 bytes)');
      }
      const err = e as NodeJS.ErrnoException;
      if (err.code?.startsWith('Z_') || /incorrect header check|unexpected end of file/i.test(err.message)) {
        throw new InputError(`${where}: not a readable gzip file (${err.message}); the data file is corrupt or not from S3 Inventory`);
      }
      throw new InputError(`${where}: ${err.message}`);
    }
    if (declared.bytes !== file.size) {
      throw new InputError(`${where}: ${declared.bytes} bytes, the manifest declares ${file.size}; the file is truncated or was replaced`);
    }
    const md5 = hash.digest('hex');
    if (md5 !== file.md5) {
      throw new InputError(`${where}: MD5 checksum mismatch: the manifest lists ${file.md5}, the file has ${md5} `
        + `(${declared.bytes} bytes; the manifest lists ${file.size}). The file is corrupt or was replaced`);
    }
    if (row === 0) {
      throw new InputError(`${where}: the data file lists no object; an empty list proves nothing`);
    }
    filesDone += 1;
    options.progress?.(filesDone, counts);
  }
  await judge.drain();
  return counts;
}

/** A Parquet inventory: each data file is checked (size, MD5) while copied to a temp file (or, local, in place), then read. */
async function auditParquet(options: AuditOptions): Promise<AuditCounts> {
  const { manifest, expect, limits } = options;
  const judge = new ObjectJudge(expect, manifest.sourceBucket, options.sink, options.keyLookup);
  const queued = (options.keyLookup?.concurrency ?? 0) * 4;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-inventory-parquet-'));
  let filesDone = 0;
  try {
    for (const file of manifest.files) {
      const { stream, where, path: localPath } = await options.open(file);
      const target = localPath ?? path.join(tmp, 'data.parquet');
      const hash = createHash('md5');
      const declared = new BoundedStage({
        where,
        maxBytes: file.size,
        capReason: `the manifest declares ${file.size} bytes`,
        idleTimeoutMs: limits.idleTimeoutMs,
      });
      const sink = localPath !== undefined ? new Writable({ write: (_c, _e, done) => done() }) : fs.createWriteStream(target);
      try {
        await pipeline(stream, declared, async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            hash.update(chunk);
            yield chunk;
          }
        }, sink);
      } catch (e) {
        if (e instanceof InputError) throw e;
        throw new InputError(`${where}: cannot read (${(e as Error).message})`);
      }
      if (declared.bytes !== file.size) {
        throw new InputError(`${where}: ${declared.bytes} bytes, the manifest declares ${file.size}; the file is truncated or was replaced`);
      }
      const md5 = hash.digest('hex');
      if (md5 !== file.md5) {
        throw new InputError(`${where}: MD5 checksum mismatch: the manifest lists ${file.md5}, the file has ${md5}. The file is corrupt or was replaced`);
      }
      const rows = await readParquetObjects({
        file: target,
        where,
        limits,
        requireBucketKeyColumn: expect.bucketKey,
        onObject: (o, row) => judge.judge(o, where, row),
        afterRowGroup: async () => {
          if (options.keyLookup) await judge.settle(queued);
          options.progress?.(filesDone, judge.counts);
        },
      });
      if (rows === 0) throw new InputError(`${where}: the data file lists no object; an empty list proves nothing`);
      filesDone += 1;
      options.progress?.(filesDone, judge.counts);
    }
    await judge.drain();
    return judge.counts;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Objects of S3 Metadata live inventory table exports (local Parquet files, no manifest). */
export async function auditExport(options: {
  readonly files: readonly string[];
  readonly sourceBucket: string;
  readonly expect: Expectation;
  readonly limits: Limits;
  readonly sink?: ObjectSink;
  readonly progress?: (filesDone: number, counts: AuditCounts) => void;
}): Promise<AuditCounts> {
  const judge = new ObjectJudge(options.expect, options.sourceBucket, options.sink);
  let filesDone = 0;
  for (const file of options.files) {
    const rows = await readParquetObjects({
      file,
      where: file,
      limits: options.limits,
      requireKeyColumn: true,
      requireBucketKeyColumn: options.expect.bucketKey,
      onObject: (o, row) => judge.judge(o, file, row),
      afterRowGroup: async () => options.progress?.(filesDone, judge.counts),
    });
    if (rows === 0) throw new InputError(`${file}: the export lists no object; an empty list proves nothing`);
    filesDone += 1;
    options.progress?.(filesDone, judge.counts);
  }
  return judge.counts;
}
