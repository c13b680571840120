/**
 * AWS KMS keyring (`kms+context`).
 *
 * Spec: s3-encryption/materials/s3-kms-keyring.md; Java: materials/KmsKeyring.java.
 */
import {
  EncryptionContextMismatchError, InvalidArgumentError, KeyNotAllowedError, KmsError, needs, S3EncryptionError, WrongKeyError,
} from '../errors';
import {
  DecryptionRequest, EncryptionContext, EncryptionMaterials, EncryptionRequest, Keyring, WrapDataKeyRequest, WrappedDataKey,
} from './keyring';
import { KmsClientLike } from './kms-client';
import { cekAlgForVersion, DATA_KEY_LENGTH, KMS_CEK_ALG_CONTEXT_KEY, LEGACY_KMS_CMK_ID_KEY, WRAP_ALG_KMS_CONTEXT } from '../format/algorithm-suite';
import { mapsEqual } from '../format/json-map';

/** Encryption-context keys the keyring owns ("the two reserved keys", s3-kms-keyring.md#kmscontext). */
export const RESERVED_ENCRYPTION_CONTEXT_KEYS: readonly string[] = [KMS_CEK_ALG_CONTEXT_KEY, LEGACY_KMS_CMK_ID_KEY];

export interface KmsKeyringProps {
  /** A KMS client; `new KMS({})` from @aws-sdk/client-kms fits. */
  readonly client: KmsClientLike;
  /** Key id, key ARN, alias name or alias ARN used for GenerateDataKey and pinned on Decrypt. */
  readonly keyId: string;
  /** Grant tokens passed to every KMS call. @default none */
  readonly grantTokens?: string[];
}

function describe(e: unknown): string {
  if (e && typeof e === 'object' && 'name' in e && typeof (e as { name: unknown }).name === 'string') {
    return (e as { name: string }).name;
  }
  return 'unknown error';
}

export class KmsKeyring implements Keyring {
  public readonly keyId: string;
  private readonly client: KmsClientLike;
  private readonly grantTokens?: string[];

  constructor(props: KmsKeyringProps) {
    // s3-kms-keyring.md#initialization: the caller MUST provide a key id; MAY validate it is not empty.
    needs(typeof props.keyId === 'string' && props.keyId.length > 0, () => new InvalidArgumentError('KmsKeyring: keyId must not be empty'));
    needs(props.client && typeof props.client.generateDataKey === 'function' && typeof props.client.decrypt === 'function',
      () => new InvalidArgumentError('KmsKeyring: client must have generateDataKey and decrypt'));
    this.client = props.client;
    this.keyId = props.keyId;
    this.grantTokens = props.grantTokens ? [...props.grantTokens] : undefined;
  }

  public async onEncrypt(request: EncryptionRequest): Promise<EncryptionMaterials> {
    const encryptionContext = kmsContextFor(request);
    let out;
    try {
      out = await this.client.generateDataKey({
        KeyId: this.keyId,
        KeySpec: 'AES_256',
        EncryptionContext: { ...encryptionContext },
        ...(this.grantTokens ? { GrantTokens: [...this.grantTokens] } : {}),
      });
    } catch (e) {
      throw new KmsError(`KMS GenerateDataKey failed: ${describe(e)}`, { cause: e });
    }
    const plaintext = out?.Plaintext;
    const blob = out?.CiphertextBlob;
    if (!(plaintext instanceof Uint8Array) || plaintext.length !== DATA_KEY_LENGTH || !(blob instanceof Uint8Array) || blob.length === 0) {
      plaintext?.fill?.(0);
      throw new KmsError('KMS GenerateDataKey returned no 32-byte plaintext key or no ciphertext blob');
    }
    return {
      dataKey: plaintext,
      encryptedDataKey: Uint8Array.from(blob),
      wrapAlgorithm: WRAP_ALG_KMS_CONTEXT,
      materialsDescription: Object.freeze(encryptionContext),
    };
  }

  /**
   * Wrap an existing data key with KMS Encrypt under this keyring's key and the same context rules as
   * onEncrypt (re-wrapping; Java ReEncryptInstructionFile does the same with its KMS keyring). Needs a
   * client with `encrypt`.
   */
  public async wrapDataKey(request: WrapDataKeyRequest): Promise<WrappedDataKey> {
    const encrypt = this.client.encrypt;
    needs(typeof encrypt === 'function', () => new InvalidArgumentError('KmsKeyring: re-wrapping needs a KMS client with encrypt'));
    needs(request.dataKey instanceof Uint8Array && request.dataKey.length === DATA_KEY_LENGTH,
      () => new InvalidArgumentError('KmsKeyring: the data key to wrap must be 32 bytes'));
    const encryptionContext = kmsContextFor(request);
    let out;
    try {
      out = await encrypt.call(this.client, {
        KeyId: this.keyId,
        Plaintext: Uint8Array.from(request.dataKey),
        EncryptionContext: { ...encryptionContext },
        ...(this.grantTokens ? { GrantTokens: [...this.grantTokens] } : {}),
      });
    } catch (e) {
      throw new KmsError(`KMS Encrypt failed: ${describe(e)}`, { cause: e });
    }
    const blob = out?.CiphertextBlob;
    needs(blob instanceof Uint8Array && blob.length > 0, () => new KmsError('KMS Encrypt returned no ciphertext blob'));
    return { encryptedDataKey: Uint8Array.from(blob), wrapAlgorithm: WRAP_ALG_KMS_CONTEXT, materialsDescription: Object.freeze(encryptionContext) };
  }

  /** This keyring: KMS Decrypt is always called with the configured KeyId, so KMS unwraps only under that key. */
  public primaryKeyOnly(): Keyring {
    return this;
  }

  public async onDecrypt(request: DecryptionRequest): Promise<Uint8Array> {
    const stored = request.materialsDescription;
    let encryptionContext: Record<string, string>;
    if (request.wrapAlgorithm === WRAP_ALG_KMS_CONTEXT) {
      // s3-kms-keyring.md#kmscontext: "The stored encryption context with the two reserved keys removed MUST match the provided encryption context."
      needs(mapsEqual(callerContextOf(stored), request.expectedContext),
        () => new EncryptionContextMismatchError('stored encryption context does not match the expected encryption context'));
      // The stored aws:x-amz-cek-alg must name the object's content algorithm (no suite substitution).
      needs(stored[KMS_CEK_ALG_CONTEXT_KEY] === request.contentAlgorithm,
        () => new EncryptionContextMismatchError(`stored ${KMS_CEK_ALG_CONTEXT_KEY} does not match the content algorithm ${request.contentAlgorithm}`));
      encryptionContext = { ...stored };
    } else if (request.wrapAlgorithm === 'kms' && request.formatVersion !== 'V3') {
      // s3-kms-keyring.md#kmsv1 (legacy, only reached when the cipher enabled legacy decryption):
      // EncryptionContext = the stored materials description. The caller's context is compared exactly as in
      // kms+context: x-amz-wrap-alg is not authenticated, so without this a V2 kms+context object relabelled
      // `kms` would decrypt under any caller context (a cross-tenant read). KMS still authenticates the stored
      // map itself (it is the Decrypt context), so stored == caller-context (+ reserved keys) is the check.
      needs(mapsEqual(callerContextOf(stored), request.expectedContext),
        () => new EncryptionContextMismatchError('stored encryption context does not match the expected encryption context'));
      encryptionContext = { ...stored };
    } else {
      throw new WrongKeyError(`KmsKeyring cannot unwrap a data key wrapped with ${request.wrapAlgorithm}`);
    }
    const storedCmk = stored[LEGACY_KMS_CMK_ID_KEY];
    needs(storedCmk === undefined || !isArn(storedCmk) || !isArn(this.keyId) || storedCmk === this.keyId,
      () => new KeyNotAllowedError('the object names a different KMS key (kms_cmk_id) than this keyring'));
    let out;
    try {
      // s3-kms-keyring.md: KeyId MUST be the configured key id (pins the key), EncryptionContext = full stored context.
      out = await this.client.decrypt({
        CiphertextBlob: Uint8Array.from(request.encryptedDataKey),
        EncryptionContext: encryptionContext,
        KeyId: this.keyId,
        ...(this.grantTokens ? { GrantTokens: [...this.grantTokens] } : {}),
      });
    } catch (e) {
      if (e instanceof S3EncryptionError) {
        throw e;
      }
      throw new KmsError(`KMS Decrypt failed: ${describe(e)}`, { cause: e });
    }
    const plaintext = out?.Plaintext;
    if (!(plaintext instanceof Uint8Array) || plaintext.length !== DATA_KEY_LENGTH) {
      plaintext?.fill?.(0);
      throw new KmsError('KMS Decrypt returned no 32-byte plaintext key');
    }
    return plaintext;
  }
}

/** The KMS context of a new wrap: caller context + aws:x-amz-cek-alg (AES/GCM/NoPadding for V2, 115 for V3). */
function kmsContextFor(request: EncryptionRequest): Record<string, string> {
  for (const k of RESERVED_ENCRYPTION_CONTEXT_KEYS) {
    // S3EC-FORMAT.md / Java KmsKeyring: a caller-supplied aws:x-amz-cek-alg is reserved and rejected.
    needs(!Object.prototype.hasOwnProperty.call(request.encryptionContext, k),
      () => new EncryptionContextMismatchError(`encryption context key ${k} is reserved`));
  }
  return { ...request.encryptionContext, [KMS_CEK_ALG_CONTEXT_KEY]: cekAlgForVersion(request.formatVersion) };
}

function isArn(id: string): boolean {
  return id.startsWith('arn:');
}

/** Exposed for tests and verifyEnvelope: the caller-visible part of a stored KMS context. */
export function callerContextOf(stored: EncryptionContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(stored)) {
    if (!RESERVED_ENCRYPTION_CONTEXT_KEYS.includes(k)) {
      out[k] = v;
    }
  }
  return out;
}
