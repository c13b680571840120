/**
 * Raw AES keyring (`AES/GCM`): wraps the data key with a caller-held 256-bit AES key.
 *
 * Stored wrapped key = IV(12) || AES-256-GCM(data key)(32) || tag(16) = 60 bytes,
 * AAD = UTF-8 of the content algorithm name: `AES/GCM/NoPadding` (V2) or `115` (V3).
 * Java: materials/AesKeyring.java (_aesGcmStrategy); S3EC-FORMAT.md "Wrapping the data key".
 */
import { createCipheriv, createDecipheriv, randomBytes as nodeRandomBytes } from 'node:crypto';
import { EncryptionContextMismatchError, InvalidArgumentError, needs, WrongKeyError } from '../errors';
import { DecryptionRequest, EncryptionContext, EncryptionMaterials, EncryptionRequest, Keyring } from './keyring';
import {
  cekAlgForVersion, CEK_ALG_AES_GCM, CEK_ALG_V3_COMMITTING, DATA_KEY_LENGTH, GCM_IV_LENGTH, GCM_TAG_LENGTH, WRAP_ALG_AES_GCM,
} from '../format/algorithm-suite';
import { mapsEqual } from '../format/json-map';

/** Length of the stored AES/GCM wrapped key. */
export const AES_GCM_WRAPPED_KEY_LENGTH = GCM_IV_LENGTH + DATA_KEY_LENGTH + GCM_TAG_LENGTH;

export interface RawAesKeyringProps {
  /** 32-byte AES-256 wrapping key (copied; the caller may zero its own copy). */
  readonly wrappingKey: Uint8Array;
  /** Material description stored with every object (x-amz-matdesc / x-amz-m) and required on decrypt. @default {} */
  readonly materialDescription?: Readonly<Record<string, string>>;
  /** Randomness for data keys and wrap IVs. TESTS ONLY. @default node:crypto randomBytes */
  readonly randomBytes?: (size: number) => Uint8Array;
}

export class RawAesKeyring implements Keyring {
  private readonly wrappingKey: Buffer;
  private readonly materialDescription: Readonly<Record<string, string>>;
  private readonly randomBytes: (size: number) => Uint8Array;

  constructor(props: RawAesKeyringProps) {
    needs(props.wrappingKey instanceof Uint8Array && props.wrappingKey.length === DATA_KEY_LENGTH,
      () => new InvalidArgumentError('RawAesKeyring: wrappingKey must be a 32-byte Uint8Array (AES-256)'));
    this.wrappingKey = Buffer.from(props.wrappingKey);
    this.materialDescription = Object.freeze({ ...(props.materialDescription ?? {}) });
    this.randomBytes = props.randomBytes ?? nodeRandomBytes;
  }

  public async onEncrypt(request: EncryptionRequest): Promise<EncryptionMaterials> {
    const materialsDescription = this.describe(request.encryptionContext);
    const dataKey = Buffer.from(this.randomBytes(DATA_KEY_LENGTH));
    const iv = Buffer.from(this.randomBytes(GCM_IV_LENGTH));
    needs(dataKey.length === DATA_KEY_LENGTH && iv.length === GCM_IV_LENGTH, () => new InvalidArgumentError('randomBytes returned the wrong length'));
    const cipher = createCipheriv('aes-256-gcm', this.wrappingKey, iv, { authTagLength: GCM_TAG_LENGTH });
    cipher.setAAD(Buffer.from(cekAlgForVersion(request.formatVersion), 'utf8'));
    const ct = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    const encryptedDataKey = Buffer.concat([iv, ct, cipher.getAuthTag()]);
    return { dataKey, encryptedDataKey, wrapAlgorithm: WRAP_ALG_AES_GCM, materialsDescription };
  }

  public async onDecrypt(request: DecryptionRequest): Promise<Uint8Array> {
    if (request.wrapAlgorithm === 'AESWrap' || request.wrapAlgorithm === 'AES') {
      // Legacy wrapping (decrypt-only; the cipher only lets it through with allowLegacyV1Decrypt).
      return this.unwrapLegacy(request);
    }
    needs(request.wrapAlgorithm === WRAP_ALG_AES_GCM,
      () => new WrongKeyError(`RawAesKeyring cannot unwrap a data key wrapped with ${request.wrapAlgorithm}`));
    // The material description is not authenticated by the wrap; comparing it catches a key/object mix-up early.
    needs(mapsEqual(request.materialsDescription, this.describe(request.expectedContext)),
      () => new EncryptionContextMismatchError('stored material description does not match the expected one'));
    const aad = request.contentAlgorithm === CEK_ALG_V3_COMMITTING ? CEK_ALG_V3_COMMITTING : CEK_ALG_AES_GCM;
    const edk = request.encryptedDataKey;
    // No detail leak: wrong length, wrong key and modified bytes all look the same to the caller.
    needs(edk.length === AES_GCM_WRAPPED_KEY_LENGTH, () => new WrongKeyError());
    let dataKey: Buffer | undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.wrappingKey, edk.subarray(0, GCM_IV_LENGTH), { authTagLength: GCM_TAG_LENGTH });
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(edk.subarray(GCM_IV_LENGTH + DATA_KEY_LENGTH));
      dataKey = decipher.update(edk.subarray(GCM_IV_LENGTH, GCM_IV_LENGTH + DATA_KEY_LENGTH));
      decipher.final();
      return dataKey;
    } catch {
      dataKey?.fill(0);
      throw new WrongKeyError();
    }
  }

  /**
   * Legacy unwrap: `AESWrap` = RFC 3394 key wrap (Java "AESWrap"), `AES` = AES/ECB/PKCS5Padding
   * (oldest V1 objects). Java: materials/AesKeyring.java _aesWrapStrategy / _aesStrategy.
   */
  private unwrapLegacy(request: DecryptionRequest): Buffer {
    needs(mapsEqual(request.materialsDescription, this.describe(request.expectedContext)),
      () => new EncryptionContextMismatchError('stored material description does not match the expected one'));
    let dataKey: Buffer | undefined;
    try {
      const d = request.wrapAlgorithm === 'AESWrap'
        ? createDecipheriv('id-aes256-wrap', this.wrappingKey, Buffer.from('A6A6A6A6A6A6A6A6', 'hex'))
        : createDecipheriv('aes-256-ecb', this.wrappingKey, null);
      dataKey = Buffer.concat([d.update(request.encryptedDataKey), d.final()]);
    } catch {
      dataKey = undefined;
    }
    if (dataKey === undefined || dataKey.length !== DATA_KEY_LENGTH) {
      dataKey?.fill(0);
      throw new WrongKeyError();
    }
    return dataKey;
  }

  /** Stored material description = configured description + caller context (no overrides). */
  private describe(context: EncryptionContext): Record<string, string> {
    const out: Record<string, string> = { ...this.materialDescription };
    for (const [k, v] of Object.entries(context)) {
      needs(!Object.prototype.hasOwnProperty.call(out, k) || out[k] === v,
        () => new EncryptionContextMismatchError(`context key ${k} conflicts with the keyring's material description`));
      out[k] = v;
    }
    return out;
  }
}
