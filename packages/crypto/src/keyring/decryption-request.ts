import { DecryptionRequest, EncryptionContext } from './keyring';
import type { ContentMetadata } from '../format/content-metadata';

/** The request that asks a keyring to unwrap the data key of an object whose metadata is `parsed`. */
export function decryptionRequestFor(parsed: ContentMetadata, expectedContext: EncryptionContext): DecryptionRequest {
  return {
    formatVersion: parsed.version,
    encryptedDataKey: parsed.encryptedDataKey,
    wrapAlgorithm: parsed.wrapAlgorithm,
    contentAlgorithm: parsed.contentAlgorithm,
    materialsDescription: parsed.materialsDescription,
    expectedContext,
  };
}
