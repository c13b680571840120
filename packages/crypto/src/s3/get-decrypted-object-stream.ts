/**
 * Read an S3EC object as a plaintext stream.
 *
 * By default the cipher releases no plaintext before the whole object is
 * authenticated (objects larger than the cipher's `maxInMemoryBytes` are
 * spooled, as ciphertext, to a private temp file: bounded memory; the
 * response's Content-Length lets it choose before the first byte). Key unwrap, context and commitment failures reject
 * the returned promise; a content tag failure errors the stream before any
 * byte is emitted.
 */
import { Readable } from 'node:stream';
import { getEncryptedObject } from './get-encrypted-object';
import { responseBodyStream } from './response-body';
import { S3ClientLike } from './s3-client';
import type { EnvelopeCipher } from '../cipher/envelope-cipher';
import { EncryptionContext } from '../keyring/keyring';

export interface GetDecryptedObjectStreamOptions {
  /** `new S3({})` fits. */
  readonly client: Pick<S3ClientLike, 'getObject'>;
  readonly cipher: Pick<EnvelopeCipher, 'decryptStream'>;
  readonly bucket: string;
  readonly key: string;
  /** The encryption context the object must have been written with. @default {} */
  readonly context?: EncryptionContext;
  /**
   * Emit plaintext before the object is authenticated (the stream errors at
   * the end on tampering, after releasing unauthenticated bytes).
   * @default false
   */
  readonly allowUnauthenticatedStreaming?: boolean;
}

export async function getDecryptedObjectStream(options: GetDecryptedObjectStreamOptions): Promise<Readable> {
  const { client, cipher, bucket, key, context } = options;
  const { body, metadata, contentLength } = await getEncryptedObject('getDecryptedObjectStream', client, bucket, key);
  return cipher.decryptStream(responseBodyStream(body), metadata, {
    context,
    allowUnauthenticatedStreaming: options.allowUnauthenticatedStreaming === true,
    // Lets authenticated decryption choose memory or the temp file before the first byte.
    ...(contentLength !== undefined ? { ciphertextLength: contentLength } : {}),
  });
}
