/**
 * Read an S3EC object and decrypt it in memory (authenticated: any tampering
 * is a typed error and no plaintext is returned).
 */
import { getEncryptedObject } from './get-encrypted-object';
import { readResponseBody } from './response-body';
import { S3ClientLike } from './s3-client';
import type { EnvelopeCipher } from '../cipher/envelope-cipher';
import { detectFormatVersion } from '../format/content-metadata';
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
  // Legacy V1 objects (AES-CBC among them, whose plaintext is shorter) decrypt into a new one.
  return cipher.decrypt(ciphertext, metadata, { context, inPlace: !isLegacy(metadata) });
}

function isLegacy(metadata: Readonly<Record<string, string | undefined>>): boolean {
  try {
    return detectFormatVersion(metadata) === 'V1';
  } catch {
    return true; // malformed metadata: decrypt refuses it with its own typed error
  }
}
