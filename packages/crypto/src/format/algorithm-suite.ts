/**
 * Algorithm suites and fixed strings of the Amazon S3 Encryption Client format.
 *
 * Spec: awslabs/aws-encryption-sdk-specification s3-encryption/data-format/content-metadata.md,
 * s3-encryption/key-derivation.md; Java: algorithms/AlgorithmSuite.java.
 */

/** Object format versions this module writes. V1 is recognised (decrypt-only, opt-in) but never written. */
export type FormatVersion = 'V2' | 'V3';

/** Every format version the metadata reader recognises. */
export type AnyFormatVersion = FormatVersion | 'V1';

/** Suite 0x0072: AES-256-GCM, random 12-byte IV, no AAD, 128-bit tag (V2). */
export const ALG_AES_256_GCM_IV12_TAG16_NO_KDF = 0x0072;
/** Suite 0x0073: AES-256-GCM with HKDF-SHA512 key derivation and key commitment (V3). */
export const ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY = 0x0073;

/** `x-amz-cek-alg` value for suite 0x0072 (V2 content encryption algorithm name). */
export const CEK_ALG_AES_GCM = 'AES/GCM/NoPadding';
/** `x-amz-c` value for suite 0x0073 (decimal 115). */
export const CEK_ALG_V3_COMMITTING = '115';

/** Wrapping algorithm names as stored in V2 `x-amz-wrap-alg`. */
export const WRAP_ALG_KMS_CONTEXT = 'kms+context';
export const WRAP_ALG_AES_GCM = 'AES/GCM';

/** Wrapping algorithms this module implements (named as in V2 `x-amz-wrap-alg`). */
export type WrapAlgorithm = typeof WRAP_ALG_KMS_CONTEXT | typeof WRAP_ALG_AES_GCM;

/** V3 compressed `x-amz-w` codes. */
export const V3_WRAP_CODE_AES_GCM = '02';
export const V3_WRAP_CODE_KMS_CONTEXT = '12';
export const V3_WRAP_CODE_RSA_OAEP_SHA1 = '22';

/** Reserved encryption-context key added by the KMS keyring. */
export const KMS_CEK_ALG_CONTEXT_KEY = 'aws:x-amz-cek-alg';
/** Legacy matdesc key some clients add to the KMS context; ignored when comparing contexts. */
export const LEGACY_KMS_CMK_ID_KEY = 'kms_cmk_id';

/** Sizes in bytes. */
export const DATA_KEY_LENGTH = 32;
export const GCM_IV_LENGTH = 12;
export const GCM_TAG_LENGTH = 16;
export const GCM_TAG_LENGTH_BITS = 128;
export const MESSAGE_ID_LENGTH = 28;
export const COMMITMENT_LENGTH = 28;
export const AES_BLOCK_SIZE = 16;

/** Suite id as two big-endian bytes, used in HKDF info and V3 AAD. */
export function suiteIdBytes(suite: number): Buffer {
  return Buffer.from([Math.floor(suite / 256), suite % 256]);
}

/** The content-algorithm string a KMS context (`aws:x-amz-cek-alg`) / raw AES wrap AAD uses for a format version. */
export function cekAlgForVersion(version: FormatVersion): string {
  return version === 'V3' ? CEK_ALG_V3_COMMITTING : CEK_ALG_AES_GCM;
}
