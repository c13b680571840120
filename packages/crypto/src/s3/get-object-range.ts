/**
 * Read and decrypt a byte range of an S3EC object. UNAUTHENTICATED: the GCM
 * tag covers the whole object, so a ranged read cannot detect tampering of
 * the bytes it returns. It is refused unless the caller sets
 * `allowUnauthenticatedRangedReads: true` (the Java client likewise refuses
 * ranged reads unless legacy unauthenticated modes are enabled). V3 still
 * checks the key commitment, so a wrong or swapped data key is detected.
 *
 * The range is widened to whole AES blocks (see `widenRange`), fetched with
 * one ranged GetObject (metadata and bytes from the same response), and
 * trimmed. `end` past the end of the plaintext is clamped, like HTTP; a
 * `start` at or past the end is an InvalidArgumentError.
 */
import { widenRange } from '../cipher/ctr-range-decryption';
import { InvalidArgumentError, needs, S3EncryptionError } from '../errors';
import { requireBucketAndKey } from './require-bucket-and-key';
import { resolveObjectMetadata } from './resolve-object-metadata';
import { discardResponseBody, readResponseBody } from './response-body';
import { S3ClientLike, S3GetObjectOutput } from './s3-client';
import type { EnvelopeCipher } from '../cipher/envelope-cipher';
import { GCM_TAG_LENGTH } from '../format/algorithm-suite';
import { EncryptionContext } from '../keyring/keyring';

export interface GetObjectRangeOptions {
  /** `new S3({})` fits. */
  readonly client: Pick<S3ClientLike, 'getObject'>;
  readonly cipher: Pick<EnvelopeCipher, 'decryptRange'>;
  readonly bucket: string;
  readonly key: string;
  /** Plaintext byte range `[start, end]`, end INCLUSIVE (like HTTP `Range: bytes=start-end`). */
  readonly range: readonly [number, number];
  /** The encryption context the object must have been written with. @default {} */
  readonly context?: EncryptionContext;
  /** Must be `true`: the bytes returned are not authenticated. */
  readonly allowUnauthenticatedRangedReads: boolean;
}

export async function getObjectRange(options: GetObjectRangeOptions): Promise<Buffer> {
  const { client, cipher, bucket, key, context } = options;
  needs(options.allowUnauthenticatedRangedReads === true, () => new InvalidArgumentError(
    'getObjectRange: ranged reads are not authenticated; set allowUnauthenticatedRangedReads: true to opt in, or use getDecryptedObject'));
  requireBucketAndKey('getObjectRange', bucket, key);
  needs(Array.isArray(options.range) && options.range.length === 2, () => new InvalidArgumentError('getObjectRange: range must be [start, end]'));
  const range = { start: options.range[0], end: options.range[1] };
  const widened = widenRange(range); // validates 0 <= start <= end (integers)

  let out: S3GetObjectOutput;
  try {
    out = await client.getObject({ Bucket: bucket, Key: key, Range: `bytes=${widened.start}-${widened.end}` });
  } catch (e) {
    if (isInvalidRange(e)) throw startPastEnd(range.start, { cause: e });
    throw e;
  }
  let metadata;
  let position: { start: number; total?: number };
  try {
    position = parseContentRange(out.ContentRange);
    metadata = await resolveObjectMetadata({ client, bucket, key, objectMetadata: out.Metadata ?? {} });
  } catch (e) {
    discardResponseBody(out.Body);
    throw e;
  }
  const ciphertext = await readResponseBody(out.Body);
  // No Content-Range: the server sent the whole object.
  const ciphertextLength = position.total ?? ciphertext.length;
  if (range.start >= ciphertextLength - GCM_TAG_LENGTH) throw startPastEnd(range.start);
  return cipher.decryptRange(ciphertext, metadata, {
    context,
    allowUnauthenticatedRangedReads: true,
    range,
    ciphertextStart: position.start,
    ciphertextLength,
  });
}

/** `bytes a-b/total` -> { start: a, total }; absent -> whole object from 0. */
function parseContentRange(value: string | undefined): { start: number; total?: number } {
  if (value === undefined) return { start: 0 };
  const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(value.trim());
  needs(m !== null, () => new S3EncryptionError('S3_RESPONSE', `unexpected Content-Range ${JSON.stringify(value)}`));
  return { start: Number(m[1]), total: Number(m[3]) };
}

function isInvalidRange(e: unknown): boolean {
  const err = e as { name?: unknown; $metadata?: { httpStatusCode?: unknown } } | undefined;
  return err?.name === 'InvalidRange' || err?.$metadata?.httpStatusCode === 416;
}

function startPastEnd(start: number, options?: { cause: unknown }): InvalidArgumentError {
  return new InvalidArgumentError(`getObjectRange: range start ${start} is at or past the end of the plaintext`, options);
}
