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

/** Undo the RFC 2047 `=?UTF-8?B?...?=` / `=?UTF-8?Q?...?=` encoding S3 applies to non-ASCII metadata values. */
export function decodeRfc2047(value: string): string {
  const m = /^=\?utf-8\?([bq])\?(.*)\?=$/i.exec(value.trim());
  if (!m) {
    return value;
  }
  if (m[1].toLowerCase() === 'b') {
    return Buffer.from(m[2], 'base64').toString('utf8');
  }
  const bytes = m[2].replace(/_/g, ' ').replace(/=([0-9a-f]{2})/gi, (_s, h: string) => String.fromCharCode(parseInt(h, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
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
