/**
 * Instruction files as S3 objects: the content metadata as a JSON map in a
 * sibling object named key + `.instruction`, itself marked with the user
 * metadata `x-amz-crypto-instr-file` (empty value), as the Java client does.
 *
 * Spec: s3-encryption/data-format/metadata-strategy.md#instruction-file
 * ("The serialized JSON string MUST be the only contents of the Instruction
 * File"; "uses the same S3 object key as its associated object suffixed with
 * '.instruction'"). Which keys go where (V2: all; V3: all but x-amz-c/d/i) and
 * the merge on read are `splitForInstructionFile` / `mergeInstructionFile` in
 * format/content-metadata.
 */
import { ObjectMetadata } from '../cipher/types';
import { encodeJsonMap } from '../format/json-map';
import { KEY_INSTRUCTION_FILE } from '../format/metadata-keys';

/**
 * Largest instruction file read, in bytes. One holds a wrapped key (a KMS blob is at most 6 KiB as base64 8 KiB),
 * an IV, a few algorithm names and a material description or encryption context: a few hundred bytes in practice.
 * Anything larger is refused (MetadataTooLargeError) without being read whole.
 */
export const MAX_INSTRUCTION_FILE_BYTES = 64 * 1024;

/** The default (and, on writes, only) instruction file suffix. */
export const INSTRUCTION_FILE_SUFFIX = '.instruction';

/** User metadata of the instruction file object itself. */
export const INSTRUCTION_FILE_OBJECT_METADATA: Readonly<Record<string, string>> = Object.freeze({ [KEY_INSTRUCTION_FILE]: '' });

/** Key of the instruction file of `key`. */
export function instructionFileKey(key: string): string {
  return key + INSTRUCTION_FILE_SUFFIX;
}

/** The bytes of an instruction file: the metadata as a JSON map (keys sorted, non-ASCII escaped). */
export function serializeInstructionFile(metadata: ObjectMetadata): Buffer {
  return Buffer.from(encodeJsonMap(metadata), 'utf8');
}
