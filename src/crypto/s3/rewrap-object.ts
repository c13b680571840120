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
 * Limits: CopyObject copies at most 5 GiB; larger metadata objects are refused (OBJECT_TOO_LARGE_FOR_COPY)
 * rather than copied in parts (not implemented). SSE-C objects are not supported (the copy would need the
 * customer key). On a versioned bucket the previous version, wrapped under the old key, remains.
 */
import { InvalidArgumentError, MetadataTooLargeError, needs, S3EncryptionError, UnsupportedFormatError } from '../errors';
import { checkLocation } from './check-location';
import { INSTRUCTION_FILE_OBJECT_METADATA, INSTRUCTION_FILE_SUFFIX, MAX_INSTRUCTION_FILE_BYTES, serializeInstructionFile } from './instruction-file';
import { discardResponseBody, readBoundedResponseBody } from './response-body';
import { S3ClientLike, S3CopyObjectInput, S3ServerSideEncryption, S3StorageClass } from './s3-client';
import { mergeInstructionFile, requiresInstructionFile, splitForInstructionFile } from '../format/content-metadata';
import * as K from '../format/metadata-keys';
import { rewrapMetadata, RewrapMetadataOptions } from '../rewrap/rewrap-metadata';

/** The largest object a single CopyObject copies. */
export const MAX_COPY_OBJECT_BYTES = 5 * 1024 ** 3;

export interface RewrapObjectOptions extends RewrapMetadataOptions {
  /** `new S3({})` fits. */
  readonly client: Pick<S3ClientLike, 'headObject' | 'getObject' | 'putObject' | 'copyObject'>;
  readonly bucket: string;
  readonly key: string;
  /** Suffix of the instruction file read (objects whose metadata is not on the object). @default '.instruction' */
  readonly instructionFileSuffix?: string;
  /**
   * Suffix of the instruction file written. A different suffix leaves the old instruction file in place (the
   * old key still reads the object through it; delete it when done). @default the suffix read
   */
  readonly newInstructionFileSuffix?: string;
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
    const instructionKey = key + suffix;
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
    const merged = mergeInstructionFile(objectMetadata, body.toString('utf8'));
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

  needs(head.ContentLength === undefined || head.ContentLength <= MAX_COPY_OBJECT_BYTES, () => new S3EncryptionError('OBJECT_TOO_LARGE_FOR_COPY',
    `rewrapObject: ${key} is ${head.ContentLength} bytes; CopyObject copies at most 5 GiB and multipart copy is not implemented`));
  needs(head.SSECustomerAlgorithm === undefined, () => new InvalidArgumentError('rewrapObject: SSE-C objects are not supported'));
  const { metadata, formatVersion } = await rewrapMetadata(objectMetadata, options);
  const newMetadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(objectMetadata)) {
    if (!S3EC_KEYS.includes(k.toLowerCase())) newMetadata[k] = v;
  }
  Object.assign(newMetadata, metadata);
  const input: S3CopyObjectInput = {
    Bucket: bucket,
    Key: key,
    CopySource: `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`,
    MetadataDirective: 'REPLACE',
    Metadata: newMetadata,
    TaggingDirective: 'COPY',
    ...(head.ETag !== undefined ? { CopySourceIfMatch: head.ETag } : {}),
    ...pick(head, ['ContentType', 'ContentEncoding', 'ContentDisposition', 'ContentLanguage', 'CacheControl']),
    // Without these a copy falls back to STANDARD and the bucket's default encryption.
    ...(oneOf(head.StorageClass, STORAGE_CLASSES) ? { StorageClass: head.StorageClass } : {}),
    ...(oneOf(head.ServerSideEncryption, SERVER_SIDE_ENCRYPTIONS) ? { ServerSideEncryption: head.ServerSideEncryption } : {}),
    ...(head.ServerSideEncryption === 'aws:kms' || head.ServerSideEncryption === 'aws:kms:dsse'
      ? pick(head, ['SSEKMSKeyId', 'BucketKeyEnabled']) : {}),
  };
  const copied = await client.copyObject(input);
  return { key, mode: 'metadata', formatVersion, etag: copied.CopyObjectResult?.ETag };
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
