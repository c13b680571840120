/**
 * Option and result types of {@link EnvelopeCipher}.
 */
import type { Readable } from 'node:stream';
import { FormatVersion } from '../format/algorithm-suite';
import { EncryptionContext, Keyring } from '../keyring/keyring';

/** Object metadata as a plain map, keys WITHOUT the `x-amz-meta-` prefix. */
export type ObjectMetadata = Record<string, string>;

/** Source of randomness; tests inject a deterministic one. Must return exactly `size` bytes. */
export type RandomBytesFn = (size: number) => Uint8Array;

export interface EnvelopeCipherOptions {
  /** Wraps / unwraps data keys. */
  readonly keyring: Keyring;
  /** Format written by encrypt. @default 'V3' (key-committing suite 0x0073) */
  readonly formatVersion?: FormatVersion;
  /** Read V2 objects. @default true (V2 is authenticated AES-GCM; set false to require key commitment) */
  readonly allowV2Decrypt?: boolean;
  /**
   * Recognise and decrypt legacy objects (unauthenticated): V1 objects, and V2-header objects with legacy
   * AES/CBC content or a legacy wrapping (`x-amz-wrap-alg: kms`, as the Ruby and Go V1 clients write).
   * @default false: they are an UnsupportedFormatError
   */
  readonly allowLegacyV1Decrypt?: boolean;
  /** Directory for the bounded-memory spool of authenticated stream decryption. @default os.tmpdir() */
  readonly tempDir?: string;
  /**
   * Largest object (content ciphertext, tag excluded) that authenticated `decryptStream` decrypts in one pass
   * in memory, holding the plaintext until the tag verified; larger objects spool their ciphertext to a
   * private temp file and are decrypted in a second pass. Peak memory for a larger object is about this
   * bound when its length is unknown (the stream holds this much before it learns the object is larger),
   * and only the spool's two 2 MiB buffers when `ciphertextLength` says so up front (S3 responses carry
   * it: `getDecryptedObjectStream` passes it).
   * @default 64 MiB: the Amazon S3 Encryption Client for Java's default buffer size for authenticated reads
   */
  readonly maxInMemoryBytes?: number;
  /** Randomness for data keys (raw keyring has its own), IVs and message ids. TESTS ONLY. @default node:crypto randomBytes */
  readonly randomBytes?: RandomBytesFn;
}

export interface EncryptOptions {
  /** Encryption context (KMS, authenticated) / extra material description (raw AES, an unauthenticated label). @default {} */
  readonly context?: EncryptionContext;
}

export interface EncryptStreamOptions extends EncryptOptions {
  /**
   * Plaintext length if known (passed to the keyring, e.g. for a caching decorator).
   * When given, a stream of any other length fails with InvalidArgumentError.
   * @default unknown
   */
  readonly plaintextLength?: number;
}

export interface DecryptOptions {
  /**
   * The encryption context the caller expects. KMS: must equal the stored context, and KMS authenticates it,
   * so a match proves what the object was written with. Raw AES: each entry must be in the stored material
   * description, but that description is NOT authenticated (anyone who can write the object's metadata can
   * change it), so this is a label check that proves nothing; use KMS when the context is a security boundary.
   * @default {}
   */
  readonly context?: EncryptionContext;
}

/** Options of the whole-buffer `EnvelopeCipher.decrypt`. */
export interface DecryptBufferOptions extends DecryptOptions {
  /**
   * Decrypt into the ciphertext buffer itself: the caller hands the buffer over, the plaintext is written
   * over it, and the result is a view of the same memory (`result.buffer === ciphertext.buffer`), so no
   * second object-sized buffer is allocated. The buffer's contents are consumed either way: on any
   * authentication failure every byte written is zeroed before the typed error is thrown, so no
   * unauthenticated plaintext stays in it. Not for legacy AES-CBC objects (InvalidArgumentError). Until the
   * promise settles the bytes belong to this call: another `decrypt` over them (in place, or any decrypt while
   * this one writes) is an InvalidArgumentError, and a buffer detached or resized meanwhile is an
   * InvalidArgumentError too. Over a `SharedArrayBuffer`, other threads can read the unauthenticated
   * plaintext while decryption runs (and before a tag failure zeroes it): decrypt such memory without inPlace.
   * @default false: the ciphertext is left as it is and the plaintext is a new buffer
   */
  readonly inPlace?: boolean;
}

export interface DecryptStreamOptions extends DecryptOptions {
  /**
   * Emit plaintext as it is decrypted, before the tag is verified; the stream errors at the
   * end if authentication fails, after unauthenticated bytes were already released.
   * @default false: no plaintext is emitted until the whole object is authenticated
   */
  readonly allowUnauthenticatedStreaming?: boolean;
  /**
   * Total length of the ciphertext stream in bytes (content ciphertext and the 16-byte tag), if known, such
   * as S3's `Content-Length`. Authenticated decryption then chooses memory or the temp file before the
   * first byte (an object larger than `maxInMemoryBytes` never holds plaintext), and a stream that turns
   * out longer fails with TamperedCiphertextError, shorter with TruncatedCiphertextError, releasing no
   * plaintext. Ignored with `allowUnauthenticatedStreaming`.
   * @default unknown: decided as the bytes arrive
   */
  readonly ciphertextLength?: number;
}

export interface EncryptResult {
  /** Content ciphertext with the 16-byte GCM tag appended. */
  readonly ciphertext: Buffer;
  /** Metadata to store (as `x-amz-meta-*` user metadata or an instruction file). */
  readonly metadata: ObjectMetadata;
}

export interface EncryptStreamResult {
  /** Ciphertext stream (tag appended at the end). */
  readonly stream: Readable;
  /** Metadata, known before any byte is streamed. */
  readonly metadata: ObjectMetadata;
}

/** A byte range with INCLUSIVE end, like HTTP `Range: bytes=start-end`. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

export interface DecryptRangeOptions extends DecryptOptions {
  /** Must be `true`: ranged reads are NOT authenticated (GCM tag not checked). */
  readonly allowUnauthenticatedRangedReads: boolean;
  /** The plaintext range that was requested (inclusive end). */
  readonly range: ByteRange;
  /** Object offset of the first ciphertext byte passed (the widened range start, from {@link widenRange}); a multiple of 16. */
  readonly ciphertextStart: number;
  /** Total object length (content + 16-byte tag), e.g. from the `Content-Range: bytes a-b/TOTAL` response header. */
  readonly ciphertextLength: number;
}
