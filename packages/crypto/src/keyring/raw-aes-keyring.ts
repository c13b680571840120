/**
 * Raw AES keyring (`AES/GCM`): wraps the data key with a caller-held AES key of 128, 192 or 256 bits.
 *
 * Stored wrapped key = IV(12) || AES-GCM(data key)(32) || tag(16) = 60 bytes, with the AES variant of the
 * wrapping key's size, AAD = UTF-8 of the content algorithm name: `AES/GCM/NoPadding` (V2) or `115` (V3).
 * Java: materials/AesKeyring.java (_aesGcmStrategy: `Cipher.getInstance("AES/GCM/NoPadding")` with whatever
 * AES SecretKey it was given, so 128/192/256-bit keys all wrap); S3EC-FORMAT.md "Wrapping the data key".
 *
 * The material description is NOT authenticated. The wrap AAD is only the algorithm id, so anyone who can
 * write the object's metadata can change `x-amz-matdesc` / `x-amz-m` and the object still decrypts. It is a
 * label that selects a wrapping key (as Java's `additionalDecryptionKeyMaterial`,
 * materials/RawKeyring.java findKeyMaterialForDecryption), never evidence of what the object is. Java warns
 * that an encryption context "provides no security benefit" for raw keyrings (RawKeyring.java
 * warnIfEncryptionContextIsPresent). Use KMS (`kms+context`) when the context must be a security check.
 */
import { CipherGCMTypes, createCipheriv, createDecipheriv, randomBytes as nodeRandomBytes } from 'node:crypto';
import { EncryptionContextMismatchError, InvalidArgumentError, needs, WrongKeyError } from '../errors';
import {
  DecryptionRequest, EncryptionContext, EncryptionMaterials, EncryptionRequest, Keyring, WrapDataKeyRequest, WrappedDataKey,
} from './keyring';
import {
  cekAlgForVersion, CEK_ALG_AES_GCM, CEK_ALG_V3_COMMITTING, DATA_KEY_LENGTH, GCM_IV_LENGTH, GCM_TAG_LENGTH, WRAP_ALG_AES_GCM,
} from '../format/algorithm-suite';
import { mapsEqual } from '../format/json-map';

/** Length of the stored AES/GCM wrapped key. */
export const AES_GCM_WRAPPED_KEY_LENGTH = GCM_IV_LENGTH + DATA_KEY_LENGTH + GCM_TAG_LENGTH;

/** Wrapping key sizes in bytes: AES-128, AES-192, AES-256. */
export const RAW_AES_WRAPPING_KEY_LENGTHS: readonly number[] = [16, 24, 32];

/** A further wrapping key, used to decrypt objects whose stored material description equals `materialDescription`. */
export interface RawAesDecryptionKey {
  /** The stored material description (exactly, as a whole map) that selects this key. */
  readonly materialDescription: Readonly<Record<string, string>>;
  /** 16, 24 or 32-byte AES key (copied). */
  readonly wrappingKey: Uint8Array;
}

export interface RawAesKeyringProps {
  /** 16, 24 or 32-byte AES wrapping key (copied; the caller may zero its own copy). Wraps on encrypt; the default key on decrypt. */
  readonly wrappingKey: Uint8Array;
  /**
   * Material description stored with every object (x-amz-matdesc / x-amz-m). A label, not authenticated
   * (see the module comment); on decrypt it plays no part unless it selects a key below. @default {}
   */
  readonly materialDescription?: Readonly<Record<string, string>>;
  /**
   * Further keys for decryption, for rotation (Java: `additionalDecryptionKeyMaterial`): an object whose stored
   * material description equals an entry's `materialDescription` is unwrapped with that entry's key; any other
   * object with `wrappingKey`. @default none
   */
  readonly additionalDecryptionKeys?: readonly RawAesDecryptionKey[];
  /** Randomness for data keys and wrap IVs. TESTS ONLY. @default node:crypto randomBytes */
  readonly randomBytes?: (size: number) => Uint8Array;
}

function checkKey(key: unknown, what: string): Buffer {
  needs(key instanceof Uint8Array && RAW_AES_WRAPPING_KEY_LENGTHS.includes(key.length),
    () => new InvalidArgumentError(`RawAesKeyring: ${what} must be a 16, 24 or 32-byte Uint8Array (AES-128/192/256)`));
  return Buffer.from(key);
}

function aesBits(key: Buffer): number {
  return key.length * 8;
}

/** The AES-GCM variant of the key's size. */
function gcmFor(key: Buffer): CipherGCMTypes {
  return `aes-${aesBits(key)}-gcm` as CipherGCMTypes;
}

export class RawAesKeyring implements Keyring {
  private readonly wrappingKey: Buffer;
  private readonly materialDescription: Readonly<Record<string, string>>;
  private readonly additional: ReadonlyArray<{ readonly materialDescription: Readonly<Record<string, string>>; readonly key: Buffer }>;
  private readonly randomBytes: (size: number) => Uint8Array;

  constructor(props: RawAesKeyringProps) {
    this.wrappingKey = checkKey(props.wrappingKey, 'wrappingKey');
    this.materialDescription = Object.freeze({ ...(props.materialDescription ?? {}) });
    this.additional = (props.additionalDecryptionKeys ?? []).map((entry, i) => {
      needs(entry !== null && typeof entry === 'object' && entry.materialDescription !== null && typeof entry.materialDescription === 'object',
        () => new InvalidArgumentError(`RawAesKeyring: additionalDecryptionKeys[${i}] needs a materialDescription map`));
      return { materialDescription: Object.freeze({ ...entry.materialDescription }), key: checkKey(entry.wrappingKey, `additionalDecryptionKeys[${i}].wrappingKey`) };
    });
    this.additional.forEach((a, i) => needs(!this.additional.slice(0, i).some((b) => mapsEqual(a.materialDescription, b.materialDescription)),
      () => new InvalidArgumentError(`RawAesKeyring: additionalDecryptionKeys[${i}] repeats a material description`)));
    this.randomBytes = props.randomBytes ?? nodeRandomBytes;
  }

  public async onEncrypt(request: EncryptionRequest): Promise<EncryptionMaterials> {
    const dataKey = Buffer.from(this.randomBytes(DATA_KEY_LENGTH));
    needs(dataKey.length === DATA_KEY_LENGTH, () => new InvalidArgumentError('randomBytes returned the wrong length'));
    try {
      return { dataKey, ...await this.wrapDataKey({ ...request, dataKey }) };
    } catch (e) {
      dataKey.fill(0);
      throw e;
    }
  }

  /** Wrap a given data key with the default wrapping key (re-wrapping; Java AesKeyring via ReEncryptInstructionFile). */
  public async wrapDataKey(request: WrapDataKeyRequest): Promise<WrappedDataKey> {
    needs(request.dataKey instanceof Uint8Array && request.dataKey.length === DATA_KEY_LENGTH,
      () => new InvalidArgumentError('RawAesKeyring: the data key to wrap must be 32 bytes'));
    const materialsDescription = this.describe(request.encryptionContext);
    const iv = Buffer.from(this.randomBytes(GCM_IV_LENGTH));
    needs(iv.length === GCM_IV_LENGTH, () => new InvalidArgumentError('randomBytes returned the wrong length'));
    const cipher = createCipheriv(gcmFor(this.wrappingKey), this.wrappingKey, iv, { authTagLength: GCM_TAG_LENGTH });
    cipher.setAAD(Buffer.from(cekAlgForVersion(request.formatVersion), 'utf8'));
    const ct = Buffer.concat([cipher.update(request.dataKey), cipher.final()]);
    const encryptedDataKey = Buffer.concat([iv, ct, cipher.getAuthTag()]);
    return { encryptedDataKey, wrapAlgorithm: WRAP_ALG_AES_GCM, materialsDescription };
  }

  /** A keyring with the same wrapping key and description and no additional decryption keys. */
  public primaryKeyOnly(): Keyring {
    if (this.additional.length === 0) return this;
    return new RawAesKeyring({ wrappingKey: this.wrappingKey, materialDescription: this.materialDescription, randomBytes: this.randomBytes });
  }

  public async onDecrypt(request: DecryptionRequest): Promise<Uint8Array> {
    const isLegacy = request.wrapAlgorithm === 'AESWrap' || request.wrapAlgorithm === 'AES';
    needs(isLegacy || request.wrapAlgorithm === WRAP_ALG_AES_GCM,
      () => new WrongKeyError(`RawAesKeyring cannot unwrap a data key wrapped with ${request.wrapAlgorithm}`));
    this.checkLabel(request);
    const key = this.keyFor(request.materialsDescription);
    if (isLegacy) {
      // Legacy wrapping (decrypt-only; the cipher only lets it through with allowLegacyV1Decrypt).
      return unwrapLegacy(key, request);
    }
    const aad = request.contentAlgorithm === CEK_ALG_V3_COMMITTING ? CEK_ALG_V3_COMMITTING : CEK_ALG_AES_GCM;
    const edk = request.encryptedDataKey;
    // No detail leak: wrong length, wrong key and modified bytes all look the same to the caller.
    needs(edk.length === AES_GCM_WRAPPED_KEY_LENGTH, () => new WrongKeyError());
    let dataKey: Buffer | undefined;
    try {
      const decipher = createDecipheriv(gcmFor(key), key, edk.subarray(0, GCM_IV_LENGTH), { authTagLength: GCM_TAG_LENGTH });
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
   * The wrapping key for a stored material description: the additional key registered for exactly this
   * description, else the default key (Java RawKeyring.findKeyMaterialForDecryption).
   */
  private keyFor(stored: EncryptionContext): Buffer {
    return this.additional.find((a) => mapsEqual(a.materialDescription, stored))?.key ?? this.wrappingKey;
  }

  /**
   * A caller that passes a context on decrypt gets it compared with the stored description, entry by entry.
   * This catches mix-ups only: the description is not authenticated, so a match proves nothing about the
   * object (anyone able to write its metadata can relabel it).
   */
  private checkLabel(request: DecryptionRequest): void {
    for (const [k, v] of Object.entries(request.expectedContext)) {
      needs(request.materialsDescription[k] === v,
        () => new EncryptionContextMismatchError(`stored material description does not carry ${k} with the expected value (a label check; raw-AES descriptions are not authenticated)`));
    }
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

/**
 * Legacy unwrap: `AESWrap` = RFC 3394 key wrap (Java "AESWrap"), `AES` = AES/ECB/PKCS5Padding
 * (oldest V1 objects). Java: materials/AesKeyring.java _aesWrapStrategy / _aesStrategy.
 */
function unwrapLegacy(key: Buffer, request: DecryptionRequest): Buffer {
  let dataKey: Buffer | undefined;
  try {
    const d = request.wrapAlgorithm === 'AESWrap'
      ? createDecipheriv(`id-aes${aesBits(key)}-wrap`, key, Buffer.from('A6A6A6A6A6A6A6A6', 'hex'))
      : createDecipheriv(`aes-${aesBits(key)}-ecb`, key, null);
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
