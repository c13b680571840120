/**
 * Read an S3EC object and decrypt it in memory (authenticated: any tampering
 * is a typed error and no plaintext is returned).
 */
import { checkLocation } from './check-location';
import { resolveObjectMetadata } from './resolve-object-metadata';
import { discardResponseBody, readResponseBody } from './response-body';
import { S3ClientLike } from './s3-client';
import type { EnvelopeCipher } from '../cipher/envelope-cipher';
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
  checkLocation('getDecryptedObject', bucket, key);
  const out = await client.getObject({ Bucket: bucket, Key: key });
  let metadata;
  try {
    metadata = await resolveObjectMetadata({ client, bucket, key, objectMetadata: out.Metadata ?? {} });
  } catch (e) {
    discardResponseBody(out.Body);
    throw e;
  }
  const ciphertext = await readResponseBody(out.Body);
  return cipher.decrypt(ciphertext, metadata, { context });
}
