/**
 * Re-wrap an object's data key under another wrapping key, without touching its content: unwrap with the
 * source keyring, wrap the same data key with the target keyring, and write the S3EC metadata again with the
 * content parameters unchanged (V2: the IV; V3: the message id and key commitment). Pure with respect to S3:
 * metadata in, metadata out; the keyrings do the key work.
 *
 * Java has this as `ReEncryptInstructionFile` (aws/amazon-s3-encryption-client-java
 * internal/ReEncryptInstructionFileRequest.java, S3EncryptionClient.reEncryptInstructionFile).
 */
import { timingSafeEqual } from 'node:crypto';
import { InvalidArgumentError, needs, S3EncryptionError, UnsupportedFormatError, WrongKeyError } from '../errors';
import { DATA_KEY_LENGTH, FormatVersion, WRAP_ALG_KMS_CONTEXT } from '../format/algorithm-suite';
import { ContentMetadata, parseContentMetadata, writeContentMetadata } from '../format/content-metadata';
import { verifyCommitment } from '../format/key-derivation';
import { KEY_UNENCRYPTED_CONTENT_LENGTH } from '../format/metadata-keys';
import { decryptionRequestFor } from '../keyring/decryption-request';
import { EncryptionContext, Keyring } from '../keyring/keyring';
import { callerContextOf } from '../keyring/kms-keyring';

export interface RewrapMetadataOptions {
  /** Unwraps the data key as stored now. */
  readonly sourceKeyring: Keyring;
  /** Wraps it again; must implement `wrapDataKey` (KmsKeyring needs a KMS client with `encrypt`). */
  readonly targetKeyring: Keyring;
  /** The context the caller expects on the source (KMS: must equal the stored one, as on decrypt). @default {} */
  readonly sourceContext?: EncryptionContext;
  /**
   * The context of the new wrap (KMS encryption context / raw-AES caller context).
   * @default the stored KMS context without its reserved keys for a KMS-wrapped source; `{}` for a raw-AES source
   * (its description is the source keyring's label, which the target keyring replaces with its own)
   */
  readonly targetContext?: EncryptionContext;
  /** Re-wrap non-committing V2 objects too. @default true */
  readonly allowV2?: boolean;
  /**
   * Refuse (KEY_NOT_ROTATED, nothing returned) when the source keyring can still unwrap the new wrapped key,
   * as Java's ReEncryptInstructionFileRequest.enforceRotation does. @default false
   */
  readonly enforceRotation?: boolean;
}

export interface RewrapMetadataResult {
  /** Every S3EC key of the re-wrapped object (`x-amz-unencrypted-content-length` kept when it was there). */
  readonly metadata: Record<string, string>;
  readonly formatVersion: FormatVersion;
}

/**
 * New S3EC metadata for the same content, the data key wrapped by `targetKeyring`. The new wrap is checked
 * before it is returned: the target keyring must unwrap it to the same data key (for V3 the key commitment
 * is verified against the unwrapped key first), so a caller never stores metadata nobody can read.
 */
export async function rewrapMetadata(metadata: Readonly<Record<string, string | undefined>>,
  options: RewrapMetadataOptions): Promise<RewrapMetadataResult> {
  const { sourceKeyring, targetKeyring } = options;
  needs(typeof targetKeyring?.wrapDataKey === 'function',
    () => new InvalidArgumentError('rewrap: the target keyring cannot wrap an existing data key (no wrapDataKey)'));
  const parsed = parseContentMetadata(metadata);
  needs(parsed.version !== 'V1', () => new UnsupportedFormatError('rewrap: legacy V1 objects are not re-wrapped; re-encrypt them'));
  needs(parsed.version === 'V3' || options.allowV2 !== false, () => new UnsupportedFormatError('rewrap: V2 object and allowV2 is false'));
  const formatVersion = parsed.version as FormatVersion;
  const sourceContext = Object.freeze({ ...(options.sourceContext ?? {}) });
  const targetContext = Object.freeze({
    ...(options.targetContext ?? (parsed.wrapAlgorithm === WRAP_ALG_KMS_CONTEXT ? callerContextOf(parsed.materialsDescription) : {})),
  });
  let dataKey: Uint8Array | undefined;
  let check: Uint8Array | undefined;
  try {
    dataKey = await sourceKeyring.onDecrypt(decryptionRequestFor(parsed, sourceContext));
    needs(dataKey instanceof Uint8Array && dataKey.length === DATA_KEY_LENGTH,
      () => new InvalidArgumentError('keyring returned a data key that is not 32 bytes'));
    if (formatVersion === 'V3') {
      // decryption.md#decrypting-with-commitment: the unwrapped key must match the stored commitment.
      verifyCommitment(dataKey, parsed.messageId as Buffer, parsed.commitment as Buffer);
    }
    const wrapped = await targetKeyring.wrapDataKey!({ formatVersion, encryptionContext: targetContext, dataKey });
    const out = writeContentMetadata({
      version: formatVersion,
      encryptedDataKey: wrapped.encryptedDataKey,
      wrapAlgorithm: wrapped.wrapAlgorithm,
      materialsDescription: wrapped.materialsDescription,
      iv: parsed.iv,
      messageId: parsed.messageId,
      commitment: parsed.commitment,
    });
    if (parsed.unencryptedContentLength !== undefined) {
      out[KEY_UNENCRYPTED_CONTENT_LENGTH] = String(parsed.unencryptedContentLength);
    }
    // Read the new wrap back with the target's primary key alone before anyone stores it.
    const reparsed = parseContentMetadata(out);
    check = await (targetKeyring.primaryKeyOnly?.() ?? targetKeyring).onDecrypt(decryptionRequestFor(reparsed, targetContext));
    needs(check instanceof Uint8Array && check.length === DATA_KEY_LENGTH && timingSafeEqual(check, dataKey),
      () => new WrongKeyError('rewrap: the target keyring does not unwrap the new wrapped key to the same data key'));
    if (options.enforceRotation === true) {
      await expectSourceCannotUnwrap(sourceKeyring, reparsed, sourceContext);
    }
    return { metadata: out, formatVersion };
  } catch (e) {
    if (e instanceof S3EncryptionError) throw e;
    throw new S3EncryptionError('KEYRING_ERROR', 'rewrap: a keyring failed', { cause: e });
  } finally {
    dataKey?.fill(0);
    check?.fill(0);
  }
}

async function expectSourceCannotUnwrap(sourceKeyring: Keyring, parsed: ContentMetadata, sourceContext: EncryptionContext): Promise<void> {
  let stillReadable: Uint8Array | undefined;
  try {
    stillReadable = await sourceKeyring.onDecrypt(decryptionRequestFor(parsed, sourceContext));
  } catch {
    return;
  }
  stillReadable.fill(0);
  throw new S3EncryptionError('KEY_NOT_ROTATED', 'rewrap: enforceRotation is set and the source keyring can still unwrap the new wrapped key');
}
