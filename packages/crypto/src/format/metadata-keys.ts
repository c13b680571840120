/**
 * Metadata mapkeys of the S3EC object format, WITHOUT the `x-amz-meta-` prefix.
 *
 * Spec: s3-encryption/data-format/content-metadata.md#content-metadata-mapkeys
 * ("The "x-amz-meta-" prefix is automatically added by the S3 server and MUST NOT be included in implementation code.")
 * Java: internal/MetadataKeyConstants.java.
 */

// V1 / V2
export const KEY_ENCRYPTED_DATA_KEY_V1 = 'x-amz-key';
export const KEY_ENCRYPTED_DATA_KEY_V2 = 'x-amz-key-v2';
export const KEY_WRAP_ALG = 'x-amz-wrap-alg';
export const KEY_CEK_ALG = 'x-amz-cek-alg';
export const KEY_IV = 'x-amz-iv';
export const KEY_TAG_LEN = 'x-amz-tag-len';
export const KEY_MATDESC = 'x-amz-matdesc';
export const KEY_UNENCRYPTED_CONTENT_LENGTH = 'x-amz-unencrypted-content-length';

// V3 (compressed mapkeys)
export const KEY_CONTENT_CIPHER_V3 = 'x-amz-c';
export const KEY_ENCRYPTED_DATA_KEY_V3 = 'x-amz-3';
export const KEY_WRAP_ALG_V3 = 'x-amz-w';
export const KEY_KEY_COMMITMENT_V3 = 'x-amz-d';
export const KEY_MESSAGE_ID_V3 = 'x-amz-i';
export const KEY_ENCRYPTION_CONTEXT_V3 = 'x-amz-t';
export const KEY_MAT_DESC_V3 = 'x-amz-m';

/** Only used in instruction files to identify them as such. */
export const KEY_INSTRUCTION_FILE = 'x-amz-crypto-instr-file';

/** Keys that only a V1/V2 object may carry. */
export const V1_V2_KEYS: readonly string[] = [
  KEY_ENCRYPTED_DATA_KEY_V1, KEY_ENCRYPTED_DATA_KEY_V2, KEY_WRAP_ALG, KEY_CEK_ALG, KEY_IV, KEY_TAG_LEN, KEY_MATDESC,
];

/** Keys that only a V3 object may carry. */
export const V3_KEYS: readonly string[] = [
  KEY_CONTENT_CIPHER_V3, KEY_ENCRYPTED_DATA_KEY_V3, KEY_WRAP_ALG_V3, KEY_KEY_COMMITMENT_V3,
  KEY_MESSAGE_ID_V3, KEY_ENCRYPTION_CONTEXT_V3, KEY_MAT_DESC_V3,
];

/**
 * V3 keys that MUST stay on the object when the rest goes to an instruction file.
 * Spec: content-metadata.md ("In the V3 format, the mapkeys "x-amz-c", "x-amz-d", and "x-amz-i" MUST be stored exclusively in the Object Metadata.")
 */
export const V3_OBJECT_ONLY_KEYS: readonly string[] = [KEY_CONTENT_CIPHER_V3, KEY_KEY_COMMITMENT_V3, KEY_MESSAGE_ID_V3];
