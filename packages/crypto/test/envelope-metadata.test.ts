/**
 * Format layer: version detection, strict parsing, mixed-version and legacy rejection,
 * JSON maps, instruction-file split/merge.
 */
import { MetadataTooLargeError, UnsupportedFormatError } from '../src';
import { MAX_BASE64_FIELD_CHARS } from '../src/format/base64';
import { detectFormatVersion, mergeInstructionFile, parseContentMetadata, requiresInstructionFile, splitForInstructionFile, writeContentMetadata } from '../src/format/content-metadata';
import { decodeJsonMap, encodeJsonMap } from '../src/format/json-map';

const b64 = (n: number, fill = 1) => Buffer.alloc(n, fill).toString('base64');
const V2 = {
  'x-amz-key-v2': b64(60),
  'x-amz-wrap-alg': 'AES/GCM',
  'x-amz-cek-alg': 'AES/GCM/NoPadding',
  'x-amz-iv': b64(12),
  'x-amz-tag-len': '128',
  'x-amz-matdesc': '{}',
};
const V3 = {
  'x-amz-c': '115',
  'x-amz-3': b64(60),
  'x-amz-w': '12',
  'x-amz-d': b64(28, 2),
  'x-amz-i': b64(28, 3),
  'x-amz-t': '{"aws:x-amz-cek-alg":"115"}',
};
const V1 = { 'x-amz-key': b64(48), 'x-amz-iv': b64(16), 'x-amz-matdesc': '{}' };

describe('detectFormatVersion', () => {
  test('recognises V1, V2, V3 and plain objects', () => {
    expect(detectFormatVersion(V1)).toBe('V1');
    expect(detectFormatVersion(V2)).toBe('V2');
    expect(detectFormatVersion(V3)).toBe('V3');
    expect(detectFormatVersion({ 'content-type': 'text/plain', 'owner': 'me' })).toBeUndefined();
  });

  test('keys are case-insensitive (S3 lower-cases them)', () => {
    expect(detectFormatVersion({ 'X-Amz-Key-V2': V2['x-amz-key-v2'] })).toBe('V2');
  });

  test.each([
    ['V2 + x-amz-3', { ...V2, 'x-amz-3': b64(60) }],
    ['V2 + x-amz-d', { ...V2, 'x-amz-d': b64(28) }],
    ['V3 + x-amz-iv', { ...V3, 'x-amz-iv': b64(12) }],
    ['V3 + x-amz-matdesc', { ...V3, 'x-amz-matdesc': '{}' }],
    ['V1 + V2 keys', { ...V1, 'x-amz-key-v2': b64(60) }],
  ])('mixing versions is rejected: %s', (_n, md) => {
    expect(() => detectFormatVersion(md)).toThrow(UnsupportedFormatError);
  });

  test('V3 requires x-amz-3, x-amz-d and x-amz-i together', () => {
    const { ['x-amz-d']: _d, ...noD } = V3;
    expect(() => detectFormatVersion(noD)).toThrow(/x-amz-3, x-amz-d and x-amz-i/);
  });

  test('the x-amz-meta- prefix is rejected', () => {
    expect(() => detectFormatVersion({ 'x-amz-meta-x-amz-key-v2': 'AAAA' })).toThrow(/prefix/);
  });
});

describe('parseContentMetadata', () => {
  test('parses V2 and V3 (x-amz-w 12 -> kms+context)', () => {
    const v2 = parseContentMetadata(V2);
    expect(v2).toMatchObject({ version: 'V2', wrapAlgorithm: 'AES/GCM', contentAlgorithm: 'AES/GCM/NoPadding', materialsDescription: {} });
    expect(v2.iv).toHaveLength(12);
    const v3 = parseContentMetadata(V3);
    expect(v3).toMatchObject({ version: 'V3', wrapAlgorithm: 'kms+context', contentAlgorithm: '115', materialsDescription: { 'aws:x-amz-cek-alg': '115' } });
    expect(v3.messageId).toEqual(Buffer.alloc(28, 3));
    expect(v3.commitment).toEqual(Buffer.alloc(28, 2));
  });

  test('V1 is rejected unless legacy is allowed', () => {
    expect(() => parseContentMetadata(V1)).toThrow(/legacy V1/);
    expect(parseContentMetadata(V1, { allowLegacy: true })).toMatchObject({ version: 'V1', contentAlgorithm: 'AES/CBC/PKCS5Padding', wrapAlgorithm: 'AES' });
  });

  test('legacy wrapping algorithms are rejected unless legacy is allowed', () => {
    expect(() => parseContentMetadata({ ...V2, 'x-amz-wrap-alg': 'kms' })).toThrow(/legacy wrapping/);
    expect(parseContentMetadata({ ...V2, 'x-amz-wrap-alg': 'kms' }, { allowLegacy: true }).wrapAlgorithm).toBe('kms');
  });

  test.each([
    ['non-S3EC metadata', { a: 'b' }, /not an S3 Encryption Client object/],
    ['unknown wrap alg', { ...V2, 'x-amz-wrap-alg': 'ROT13' }, /unknown wrapping/],
    ['V3 suite in V2 metadata', { ...V2, 'x-amz-cek-alg': '115' }, /unsupported content algorithm/],
    ['tag length 96', { ...V2, 'x-amz-tag-len': '96' }, /tag-len/],
    ['IV of 16 bytes', { ...V2, 'x-amz-iv': b64(16) }, /12 bytes/],
    ['invalid base64', { ...V2, 'x-amz-key-v2': 'not base64!' }, /base64/],
    ['matdesc not JSON', { ...V2, 'x-amz-matdesc': '{' }, /JSON/],
    ['matdesc array', { ...V2, 'x-amz-matdesc': '["a"]' }, /JSON object/],
    ['matdesc non-string value', { ...V2, 'x-amz-matdesc': '{"a":1}' }, /non-string/],
    ['unknown x-amz-c', { ...V3, 'x-amz-c': '114' }, /x-amz-c/],
    ['unknown x-amz-w', { ...V3, 'x-amz-w': '13' }, /x-amz-w/],
    ['27-byte message id', { ...V3, 'x-amz-i': b64(27) }, /28 bytes/],
    ['29-byte commitment', { ...V3, 'x-amz-d': b64(29) }, /28 bytes/],
    ['missing x-amz-c', (() => {
      const { ['x-amz-c']: _c, ...rest } = V3;
      return rest;
    })(), /x-amz-c is missing/],
  ])('rejects %s', (_n, md, msg) => {
    expect(() => parseContentMetadata(md as Record<string, string>)).toThrow(UnsupportedFormatError);
    expect(() => parseContentMetadata(md as Record<string, string>)).toThrow(msg);
  });

  test('RFC 2047 encoded JSON (S3 double encoding) is decoded', () => {
    const encoded = '=?UTF-8?B?' + Buffer.from('{"k":"ü"}', 'utf8').toString('base64') + '?=';
    expect(parseContentMetadata({ ...V2, 'x-amz-matdesc': encoded }).materialsDescription).toEqual({ k: 'ü' });
  });
});

describe('writeContentMetadata', () => {
  test('V3 raw AES writes x-amz-w 02 and x-amz-m, never x-amz-t', () => {
    const md = writeContentMetadata({
      version: 'V3',
      encryptedDataKey: Buffer.alloc(60),
      wrapAlgorithm: 'AES/GCM',
      materialsDescription: {},
      messageId: Buffer.alloc(28),
      commitment: Buffer.alloc(28),
    });
    expect(Object.keys(md).sort()).toEqual(['x-amz-3', 'x-amz-c', 'x-amz-d', 'x-amz-i', 'x-amz-m', 'x-amz-w']);
    expect(md['x-amz-w']).toBe('02');
  });

  test('round trips through parseContentMetadata', () => {
    const md = writeContentMetadata({ version: 'V2', encryptedDataKey: Buffer.alloc(60, 9), wrapAlgorithm: 'kms+context', materialsDescription: { a: 'b' }, iv: Buffer.alloc(12, 4) });
    const parsed = parseContentMetadata(md);
    expect(parsed.encryptedDataKey).toEqual(Buffer.alloc(60, 9));
    expect(parsed.iv).toEqual(Buffer.alloc(12, 4));
    expect(parsed.materialsDescription).toEqual({ a: 'b' });
  });

  test('refuses wrong IV / message id / commitment sizes', () => {
    expect(() => writeContentMetadata({ version: 'V2', encryptedDataKey: Buffer.alloc(1), wrapAlgorithm: 'AES/GCM', materialsDescription: {}, iv: Buffer.alloc(16) })).toThrow();
    expect(() => writeContentMetadata({
      version: 'V3',
      encryptedDataKey: Buffer.alloc(1),
      wrapAlgorithm: 'AES/GCM',
      materialsDescription: {},
      messageId: Buffer.alloc(12),
      commitment: Buffer.alloc(28),
    })).toThrow();
  });
});

describe('JSON maps', () => {
  test('sorted, compact, ASCII-only', () => {
    expect(encodeJsonMap({ b: '2', a: 'é"' })).toBe('{"a":"\\u00e9\\"","b":"2"}');
    expect(decodeJsonMap(encodeJsonMap({ b: '2', a: 'é"' }), 'x')).toEqual({ a: 'é"', b: '2' });
  });
});

describe('instruction files', () => {
  test('V3 keeps x-amz-c/d/i on the object and moves the rest; merge restores it', () => {
    const { objectMetadata, instructionFile } = splitForInstructionFile({ ...V3, user: 'x' });
    expect(Object.keys(objectMetadata).sort()).toEqual(['user', 'x-amz-c', 'x-amz-d', 'x-amz-i']);
    expect(Object.keys(instructionFile).sort()).toEqual(['x-amz-3', 'x-amz-t', 'x-amz-w']);
    expect(requiresInstructionFile(objectMetadata)).toBe(true);
    expect(requiresInstructionFile(V3)).toBe(false);
    const merged = mergeInstructionFile(objectMetadata, JSON.stringify(instructionFile));
    expect(merged).toEqual({ ...V3, user: 'x' });
  });

  test('V2 moves everything', () => {
    const { objectMetadata, instructionFile } = splitForInstructionFile(V2);
    expect(objectMetadata).toEqual({});
    expect(instructionFile).toEqual(V2);
  });

  test('an instruction file may not carry x-amz-d', () => {
    expect(() => mergeInstructionFile({}, JSON.stringify({ 'x-amz-d': 'AAAA' }))).toThrow(UnsupportedFormatError);
  });
});

describe('base64 fields are bounded and parsed without recursion', () => {
  test('a 16 MB base64 wrapped key is a MetadataTooLargeError (was an untyped RangeError)', () => {
    const huge = 'A'.repeat(16 * 1024 * 1024);
    expect(() => parseContentMetadata({ ...V2, 'x-amz-key-v2': huge })).toThrow(MetadataTooLargeError);
    expect(() => parseContentMetadata({ ...V3, 'x-amz-3': huge })).toThrow(MetadataTooLargeError);
  });

  test('the bound is exact: a well-formed value of MAX_BASE64_FIELD_CHARS parses, 4 characters more do not', () => {
    const atBound = Buffer.alloc((MAX_BASE64_FIELD_CHARS / 4) * 3, 7).toString('base64');
    expect(atBound).toHaveLength(MAX_BASE64_FIELD_CHARS);
    expect(parseContentMetadata({ ...V2, 'x-amz-key-v2': atBound }).encryptedDataKey).toHaveLength((MAX_BASE64_FIELD_CHARS / 4) * 3);
    expect(() => parseContentMetadata({ ...V2, 'x-amz-key-v2': atBound + 'AAAA' })).toThrow(MetadataTooLargeError);
  });

  test.each(['AAA', 'AA=A', 'A===', 'AAAA=', 'QR==', 'AA A'])('%j is not valid base64', (value) => {
    expect(() => parseContentMetadata({ ...V2, 'x-amz-key-v2': value })).toThrow(/base64/);
  });
});
