/**
 * Streaming AES-GCM for the S3EC content format (tag appended to the ciphertext).
 *
 * - {@link GcmEncryptTransform}: plaintext in, ciphertext || tag out.
 * - {@link GcmUnauthenticatedDecryptTransform}: releases plaintext as it decrypts (explicit opt-in only)
 *   and errors at the end if the tag does not verify.
 * - {@link LegacyCbcDecryptTransform}: legacy V1 AES-CBC (unauthenticated, opt-in only).
 *
 * Authenticate-before-release decryption (the default) is in authenticated-decrypt.ts.
 */
import { createDecipheriv } from 'node:crypto';
import { Transform, TransformCallback } from 'node:stream';
import { InvalidArgumentError, TamperedCiphertextError, TruncatedCiphertextError } from '../errors';
import { ContentParams, gcmDecryptor, gcmEncryptor, GCM_MAX_PLAINTEXT_BYTES } from './content-params';
import { GCM_TAG_LENGTH } from '../format/algorithm-suite';

/** Stream chunk size. */
export const CHUNK_SIZE = 64 * 1024;
const EMPTY = Buffer.alloc(0);

/** A stream chunk as a Buffer (no copy for Buffer and Uint8Array). */
export function asBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) {
    return chunk;
  }
  if (chunk instanceof Uint8Array) {
    return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
  if (typeof chunk === 'string') {
    return Buffer.from(chunk, 'utf8');
  }
  const kind = chunk === null ? 'null' : typeof chunk === 'object' ? (chunk.constructor?.name ?? 'object') : typeof chunk;
  throw new InvalidArgumentError(`stream chunks must be Buffer, Uint8Array or string, got ${kind}`);
}

/**
 * Options of every transform here: bytes out (64 KiB buffer), but the writable side in object mode, so a
 * chunk of any type reaches `_transform` and fails there with a typed InvalidArgumentError through the
 * stream's error path. (A byte-mode writable fed from an object-mode source throws ERR_INVALID_ARG_TYPE
 * synchronously inside the source's 'data' handler: an uncaught exception that ends the process.)
 * Backpressure on the writable side counts chunks: one is queued (as the byte-mode 64 KiB mark did for the
 * usual 64 KiB or larger chunks).
 */
export const BYTE_TRANSFORM_OPTIONS = Object.freeze({
  readableHighWaterMark: CHUNK_SIZE,
  writableObjectMode: true,
  writableHighWaterMark: 1,
});

/** Plaintext in, ciphertext with the 16-byte tag appended out. */
export class GcmEncryptTransform extends Transform {
  private readonly cipher;
  private total = 0;

  /**
   * @param expectedLength the plaintext length the caller declared, if any: a
   * stream that turns out longer or shorter fails (before the tag is emitted,
   * so no valid ciphertext results), because keyrings such as a data-key cache
   * budget bytes by the declared length.
   */
  constructor(params: ContentParams, private readonly expectedLength?: number) {
    super(BYTE_TRANSFORM_OPTIONS);
    this.cipher = gcmEncryptor(params);
  }

  public _transform(chunk: unknown, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      const buf = asBuffer(chunk);
      this.total += buf.length;
      if (this.total > GCM_MAX_PLAINTEXT_BYTES) {
        throw new RangeError('plaintext exceeds the AES-GCM limit of 2^39-256 bits');
      }
      if (this.expectedLength !== undefined && this.total > this.expectedLength) {
        throw new InvalidArgumentError(`plaintext stream is longer than the declared plaintextLength (${this.expectedLength} bytes)`);
      }
      const out = this.cipher.update(buf);
      cb(null, out.length > 0 ? out : undefined);
    } catch (e) {
      cb(e as Error);
    }
  }

  public _flush(cb: TransformCallback): void {
    try {
      if (this.expectedLength !== undefined && this.total !== this.expectedLength) {
        throw new InvalidArgumentError(
          `plaintext stream ended after ${this.total} bytes, but plaintextLength declared ${this.expectedLength}`);
      }
      const last = this.cipher.final();
      if (last.length > 0) {
        this.push(last);
      }
      this.push(this.cipher.getAuthTag());
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }
}

/**
 * Splits a byte stream into "body" and the trailing 16 bytes (the tag) without knowing
 * the length in advance. Holds back the latest chunk (at least 16 bytes when available), so
 * every input chunk yields at most one body piece: one cipher update per chunk, no small pieces.
 */
export class TagSplitter {
  private pending: Buffer = EMPTY;

  /** Feed a chunk; returns the body bytes that are now known not to be part of the tag. */
  public push(chunk: Buffer): Buffer[] {
    if (chunk.length === 0) {
      return [];
    }
    if (chunk.length >= GCM_TAG_LENGTH) {
      const body = this.pending;
      this.pending = chunk;
      return body.length > 0 ? [body] : [];
    }
    // A short chunk: keep the last 16 bytes of pending || chunk.
    const keepFromPending = GCM_TAG_LENGTH - chunk.length;
    if (this.pending.length <= keepFromPending) {
      this.pending = Buffer.concat([this.pending, chunk]);
      return [];
    }
    const cut = this.pending.length - keepFromPending;
    const body = this.pending.subarray(0, cut);
    this.pending = Buffer.concat([this.pending.subarray(cut), chunk]);
    return [body];
  }

  /** Body bytes still held back (everything but the last 16 bytes), once the input ended. */
  public finalBody(): Buffer {
    return this.pending.length > GCM_TAG_LENGTH ? this.pending.subarray(0, this.pending.length - GCM_TAG_LENGTH) : EMPTY;
  }

  /** The tag, once the input ended; TruncatedCiphertextError if fewer than 16 bytes were seen in total. */
  public tag(): Buffer {
    if (this.pending.length < GCM_TAG_LENGTH) {
      throw new TruncatedCiphertextError('ciphertext is shorter than the 16-byte GCM tag');
    }
    return Buffer.from(this.pending.subarray(this.pending.length - GCM_TAG_LENGTH));
  }
}

/** Decrypts as data arrives (UNAUTHENTICATED until the end); errors at the end on tag failure. */
export class GcmUnauthenticatedDecryptTransform extends Transform {
  private readonly decipher;
  private readonly splitter = new TagSplitter();

  constructor(params: ContentParams) {
    super(BYTE_TRANSFORM_OPTIONS);
    this.decipher = gcmDecryptor(params);
  }

  public _transform(chunk: unknown, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      for (const body of this.splitter.push(asBuffer(chunk))) {
        const out = this.decipher.update(body);
        if (out.length > 0) {
          this.push(out);
        }
      }
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  public _flush(cb: TransformCallback): void {
    try {
      const tag = this.splitter.tag();
      const out = this.decipher.update(this.splitter.finalBody());
      if (out.length > 0) {
        this.push(out);
      }
      this.decipher.setAuthTag(tag);
    } catch (e) {
      cb(e as Error);
      return;
    }
    try {
      this.decipher.final();
    } catch {
      cb(new TamperedCiphertextError('content tag mismatch: object tampered with or wrong key'));
      return;
    }
    cb();
  }
}

/** Legacy V1 AES-CBC (unauthenticated; only behind allowLegacyV1Decrypt). Padding errors become TamperedCiphertextError. */
export class LegacyCbcDecryptTransform extends Transform {
  private readonly decipher;

  constructor(params: ContentParams) {
    super(BYTE_TRANSFORM_OPTIONS);
    this.decipher = createDecipheriv('aes-256-cbc', params.key, params.iv);
  }

  public _transform(chunk: unknown, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      const out = this.decipher.update(asBuffer(chunk));
      cb(null, out.length > 0 ? out : undefined);
    } catch (e) {
      cb(e as Error);
    }
  }

  public _flush(cb: TransformCallback): void {
    try {
      cb(null, this.decipher.final());
    } catch {
      cb(new TamperedCiphertextError('legacy AES/CBC decryption failed (bad padding: wrong key or modified object)'));
    }
  }
}
