/**
 * Instruction files: S3EC content metadata stored as a JSON map in a sibling
 * object named key + `.instruction`, marked with the user metadata
 * `x-amz-crypto-instr-file` (empty value).
 *
 * Spec: s3-encryption/data-format/metadata-strategy.md#instruction-file
 * - "The content metadata MUST be serialized to a JSON string. The serialized
 *   JSON string MUST be the only contents of the Instruction File."
 * - V1/V2: all of the content metadata is in the instruction file.
 * - V3: `x-amz-c`, `x-amz-d`, `x-amz-i` MUST be in the object metadata and
 *   MUST NOT be in the instruction file; `x-amz-3`, `x-amz-w`, `x-amz-m` /
 *   `x-amz-t` go to the instruction file.
 * content-metadata.md#determining-s3ec-object-status: an object whose metadata
 * matches no format ("x-amz-key"/"x-amz-key-v2"/"x-amz-3" missing) MUST be
 * looked up in its instruction file.
 *
 * Pure functions; the I/O is in `resolveObjectMetadata` / `putEncryptedObject`.
 */
import { ObjectMetadata } from '../cipher/types';
import { needs, UnsupportedFormatError } from '../errors';
import { decodeJsonMap, encodeJsonMap } from '../format/json-map';
import {
  KEY_ENCRYPTED_DATA_KEY_V1, KEY_ENCRYPTED_DATA_KEY_V2, KEY_ENCRYPTED_DATA_KEY_V3, KEY_INSTRUCTION_FILE,
  KEY_UNENCRYPTED_CONTENT_LENGTH, V1_V2_KEYS, V3_KEYS, V3_OBJECT_ONLY_KEYS,
} from '../format/metadata-keys';

/** The default (and, on writes, only) instruction file suffix. */
export const INSTRUCTION_FILE_SUFFIX = '.instruction';

/** User metadata of the instruction file object itself. */
export const INSTRUCTION_FILE_OBJECT_METADATA: Readonly<Record<string, string>> = Object.freeze({ [KEY_INSTRUCTION_FILE]: '' });

const WRAPPED_KEY_KEYS = [KEY_ENCRYPTED_DATA_KEY_V1, KEY_ENCRYPTED_DATA_KEY_V2, KEY_ENCRYPTED_DATA_KEY_V3];
const S3EC_KEYS = new Set([...V1_V2_KEYS, ...V3_KEYS, KEY_UNENCRYPTED_CONTENT_LENGTH]);

/** Key of the instruction file of `key`. */
export function instructionFileKey(key: string): string {
  return key + INSTRUCTION_FILE_SUFFIX;
}

/** Split cipher metadata into what stays on the object and what goes to the instruction file. */
export function splitForInstructionFile(metadata: ObjectMetadata): { objectMetadata: ObjectMetadata; instructionFile: ObjectMetadata } {
  const isV3 = lower(metadata).has(KEY_ENCRYPTED_DATA_KEY_V3);
  const objectMetadata: Record<string, string> = {};
  const instructionFile: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (isV3 && V3_OBJECT_ONLY_KEYS.includes(k.toLowerCase())) {
      objectMetadata[k] = v;
    } else {
      instructionFile[k] = v;
    }
  }
  return { objectMetadata, instructionFile };
}

/** The bytes of an instruction file: the metadata as a JSON map (keys sorted, non-ASCII escaped). */
export function serializeInstructionFile(metadata: ObjectMetadata): Buffer {
  return Buffer.from(encodeJsonMap(metadata), 'utf8');
}

/**
 * Whether the object's own metadata is complete S3EC metadata. If not, the
 * instruction file must be read (this also covers an object with no S3EC
 * metadata at all: the spec says to attempt the instruction file).
 */
export function needsInstructionFile(objectMetadata: ObjectMetadata): boolean {
  const keys = lower(objectMetadata);
  return !WRAPPED_KEY_KEYS.some((k) => keys.has(k));
}

/**
 * Merge the object's metadata with its instruction file. Conflicting values,
 * or V3 object-only keys in the instruction file, are an UnsupportedFormatError.
 * The instruction-file marker is dropped.
 */
export function mergeInstructionFile(objectMetadata: ObjectMetadata, instructionFileBody: Uint8Array): ObjectMetadata {
  const instruction = decodeJsonMap(Buffer.from(instructionFileBody).toString('utf8'), 'instruction file');
  const merged: Record<string, string> = {};
  for (const [k, v] of Object.entries(objectMetadata)) {
    if (S3EC_KEYS.has(k.toLowerCase())) merged[k.toLowerCase()] = v;
  }
  for (const [rawKey, v] of Object.entries(instruction)) {
    const k = rawKey.toLowerCase();
    if (k === KEY_INSTRUCTION_FILE) continue;
    // metadata-strategy.md#v3-instruction-files: x-amz-c/d/i MUST NOT be stored in the instruction file.
    needs(!V3_OBJECT_ONLY_KEYS.includes(k), () => new UnsupportedFormatError(`instruction file must not contain ${k} (V3 keeps it on the object)`));
    needs(merged[k] === undefined || merged[k] === v,
      () => new UnsupportedFormatError(`${k} differs between the object metadata and its instruction file`));
    merged[k] = v;
  }
  return merged;
}

function lower(metadata: ObjectMetadata): Set<string> {
  return new Set(Object.keys(metadata).map((k) => k.toLowerCase()));
}
