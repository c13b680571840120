/**
 * Encrypt on the client and store in S3 in the S3 Encryption Client format.
 *
 * - Any body whose ciphertext (plaintext + 16-byte tag) is at least `partSize`
 *   bytes goes through a multipart upload, encrypted part by part as it is
 *   sent; a shorter one is encrypted in memory and sent with one PutObject.
 *   Memory beyond the body itself: about one part (plus the cipher's
 *   short-lived output until the next GC); no object-sized ciphertext exists.
 *   A 256 MiB `Uint8Array` with 8 MiB parts measures 40-49 MiB above it; the
 *   bound is one part plus V8's 64 MiB external-memory soft limit, after
 *   which V8 collects that output (packages/crypto/test/s3-put-memory.heavy.test.ts).
 * - A `Uint8Array` body is read through views: never copied, never modified.
 *   Do not change it until the returned promise settles.
 * - A `Readable` body is encrypted as it streams (consumed, then destroyed).
 * - On failure the multipart upload is aborted and the error rethrown (see
 *   {@link uploadCiphertext}).
 * - Only ciphertext and metadata are sent: the plaintext never reaches S3.
 * - Metadata goes on the object (`x-amz-meta-*`, the default), or with
 *   `instructionFile: true` to `key + '.instruction'` (V2: all of it; V3: all
 *   but `x-amz-c`, `x-amz-d`, `x-amz-i`, which stay on the object), written
 *   after the object. If that second write fails the object cannot be read
 *   (its metadata is incomplete or pairs with an older instruction file, which
 *   decryption detects); write again.
 */
import { Readable } from 'node:stream';
import { INSTRUCTION_FILE_OBJECT_METADATA, instructionFileKey, serializeInstructionFile } from './instruction-file';
import type { EnvelopeCipher } from '../cipher/envelope-cipher';
import { CHUNK_SIZE } from '../cipher/gcm-streams';
import { EncryptStreamResult, ObjectMetadata } from '../cipher/types';
import { InvalidArgumentError, needs } from '../errors';
import { requireBucketAndKey } from './require-bucket-and-key';
import { checkPartSize, DEFAULT_PART_SIZE, uploadCiphertext, UploadCiphertextResult, UploadClient } from './upload-ciphertext';
import { GCM_TAG_LENGTH } from '../format/algorithm-suite';
import { splitForInstructionFile } from '../format/content-metadata';
import { EncryptionContext } from '../keyring/keyring';

export interface PutEncryptedObjectOptions {
  /** `new S3({})` fits. */
  readonly client: UploadClient;
  /** Encrypts the body; its keyring and format version decide the metadata. */
  readonly cipher: Pick<EnvelopeCipher, 'encrypt' | 'encryptStream'>;
  readonly bucket: string;
  readonly key: string;
  /** The plaintext. */
  readonly body: Uint8Array | Readable;
  /** Encryption context (KMS) / extra material description (raw AES). @default {} */
  readonly context?: EncryptionContext;
  /** Store the metadata in an instruction file instead of on the object. @default false */
  readonly instructionFile?: boolean;
  /**
   * Multipart part size, 5 MiB to 5 GiB, for every body: a ciphertext of at
   * least this many bytes is a multipart upload, a shorter one a single PutObject.
   * @default 8 MiB
   */
  readonly partSize?: number;
  /** Plaintext length of a stream body, if known (lets a caching keyring count bytes). @default unknown */
  readonly plaintextLength?: number;
}

export interface PutEncryptedObjectResult {
  /** All S3EC metadata of the object (wherever it was stored). */
  readonly metadata: ObjectMetadata;
  /** The user metadata set on the object. */
  readonly objectMetadata: ObjectMetadata;
  /** Key of the instruction file written, if any. */
  readonly instructionFileKey?: string;
  /** Whether a multipart upload was used. */
  readonly multipart: boolean;
  readonly parts: number;
  /** Bytes stored in the object (plaintext + 16-byte tag). */
  readonly ciphertextLength: number;
  readonly etag?: string;
}

export async function putEncryptedObject(options: PutEncryptedObjectOptions): Promise<PutEncryptedObjectResult> {
  const { client, cipher, bucket, key, body, context } = options;
  requireBucketAndKey('putEncryptedObject', bucket, key);
  const partSize = options.partSize ?? DEFAULT_PART_SIZE;
  checkPartSize(partSize);
  needs(body instanceof Uint8Array || body instanceof Readable,
    () => new InvalidArgumentError('putEncryptedObject: body must be a Uint8Array or a Readable'));
  const placeMetadata = (metadata: ObjectMetadata): Placement =>
    (options.instructionFile === true ? splitForInstructionFile(metadata) : { objectMetadata: metadata });

  let metadata: ObjectMetadata;
  let placement: Placement;
  let upload: UploadCiphertextResult;
  if (body instanceof Uint8Array && body.length + GCM_TAG_LENGTH < partSize) {
    // Shorter than one part: encrypted whole (no more memory than a part) into a Buffer the SDK can resend.
    const encrypted = await cipher.encrypt(body, { context });
    metadata = encrypted.metadata;
    placement = placeMetadata(metadata);
    const out = await client.putObject({
      Bucket: bucket, Key: key, Body: encrypted.ciphertext, ContentLength: encrypted.ciphertext.length, Metadata: { ...placement.objectMetadata },
    });
    upload = { multipart: false, parts: 1, ciphertextLength: encrypted.ciphertext.length, etag: out.ETag };
  } else {
    // A Uint8Array of a part or more streams from views of itself: part by part, no ciphertext copy of the object.
    const plaintext = body instanceof Uint8Array ? viewStream(body) : body;
    const plaintextLength = body instanceof Uint8Array ? body.length : options.plaintextLength;
    let encrypted: EncryptStreamResult;
    try {
      encrypted = await cipher.encryptStream(plaintext, { context, ...(plaintextLength !== undefined ? { plaintextLength } : {}) });
    } catch (e) {
      plaintext.destroy(); // we own the stream: do not leave it open
      throw e;
    }
    metadata = encrypted.metadata;
    placement = placeMetadata(metadata);
    try {
      upload = await uploadCiphertext({ client, bucket, key, partSize, metadata: placement.objectMetadata, source: encrypted.stream });
    } finally {
      // Stops reading the plaintext if the upload ended early (no-op after a full read).
      encrypted.stream.destroy();
    }
  }

  if (placement.instructionFile !== undefined) {
    const bytes = serializeInstructionFile(placement.instructionFile);
    await client.putObject({
      Bucket: bucket, Key: instructionFileKey(key), Body: bytes, ContentLength: bytes.length, Metadata: { ...INSTRUCTION_FILE_OBJECT_METADATA },
    });
  }
  return {
    metadata,
    objectMetadata: placement.objectMetadata,
    ...(placement.instructionFile !== undefined ? { instructionFileKey: instructionFileKey(key) } : {}),
    ...upload,
  };
}

/**
 * The bytes of `body` as a stream of 64 KiB views into it (no copy; nothing writes to them). Each
 * cipher update allocates its output, so the slices stay small: that garbage lasts until the next
 * GC, and 8 MiB slices measured about 30 MiB more peak RSS for a 256 MiB body than 64 KiB ones.
 */
function viewStream(body: Uint8Array): Readable {
  const whole = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  let offset = 0;
  return new Readable({
    highWaterMark: CHUNK_SIZE,
    read() {
      while (offset < whole.length) {
        const view = whole.subarray(offset, offset + CHUNK_SIZE);
        offset += view.length;
        if (!this.push(view)) return;
      }
      this.push(null);
    },
  });
}

interface Placement {
  readonly objectMetadata: ObjectMetadata;
  readonly instructionFile?: ObjectMetadata;
}
