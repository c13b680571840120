/**
 * Minimal structural view of the AWS KMS client.
 *
 * `new KMS({})` (aggregated client of @aws-sdk/client-kms) satisfies it; tests
 * pass plain objects. No SDK import at run time (or at type level).
 */

/** Input of KMS GenerateDataKey, the fields this module uses. */
export interface KmsGenerateDataKeyInput {
  KeyId: string;
  KeySpec?: 'AES_256';
  EncryptionContext?: Record<string, string>;
  GrantTokens?: string[];
}

/** Output of KMS GenerateDataKey, the fields this module uses. */
export interface KmsGenerateDataKeyOutput {
  Plaintext?: Uint8Array;
  CiphertextBlob?: Uint8Array;
  KeyId?: string;
}

/** Input of KMS Decrypt, the fields this module uses. */
export interface KmsDecryptInput {
  CiphertextBlob: Uint8Array;
  EncryptionContext?: Record<string, string>;
  KeyId?: string;
  GrantTokens?: string[];
}

/** Output of KMS Decrypt, the fields this module uses. */
export interface KmsDecryptOutput {
  Plaintext?: Uint8Array;
  KeyId?: string;
}

/** Input of KMS Encrypt, the fields this module uses (re-wrapping an existing data key). */
export interface KmsEncryptInput {
  KeyId: string;
  Plaintext: Uint8Array;
  EncryptionContext?: Record<string, string>;
  GrantTokens?: string[];
}

/** Output of KMS Encrypt, the fields this module uses. */
export interface KmsEncryptOutput {
  CiphertextBlob?: Uint8Array;
  KeyId?: string;
}

/** What {@link KmsKeyring} needs from a KMS client. */
export interface KmsClientLike {
  generateDataKey(input: KmsGenerateDataKeyInput): Promise<KmsGenerateDataKeyOutput>;
  decrypt(input: KmsDecryptInput): Promise<KmsDecryptOutput>;
  /** Only needed when the keyring is a re-wrap target (`rewrapObject`). */
  encrypt?(input: KmsEncryptInput): Promise<KmsEncryptOutput>;
}
