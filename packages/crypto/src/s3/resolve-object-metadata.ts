/**
 * Find the S3EC content metadata of an object: its own user metadata, or,
 * when that holds no wrapped data key, merged with its instruction file
 * (key + `.instruction`), per content-metadata.md#determining-s3ec-object-status.
 */
import { ObjectMetadata } from '../cipher/types';
import { MetadataTooLargeError, UnsupportedFormatError } from '../errors';
import { instructionFileKey, MAX_INSTRUCTION_FILE_BYTES } from './instruction-file';
import { discardResponseBody, readBoundedResponseBody } from './response-body';
import { S3ClientLike } from './s3-client';
import { mergeInstructionFile, requiresInstructionFile } from '../format/content-metadata';

export interface ResolveObjectMetadataOptions {
  readonly client: Pick<S3ClientLike, 'getObject'>;
  readonly bucket: string;
  readonly key: string;
  /** The object's user metadata (keys without `x-amz-meta-`), from its GetObject / HeadObject response. */
  readonly objectMetadata: ObjectMetadata;
}

/** The metadata to hand to the cipher. A missing instruction file is an UnsupportedFormatError. */
export async function resolveObjectMetadata(options: ResolveObjectMetadataOptions): Promise<ObjectMetadata> {
  const { client, bucket, key, objectMetadata } = options;
  if (!requiresInstructionFile(objectMetadata)) return objectMetadata;
  let body: Buffer;
  try {
    const out = await client.getObject({ Bucket: bucket, Key: instructionFileKey(key) });
    if (out.ContentLength !== undefined && out.ContentLength > MAX_INSTRUCTION_FILE_BYTES) {
      // Refused before a byte of the body is read.
      discardResponseBody(out.Body);
      throw new MetadataTooLargeError(
        `instruction file ${instructionFileKey(key)} is ${out.ContentLength} bytes; at most ${MAX_INSTRUCTION_FILE_BYTES} are accepted`);
    }
    body = await readBoundedResponseBody(out.Body, MAX_INSTRUCTION_FILE_BYTES, `instruction file ${instructionFileKey(key)}`);
  } catch (e) {
    if (isNotFound(e)) {
      throw new UnsupportedFormatError(
        `${key} has no S3EC metadata and no instruction file ${instructionFileKey(key)}: not an S3EC object, or its instruction file was lost`,
        { cause: e });
    }
    throw e;
  }
  return mergeInstructionFile(objectMetadata, body.toString('utf8'));
}

function isNotFound(e: unknown): boolean {
  const err = e as { name?: unknown; $metadata?: { httpStatusCode?: unknown } } | undefined;
  return err?.name === 'NoSuchKey' || err?.name === 'NotFound' || err?.$metadata?.httpStatusCode === 404;
}
