/**
 * The Keyring contract: wraps and unwraps the 32-byte data key.
 *
 * A keyring never sees content bytes. The cipher asks it for fresh materials on
 * encrypt and for the plaintext data key on decrypt. Decorators (e.g. a data-key
 * cache) implement the same interface around another keyring.
 */
import { AnyFormatVersion, FormatVersion, WrapAlgorithm } from '../format/algorithm-suite';

/** Caller encryption context / material description: string to string. */
export type EncryptionContext = Readonly<Record<string, string>>;

/** What the cipher asks a keyring for when encrypting one object. */
export interface EncryptionRequest {
  /** Format version being written; selects `aws:x-amz-cek-alg` and the raw AES wrap AAD. */
  readonly formatVersion: FormatVersion;
  /** The caller's encryption context (KMS) or extra material description (raw AES); may be empty. */
  readonly encryptionContext: EncryptionContext;
  /** Plaintext length in bytes when known (streams may not know it); lets a caching decorator count bytes. */
  readonly plaintextLength?: number;
}

/** Fresh materials for one object. */
export interface EncryptionMaterials {
  /**
   * The plaintext 32-byte data key. The cipher zeroes it (`fill(0)`) when done,
   * so a keyring that keeps a copy (cache) must hand out a copy.
   */
  readonly dataKey: Uint8Array;
  /** The wrapped data key as stored (base64) in `x-amz-key-v2` / `x-amz-3`. */
  readonly encryptedDataKey: Uint8Array;
  /** Wrapping algorithm (`kms+context` or `AES/GCM`), encoded per version by the format writer. */
  readonly wrapAlgorithm: WrapAlgorithm;
  /**
   * The map to store next to the wrapped key: for KMS the full encryption context
   * (caller context + `aws:x-amz-cek-alg`), stored in `x-amz-matdesc` (V2) / `x-amz-t` (V3);
   * for raw AES the material description, stored in `x-amz-matdesc` (V2) / `x-amz-m` (V3).
   */
  readonly materialsDescription: EncryptionContext;
}

/** What the cipher hands a keyring to recover the data key of one object. */
export interface DecryptionRequest {
  /** Version of the stored object (V1 only reaches a keyring when legacy decrypt was opted in). */
  readonly formatVersion: AnyFormatVersion;
  /** The wrapped data key (decoded from base64). */
  readonly encryptedDataKey: Uint8Array;
  /** Stored wrapping algorithm, normalised to the V2 name (`kms+context`, `AES/GCM`, `kms`, `AESWrap`, ...). */
  readonly wrapAlgorithm: string;
  /** The content algorithm of the object: `AES/GCM/NoPadding` (V2) or `115` (V3). */
  readonly contentAlgorithm: string;
  /** The stored map: encryption context (KMS) or material description (raw keys). */
  readonly materialsDescription: EncryptionContext;
  /** The context the caller expects (for KMS: must equal the stored context minus reserved keys). */
  readonly expectedContext: EncryptionContext;
}

/** What {@link Keyring.wrapDataKey} is asked to do: wrap an existing data key (re-wrapping, key rotation). */
export interface WrapDataKeyRequest extends EncryptionRequest {
  /** The 32-byte plaintext data key to wrap. The keyring must not keep it or zero it; the caller does. */
  readonly dataKey: Uint8Array;
}

/** A wrapped data key and what to store beside it (the {@link EncryptionMaterials} without the plaintext key). */
export interface WrappedDataKey {
  readonly encryptedDataKey: Uint8Array;
  readonly wrapAlgorithm: WrapAlgorithm;
  readonly materialsDescription: EncryptionContext;
}

/** Wraps and unwraps data keys. Implementations: {@link KmsKeyring}, {@link RawAesKeyring}. */
export interface Keyring {
  /** Produce a fresh data key and its wrapped form. Throws typed {@link S3EncryptionError}s. */
  onEncrypt(request: EncryptionRequest): Promise<EncryptionMaterials>;
  /**
   * Return the 32-byte plaintext data key (the caller zeroes it after use), or throw:
   * `WrongKeyError`, `EncryptionContextMismatchError`, `KeyNotAllowedError`,
   * `UnsupportedFormatError` (wrap algorithm not handled), `KmsError`, `TamperedCiphertextError`.
   */
  onDecrypt(request: DecryptionRequest): Promise<Uint8Array>;
  /**
   * Wrap a given data key (no new key is generated): what re-wrapping an object under a new wrapping key
   * needs (`rewrapMetadata`, `rewrapObject`). Optional; a keyring without it cannot be a re-wrap target.
   */
  wrapDataKey?(request: WrapDataKeyRequest): Promise<WrappedDataKey>;
  /**
   * A keyring that unwraps only what this keyring's own (primary) wrapping key wrapped: no additional
   * decryption keys, no cache. Key rotation uses it to prove that a stored data key is wrapped by the target
   * key itself, not merely readable by a keyring that also knows older keys. Optional; a keyring without it
   * cannot be a re-wrap target.
   */
  primaryKeyOnly?(): Keyring;
}
