/**
 * Reading and writing S3EC content metadata (V1 recognised, V2 and V3 read/written).
 *
 * Spec: s3-encryption/data-format/content-metadata.md. Pure functions: maps in, maps out.
 */
import { needs, UnsupportedFormatError } from '../errors';
import {
  AnyFormatVersion, CEK_ALG_AES_GCM, CEK_ALG_V3_COMMITTING, COMMITMENT_LENGTH, FormatVersion, GCM_IV_LENGTH,
  GCM_TAG_LENGTH_BITS, MESSAGE_ID_LENGTH, V3_WRAP_CODE_AES_GCM, V3_WRAP_CODE_KMS_CONTEXT, V3_WRAP_CODE_RSA_OAEP_SHA1,
  WRAP_ALG_AES_GCM, WRAP_ALG_KMS_CONTEXT,
} from './algorithm-suite';
import { fromBase64, toBase64 } from './base64';
import { decodeJsonMap, encodeJsonMap } from './json-map';
import * as K from './metadata-keys';

/** Legacy content algorithm (V1, or V2 written by old clients): unauthenticated AES-CBC. */
export const CEK_ALG_AES_CBC = 'AES/CBC/PKCS5Padding';

/** Wrapping algorithms of the current (non-legacy) formats. */
export const NON_LEGACY_WRAP_ALGORITHMS: readonly string[] = [WRAP_ALG_KMS_CONTEXT, WRAP_ALG_AES_GCM, 'RSA-OAEP-SHA1'];
/** Legacy wrapping algorithms (decrypt-only, opt-in). content-metadata.md#v2-v3-shared */
export const LEGACY_WRAP_ALGORITHMS: readonly string[] = ['kms', 'AESWrap', 'AES', 'RSA', 'RSA/ECB/OAEPWithSHA-256AndMGF1Padding'];

/** Parsed, validated content metadata of one object. */
export interface ContentMetadata {
  readonly version: AnyFormatVersion;
  /** Wrapped data key (x-amz-key / x-amz-key-v2 / x-amz-3). */
  readonly encryptedDataKey: Buffer;
  /** Wrapping algorithm, normalised to the V2 name (V3 `12` becomes `kms+context`). V1 without the key: `AES` (legacy ECB). */
  readonly wrapAlgorithm: string;
  /** `AES/GCM/NoPadding`, `115` or (legacy) `AES/CBC/PKCS5Padding`. */
  readonly contentAlgorithm: string;
  /** Stored encryption context (KMS) or material description (raw keys); `{}` when absent. */
  readonly materialsDescription: Record<string, string>;
  /** Which mapkey held {@link materialsDescription}. */
  readonly materialsDescriptionKey: string;
  /** V1/V2: the content IV (12 bytes for GCM, 16 for CBC). */
  readonly iv?: Buffer;
  /** V3: the 28-byte message id (HKDF salt). */
  readonly messageId?: Buffer;
  /** V3: the 28-byte stored key commitment. */
  readonly commitment?: Buffer;
  /** `x-amz-unencrypted-content-length` if present. */
  readonly unencryptedContentLength?: number;
}

export interface ParseOptions {
  /** Accept V1 metadata, legacy wrapping algorithms and AES-CBC content. @default false */
  readonly allowLegacy?: boolean;
}

/** Every mapkey of the format (any version), plus x-amz-unencrypted-content-length. */
const S3EC_KEYS: readonly string[] = [...K.V1_V2_KEYS, ...K.V3_KEYS, K.KEY_UNENCRYPTED_CONTENT_LENGTH];

/**
 * Lower-case the keys (S3 returns user metadata keys in lower case; callers may not). Duplicates are an error.
 * An S3EC mapkey with an empty value is treated as absent, as Java and Go do: Go v4 writes every field of its
 * envelope, so a V3 KMS object carries `x-amz-m: ""` and objects may carry `x-amz-unencrypted-content-length: ""`
 * (aws/amazon-s3-encryption-client-go v4/internal/strategy.go, v4/internal/object_metadata.go GetMatDescV3,
 * which maps "" to the default "{}").
 */
function normalise(metadata: Readonly<Record<string, string | undefined>>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(metadata)) {
    if (v === undefined) {
      continue;
    }
    const key = k.toLowerCase();
    if (v === '' && S3EC_KEYS.includes(key)) {
      continue;
    }
    needs(!out.has(key), () => new UnsupportedFormatError(`metadata key ${key} appears twice`));
    // content-metadata.md#content-metadata-mapkeys: the x-amz-meta- prefix MUST NOT be included.
    needs(!key.startsWith('x-amz-meta-x-amz-'),
      () => new UnsupportedFormatError('metadata keys must be given without the x-amz-meta- prefix'));
    out.set(key, v);
  }
  return out;
}

/**
 * Detect the format version, or undefined when the map holds no S3EC keys at all
 * (spec: then the S3EC MUST attempt to get the instruction file).
 * Mixing mapkeys of two versions is an UnsupportedFormatError
 * (content-metadata.md#determining-s3ec-object-status: "If there are multiple mapkeys which are meant to be exclusive ... SHOULD throw").
 */
export function detectFormatVersion(metadata: Readonly<Record<string, string | undefined>>): AnyFormatVersion | undefined {
  return detect(normalise(metadata));
}

function detect(m: Map<string, string>): AnyFormatVersion | undefined {
  const hasV1Key = m.has(K.KEY_ENCRYPTED_DATA_KEY_V1);
  const hasV2Key = m.has(K.KEY_ENCRYPTED_DATA_KEY_V2);
  const anyV3 = K.V3_KEYS.some((k) => m.has(k));
  const anyV1V2 = K.V1_V2_KEYS.some((k) => m.has(k));
  needs(!(hasV1Key && hasV2Key), () => new UnsupportedFormatError('metadata mixes V1 (x-amz-key) and V2 (x-amz-key-v2) keys'));
  needs(!(anyV3 && anyV1V2), () => new UnsupportedFormatError('metadata mixes V3 (x-amz-c/3/w/d/i/t/m) and V1/V2 keys'));
  if (anyV3) {
    // content-metadata.md#determining-s3ec-object-status: V3 = x-amz-3 + x-amz-d + x-amz-i.
    needs(m.has(K.KEY_ENCRYPTED_DATA_KEY_V3) && m.has(K.KEY_KEY_COMMITMENT_V3) && m.has(K.KEY_MESSAGE_ID_V3),
      () => new UnsupportedFormatError('incomplete V3 metadata: x-amz-3, x-amz-d and x-amz-i are required (instruction file not merged?)'));
    return 'V3';
  }
  if (hasV2Key) {
    return 'V2';
  }
  if (hasV1Key) {
    return 'V1';
  }
  needs(!anyV1V2, () => new UnsupportedFormatError('incomplete S3EC metadata: no wrapped data key (instruction file not merged?)'));
  return undefined;
}

function required(m: Map<string, string>, key: string): string {
  const v = m.get(key);
  needs(v !== undefined, () => new UnsupportedFormatError(`metadata key ${key} is missing`));
  return v;
}

/** Parse and validate S3EC metadata. Throws UnsupportedFormatError for anything unknown, mixed, or legacy without opt-in. */
export function parseContentMetadata(metadata: Readonly<Record<string, string | undefined>>, options: ParseOptions = {}): ContentMetadata {
  const m = normalise(metadata);
  const version = detect(m);
  needs(version !== undefined, () => new UnsupportedFormatError('not an S3 Encryption Client object (no S3EC metadata)'));
  const allowLegacy = options.allowLegacy === true;
  // decryption.md#legacy-decryption: MUST NOT decrypt legacy unauthenticated suites unless configured to.
  needs(version !== 'V1' || allowLegacy,
    () => new UnsupportedFormatError('legacy V1 object (unauthenticated); enable allowLegacyV1Decrypt to read it'));
  const lengthStr = m.get(K.KEY_UNENCRYPTED_CONTENT_LENGTH);
  let unencryptedContentLength: number | undefined;
  if (lengthStr !== undefined) {
    needs(/^\d{1,16}$/.test(lengthStr), () => new UnsupportedFormatError('x-amz-unencrypted-content-length is not a number'));
    unencryptedContentLength = Number(lengthStr);
  }
  return version === 'V3' ? parseV3(m, allowLegacy, unencryptedContentLength) : parseV1V2(m, version, allowLegacy, unencryptedContentLength);
}

function checkWrapAlgorithm(wrapAlgorithm: string, allowLegacy: boolean): void {
  if (NON_LEGACY_WRAP_ALGORITHMS.includes(wrapAlgorithm)) {
    return;
  }
  needs(LEGACY_WRAP_ALGORITHMS.includes(wrapAlgorithm), () => new UnsupportedFormatError(`unknown wrapping algorithm ${wrapAlgorithm}`));
  needs(allowLegacy, () => new UnsupportedFormatError(`legacy wrapping algorithm ${wrapAlgorithm}; enable allowLegacyV1Decrypt to read it`));
}

function parseV1V2(m: Map<string, string>, version: 'V1' | 'V2', allowLegacy: boolean, unencryptedContentLength?: number): ContentMetadata {
  const keyName = version === 'V1' ? K.KEY_ENCRYPTED_DATA_KEY_V1 : K.KEY_ENCRYPTED_DATA_KEY_V2;
  const encryptedDataKey = fromBase64(required(m, keyName), keyName);
  // V1 objects written with a raw AES key by the oldest clients carry no wrap-alg: AES/ECB ("AES").
  const wrapAlgorithm = version === 'V2' ? required(m, K.KEY_WRAP_ALG) : (m.get(K.KEY_WRAP_ALG) ?? 'AES');
  checkWrapAlgorithm(wrapAlgorithm, allowLegacy);
  // content-metadata.md#v2-v3-shared: x-amz-cek-alg values; V1 without it means AES/CBC.
  const contentAlgorithm = version === 'V2' ? required(m, K.KEY_CEK_ALG) : (m.get(K.KEY_CEK_ALG) ?? CEK_ALG_AES_CBC);
  if (contentAlgorithm === CEK_ALG_AES_CBC) {
    needs(allowLegacy, () => new UnsupportedFormatError('legacy AES/CBC content (unauthenticated); enable allowLegacyV1Decrypt to read it'));
  } else {
    // content-metadata.md#algorithm-suite-and-message-format-version-compatibility: 0x0073 MUST use V3 only.
    needs(contentAlgorithm === CEK_ALG_AES_GCM, () => new UnsupportedFormatError(`unsupported content algorithm ${contentAlgorithm} in ${version} metadata`));
    // content-metadata.md#v2-only: x-amz-tag-len valid values: 128.
    const tagLen = version === 'V2' ? required(m, K.KEY_TAG_LEN) : (m.get(K.KEY_TAG_LEN) ?? String(GCM_TAG_LENGTH_BITS));
    needs(tagLen === String(GCM_TAG_LENGTH_BITS), () => new UnsupportedFormatError(`unsupported x-amz-tag-len ${tagLen}`));
  }
  const iv = fromBase64(required(m, K.KEY_IV), K.KEY_IV, contentAlgorithm === CEK_ALG_AES_CBC ? 16 : GCM_IV_LENGTH);
  // content-metadata.md#v1-v2-shared: x-amz-matdesc default value is an empty JSON map.
  const materialsDescription = decodeJsonMap(m.get(K.KEY_MATDESC) ?? '{}', K.KEY_MATDESC);
  return {
    version,
    encryptedDataKey,
    wrapAlgorithm,
    contentAlgorithm,
    materialsDescription,
    materialsDescriptionKey: K.KEY_MATDESC,
    iv,
    unencryptedContentLength,
  };
}

const V3_WRAP_DECODE: Record<string, string> = {
  [V3_WRAP_CODE_AES_GCM]: WRAP_ALG_AES_GCM,
  [V3_WRAP_CODE_KMS_CONTEXT]: WRAP_ALG_KMS_CONTEXT,
  [V3_WRAP_CODE_RSA_OAEP_SHA1]: 'RSA-OAEP-SHA1',
};

function parseV3(m: Map<string, string>, allowLegacy: boolean, unencryptedContentLength?: number): ContentMetadata {
  const contentAlgorithm = required(m, K.KEY_CONTENT_CIPHER_V3);
  // content-metadata.md#algorithm-suite-and-message-format-version-compatibility: V3 carries 0x0073 ("115") only.
  needs(contentAlgorithm === CEK_ALG_V3_COMMITTING, () => new UnsupportedFormatError(`unsupported x-amz-c ${contentAlgorithm}`));
  const code = required(m, K.KEY_WRAP_ALG_V3);
  // content-metadata.md#v3-only x-amz-w: "02" -> AES/GCM, "12" -> kms+context, "22" -> RSA-OAEP-SHA1.
  const wrapAlgorithm = V3_WRAP_DECODE[code];
  needs(wrapAlgorithm !== undefined, () => new UnsupportedFormatError(`unknown x-amz-w ${code}`));
  checkWrapAlgorithm(wrapAlgorithm, allowLegacy);
  // content-metadata.md#v3-only x-amz-t: "The Encryption Context value MUST be used for wrapping algorithm kms+context or 12";
  // x-amz-m: "The Material Description MUST be used for wrapping algorithms AES/GCM, RSA-OAEP-SHA1 or 02, 22."
  // The other key is ignored, not refused, as Java (ContentMetadataDecodingStrategy.readFromV3FormatMap reads only the
  // key of the wrap algorithm) and Go (v4/internal/object_metadata.go GetEncryptionContextOrMatDescV3) do: Go v4 writes
  // both on every V3 object. It is never used, so it cannot change what is decrypted or verified.
  const materialsDescriptionKey = wrapAlgorithm === WRAP_ALG_KMS_CONTEXT ? K.KEY_ENCRYPTION_CONTEXT_V3 : K.KEY_MAT_DESC_V3;
  // x-amz-m: "If set the default Material Description value MUST be set to an empty map ({})."
  const materialsDescription = decodeJsonMap(m.get(materialsDescriptionKey) ?? '{}', materialsDescriptionKey);
  return {
    version: 'V3',
    encryptedDataKey: fromBase64(required(m, K.KEY_ENCRYPTED_DATA_KEY_V3), K.KEY_ENCRYPTED_DATA_KEY_V3),
    wrapAlgorithm,
    contentAlgorithm,
    materialsDescription,
    materialsDescriptionKey,
    messageId: fromBase64(required(m, K.KEY_MESSAGE_ID_V3), K.KEY_MESSAGE_ID_V3, MESSAGE_ID_LENGTH),
    commitment: fromBase64(required(m, K.KEY_KEY_COMMITMENT_V3), K.KEY_KEY_COMMITMENT_V3, COMMITMENT_LENGTH),
    unencryptedContentLength,
  };
}

/** Inputs of {@link writeContentMetadata}. */
export interface WriteMetadataInput {
  readonly version: FormatVersion;
  readonly encryptedDataKey: Uint8Array;
  /** `kms+context` or `AES/GCM`. */
  readonly wrapAlgorithm: string;
  /** Encryption context (KMS) or material description (raw keys). */
  readonly materialsDescription: Readonly<Record<string, string>>;
  /** V2: the 12-byte content IV. */
  readonly iv?: Uint8Array;
  /** V3: the 28-byte message id. */
  readonly messageId?: Uint8Array;
  /** V3: the 28-byte key commitment. */
  readonly commitment?: Uint8Array;
}

const V3_WRAP_ENCODE: Record<string, string> = {
  [WRAP_ALG_AES_GCM]: V3_WRAP_CODE_AES_GCM,
  [WRAP_ALG_KMS_CONTEXT]: V3_WRAP_CODE_KMS_CONTEXT,
  ['RSA-OAEP-SHA1']: V3_WRAP_CODE_RSA_OAEP_SHA1,
};

/** Produce the metadata map (keys without `x-amz-meta-`) for a V2 or V3 object. */
export function writeContentMetadata(input: WriteMetadataInput): Record<string, string> {
  if (input.version === 'V2') {
    needs(input.iv?.length === GCM_IV_LENGTH, () => new UnsupportedFormatError('V2 metadata needs a 12-byte IV'));
    needs(input.wrapAlgorithm in V3_WRAP_ENCODE, () => new UnsupportedFormatError(`cannot write wrapping algorithm ${input.wrapAlgorithm}`));
    // content-metadata.md#content-metadata-mapkeys: V2 MUST carry key-v2, matdesc, iv, wrap-alg, cek-alg, tag-len.
    return {
      [K.KEY_ENCRYPTED_DATA_KEY_V2]: toBase64(input.encryptedDataKey),
      [K.KEY_WRAP_ALG]: input.wrapAlgorithm,
      [K.KEY_CEK_ALG]: CEK_ALG_AES_GCM,
      [K.KEY_IV]: toBase64(input.iv),
      [K.KEY_TAG_LEN]: String(GCM_TAG_LENGTH_BITS),
      [K.KEY_MATDESC]: encodeJsonMap(input.materialsDescription),
    };
  }
  needs(input.messageId?.length === MESSAGE_ID_LENGTH, () => new UnsupportedFormatError('V3 metadata needs a 28-byte message id'));
  needs(input.commitment?.length === COMMITMENT_LENGTH, () => new UnsupportedFormatError('V3 metadata needs a 28-byte commitment'));
  const code = V3_WRAP_ENCODE[input.wrapAlgorithm];
  // content-metadata.md#v3-only x-amz-w: translated "vice versa on write".
  needs(code !== undefined, () => new UnsupportedFormatError(`cannot write wrapping algorithm ${input.wrapAlgorithm} in V3`));
  const mdKey = input.wrapAlgorithm === WRAP_ALG_KMS_CONTEXT ? K.KEY_ENCRYPTION_CONTEXT_V3 : K.KEY_MAT_DESC_V3;
  return {
    [K.KEY_CONTENT_CIPHER_V3]: CEK_ALG_V3_COMMITTING,
    [K.KEY_ENCRYPTED_DATA_KEY_V3]: toBase64(input.encryptedDataKey),
    [K.KEY_WRAP_ALG_V3]: code,
    [K.KEY_KEY_COMMITMENT_V3]: toBase64(input.commitment),
    [K.KEY_MESSAGE_ID_V3]: toBase64(input.messageId),
    [mdKey]: encodeJsonMap(input.materialsDescription),
  };
}

/**
 * Split metadata for the instruction-file strategy (metadata-strategy.md#instruction-file):
 * V3 keeps x-amz-c, x-amz-d, x-amz-i on the object and moves the rest; V2 moves everything.
 */
export function splitForInstructionFile(metadata: Readonly<Record<string, string>>): {
  objectMetadata: Record<string, string>; instructionFile: Record<string, string>;
} {
  const version = detectFormatVersion(metadata);
  const objectMetadata: Record<string, string> = {};
  const instructionFile: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) {
    const isS3ec = K.V3_KEYS.includes(k) || K.V1_V2_KEYS.includes(k) || k === K.KEY_UNENCRYPTED_CONTENT_LENGTH;
    if (!isS3ec || (version === 'V3' && K.V3_OBJECT_ONLY_KEYS.includes(k))) {
      objectMetadata[k] = v;
    } else {
      instructionFile[k] = v;
    }
  }
  return { objectMetadata, instructionFile };
}

/**
 * True when the object's own metadata does not hold the full S3EC metadata and the
 * instruction file (key + `.instruction`) must be fetched and merged
 * (content-metadata.md#determining-s3ec-object-status: "If the object matches none of the V1/V2/V3 formats,
 * the S3EC MUST attempt to get the instruction file"; metadata-strategy.md#v3-instruction-files).
 */
export function requiresInstructionFile(metadata: Readonly<Record<string, string | undefined>>): boolean {
  const m = normalise(metadata);
  const hasWrappedKey = m.has(K.KEY_ENCRYPTED_DATA_KEY_V1) || m.has(K.KEY_ENCRYPTED_DATA_KEY_V2) || m.has(K.KEY_ENCRYPTED_DATA_KEY_V3);
  return !hasWrappedKey;
}

/** Merge object metadata with a parsed instruction file (JSON map); keys present in both must agree. */
export function mergeInstructionFile(objectMetadata: Readonly<Record<string, string | undefined>>,
  instructionFileJson: string): Record<string, string> {
  const instr = decodeJsonMap(instructionFileJson, 'instruction file');
  const out: Record<string, string> = {};
  for (const [k, v] of normalise(objectMetadata)) {
    out[k] = v;
  }
  for (const [k, v] of Object.entries(instr)) {
    const key = k.toLowerCase();
    if (key === K.KEY_INSTRUCTION_FILE || (v === '' && S3EC_KEYS.includes(key))) {
      // Empty values are absent (see normalise).
      continue;
    }
    // metadata-strategy.md#v3-instruction-files: x-amz-c, x-amz-d, x-amz-i MUST NOT be in the instruction file.
    needs(!K.V3_OBJECT_ONLY_KEYS.includes(key), () => new UnsupportedFormatError(`instruction file must not contain ${key}`));
    needs(out[key] === undefined || out[key] === v, () => new UnsupportedFormatError(`instruction file and object disagree on ${key}`));
    out[key] = v;
  }
  return out;
}
