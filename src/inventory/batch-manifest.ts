/**
 * Writes an S3 Batch Operations CSV manifest (format `S3BatchOperations_CSV_20180820`):
 * one object a line, `bucket,key` or `bucket,key,versionId`, object keys URL-encoded.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/batch-ops-create-job.html#create-manifest-file
 * ("Object keys must be URL-encoded"; "If the manifest includes version IDs, every object must have one"),
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_JobManifestSpec.html (Fields: Bucket, Key, VersionId).
 *
 * S3 Inventory's CSV already holds URL-encoded keys ("When using the CSV file format, the key
 * name is URL-encoded and must be decoded before you can use it",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-inventory.html#storage-inventory-contents),
 * so a key read from the inventory is written as it is.
 *
 * Lines are copied into a fixed buffer at once and written synchronously in blocks: memory stays
 * bounded however many objects are listed (a line kept as a string would keep alive the whole
 * decoded chunk of the inventory its key was sliced from), and the MD5 of the file (its ETag once
 * put in one request) is kept.
 */
import { createHash, Hash } from 'crypto';
import * as fs from 'fs';
import { InputError } from '../cli-input/input-error';

const BLOCK = 256 * 1024;

export class BatchManifestWriter {
  public objects = 0;
  private fd: number;
  private readonly block = Buffer.allocUnsafe(BLOCK);
  private used = 0;
  private readonly hash: Hash = createHash('md5');
  private withVersions?: boolean;

  constructor(public readonly file: string, private readonly label: string) {
    try {
      this.fd = fs.openSync(file, 'w');
    } catch (e) {
      throw new InputError(`${label}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }

  /** Adds an object; `encodedKey` is URL-encoded (as in the inventory CSV). */
  public add(bucket: string, encodedKey: string, versionId: string | undefined): void {
    const versioned = versionId !== undefined && versionId !== '';
    this.withVersions ??= versioned;
    if (this.withVersions !== versioned) {
      throw new InputError(`${this.label}: the inventory mixes rows with and without a version id; `
        + 'a Batch Operations manifest needs a version id on every line or on none');
    }
    const line = `${csvField(bucket)},${csvField(encodedKey)}${versioned ? `,${csvField(versionId)}` : ''}\n`;
    const length = Buffer.byteLength(line, 'utf8');
    if (this.used + length > BLOCK) this.flush();
    if (length > BLOCK) {
      this.write(Buffer.from(line, 'utf8'));
    } else {
      this.used += this.block.write(line, this.used, 'utf8');
    }
    this.objects += 1;
  }

  /** The manifest's column list for CreateJob. */
  public get fields(): string[] {
    return this.withVersions ? ['Bucket', 'Key', 'VersionId'] : ['Bucket', 'Key'];
  }

  /** Closes the file; returns its MD5 (hex). */
  public close(): string {
    this.flush();
    fs.closeSync(this.fd);
    return this.hash.digest('hex');
  }

  /** Closes and removes the file (after a failed audit). */
  public discard(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed
    }
    fs.rmSync(this.file, { force: true });
  }

  private flush(): void {
    if (this.used === 0) return;
    this.write(this.block.subarray(0, this.used));
    this.used = 0;
  }

  private write(bytes: Buffer): void {
    this.hash.update(bytes);
    let off = 0;
    while (off < bytes.length) off += fs.writeSync(this.fd, bytes, off, bytes.length - off);
  }
}

/** A CSV field: quoted only when it holds a comma, a quote or a line end (URL-encoded keys never do). */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
