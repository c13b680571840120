/**
 * Read an S3EC object and decrypt it in memory (authenticated: any tampering
 * is a typed error and no plaintext is returned).
 */
import { getEncryptedObject } from './get-encrypted-object';
import { readResponseBody } from './response-body';
import { S3ClientLike } from './s3-client';
import type { EnvelopeCipher } from '../cipher/envelope-cipher';
import { CEK_ALG_AES_CBC, parseContentMetadata } from '../format/content-metadata';
import { EncryptionContext } from '../keyring/keyring';

export interface GetDecryptedObjectOptions {
  /** `new S3({})` fits. */
  readonly client: Pick<S3ClientLike, 'getObject'>;
  readonly cipher: Pick<EnvelopeCipher, 'decrypt'>;
  readonly bucket: string;
  readonly key: string;
  /** The encryption context the object must have been written with. @default {} */
  readonly context?: EncryptionContext;
}

/** The plaintext of the object. Metadata comes from the object or its instruction file. */
export async function getDecryptedObject(options: GetDecryptedObjectOptions): Promise<Buffer> {
  const { client, cipher, bucket, key, context } = options;
  const { body, metadata } = await getEncryptedObject('getDecryptedObject', client, bucket, key);
  const ciphertext = await readResponseBody(body);
  // The body buffer is ours alone: decrypt over it rather than into a second object-sized buffer.
  // AES-CBC content (legacy V1 objects, and the V2-header objects the Ruby and Go V1 clients write) has a
  // plaintext shorter than its ciphertext, so it decrypts into a new buffer.
  return cipher.decrypt(ciphertext, metadata, { context, inPlace: !hasCbcContent(metadata) });
}

/** Decided from the content algorithm, not the format version; whether the object may be read is decrypt's call. */
function hasCbcContent(metadata: Readonly<Record<string, string | undefined>>): boolean {
  try {
    return parseContentMetadata(metadata, { allowLegacy: true }).contentAlgorithm === CEK_ALG_AES_CBC;
  } catch {
    return true; // malformed metadata: decrypt refuses it with its own typed error
  }
}
