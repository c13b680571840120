// The encryption modes by kind: the keys of the mode table (mode-table.ts), which holds every
// other fact about each mode. This folder imports neither aws-cdk-lib nor cdk-nag, so the rule
// engine, `check`, the inventory audit and the constructs all read it from below.

/**
 * The server-side encryption modes a SecureBucket can be provisioned for.
 */
export enum EncryptionModeKind {
  /** SSE-S3: Amazon S3 managed keys (AES256). */
  SSE_S3 = 'SSE_S3',
  /** SSE-KMS: a customer-managed AWS KMS key (`aws:kms`), with an S3 Bucket Key. */
  SSE_KMS = 'SSE_KMS',
  /** DSSE-KMS: dual-layer server-side encryption with a customer-managed AWS KMS key (`aws:kms:dsse`). */
  DSSE_KMS = 'DSSE_KMS',
  /** SSE-C: keys the caller provides with every request; S3 never stores them. */
  SSE_C = 'SSE_C',
}
