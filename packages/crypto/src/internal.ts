// @cdk-secure-bucket/crypto/internal: format internals that cdk-secure-bucket's key-rotation Lambda handler needs
// (parse an object's stored envelope, ask a keyring to unwrap it, read the caller's part of a KMS context).
// Not part of the public API: no semver promise; applications use the package's main entry.
export { parseContentMetadata, type ContentMetadata } from './format/content-metadata';
export { decryptionRequestFor } from './keyring/decryption-request';
export { callerContextOf } from './keyring/kms-keyring';
