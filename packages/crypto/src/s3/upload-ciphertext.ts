/**
 * Upload a ciphertext stream: one PutObject when it is shorter than one part,
 * otherwise a multipart upload (CreateMultipartUpload carrying the metadata,
 * UploadPart one part at a time, CompleteMultipartUpload).
 *
 * Memory stays bounded by about one part plus one stream chunk, whatever the
 * object size. On any failure (source stream error, S3 error, too many parts)
 * the multipart upload is aborted and the error rethrown; if the abort fails
 * too, an S3EncryptionError `MULTIPART_ABORT_FAILED` names the upload id
 * (abort it, or let a lifecycle rule for incomplete uploads do it).
 */
import { ObjectMetadata } from '../cipher/types';
import { InvalidArgumentError, needs, S3EncryptionError } from '../errors';
import { S3ClientLike, S3CompletedPart } from './s3-client';

/** S3 limits. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const MAX_PART_SIZE = 5 * 1024 * 1024 * 1024;
export const MAX_PARTS = 10_000;
/** Default part size: 8 MiB. */
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;

export type UploadClient = Pick<S3ClientLike, 'putObject' | 'createMultipartUpload' | 'uploadPart' | 'completeMultipartUpload' | 'abortMultipartUpload'>;

export interface UploadCiphertextOptions {
  readonly client: UploadClient;
  readonly bucket: string;
  readonly key: string;
  /** User metadata of the object (keys without `x-amz-meta-`). */
  readonly metadata: ObjectMetadata;
  /** The ciphertext. */
  readonly source: AsyncIterable<unknown>;
  /** Part size in bytes, 5 MiB to 5 GiB. */
  readonly partSize: number;
}

export interface UploadCiphertextResult {
  readonly multipart: boolean;
  /** Number of parts (1 for a single PutObject). */
  readonly parts: number;
  /** Bytes stored. */
  readonly ciphertextLength: number;
  readonly etag?: string;
}

/** Validate a part size (InvalidArgumentError). */
export function checkPartSize(partSize: number): void {
  needs(Number.isSafeInteger(partSize) && partSize >= MIN_PART_SIZE && partSize <= MAX_PART_SIZE, () => new InvalidArgumentError(
    `partSize must be an integer from ${MIN_PART_SIZE} (5 MiB, the S3 minimum) to ${MAX_PART_SIZE} (5 GiB), got ${partSize}`));
}

export async function uploadCiphertext(options: UploadCiphertextOptions): Promise<UploadCiphertextResult> {
  const { client, bucket, key, metadata, partSize } = options;
  checkPartSize(partSize);
  const reader = new PartReader(options.source, partSize);

  const first = await reader.next();
  if (first.length < partSize) {
    const out = await client.putObject({ Bucket: bucket, Key: key, Body: first, ContentLength: first.length, Metadata: { ...metadata } });
    return { multipart: false, parts: 1, ciphertextLength: first.length, etag: out.ETag };
  }

  const created = await client.createMultipartUpload({ Bucket: bucket, Key: key, Metadata: { ...metadata } });
  const uploadId = created.UploadId;
  needs(typeof uploadId === 'string' && uploadId.length > 0,
    () => new S3EncryptionError('S3_RESPONSE', 'CreateMultipartUpload returned no UploadId'));
  try {
    const parts: S3CompletedPart[] = [];
    let total = 0;
    for (let part = first; part.length > 0; part = await reader.next()) {
      const partNumber = parts.length + 1;
      needs(partNumber <= MAX_PARTS, () => new InvalidArgumentError(
        `object needs more than ${MAX_PARTS} parts of ${partSize} bytes: increase partSize`));
      const out = await client.uploadPart({
        Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: part, ContentLength: part.length,
      });
      parts.push({ ETag: out.ETag, PartNumber: partNumber });
      total += part.length;
      if (part.length < partSize) break;
    }
    const done = await client.completeMultipartUpload({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } });
    return { multipart: true, parts: parts.length, ciphertextLength: total, etag: done.ETag };
  } catch (error) {
    try {
      await client.abortMultipartUpload({ Bucket: bucket, Key: key, UploadId: uploadId });
    } catch (abortError) {
      throw new S3EncryptionError('MULTIPART_ABORT_FAILED',
        `upload of ${key} failed and AbortMultipartUpload of upload ${uploadId} failed too; abort it or let a lifecycle rule do it`,
        { cause: new AggregateError([error, abortError], 'upload and abort failed') });
    }
    throw error;
  }
}

/**
 * Cuts a byte stream into parts of exactly `partSize` bytes (the last one
 * shorter, possibly empty). A part is valid until the next call to `next()`:
 * parts assembled from several chunks share one reused buffer, so uploading
 * part after part creates no part-sized garbage.
 */
class PartReader {
  private readonly iterator: AsyncIterator<unknown>;
  private carry: Buffer = Buffer.alloc(0);
  private ended = false;
  private buffer?: Buffer;

  constructor(source: AsyncIterable<unknown>, private readonly partSize: number) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  public async next(): Promise<Buffer> {
    if (!(await this.fillCarry())) return Buffer.alloc(0);
    if (this.carry.length >= this.partSize) {
      // A whole part is already in one chunk: no copy.
      return this.take(this.partSize);
    }
    const part = (this.buffer ??= Buffer.allocUnsafe(this.partSize));
    let filled = 0;
    while (filled < this.partSize && await this.fillCarry()) {
      const chunk = this.take(Math.min(this.carry.length, this.partSize - filled));
      chunk.copy(part, filled);
      filled += chunk.length;
    }
    return part.subarray(0, filled);
  }

  /** Make sure `carry` holds bytes; false once the source is exhausted. */
  private async fillCarry(): Promise<boolean> {
    while (this.carry.length === 0 && !this.ended) {
      const result = await this.iterator.next();
      if (result.done) {
        this.ended = true;
      } else {
        this.carry = asBuffer(result.value);
      }
    }
    return this.carry.length > 0;
  }

  private take(n: number): Buffer {
    const out = this.carry.subarray(0, n);
    this.carry = this.carry.subarray(n);
    return out;
  }
}

function asBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new InvalidArgumentError('ciphertext stream chunks must be bytes');
}
