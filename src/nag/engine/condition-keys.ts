/** The condition keys the encryption checks model (lower case, as the engine compares keys). */
export const SSE_KEY = 's3:x-amz-server-side-encryption';
export const SSE_KMS_KEY_ID_KEY = 's3:x-amz-server-side-encryption-aws-kms-key-id';
export const SSE_C_KEY = 's3:x-amz-server-side-encryption-customer-algorithm';
export const SECURE_TRANSPORT_KEY = 'aws:securetransport';
export const TLS_VERSION_KEY = 's3:tlsversion';
