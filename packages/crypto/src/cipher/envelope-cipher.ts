/**
 * EnvelopeCipher: client-side envelope encryption of whole objects and streams in the
 * Amazon S3 Encryption Client format (V3 key-committing by default, V2 on request).
 *
 * Spec: s3-encryption/encryption.md, decryption.md, key-derivation.md, data-format/content-metadata.md.
 */
import { createDecipheriv, randomBytes as nodeRandomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { pipeline, Readable } from 'node:stream';
import {
  InvalidArgumentError, needs, S3EncryptionError, TamperedCiphertextError, TruncatedCiphertextError, UnsupportedFormatError,
} from '../errors';
import { AuthenticatedGcmDecryptStream } from './authenticated-decrypt';
import { claimBytes } from './buffer-claims';
import { ContentParams, gcmDecryptor, gcmEncryptor, GCM_MAX_PLAINTEXT_BYTES } from './content-params';
import { decryptRange as decryptRangePure } from './ctr-range-decryption';
import { GcmEncryptTransform, GcmUnauthenticatedDecryptTransform, LegacyCbcDecryptTransform } from './gcm-streams';
import {
  DecryptBufferOptions, DecryptRangeOptions, DecryptStreamOptions, EncryptOptions, EncryptResult, EncryptStreamOptions,
  EncryptStreamResult, EnvelopeCipherOptions, ObjectMetadata, RandomBytesFn,
} from './types';
import {
  CEK_ALG_AES_GCM, CEK_ALG_V3_COMMITTING, DATA_KEY_LENGTH, FormatVersion, GCM_IV_LENGTH, GCM_TAG_LENGTH, MESSAGE_ID_LENGTH,
} from '../format/algorithm-suite';
import { CEK_ALG_AES_CBC, ContentMetadata, parseContentMetadata, writeContentMetadata } from '../format/content-metadata';
import { deriveCommitment, deriveContentKey, V3_CONTENT_AAD, V3_CONTENT_IV, verifyCommitment } from '../format/key-derivation';
import { decryptionRequestFor } from '../keyring/decryption-request';
import { EncryptionContext, Keyring } from '../keyring/keyring';

/**
 * Default of `maxInMemoryBytes`: the Java client's default buffer for authenticated reads
 * (S3EncryptionClientUtilities.DEFAULT_BUFFER_SIZE_BYTES = 64 MiB; spec client.md#set-buffer-size). Java
 * refuses larger objects unless delayed authentication is on; this cipher spools them instead.
 */
export const DEFAULT_MAX_IN_MEMORY_BYTES = 64 * 1024 * 1024;
/**
 * Slice size of whole-buffer encryption and decryption into a fresh result: each `update` output
 * (node:crypto allocates one per call) stays cache-sized and is copied into the one result buffer. 64 KiB
 * slices measured at or above 1 MiB slices and one `update` over the whole body (BENCHMARKS.md).
 */
const SLICE_BYTES = 64 * 1024;

/** Everything needed to encrypt one object's content, plus its metadata. */
interface PreparedEncryption {
  readonly params: ContentParams;
  readonly metadata: ObjectMetadata;
}

function freezeContext(context: EncryptionContext | undefined): EncryptionContext {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(context ?? {})) {
    needs(typeof v === 'string', () => new InvalidArgumentError(`context value for ${k} must be a string`));
    out[k] = v;
  }
  return Object.freeze(out);
}

export class EnvelopeCipher {
  public readonly formatVersion: FormatVersion;
  private readonly keyring: Keyring;
  private readonly allowV2Decrypt: boolean;
  private readonly allowLegacyV1Decrypt: boolean;
  private readonly tempDir: string;
  private readonly maxInMemoryBytes: number;
  private readonly randomBytes: RandomBytesFn;

  constructor(options: EnvelopeCipherOptions) {
    needs(options.keyring && typeof options.keyring.onEncrypt === 'function' && typeof options.keyring.onDecrypt === 'function',
      () => new InvalidArgumentError('EnvelopeCipher: keyring is required'));
    const version = options.formatVersion ?? 'V3';
    needs(version === 'V3' || version === 'V2', () => new InvalidArgumentError('EnvelopeCipher: formatVersion must be V3 or V2'));
    const maxInMemoryBytes = options.maxInMemoryBytes ?? DEFAULT_MAX_IN_MEMORY_BYTES;
    needs(Number.isSafeInteger(maxInMemoryBytes) && maxInMemoryBytes >= 0,
      () => new InvalidArgumentError('EnvelopeCipher: maxInMemoryBytes must be a non-negative integer'));
    this.keyring = options.keyring;
    this.formatVersion = version;
    this.allowV2Decrypt = options.allowV2Decrypt ?? true;
    this.allowLegacyV1Decrypt = options.allowLegacyV1Decrypt ?? false;
    this.tempDir = options.tempDir ?? tmpdir();
    this.maxInMemoryBytes = maxInMemoryBytes;
    this.randomBytes = options.randomBytes ?? nodeRandomBytes;
  }

  /** Encrypt a whole object. */
  public async encrypt(plaintext: Uint8Array, options: EncryptOptions = {}): Promise<EncryptResult> {
    needs(plaintext instanceof Uint8Array, () => new InvalidArgumentError('plaintext must be a Uint8Array'));
    needs(plaintext.length <= GCM_MAX_PLAINTEXT_BYTES, () => new InvalidArgumentError('plaintext exceeds the AES-GCM limit'));
    const prepared = await this.prepareEncryption(freezeContext(options.context), plaintext.length);
    try {
      const cipher = gcmEncryptor(prepared.params);
      // One result allocation (a single update plus Buffer.concat would copy the whole object twice).
      const ciphertext = Buffer.allocUnsafe(plaintext.length + GCM_TAG_LENGTH);
      let written = 0;
      for (let offset = 0; offset < plaintext.length; offset += SLICE_BYTES) {
        written += cipher.update(plaintext.subarray(offset, offset + SLICE_BYTES)).copy(ciphertext, written);
      }
      written += cipher.final().copy(ciphertext, written);
      written += cipher.getAuthTag().copy(ciphertext, written);
      needs(written === ciphertext.length, () => new S3EncryptionError('INTERNAL', 'AES-GCM produced an unexpected ciphertext length'));
      return { ciphertext, metadata: prepared.metadata };
    } finally {
      prepared.params.key.fill(0);
    }
  }

  /** Encrypt a stream; the metadata is returned before any byte flows (the data key is wrapped first). */
  public async encryptStream(plaintext: Readable, options: EncryptStreamOptions = {}): Promise<EncryptStreamResult> {
    needs(isReadable(plaintext), () => new InvalidArgumentError('plaintext must be a Readable stream'));
    const prepared = await this.prepareEncryption(freezeContext(options.context), options.plaintextLength);
    let transform: GcmEncryptTransform;
    try {
      transform = new GcmEncryptTransform(prepared.params, options.plaintextLength);
    } finally {
      // node:crypto copied the key into the cipher context.
      prepared.params.key.fill(0);
    }
    pipeline(plaintext, transform, () => undefined);
    return { stream: transform, metadata: prepared.metadata };
  }

  /**
   * Decrypt a whole object; throws a typed S3EncryptionError and returns no plaintext on any failure.
   * With `inPlace: true` the plaintext is written over `ciphertext` (see `DecryptBufferOptions`).
   */
  public async decrypt(ciphertext: Uint8Array, metadata: ObjectMetadata, options: DecryptBufferOptions = {}): Promise<Buffer> {
    needs(ciphertext instanceof Uint8Array, () => new InvalidArgumentError('ciphertext must be a Uint8Array'));
    const parsed = this.parse(metadata);
    const inPlace = options.inPlace === true;
    needs(!(inPlace && parsed.contentAlgorithm === CEK_ALG_AES_CBC),
      () => new InvalidArgumentError('inPlace decryption is not available for legacy AES-CBC objects (their plaintext is shorter than the ciphertext); decrypt without inPlace'));
    if (parsed.contentAlgorithm !== CEK_ALG_AES_CBC) {
      // A GCM body is at least the 16-byte tag.
      needs(ciphertext.length >= GCM_TAG_LENGTH, () => new TruncatedCiphertextError('ciphertext is shorter than the 16-byte GCM tag'));
      checkLength(parsed, ciphertext.length);
    }
    // Claimed before the first await: another call on these bytes now refuses instead of racing this one.
    const release = claimBytes(ciphertext, inPlace);
    try {
      const length = ciphertext.byteLength;
      const params = await this.contentParams(parsed, freezeContext(options.context));
      try {
        // The caller may have transferred (detached) or resized the buffer while the data key was unwrapped.
        needs(ciphertext.byteLength === length, () => new InvalidArgumentError(
          'the ciphertext buffer was detached or resized during decryption; keep it unchanged until decrypt settles'));
        if (params.legacyCbc) {
          return decryptLegacyCbc(params, ciphertext);
        }
        return decryptGcm(params, ciphertext, inPlace);
      } finally {
        params.key.fill(0);
      }
    } finally {
      release();
    }
  }

  /**
   * Decrypt a stream. By default no plaintext byte is emitted before the whole object is
   * authenticated (bounded memory: large objects spool ciphertext to a private temp file).
   * With `allowUnauthenticatedStreaming: true` plaintext flows as it decrypts and the stream
   * errors at the end on tag failure. Key unwrap and commitment failures reject the promise.
   */
  public async decryptStream(ciphertext: Readable, metadata: ObjectMetadata, options: DecryptStreamOptions = {}): Promise<Readable> {
    needs(isReadable(ciphertext), () => new InvalidArgumentError('ciphertext must be a Readable stream'));
    let params: ContentParams;
    try {
      const declared = options.ciphertextLength;
      needs(declared === undefined || (Number.isSafeInteger(declared) && declared >= GCM_TAG_LENGTH), () => new InvalidArgumentError(
        `ciphertextLength must be an integer of at least ${GCM_TAG_LENGTH} (the tag), got ${String(declared)}`));
      const parsed = this.parse(metadata);
      params = await this.contentParams(parsed, freezeContext(options.context));
    } catch (e) {
      ciphertext.destroy();
      throw e;
    }
    try {
      if (params.legacyCbc) {
        // Legacy V1 AES-CBC has no tag; the allowLegacyV1Decrypt opt-in accepts that.
        const legacy = new LegacyCbcDecryptTransform(params);
        pipeline(ciphertext, legacy, () => undefined);
        return legacy;
      }
      if (options.allowUnauthenticatedStreaming === true) {
        const transform = new GcmUnauthenticatedDecryptTransform(params);
        pipeline(ciphertext, transform, () => undefined);
        return transform;
      }
      // Destroying the output also destroys the source, so a first pass waiting on a stalled source ends
      // and the cleanup (temp file removal) runs promptly.
      return new AuthenticatedGcmDecryptStream(ciphertext, params, {
        maxInMemoryBytes: this.maxInMemoryBytes,
        tempDir: this.tempDir,
        ...(options.ciphertextLength !== undefined ? { ciphertextLength: options.ciphertextLength } : {}),
      });
    } finally {
      params.key.fill(0);
    }
  }

  /**
   * Decrypt part of an object from a block-aligned ciphertext slice (see widenRange).
   * UNAUTHENTICATED (the tag covers the whole object): requires `allowUnauthenticatedRangedReads: true`.
   * V3 still verifies the key commitment before deriving the key.
   */
  public async decryptRange(ciphertext: Uint8Array, metadata: ObjectMetadata, options: DecryptRangeOptions): Promise<Buffer> {
    // decryption.md#ranged-gets; the Java client refuses ranged reads unless unauthenticated modes are enabled.
    needs(options.allowUnauthenticatedRangedReads === true,
      () => new InvalidArgumentError('ranged reads are unauthenticated; set allowUnauthenticatedRangedReads: true to opt in'));
    const parsed = this.parse(metadata);
    needs(parsed.contentAlgorithm !== CEK_ALG_AES_CBC, () => new UnsupportedFormatError('ranged reads of legacy AES/CBC objects are not supported'));
    const params = await this.contentParams(parsed, freezeContext(options.context));
    try {
      return decryptRangePure({
        contentKey: params.key,
        iv: params.iv,
        ciphertext,
        ciphertextStart: options.ciphertextStart,
        ciphertextLength: options.ciphertextLength,
        range: options.range,
      });
    } finally {
      params.key.fill(0);
    }
  }

  private parse(metadata: ObjectMetadata): ContentMetadata {
    needs(metadata !== null && typeof metadata === 'object', () => new InvalidArgumentError('metadata must be a string map'));
    const parsed = parseContentMetadata(metadata, { allowLegacy: this.allowLegacyV1Decrypt });
    // decryption.md#key-commitment: validate the suite against the commitment policy before decrypting.
    needs(parsed.version === 'V3' || this.allowV2Decrypt || parsed.version === 'V1',
      () => new UnsupportedFormatError('object uses the non-committing V2 format and allowV2Decrypt is false'));
    return parsed;
  }

  private async prepareEncryption(context: EncryptionContext, plaintextLength?: number): Promise<PreparedEncryption> {
    const version = this.formatVersion;
    const materials = await this.keyring.onEncrypt({
      formatVersion: version,
      encryptionContext: context,
      ...(plaintextLength !== undefined ? { plaintextLength } : {}),
    });
    const dataKey = materials.dataKey;
    try {
      needs(dataKey instanceof Uint8Array && dataKey.length === DATA_KEY_LENGTH,
        () => new InvalidArgumentError('keyring returned a data key that is not 32 bytes'));
      if (version === 'V2') {
        const iv = Buffer.from(this.randomBytes(GCM_IV_LENGTH));
        needs(iv.length === GCM_IV_LENGTH, () => new InvalidArgumentError('randomBytes returned the wrong length'));
        const metadata = writeContentMetadata({
          version,
          encryptedDataKey: materials.encryptedDataKey,
          wrapAlgorithm: materials.wrapAlgorithm,
          materialsDescription: materials.materialsDescription,
          iv,
        });
        return { params: { key: Buffer.from(dataKey), iv }, metadata };
      }
      // key-derivation.md#hkdf-operation: message id = fresh random 28 bytes (the "generated IV").
      const messageId = Buffer.from(this.randomBytes(MESSAGE_ID_LENGTH));
      needs(messageId.length === MESSAGE_ID_LENGTH, () => new InvalidArgumentError('randomBytes returned the wrong length'));
      const commitment = deriveCommitment(dataKey, messageId);
      const metadata = writeContentMetadata({
        version,
        encryptedDataKey: materials.encryptedDataKey,
        wrapAlgorithm: materials.wrapAlgorithm,
        materialsDescription: materials.materialsDescription,
        messageId,
        commitment,
      });
      return { params: { key: deriveContentKey(dataKey, messageId), iv: V3_CONTENT_IV, aad: V3_CONTENT_AAD }, metadata };
    } finally {
      dataKey.fill(0);
    }
  }

  /** Unwrap the data key and turn it into content parameters (verifying the V3 commitment first). */
  private async contentParams(parsed: ContentMetadata, expectedContext: EncryptionContext): Promise<ContentParams> {
    let dataKey: Uint8Array;
    try {
      dataKey = await this.keyring.onDecrypt(decryptionRequestFor(parsed, expectedContext));
    } catch (e) {
      if (e instanceof S3EncryptionError) {
        throw e;
      }
      throw new S3EncryptionError('KEYRING_ERROR', 'keyring failed to decrypt the data key', { cause: e });
    }
    try {
      needs(dataKey instanceof Uint8Array && dataKey.length === DATA_KEY_LENGTH,
        () => new InvalidArgumentError('keyring returned a data key that is not 32 bytes'));
      if (parsed.contentAlgorithm === CEK_ALG_V3_COMMITTING) {
        const messageId = parsed.messageId as Buffer;
        // decryption.md#decrypting-with-commitment: verify (constant time) BEFORE deriving the encryption key.
        verifyCommitment(dataKey, messageId, parsed.commitment as Buffer);
        return { key: deriveContentKey(dataKey, messageId), iv: V3_CONTENT_IV, aad: V3_CONTENT_AAD };
      }
      if (parsed.contentAlgorithm === CEK_ALG_AES_GCM) {
        return { key: Buffer.from(dataKey), iv: parsed.iv as Buffer };
      }
      return { key: Buffer.from(dataKey), iv: parsed.iv as Buffer, legacyCbc: true };
    } finally {
      dataKey.fill(0);
    }
  }
}

/** A Node.js Readable (or anything stream.pipeline and for-await accept as one). */
function isReadable(s: unknown): s is Readable {
  return s instanceof Readable || (s !== null && typeof s === 'object' && typeof (s as Readable).pipe === 'function'
    && typeof (s as Readable).destroy === 'function' && Symbol.asyncIterator in s);
}

function checkLength(parsed: ContentMetadata, ciphertextLength: number): void {
  if (parsed.unencryptedContentLength !== undefined) {
    needs(ciphertextLength >= parsed.unencryptedContentLength + GCM_TAG_LENGTH,
      () => new TruncatedCiphertextError('ciphertext is shorter than x-amz-unencrypted-content-length + tag'));
  }
}

/** Whole-buffer AES-GCM: the plaintext, or a TamperedCiphertextError with every written byte zeroed. */
function decryptGcm(params: ContentParams, ciphertext: Uint8Array, inPlace: boolean): Buffer {
  const bodyLength = ciphertext.length - GCM_TAG_LENGTH;
  const body = ciphertext.subarray(0, bodyLength);
  const decipher = gcmDecryptor(params);
  decipher.setAuthTag(ciphertext.subarray(bodyLength));
  const target = inPlace ? Buffer.from(body.buffer, body.byteOffset, body.length) : Buffer.allocUnsafe(body.length);
  const plaintext = decryptInto(decipher, body, target);
  try {
    decipher.final();
  } catch {
    // In place, the whole buffer handed over is zeroed (plaintext and tag alike).
    (inPlace ? Buffer.from(ciphertext.buffer, ciphertext.byteOffset, ciphertext.length) : plaintext).fill(0);
    throw new TamperedCiphertextError('content tag mismatch: object tampered with or wrong key');
  }
  return plaintext;
}

function decryptLegacyCbc(params: ContentParams, ciphertext: Uint8Array): Buffer {
  try {
    const d = createDecipheriv('aes-256-cbc', params.key, params.iv);
    return Buffer.concat([d.update(ciphertext), d.final()]);
  } catch {
    throw new TamperedCiphertextError('legacy AES/CBC decryption failed (bad padding: wrong key or modified object)');
  }
}

/**
 * Decrypt `body` slice by slice into `target` (its own memory for in-place decryption, or one fresh buffer).
 * GCM is a stream cipher, so slice i of the plaintext has the length and offset of slice i of the body.
 * node:crypto has no `updateInto`, so one slice-sized buffer per `update` is the only other allocation.
 */
function decryptInto(decipher: ReturnType<typeof gcmDecryptor>, body: Uint8Array, target: Buffer): Buffer {
  for (let offset = 0; offset < body.length; offset += SLICE_BYTES) {
    const end = Math.min(offset + SLICE_BYTES, body.length);
    decipher.update(body.subarray(offset, end)).copy(target, offset);
  }
  return target;
}
