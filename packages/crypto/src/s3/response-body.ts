/**
 * The body of a GetObject response as a Node.js stream or as bytes.
 *
 * With @aws-sdk/client-s3 in Node.js the body is a `Readable` (an
 * `SdkStream`); other runtimes or test doubles may give a web
 * `ReadableStream`, any async iterable of bytes, or a `Uint8Array`.
 */
import { Readable } from 'node:stream';
import { MetadataTooLargeError, S3EncryptionError } from '../errors';

/** The body as a Node.js Readable. */
export function responseBodyStream(body: unknown): Readable {
  if (body instanceof Readable) return body;
  if (body instanceof Uint8Array) return Readable.from([body]);
  if (body !== null && typeof body === 'object' && Symbol.asyncIterator in body) {
    return Readable.from(body as AsyncIterable<Uint8Array>);
  }
  throw new S3EncryptionError('MISSING_BODY', 'the GetObject response has no readable body');
}

/** The whole body in memory. */
export async function readResponseBody(body: unknown): Promise<Buffer> {
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const chunks: Buffer[] = [];
  for await (const chunk of responseBodyStream(body)) {
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  }
  return Buffer.concat(chunks);
}

/**
 * The whole body in memory, but never more than `maxBytes`: a body that grows past the bound is abandoned
 * (destroyed, no further chunk pulled) with a MetadataTooLargeError naming `what`.
 */
export async function readBoundedResponseBody(body: unknown, maxBytes: number, what: string): Promise<Buffer> {
  const tooLarge = () => new MetadataTooLargeError(`${what} is larger than ${maxBytes} bytes`);
  if (body instanceof Uint8Array) {
    if (body.byteLength > maxBytes) throw tooLarge();
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  }
  const stream = responseBodyStream(body);
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      total += buf.length;
      if (total > maxBytes) throw tooLarge();
      chunks.push(buf);
    }
  } finally {
    // Breaking out of for-await destroys the stream; make it explicit for bodies that are not ours.
    if (total > maxBytes) discardResponseBody(body);
  }
  return Buffer.concat(chunks);
}

/** Release a body that will not be read (frees the HTTP connection). */
export function discardResponseBody(body: unknown): void {
  if (body instanceof Readable) {
    body.destroy();
  } else if (body !== null && typeof body === 'object' && typeof (body as { cancel?: unknown }).cancel === 'function') {
    (body as { cancel(): Promise<void> }).cancel().catch(() => undefined);
  }
}
