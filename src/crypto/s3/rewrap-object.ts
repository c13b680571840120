/**
 * rewrapObject: rotate the wrapping key of one stored S3EC object without re-encrypting its content.
 *
 * - Metadata on the object: a CopyObject of the object onto itself with `MetadataDirective: REPLACE`, the new
 *   S3EC metadata and every other user metadata entry kept, content headers (type, encoding, disposition,
 *   language, cache control), storage class and server-side encryption (SSE-S3 / SSE-KMS key and bucket key)
 *   restated from HeadObject; tags are copied (S3's TaggingDirective default). `CopySourceIfMatch` pins the
 *   ETag read, so an object replaced meanwhile is not given stale metadata. One request: the object has
 *   either its old or its new metadata, never a mix.
 * - Metadata in an instruction file: one PutObject of the new instruction file (under the same suffix, or a
 *   new one as Java's ReEncryptInstructionFileRequest.instructionFileSuffix allows); the object is not touched.
 *   V3 keeps x-amz-c, x-amz-d, x-amz-i on the object (unchanged: same message id and commitment).
 *
 * - Metadata objects over 5 GiB (CopyObject's limit): a multipart copy onto the object itself
 *   (CreateMultipartUpload with the new metadata, headers and tags; UploadPartCopy of every range, pinned
 *   with CopySourceIfMatch; CompleteMultipartUpload). The object changes only at the completion; any failure
 *   aborts the upload and leaves it untouched.
 *
 * Limits: SSE-C objects are not supported (the copy would need the customer key). On a versioned bucket the
 * previous version, wrapped under the old key, remains.
 */
import { InvalidArgumentError, MetadataTooLargeError, needs, S3EncryptionError, UnsupportedFormatError } from '../errors';
import { checkLocation } from './check-location';
import { INSTRUCTION_FILE_OBJECT_METADATA, INSTRUCTION_FILE_SUFFIX, MAX_INSTRUCTION_FILE_BYTES, serializeInstructionFile } from './instruction-file';
import { discardResponseBody, readBoundedResponseBody } from './response-body';
import {
  S3ClientLike, S3CompletedPart, S3CopyObjectInput, S3CreateMultipartUploadInput, S3ServerSideEncryption, S3StorageClass,
} from './s3-client';
import { WRAP_ALG_KMS_CONTEXT } from '../format/algorithm-suite';
import { mergeInstructionFile, parseContentMetadata, requiresInstructionFile, splitForInstructionFile } from '../format/content-metadata';
import { verifyCommitment } from '../format/key-derivation';
import * as K from '../format/metadata-keys';
import { decryptionRequestFor } from '../keyring/decryption-request';
import { callerContextOf } from '../keyring/kms-keyring';
import { rewrapMetadata, RewrapMetadataOptions } from '../rewrap/rewrap-metadata';

/** The largest object a single CopyObject copies. */
export const MAX_COPY_OBJECT_BYTES = 5 * 1024 ** 3;

/** The methods a multipart copy needs on top of the others (all in `new S3({})`). */
export type MultipartCopyMethods =
  'createMultipartUpload' | 'uploadPartCopy' | 'completeMultipartUpload' | 'abortMultipartUpload' | 'getObjectTagging';

/** Default part size of a multipart copy. */
export const DEFAULT_COPY_PART_SIZE = 512 * 1024 ** 2;
const MIN_PART_SIZE = 5 * 1024 ** 2;
const MAX_PARTS = 10_000;

export interface RewrapObjectOptions extends RewrapMetadataOptions {
  /** `new S3({})` fits. The multipart-copy methods are needed only for metadata objects over the threshold. */
  readonly client: Pick<S3ClientLike, 'headObject' | 'getObject' | 'putObject' | 'copyObject'> & Partial<Pick<S3ClientLike, MultipartCopyMethods>>;
  readonly bucket: string;
  readonly key: string;
  /** Suffix of the instruction file read (objects whose metadata is not on the object). @default '.instruction' */
  readonly instructionFileSuffix?: string;
  /**
   * Suffix of the instruction file written. A different suffix leaves the old instruction file in place (the
   * old key still reads the object through it; delete it when done). @default the suffix read
   */
  readonly newInstructionFileSuffix?: string;
  /** Metadata objects larger than this are copied in parts. 5 MiB to 5 GiB. @default 5 GiB (CopyObject's limit) */
  readonly multipartCopyThresholdBytes?: number;
  /** Part size of a multipart copy, 5 MiB to 5 GiB (raised as needed to stay within 10,000 parts). @default 512 MiB */
  readonly multipartCopyPartSize?: number;
}

export interface RewrapObjectResult {
  readonly key: string;
  /** Where the metadata lives: on the object (`metadata`) or in an instruction file (`instruction-file`). */
  readonly mode: 'metadata' | 'instruction-file';
  /** The instruction file written, in `instruction-file` mode. */
  readonly instructionFileKey?: string;
  readonly formatVersion: 'V2' | 'V3';
  /** ETag of what was written (the copied object, or the instruction file). */
  readonly etag?: string;
  /** Parts of a multipart copy; absent for a single CopyObject or an instruction file. */
  readonly parts?: number;
}

const S3EC_KEYS: readonly string[] = [...K.V1_V2_KEYS, ...K.V3_KEYS, K.KEY_UNENCRYPTED_CONTENT_LENGTH];

function checkSuffix(suffix: string, what: string): void {
  needs(typeof suffix === 'string' && suffix.length > 0 && suffix.length <= 256, () => new InvalidArgumentError(`rewrapObject: ${what} must be a non-empty string`));
}

/** Re-wrap one object's data key; see the module comment. Throws typed errors; on any error nothing was written. */
export async function rewrapObject(options: RewrapObjectOptions): Promise<RewrapObjectResult> {
  const { client, bucket, key } = options;
  checkLocation('rewrapObject', bucket, key);
  const suffix = options.instructionFileSuffix ?? INSTRUCTION_FILE_SUFFIX;
  const newSuffix = options.newInstructionFileSuffix ?? suffix;
  checkSuffix(suffix, 'instructionFileSuffix');
  checkSuffix(newSuffix, 'newInstructionFileSuffix');
  const head = await client.headObject({ Bucket: bucket, Key: key });
  const objectMetadata = head.Metadata ?? {};

  if (requiresInstructionFile(objectMetadata)) {
    const merged = await withInstructionFile(client, bucket, key, key + suffix, objectMetadata);
    const { metadata, formatVersion } = await rewrapMetadata(merged, options);
    const split = splitForInstructionFile(metadata);
    // V3: the keys that stay on the object must be the ones already there (same message id and commitment).
    for (const [k, v] of Object.entries(split.objectMetadata)) {
      needs(objectMetadata[k] === v, () => new S3EncryptionError('INTERNAL', `rewrap changed ${k}, which lives on the object`));
    }
    const bytes = serializeInstructionFile(split.instructionFile);
    const newKey = key + newSuffix;
    const put = await client.putObject({
      Bucket: bucket, Key: newKey, Body: bytes, ContentLength: bytes.length, Metadata: { ...INSTRUCTION_FILE_OBJECT_METADATA },
    });
    return { key, mode: 'instruction-file', instructionFileKey: newKey, formatVersion, etag: put.ETag };
  }

  const threshold = options.multipartCopyThresholdBytes ?? MAX_COPY_OBJECT_BYTES;
  needs(Number.isSafeInteger(threshold) && threshold >= MIN_PART_SIZE && threshold <= MAX_COPY_OBJECT_BYTES,
    () => new InvalidArgumentError('rewrapObject: multipartCopyThresholdBytes must be from 5 MiB to 5 GiB'));
  const requestedPartSize = options.multipartCopyPartSize ?? DEFAULT_COPY_PART_SIZE;
  needs(Number.isSafeInteger(requestedPartSize) && requestedPartSize >= MIN_PART_SIZE && requestedPartSize <= MAX_COPY_OBJECT_BYTES,
    () => new InvalidArgumentError('rewrapObject: multipartCopyPartSize must be from 5 MiB to 5 GiB'));
  needs(head.SSECustomerAlgorithm === undefined, () => new InvalidArgumentError('rewrapObject: SSE-C objects are not supported'));
  const size = head.ContentLength;
  const multipart = size !== undefined && size > threshold;
  needs(!multipart || MULTIPART_METHODS.every((m) => typeof client[m] === 'function'), () => new S3EncryptionError('OBJECT_TOO_LARGE_FOR_COPY',
    `rewrapObject: ${key} is ${size} bytes, over the single-copy threshold, and the client has no ${MULTIPART_METHODS.join('/')}`));
  const { metadata, formatVersion } = await rewrapMetadata(objectMetadata, options);
  const newMetadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(objectMetadata)) {
    if (!S3EC_KEYS.includes(k.toLowerCase())) newMetadata[k] = v;
  }
  Object.assign(newMetadata, metadata);
  const copySource = `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
  const restated = {
    Metadata: newMetadata,
    ...pick(head, ['ContentType', 'ContentEncoding', 'ContentDisposition', 'ContentLanguage', 'CacheControl']),
    // Without these a copy falls back to STANDARD and the bucket's default encryption.
    ...(oneOf(head.StorageClass, STORAGE_CLASSES) ? { StorageClass: head.StorageClass } : {}),
    ...(oneOf(head.ServerSideEncryption, SERVER_SIDE_ENCRYPTIONS) ? { ServerSideEncryption: head.ServerSideEncryption } : {}),
    ...(head.ServerSideEncryption === 'aws:kms' || head.ServerSideEncryption === 'aws:kms:dsse'
      ? pick(head, ['SSEKMSKeyId', 'BucketKeyEnabled']) : {}),
  };
  const ifMatch = head.ETag !== undefined ? { CopySourceIfMatch: head.ETag } : {};
  if (multipart) {
    const partSize = Math.max(requestedPartSize, Math.ceil((size as number) / MAX_PARTS));
    const full = client as Required<typeof client>;
    const { etag, parts } = await multipartCopy(full, bucket, key, copySource, size as number, partSize, restated, ifMatch);
    return { key, mode: 'metadata', formatVersion, etag, parts };
  }
  const input: S3CopyObjectInput = {
    Bucket: bucket, Key: key, CopySource: copySource, MetadataDirective: 'REPLACE', TaggingDirective: 'COPY', ...ifMatch, ...restated,
  };
  const copied = await client.copyObject(input);
  return { key, mode: 'metadata', formatVersion, etag: copied.CopyObjectResult?.ETag };
}

/** The object metadata merged with the instruction file `instructionKey` (bounded read). */
async function withInstructionFile(client: Pick<S3ClientLike, 'getObject'>, bucket: string, key: string, instructionKey: string,
  objectMetadata: Record<string, string>): Promise<Record<string, string>> {
  const out = await client.getObject({ Bucket: bucket, Key: instructionKey }).catch((e: unknown) => {
    if (isNotFound(e)) {
      throw new UnsupportedFormatError(`${key} has no S3EC metadata and no instruction file ${instructionKey}`, { cause: e });
    }
    throw e;
  });
  if (out.ContentLength !== undefined && out.ContentLength > MAX_INSTRUCTION_FILE_BYTES) {
    discardResponseBody(out.Body);
    throw new MetadataTooLargeError(`instruction file ${instructionKey} is ${out.ContentLength} bytes; at most ${MAX_INSTRUCTION_FILE_BYTES} are accepted`);
  }
  const body = await readBoundedResponseBody(out.Body, MAX_INSTRUCTION_FILE_BYTES, `instruction file ${instructionKey}`);
  return mergeInstructionFile(objectMetadata, body.toString('utf8'));
}

/**
 * Whether the object as stored now (its metadata, or the instruction file under the suffix rewrapObject would
 * write) already has its data key wrapped for the target keyring: the target unwraps it (and, for V3, the key
 * matches the commitment). rewrapObjects uses it to recognise objects a crashed run re-wrapped after its last
 * saved checkpoint. Never throws for a key or format problem: that is `false`.
 */
export async function isWrappedForTarget(options: RewrapObjectOptions): Promise<boolean> {
  const { client, bucket, key } = options;
  const head = await client.headObject({ Bucket: bucket, Key: key });
  const objectMetadata = head.Metadata ?? {};
  let dataKey: Uint8Array | undefined;
  try {
    const suffix = options.newInstructionFileSuffix ?? options.instructionFileSuffix ?? INSTRUCTION_FILE_SUFFIX;
    const metadata = requiresInstructionFile(objectMetadata)
      ? await withInstructionFile(client, bucket, key, key + suffix, objectMetadata)
      : objectMetadata;
    const parsed = parseContentMetadata(metadata);
    const targetContext = options.targetContext
      ?? (parsed.wrapAlgorithm === WRAP_ALG_KMS_CONTEXT ? callerContextOf(parsed.materialsDescription) : {});
    dataKey = await options.targetKeyring.onDecrypt(decryptionRequestFor(parsed, targetContext));
    if (parsed.version === 'V3') verifyCommitment(dataKey, parsed.messageId as Buffer, parsed.commitment as Buffer);
    return true;
  } catch (e) {
    if (e instanceof S3EncryptionError) return false;
    throw e;
  } finally {
    dataKey?.fill(0);
  }
}

const MULTIPART_METHODS: readonly MultipartCopyMethods[] = [
  'createMultipartUpload', 'uploadPartCopy', 'completeMultipartUpload', 'abortMultipartUpload', 'getObjectTagging',
];

/**
 * Copy an object onto itself in parts with new metadata. Tags are read first and restated on the new upload
 * (a multipart upload does not copy them). The object is replaced only by CompleteMultipartUpload; on any
 * failure the upload is aborted (an abort failure is attached to the error, never hides it).
 */
async function multipartCopy(client: Required<Pick<S3ClientLike, MultipartCopyMethods>>, bucket: string, key: string, copySource: string,
  size: number, partSize: number, restated: Omit<S3CreateMultipartUploadInput, 'Bucket' | 'Key'>, ifMatch: { CopySourceIfMatch?: string },
): Promise<{ etag?: string; parts: number }> {
  const tagging = await client.getObjectTagging({ Bucket: bucket, Key: key });
  const tags = new URLSearchParams((tagging.TagSet ?? []).map((t): [string, string] => [t.Key ?? '', t.Value ?? ''])).toString();
  const created = await client.createMultipartUpload({ Bucket: bucket, Key: key, ...restated, ...(tags ? { Tagging: tags } : {}) });
  const uploadId = created.UploadId;
  needs(typeof uploadId === 'string' && uploadId.length > 0, () => new S3EncryptionError('S3_RESPONSE', 'CreateMultipartUpload returned no UploadId'));
  try {
    const parts: S3CompletedPart[] = [];
    for (let start = 0, n = 1; start < size; start += partSize, n++) {
      const end = Math.min(size, start + partSize) - 1;
      const out = await client.uploadPartCopy({
        Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: n, CopySource: copySource, CopySourceRange: `bytes=${start}-${end}`, ...ifMatch,
      });
      const etag = out.CopyPartResult?.ETag;
      needs(typeof etag === 'string', () => new S3EncryptionError('S3_RESPONSE', `UploadPartCopy returned no ETag for part ${n}`));
      parts.push({ ETag: etag, PartNumber: n });
    }
    const done = await client.completeMultipartUpload({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } });
    return { etag: done.ETag, parts: parts.length };
  } catch (e) {
    try {
      await client.abortMultipartUpload({ Bucket: bucket, Key: key, UploadId: uploadId });
    } catch (abortError) {
      if (e !== null && typeof e === 'object') Object.assign(e, { abortError });
    }
    throw e;
  }
}

const STORAGE_CLASSES: readonly S3StorageClass[] = [
  'STANDARD', 'REDUCED_REDUNDANCY', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER', 'DEEP_ARCHIVE', 'GLACIER_IR',
];
const SERVER_SIDE_ENCRYPTIONS: readonly S3ServerSideEncryption[] = ['AES256', 'aws:kms', 'aws:kms:dsse'];

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[]): value is T {
  return value !== undefined && (allowed as readonly string[]).includes(value);
}

function pick<T extends object, F extends keyof T>(from: T, fields: readonly F[]): Partial<Pick<T, F>> {
  const out: Partial<Pick<T, F>> = {};
  for (const f of fields) {
    if (from[f] !== undefined && from[f] !== null) out[f] = from[f];
  }
  return out;
}

function isNotFound(e: unknown): boolean {
  const err = e as { name?: unknown; $metadata?: { httpStatusCode?: unknown } } | undefined;
  return err?.name === 'NoSuchKey' || err?.name === 'NotFound' || err?.$metadata?.httpStatusCode === 404;
}
