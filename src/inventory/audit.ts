/**
 * Streams every data file of an inventory once: verifies its MD5 against the manifest while
 * gunzipping it, parses the CSV rows and hands each object to the tally and, when it is not
 * compliant, to the batch manifest of the operation that fixes it. Memory is bounded by the
 * stream buffers, whatever the number of objects.
 */
import { createHash } from 'crypto';
import { Readable, Transform } from 'stream';
import { pipeline } from 'stream/promises';
import { StringDecoder } from 'string_decoder';
import { createGunzip } from 'zlib';
import { CsvRowReader } from './csv';
import { InventoryFile, InventoryManifest } from './manifest';
import { BatchOperation, ExpectedMode, remedy } from './remediation';
import { Tally } from './tally';
import { InputError } from '../check/load';

export interface Expectation {
  readonly mode: ExpectedMode;
  /** Objects must also have BucketKeyStatus ENABLED (SSE-KMS). */
  readonly bucketKey: boolean;
}

/** Where a non-compliant object goes: the batch manifest of its operation. */
export type ObjectSink = (operation: BatchOperation, bucket: string, encodedKey: string, versionId: string | undefined) => void;

export interface AuditOptions {
  readonly manifest: InventoryManifest;
  readonly expect: Expectation;
  /** Opens a data file; `where` names it in messages. */
  readonly open: (file: InventoryFile) => Promise<{ stream: Readable; where: string }>;
  readonly sink?: ObjectSink;
  /** Called after each data file and every 100,000 rows. */
  readonly progress?: (filesDone: number, tally: Tally) => void;
}

export async function audit(options: AuditOptions): Promise<Tally> {
  const { manifest, expect } = options;
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
  const tally = new Tally();
  let filesDone = 0;

  for (const file of manifest.files) {
    const { stream, where } = await options.open(file);
    const hash = createHash('md5');
    let compressedBytes = 0;
    let row = 0;
    const reader = new CsvRowReader(wanted);
    const onRow = (f: string[]) => {
      row += 1;
      if (f.length !== width) {
        throw new InputError(`${where}: row ${row} has ${f.length} field(s), the manifest's fileSchema has ${width}`);
      }
      if (iDeleteMarker >= 0 && f[iDeleteMarker] === 'true') {
        tally.deleteMarkers += 1;
        return;
      }
      const size = iSize >= 0 && f[iSize] !== '' ? Number(f[iSize]) : 0;
      if (!Number.isFinite(size)) throw new InputError(`${where}: row ${row}: Size '${f[iSize]}' is not a number`);
      const status = f[iStatus];
      const bucketKey = iBucketKey >= 0 ? f[iBucketKey] : undefined;
      tally.add(status, bucketKey, size);
      if (tally.objects % 100_000 === 0) options.progress?.(filesDone, tally);
      if (status === expect.mode && (!expect.bucketKey || bucketKey === 'ENABLED')) return;
      const version = iVersion >= 0 && f[iVersion] !== '' ? f[iVersion] : undefined;
      tally.addNonCompliant(() => `${f[iBucket]}/${safeDecode(f[iKey])}${version ? ` (version ${version})` : ''}`, size);
      const fix = remedy({
        status,
        size: iSize >= 0 ? size : undefined,
        storageClass: iClass >= 0 ? f[iClass] : undefined,
        intelligentTieringTier: iTier >= 0 ? f[iTier] : undefined,
        isLatest: iLatest < 0 || f[iLatest] !== 'false',
      }, expect.mode);
      if (fix.operation === undefined) {
        tally.notRemediable[fix.reason] = (tally.notRemediable[fix.reason] ?? 0) + 1;
        return;
      }
      tally.byOperation[fix.operation] = (tally.byOperation[fix.operation] ?? 0) + 1;
      options.sink?.(fix.operation, f[iBucket], f[iKey], version);
    };

    const decoder = new StringDecoder('utf8');
    try {
      await pipeline(
        stream,
        new Transform({
          transform(chunk: Buffer, _enc, done) {
            hash.update(chunk);
            compressedBytes += chunk.length;
            done(null, chunk);
          },
        }),
        createGunzip(),
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) reader.push(decoder.write(chunk), onRow);
          reader.push(decoder.end(), onRow);
          reader.end(onRow);
        },
      );
    } catch (e) {
      if (e instanceof InputError) throw e;
      const err = e as NodeJS.ErrnoException;
      if (err.code?.startsWith('Z_') || /incorrect header check|unexpected end of file/i.test(err.message)) {
        throw new InputError(`${where}: not a readable gzip file (${err.message}); the data file is corrupt or not from S3 Inventory`);
      }
      throw new InputError(`${where}: ${err.message}`);
    }
    const md5 = hash.digest('hex');
    if (md5 !== file.md5) {
      throw new InputError(`${where}: MD5 checksum mismatch: the manifest lists ${file.md5}, the file has ${md5} `
        + `(${compressedBytes} bytes; the manifest lists ${file.size}). The file is corrupt or was replaced`);
    }
    filesDone += 1;
    options.progress?.(filesDone, tally);
  }
  return tally;
}

function safeDecode(key: string): string {
  try {
    return decodeURIComponent(key);
  } catch {
    return key;
  }
}
