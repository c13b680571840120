/**
 * rewrapObject: rotate the wrapping key of one stored S3EC object without re-encrypting its content.
 *
 * Every write is conditional on the state read (S3 conditional requests), so a concurrent writer or deleter is
 * never overwritten and a deleted object never comes back; S3's refusal is an ObjectChangedError ("object
 * changed during rotation"). After the write the stored state is read back and compared with what was written
 * before the result is returned.
 *
 * - Metadata on the object: a CopyObject of the object onto itself with `MetadataDirective: REPLACE`, the new
 *   S3EC metadata and every other user metadata entry kept, and every header a copy can keep restated from
 *   HeadObject: content type, encoding, disposition, language, cache control, Expires, WebsiteRedirectLocation,
 *   storage class, server-side encryption (SSE-S3 / SSE-KMS key, bucket key, and the SSE-KMS context the caller
 *   gives, as S3 does not return it), checksum algorithm, Object Lock retention and legal hold; tags are copied
 *   (TaggingDirective COPY). `CopySourceIfMatch` and `IfMatch` both pin the ETag read. One request: the object
 *   has either its old or its new metadata, never a mix.
 * - Metadata in an instruction file: one PutObject of the new instruction file with If-Match on the ETag of the
 *   instruction file read (a new suffix: If-None-Match, or If-Match on what is there), between two HeadObjects
 *   that check the object still has the ETag read; the object is not touched. V3 keeps x-amz-c, x-amz-d, x-amz-i
 *   on the object (unchanged: same message id and commitment).
 * - Metadata objects above `multipartCopyThresholdBytes` (5 GiB, CopyObject's limit): a multipart copy onto the
 *   object itself (CreateMultipartUpload with the new metadata, headers and tags; UploadPartCopy of every range
 *   with CopySourceIfMatch; CompleteMultipartUpload with If-Match). The object changes only at the completion;
 *   any failure aborts the upload and leaves it untouched.
 *
 * Not kept (S3 cannot): the object's Last-Modified date and, on a versioned bucket, its version id (the copy is
 * a new version; the previous one, wrapped under the old key, remains until deleted). SSE-C objects are not
 * supported (the copy would need the customer key).
 */
import { InvalidArgumentError, MetadataTooLargeError, needs, S3EncryptionError, UnsupportedFormatError } from '../errors';
import { INSTRUCTION_FILE_OBJECT_METADATA, INSTRUCTION_FILE_SUFFIX, MAX_INSTRUCTION_FILE_BYTES, serializeInstructionFile } from './instruction-file';
import { requireBucketAndKey } from './require-bucket-and-key';
import { discardResponseBody, readBoundedResponseBody } from './response-body';
import {
  S3ChecksumAlgorithm, S3ClientLike, S3CompletedPart, S3CopyObjectInput, S3CreateMultipartUploadInput, S3HeadObjectOutput, S3RestatedHeaders,
  S3ServerSideEncryption, S3StorageClass,
} from './s3-client';
import { WRAP_ALG_KMS_CONTEXT } from '../format/algorithm-suite';
import { mergeInstructionFile, parseContentMetadata, requiresInstructionFile, splitForInstructionFile } from '../format/content-metadata';
import { verifyCommitment } from '../format/key-derivation';
import * as K from '../format/metadata-keys';
import { decryptionRequestFor } from '../keyring/decryption-request';
import { EncryptionContext, Keyring } from '../keyring/keyring';
import { callerContextOf } from '../keyring/kms-keyring';
import { ObjectChangedError, ObjectLockError } from '../rewrap/rewrap-errors';
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
  /**
   * Metadata objects larger than this are copied in parts. 0 to 5 GiB (below the part size an object is one part,
   * which S3 allows for the last part). @default 5 GiB (CopyObject's limit)
   */
  readonly multipartCopyThresholdBytes?: number;
  /** Part size of a multipart copy, 5 MiB to 5 GiB (raised as needed to stay within 10,000 parts). @default 512 MiB */
  readonly multipartCopyPartSize?: number;
  /**
   * The source context of this object, from its key and the context stored with its wrapped key (KMS: the
   * encryption context without the reserved keys; raw AES: the material description). Return `stored` to accept
   * what the object says (KMS still authenticates it); a multi-tenant bucket maps the key to its tenant.
   * @default `sourceContext` for every object
   */
  readonly sourceContextFor?: (key: string, stored: EncryptionContext) => EncryptionContext | Promise<EncryptionContext>;
  /**
   * Object Lock on a metadata object (rewritten by a copy): `restate` copies its retention and legal hold onto
   * the new object (S3 needs s3:PutObjectRetention / s3:PutObjectLegalHold; if it refuses, the object fails with
   * ObjectLockError and nothing is written); `refuse` fails such objects with ObjectLockError. @default 'restate'
   */
  readonly objectLock?: 'restate' | 'refuse';
  /**
   * The SSE-KMS encryption context (base64 JSON, as S3's x-amz-server-side-encryption-context) to restate on a
   * copied SSE-KMS object. S3 does not return it on HeadObject and does not copy it.
   * @default none: the copy has only S3's default context
   */
  readonly serverSideEncryptionContextFor?: (key: string) => string | undefined | Promise<string | undefined>;
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
  /** ETag of the object when it was read; every write was conditional on it. */
  readonly sourceEtag?: string;
}

const S3EC_KEYS: readonly string[] = [...K.V1_V2_KEYS, ...K.V3_KEYS, K.KEY_UNENCRYPTED_CONTENT_LENGTH];

function checkSuffix(suffix: string, what: string): void {
  needs(typeof suffix === 'string' && suffix.length > 0 && suffix.length <= 256, () => new InvalidArgumentError(`rewrapObject: ${what} must be a non-empty string`));
}

/**
 * Re-wrap one object's data key; see the module comment. Every write is conditional on what was read; the
 * result is returned only after the stored state was read back and found to be what was written. Throws typed
 * errors: ObjectChangedError when another writer got there first (nothing of theirs overwritten), ObjectLockError,
 * the keyrings' errors; on any error nothing was written (except as ObjectChangedError says).
 */
export async function rewrapObject(options: RewrapObjectOptions): Promise<RewrapObjectResult> {
  const { client, bucket, key } = options;
  requireBucketAndKey('rewrapObject', bucket, key);
  const suffix = options.instructionFileSuffix ?? INSTRUCTION_FILE_SUFFIX;
  const newSuffix = options.newInstructionFileSuffix ?? suffix;
  checkSuffix(suffix, 'instructionFileSuffix');
  checkSuffix(newSuffix, 'newInstructionFileSuffix');
  targetPrimary(options.targetKeyring);
  const head = await client.headObject({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' });
  const objectEtag = head.ETag;
  needs(typeof objectEtag === 'string' && objectEtag.length > 0, () => new S3EncryptionError('S3_RESPONSE', `HeadObject of ${key} returned no ETag`));
  const objectMetadata = head.Metadata ?? {};

  if (requiresInstructionFile(objectMetadata)) {
    return rewrapInstructionFile(options, head, objectEtag, key + suffix, key + newSuffix);
  }

  const threshold = options.multipartCopyThresholdBytes ?? MAX_COPY_OBJECT_BYTES;
  needs(Number.isSafeInteger(threshold) && threshold >= 0 && threshold <= MAX_COPY_OBJECT_BYTES,
    () => new InvalidArgumentError('rewrapObject: multipartCopyThresholdBytes must be from 0 to 5 GiB'));
  const requestedPartSize = options.multipartCopyPartSize ?? DEFAULT_COPY_PART_SIZE;
  needs(Number.isSafeInteger(requestedPartSize) && requestedPartSize >= MIN_PART_SIZE && requestedPartSize <= MAX_COPY_OBJECT_BYTES,
    () => new InvalidArgumentError('rewrapObject: multipartCopyPartSize must be from 5 MiB to 5 GiB'));
  needs(head.SSECustomerAlgorithm === undefined, () => new InvalidArgumentError('rewrapObject: SSE-C objects are not supported'));
  const size = head.ContentLength;
  const multipart = size !== undefined && size > threshold;
  needs(!multipart || MULTIPART_METHODS.every((m) => typeof client[m] === 'function'), () => new S3EncryptionError('OBJECT_TOO_LARGE_FOR_COPY',
    `rewrapObject: ${key} is ${size} bytes, over the single-copy threshold, and the client has no ${MULTIPART_METHODS.join('/')}`));
  const locked = head.ObjectLockMode !== undefined || head.ObjectLockLegalHoldStatus === 'ON';
  needs(!locked || options.objectLock !== 'refuse', () => new ObjectLockError(
    `rewrapObject: ${key} is under Object Lock (${describeLock(head)}) and objectLock is 'refuse'; nothing written`));
  const { metadata, formatVersion } = await rewrapMetadata(objectMetadata, await withSourceContext(options, objectMetadata));
  const newMetadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(objectMetadata)) {
    if (!S3EC_KEYS.includes(k.toLowerCase())) newMetadata[k] = v;
  }
  Object.assign(newMetadata, metadata);
  const copySource = `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
  const sseContext = await options.serverSideEncryptionContextFor?.(key);
  const restated: S3RestatedHeaders & { Metadata: Record<string, string> } = { Metadata: newMetadata, ...restatedHeaders(head, sseContext) };
  try {
    if (multipart) {
      const partSize = Math.max(requestedPartSize, Math.ceil((size as number) / MAX_PARTS));
      const full = client as Required<typeof client>;
      const { etag, parts } = await multipartCopy(full, bucket, key, copySource, size as number, partSize, restated, objectEtag);
      await verifyObjectMetadata(client, bucket, key, metadata, etag);
      return { key, mode: 'metadata', formatVersion, etag, parts, sourceEtag: objectEtag };
    }
    const input: S3CopyObjectInput = {
      Bucket: bucket,
      Key: key,
      CopySource: copySource,
      MetadataDirective: 'REPLACE',
      TaggingDirective: 'COPY',
      // The copy reads the object as it was read here, and replaces only that object.
      CopySourceIfMatch: objectEtag,
      IfMatch: objectEtag,
      ...restated,
    };
    const copied = await client.copyObject(input);
    const etag = copied.CopyObjectResult?.ETag;
    await verifyObjectMetadata(client, bucket, key, metadata, etag);
    return { key, mode: 'metadata', formatVersion, etag, sourceEtag: objectEtag };
  } catch (e) {
    throw translateWriteError(e, key, locked ? head : undefined);
  }
}

/**
 * Instruction-file mode: the instruction file is replaced only if it is still the one read (If-Match on its ETag;
 * a deleted one is not re-created: If-Match on a missing key is 404), and only while the object is still the one
 * read (HeadObject If-Match just before, and again after the write). A different new suffix is written with
 * If-None-Match (or If-Match on what is there).
 */
async function rewrapInstructionFile(options: RewrapObjectOptions, head: S3HeadObjectOutput, objectEtag: string,
  instructionKey: string, newInstructionKey: string): Promise<RewrapObjectResult> {
  const { client, bucket, key } = options;
  const objectMetadata = head.Metadata ?? {};
  const read = await readInstructionFile(client, bucket, key, instructionKey, objectMetadata, objectEtag);
  let rewrapped: Awaited<ReturnType<typeof rewrapMetadata>>;
  try {
    rewrapped = await rewrapMetadata(read.merged, await withSourceContext(options, read.merged));
  } catch (e) {
    // The object and its instruction file are read by two requests: a writer in between pairs the old object with
    // the new instruction file (a commitment mismatch, say). That is a change, not a bad object.
    await expectObjectUnchanged(client, bucket, key, objectEtag);
    await expectObjectUnchanged(client, bucket, instructionKey, read.etag);
    throw e;
  }
  const { metadata, formatVersion } = rewrapped;
  const split = splitForInstructionFile(metadata);
  // V3: the keys that stay on the object must be the ones already there (same message id and commitment).
  for (const [k, v] of Object.entries(split.objectMetadata)) {
    needs(objectMetadata[k] === v, () => new S3EncryptionError('INTERNAL', `rewrap changed ${k}, which lives on the object`));
  }
  const bytes = serializeInstructionFile(split.instructionFile);
  let condition: { IfMatch: string } | { IfNoneMatch: '*' } = { IfMatch: read.etag };
  if (newInstructionKey !== instructionKey) {
    const existing = await client.headObject({ Bucket: bucket, Key: newInstructionKey }).catch((e: unknown) => {
      if (isNotFound(e)) return undefined;
      throw e;
    });
    condition = existing?.ETag !== undefined ? { IfMatch: existing.ETag } : { IfNoneMatch: '*' };
  }
  try {
    await expectObjectUnchanged(client, bucket, key, objectEtag);
    const put = await client.putObject({
      Bucket: bucket,
      Key: newInstructionKey,
      Body: bytes,
      ContentLength: bytes.length,
      Metadata: { ...INSTRUCTION_FILE_OBJECT_METADATA },
      ...condition,
    });
    // Read back: the instruction file is ours, and (last) the object is still the one whose data key was re-wrapped.
    const stored = await getBounded(client, bucket, newInstructionKey);
    needs(stored.equals(bytes), () => new ObjectChangedError(
      `object changed during rotation: ${newInstructionKey} is not what was written (another writer replaced it)`));
    await expectObjectUnchanged(client, bucket, key, objectEtag);
    return { key, mode: 'instruction-file', instructionFileKey: newInstructionKey, formatVersion, etag: put.ETag, sourceEtag: objectEtag };
  } catch (e) {
    throw translateWriteError(e, key, undefined);
  }
}

async function readInstructionFile(client: Pick<S3ClientLike, 'getObject' | 'headObject'>, bucket: string, key: string, instructionKey: string,
  objectMetadata: Record<string, string>, objectEtag: string): Promise<{ merged: Record<string, string>; etag: string }> {
  const out = await client.getObject({ Bucket: bucket, Key: instructionKey }).catch(async (e: unknown) => {
    if (isNotFound(e)) {
      // Deleted meanwhile (object and instruction file), or never had one.
      await expectObjectUnchanged(client, bucket, key, objectEtag).catch((changed: unknown) => {
        throw translateWriteError(changed, key, undefined);
      });
      throw new UnsupportedFormatError(`${key} has no S3EC metadata and no instruction file ${instructionKey}`, { cause: e });
    }
    throw e;
  });
  if (out.ContentLength !== undefined && out.ContentLength > MAX_INSTRUCTION_FILE_BYTES) {
    discardResponseBody(out.Body);
    throw new MetadataTooLargeError(`instruction file ${instructionKey} is ${out.ContentLength} bytes; at most ${MAX_INSTRUCTION_FILE_BYTES} are accepted`);
  }
  const etag = out.ETag;
  const body = await readBoundedResponseBody(out.Body, MAX_INSTRUCTION_FILE_BYTES, `instruction file ${instructionKey}`);
  needs(typeof etag === 'string' && etag.length > 0, () => new S3EncryptionError('S3_RESPONSE', `GetObject of ${instructionKey} returned no ETag`));
  return { merged: mergeInstructionFile(objectMetadata, body.toString('utf8')), etag };
}

async function getBounded(client: Pick<S3ClientLike, 'getObject'>, bucket: string, key: string): Promise<Buffer> {
  const out = await client.getObject({ Bucket: bucket, Key: key });
  return readBoundedResponseBody(out.Body, MAX_INSTRUCTION_FILE_BYTES, `instruction file ${key}`);
}

/** HeadObject: the object must still have the ETag read (ObjectChangedError when it changed or is gone). */
async function expectObjectUnchanged(client: Pick<S3ClientLike, 'headObject'>, bucket: string, key: string, etag: string): Promise<void> {
  let now: S3HeadObjectOutput;
  try {
    now = await client.headObject({ Bucket: bucket, Key: key });
  } catch (e) {
    if (isNotFound(e)) throw new ObjectChangedError(`object changed during rotation: ${key} was deleted`, { cause: e });
    throw e;
  }
  needs(now.ETag === etag, () => new ObjectChangedError(`object changed during rotation: ${key} was replaced`));
}

/** After a copy: the stored S3EC metadata is exactly what was written (and the ETag the one the write returned). */
async function verifyObjectMetadata(client: Pick<S3ClientLike, 'headObject'>, bucket: string, key: string,
  written: Record<string, string>, etag: string | undefined): Promise<void> {
  let now: S3HeadObjectOutput;
  try {
    now = await client.headObject({ Bucket: bucket, Key: key });
  } catch (e) {
    if (isNotFound(e)) throw new ObjectChangedError(`object changed during rotation: ${key} was deleted after the rewrite`, { cause: e });
    throw e;
  }
  const stored = now.Metadata ?? {};
  const same = Object.entries(written).every(([k, v]) => stored[k] === v) && (etag === undefined || now.ETag === etag);
  needs(same, () => new ObjectChangedError(`object changed during rotation: ${key} was replaced after the rewrite`));
}

/** The keyring that proves identity with the target's primary key (InvalidArgumentError if the target has none). */
export function targetPrimary(targetKeyring: Keyring): Keyring {
  const primary = typeof targetKeyring?.primaryKeyOnly === 'function' ? targetKeyring.primaryKeyOnly() : undefined;
  needs(primary !== undefined && typeof primary.onDecrypt === 'function', () => new InvalidArgumentError(
    'rewrap: the target keyring has no primaryKeyOnly(), so a stored wrap cannot be proven to be under its key'));
  return primary;
}

async function withSourceContext(options: RewrapObjectOptions, metadata: Record<string, string>): Promise<RewrapObjectOptions> {
  if (options.sourceContextFor === undefined) return options;
  const parsed = parseContentMetadata(metadata);
  const stored = parsed.wrapAlgorithm === WRAP_ALG_KMS_CONTEXT ? callerContextOf(parsed.materialsDescription) : { ...parsed.materialsDescription };
  const sourceContext = await options.sourceContextFor(options.key, Object.freeze(stored));
  needs(sourceContext !== null && typeof sourceContext === 'object', () => new InvalidArgumentError('rewrap: sourceContextFor must return a string map'));
  return { ...options, sourceContext };
}

/** Every header a copy can keep, read from HeadObject (what S3 would otherwise reset). */
function restatedHeaders(head: S3HeadObjectOutput, sseContext: string | undefined): S3RestatedHeaders {
  const kms = head.ServerSideEncryption === 'aws:kms' || head.ServerSideEncryption === 'aws:kms:dsse';
  const checksum = CHECKSUMS.find(([field]) => head[field] !== undefined)?.[1];
  return {
    ...pick(head, ['ContentType', 'ContentEncoding', 'ContentDisposition', 'ContentLanguage', 'CacheControl', 'Expires', 'WebsiteRedirectLocation']),
    // Without these a copy falls back to STANDARD and the bucket's default encryption.
    ...(oneOf(head.StorageClass, STORAGE_CLASSES) ? { StorageClass: head.StorageClass } : {}),
    ...(oneOf(head.ServerSideEncryption, SERVER_SIDE_ENCRYPTIONS) ? { ServerSideEncryption: head.ServerSideEncryption } : {}),
    ...(kms ? pick(head, ['SSEKMSKeyId', 'BucketKeyEnabled']) : {}),
    ...(kms && sseContext !== undefined ? { SSEKMSEncryptionContext: sseContext } : {}),
    ...(checksum !== undefined ? { ChecksumAlgorithm: checksum } : {}),
    ...(oneOf(head.ObjectLockMode, LOCK_MODES) && head.ObjectLockRetainUntilDate !== undefined
      ? { ObjectLockMode: head.ObjectLockMode, ObjectLockRetainUntilDate: head.ObjectLockRetainUntilDate } : {}),
    ...(head.ObjectLockLegalHoldStatus === 'ON' ? { ObjectLockLegalHoldStatus: 'ON' as const } : {}),
  };
}

function describeLock(head: S3HeadObjectOutput): string {
  const parts: string[] = [];
  if (head.ObjectLockMode !== undefined) parts.push(`${head.ObjectLockMode} retention until ${head.ObjectLockRetainUntilDate?.toISOString?.() ?? '?'}`);
  if (head.ObjectLockLegalHoldStatus === 'ON') parts.push('legal hold');
  return parts.join(', ');
}

/** S3's refusal of a conditional write becomes ObjectChangedError; a refused Object Lock restatement ObjectLockError. */
function translateWriteError(e: unknown, key: string, lockedHead: S3HeadObjectOutput | undefined): unknown {
  if (e instanceof S3EncryptionError) return e;
  const err = e as { name?: unknown; Code?: unknown; $metadata?: { httpStatusCode?: unknown } } | undefined;
  const status = err?.$metadata?.httpStatusCode;
  const name = err?.name ?? err?.Code;
  if (status === 412 || status === 409 || name === 'PreconditionFailed' || name === 'ConditionalRequestConflict' || isNotFound(e)) {
    return new ObjectChangedError(`object changed during rotation: S3 refused the conditional write of ${key} (${String(name ?? status)}); nothing was overwritten`, { cause: e });
  }
  if (lockedHead !== undefined && (status === 403 || name === 'AccessDenied')) {
    return new ObjectLockError(`rewrapObject: ${key} is under Object Lock (${describeLock(lockedHead)}) and S3 refused to restate it on the rewritten `
      + 'object (needs s3:PutObjectRetention / s3:PutObjectLegalHold); nothing written', { cause: e });
  }
  return e;
}

/**
 * Whether the object as stored now (its metadata, or the instruction file under the suffix rewrapObject would
 * write) has its data key wrapped by the target keyring's PRIMARY key: `primaryKeyOnly()` of the target unwraps
 * it (and, for V3, the key matches the commitment). A keyring that can also read older keys does not count them.
 * rewrapObjects uses it to recognise objects a crashed run re-wrapped. Never throws for a key or format problem:
 * that is `false`.
 */
export async function isWrappedForTarget(options: RewrapObjectOptions): Promise<boolean> {
  const { client, bucket, key } = options;
  const primary = targetPrimary(options.targetKeyring);
  const head = await client.headObject({ Bucket: bucket, Key: key });
  const objectMetadata = head.Metadata ?? {};
  let dataKey: Uint8Array | undefined;
  try {
    const suffix = options.newInstructionFileSuffix ?? options.instructionFileSuffix ?? INSTRUCTION_FILE_SUFFIX;
    const metadata = requiresInstructionFile(objectMetadata)
      ? (await readInstructionFile(client, bucket, key, key + suffix, objectMetadata, head.ETag ?? '')).merged
      : objectMetadata;
    const parsed = parseContentMetadata(metadata);
    const targetContext = options.targetContext
      ?? (parsed.wrapAlgorithm === WRAP_ALG_KMS_CONTEXT ? callerContextOf(parsed.materialsDescription) : {});
    dataKey = await primary.onDecrypt(decryptionRequestFor(parsed, targetContext));
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
  size: number, partSize: number, restated: Omit<S3CreateMultipartUploadInput, 'Bucket' | 'Key'>, sourceEtag: string,
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
        Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: n, CopySource: copySource, CopySourceRange: `bytes=${start}-${end}`, CopySourceIfMatch: sourceEtag,
      });
      const etag = out.CopyPartResult?.ETag;
      needs(typeof etag === 'string', () => new S3EncryptionError('S3_RESPONSE', `UploadPartCopy returned no ETag for part ${n}`));
      parts.push({ ETag: etag, PartNumber: n });
    }
    // The object changes only here, and only if it is still the one whose parts were copied.
    const done = await client.completeMultipartUpload({
      Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts }, IfMatch: sourceEtag,
    });
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
const LOCK_MODES = ['GOVERNANCE', 'COMPLIANCE'] as const;
const CHECKSUMS: ReadonlyArray<readonly [keyof S3HeadObjectOutput, S3ChecksumAlgorithm]> = [
  ['ChecksumCRC64NVME', 'CRC64NVME'], ['ChecksumCRC32', 'CRC32'], ['ChecksumCRC32C', 'CRC32C'], ['ChecksumSHA1', 'SHA1'], ['ChecksumSHA256', 'SHA256'],
];

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
