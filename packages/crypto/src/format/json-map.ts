/**
 * JSON string maps as stored in `x-amz-matdesc`, `x-amz-t` and `x-amz-m`.
 *
 * Writing: compact JSON, keys sorted (deterministic), every non-ASCII character
 * escaped as `\uXXXX` so the value survives HTTP headers unchanged.
 * Reading: a JSON object whose values are all strings; the value MAY be
 * RFC 2047 encoded by S3 ("esoteric double-encoding", content-metadata.md#v1-v2-shared).
 */
import { UnsupportedFormatError } from '../errors';

/** Serialise a string map to the stored JSON form. */
export function encodeJsonMap(map: Readonly<Record<string, string>>): string {
  const sorted: Record<string, string> = {};
  for (const k of Object.keys(map).sort()) {
    sorted[k] = map[k];
  }
  return JSON.stringify(sorted).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** One RFC 2047 encoded-word: =?charset?B|Q?text?= (the charset may carry an RFC 2231 language suffix, *lang). */
const ENCODED_WORD = /=\?([^?*\s]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)\?=/g;

/** Charsets of encoded-words this decoder reads (Go's mime.WordDecoder reads the same three without a CharsetReader). */
function charsetEncoding(charset: string): BufferEncoding | undefined {
  switch (charset.toLowerCase()) {
    case 'utf-8':
    case 'utf8':
      return 'utf8';
    case 'iso-8859-1':
    case 'latin1':
      return 'latin1';
    case 'us-ascii':
      return 'ascii';
    default:
      return undefined;
  }
}

function wordBytes(encoding: string, text: string): Buffer {
  if (encoding.toLowerCase() === 'b') {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
      throw new UnsupportedFormatError('metadata value has an invalid RFC 2047 B encoded-word');
    }
    return Buffer.from(text, 'base64');
  }
  // Q: "_" is a space, =XX a byte, anything else itself.
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '_') {
      out.push(0x20);
    } else if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      out.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c === '=') {
      throw new UnsupportedFormatError('metadata value has an invalid RFC 2047 Q encoded-word');
    } else {
      out.push(c.charCodeAt(0) % 256);
    }
  }
  return Buffer.from(out);
}

/**
 * Layer 1: RFC 2047 section 6.2. Encoded-words are decoded; white space between two adjacent encoded-words
 * is dropped; other text is kept. The bytes of adjacent words in the same charset are joined before decoding,
 * so a multi-byte character split across two words (as long values are) comes out whole.
 */
function decodeEncodedWords(value: string): string {
  let out = '';
  let pending: { bytes: Buffer[]; encoding: BufferEncoding } | undefined;
  const flush = () => {
    if (pending) {
      out += Buffer.concat(pending.bytes).toString(pending.encoding);
      pending = undefined;
    }
  };
  let last = 0;
  for (const m of value.matchAll(ENCODED_WORD)) {
    const index = m.index as number;
    const between = value.slice(last, index);
    if (!(pending && /^[ \t\r\n]*$/.test(between))) {
      flush();
      out += between;
    }
    const encoding = charsetEncoding(m[1]);
    if (encoding === undefined) {
      throw new UnsupportedFormatError(`metadata value uses an unsupported RFC 2047 charset ${m[1]}`);
    }
    const bytes = wordBytes(m[2], m[3]);
    if (pending && pending.encoding === encoding) {
      pending.bytes.push(bytes);
    } else {
      flush();
      pending = { bytes: [bytes], encoding };
    }
    last = index + m[0].length;
  }
  flush();
  return out + value.slice(last);
}

/**
 * Layer 2: S3 turns each byte of a non-ASCII UTF-8 value into the character of the same number (Latin-1)
 * before encoding, so after layer 1 a run of characters U+0080..U+00FF holds the original UTF-8 bytes.
 * Each such run is read back as UTF-8. A run that is not valid UTF-8 was not double-encoded and is kept as is
 * (Java and Go would turn it into replacement characters).
 */
function undoLatin1Layer(value: string): string {
  return value.replace(/[\u0080-\u00ff]+/g, (run) => {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(run, 'latin1'));
    } catch {
      return run;
    }
  });
}

/**
 * Undo S3's "esoteric double-encoding" of non-ASCII metadata values (metadata-strategy.md#object-metadata:
 * "The S3EC SHOULD support decoding the S3 Server's double encoding"; content-metadata.md#v3-only: the context
 * "MAY be encoded by the esoteric double-encoding scheme used by the S3 web server"), in the two layers Java
 * (aws/amazon-s3-encryption-client-java internal/ContentMetadataDecodingStrategy.java decodeS3CustomEncoding:
 * MimeUtility.decodeText, then recovering code points) and Go (aws/amazon-s3-encryption-client-go
 * v4/client/decrypt_middleware.go customS3Decoder: mime.WordDecoder.DecodeHeader, then the same) decode:
 * RFC 2047 encoded-words (any number, B or Q, split anywhere), then the Latin-1 layer.
 */
export function decodeRfc2047(value: string): string {
  return undoLatin1Layer(value.includes('=?') ? decodeEncodedWords(value) : value);
}

/** Parse a stored JSON map; anything but an object of strings is an UnsupportedFormatError. */
export function decodeJsonMap(value: string, what: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decodeRfc2047(value));
  } catch (e) {
    throw new UnsupportedFormatError(`${what} is not valid JSON`, { cause: e });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UnsupportedFormatError(`${what} is not a JSON object`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof v !== 'string') {
      throw new UnsupportedFormatError(`${what} has a non-string value`);
    }
    out[k] = v;
  }
  return out;
}

/** Order-insensitive equality of two string maps. */
export function mapsEqual(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) {
    return false;
  }
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && b[k] === a[k]);
}
