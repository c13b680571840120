/**
 * Objects shaped as the official clients write them, metadata built from the facts in their sources:
 * - Go v4 writes every envelope field: `x-amz-m` beside `x-amz-t` (one of them empty) on V3 objects and
 *   `x-amz-unencrypted-content-length` possibly empty (aws/amazon-s3-encryption-client-go v4/internal/strategy.go,
 *   v4/internal/object_metadata.go).
 * - S3 returns non-ASCII values RFC 2047-encoded over a Latin-1 layer; Java and Go decode both layers, with any
 *   number of encoded-words (Java internal/ContentMetadataDecodingStrategy.java, Go v4/client/decrypt_middleware.go).
 * Real KMS client against the loopback KMS server.
 */
import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import * as fc from 'fast-check';
import { collect } from './envelope-helpers';
import { KmsServer, startKmsServer } from '../../../test/fixtures/kms-server';
import { EncryptionContextMismatchError, EnvelopeCipher, KmsKeyring, RawAesKeyring, UnsupportedFormatError, verifyEnvelope, WrongKeyError } from '../src';
import { mergeInstructionFile, splitForInstructionFile } from '../src/format/content-metadata';
import { decodeRfc2047 } from '../src/format/json-map';

let kms: KmsServer;
let v3: EnvelopeCipher;
let v2: EnvelopeCipher;
beforeAll(async () => {
  kms = await startKmsServer();
  const keyring = new KmsKeyring({ client: kms.client(), keyId: kms.keyArn });
  v3 = new EnvelopeCipher({ keyring });
  v2 = new EnvelopeCipher({ keyring, formatVersion: 'V2' });
});
afterAll(async () => {
  await kms.stop();
});

const raw = new EnvelopeCipher({ keyring: new RawAesKeyring({ wrappingKey: randomBytes(32), materialDescription: { k: 'v' } }) });
const PLAINTEXT = Buffer.from('written by another client');

async function decryptBoth(cipher: EnvelopeCipher, ct: Buffer, md: Record<string, string>, context?: Record<string, string>): Promise<Buffer> {
  const whole = await cipher.decrypt(ct, md, { context });
  const streamed = await collect(await cipher.decryptStream(Readable.from([ct]), md, { context }));
  expect(streamed.error).toBeUndefined();
  expect(streamed.data).toEqual(whole);
  return whole;
}

describe('Go v4 metadata: the key that does not apply, and empty values', () => {
  test('V3 KMS object with x-amz-m "" beside x-amz-t and x-amz-unencrypted-content-length ""', async () => {
    const { ciphertext, metadata } = await v3.encrypt(PLAINTEXT, { context: { tenant: 'a' } });
    const goV4 = { ...metadata, 'x-amz-m': '', 'x-amz-unencrypted-content-length': '' };
    await expect(decryptBoth(v3, ciphertext, goV4, { tenant: 'a' })).resolves.toEqual(PLAINTEXT);
    // Still a context check: the ignored empty key does not loosen it.
    await expect(v3.decrypt(ciphertext, goV4, { context: { tenant: 'b' } })).rejects.toBeInstanceOf(EncryptionContextMismatchError);
  });

  test('V3 raw-AES object with x-amz-t "" beside x-amz-m', async () => {
    const { ciphertext, metadata } = await raw.encrypt(PLAINTEXT);
    await expect(decryptBoth(raw, ciphertext, { ...metadata, 'x-amz-t': '', 'x-amz-unencrypted-content-length': '' })).resolves.toEqual(PLAINTEXT);
  });

  test('a non-empty key that does not apply is ignored, as Java and Go do (never used for the check)', async () => {
    const { ciphertext, metadata } = await v3.encrypt(PLAINTEXT, { context: { tenant: 'a' } });
    const withM = { ...metadata, 'x-amz-m': '{"tenant":"b"}' };
    await expect(decryptBoth(v3, ciphertext, withM, { tenant: 'a' })).resolves.toEqual(PLAINTEXT);
    await expect(v3.decrypt(ciphertext, withM, { context: { tenant: 'b' } })).rejects.toBeInstanceOf(EncryptionContextMismatchError);
    expect(verifyEnvelope(withM, { requiredEncryptionContext: { tenant: 'b' } }).ok).toBe(false);
  });

  test('V2 object with x-amz-unencrypted-content-length "" (and a real length still checked)', async () => {
    const { ciphertext, metadata } = await v2.encrypt(PLAINTEXT, { context: { tenant: 'a' } });
    await expect(decryptBoth(v2, ciphertext, { ...metadata, 'x-amz-unencrypted-content-length': '' }, { tenant: 'a' })).resolves.toEqual(PLAINTEXT);
    await expect(v2.decrypt(ciphertext, { ...metadata, 'x-amz-unencrypted-content-length': String(PLAINTEXT.length + 1) }, { context: { tenant: 'a' } }))
      .rejects.toThrow(/unencrypted-content-length/);
  });

  test.each([
    ['V2 keys beside V3 keys', (md: Record<string, string>) => ({ ...md, 'x-amz-iv': randomBytes(12).toString('base64') })],
    ['a V2 content algorithm in x-amz-c', (md: Record<string, string>) => ({ ...md, 'x-amz-c': 'AES/GCM/NoPadding' })],
    ['an empty x-amz-3 (the wrapped key is required)', (md: Record<string, string>) => ({ ...md, 'x-amz-3': '' })],
  ])('still refused: %s', async (_name, change) => {
    const { ciphertext, metadata } = await v3.encrypt(PLAINTEXT, { context: { tenant: 'a' } });
    await expect(v3.decrypt(ciphertext, change(metadata), { context: { tenant: 'a' } })).rejects.toBeInstanceOf(UnsupportedFormatError);
  });

  test('still refused: a stored aws:x-amz-cek-alg naming the other suite', async () => {
    const { ciphertext, metadata } = await v3.encrypt(PLAINTEXT, { context: { tenant: 'a' } });
    const md = { ...metadata, 'x-amz-t': JSON.stringify({ 'aws:x-amz-cek-alg': 'AES/GCM/NoPadding', 'tenant': 'a' }) };
    await expect(v3.decrypt(ciphertext, md, { context: { tenant: 'a' } })).rejects.toBeInstanceOf(EncryptionContextMismatchError);
  });

  test('V2 with x-amz-cek-alg of the V3 suite is still refused', async () => {
    const { ciphertext, metadata } = await v2.encrypt(PLAINTEXT);
    await expect(v2.decrypt(ciphertext, { ...metadata, 'x-amz-cek-alg': '115' })).rejects.toBeInstanceOf(UnsupportedFormatError);
  });
});

/**
 * What S3 does to a non-ASCII metadata value: each UTF-8 byte becomes the character of that number, the result
 * is UTF-8 encoded again and sent as RFC 2047 encoded-words of at most `wordBytes` bytes each (split anywhere,
 * also inside a multi-byte character), separated by folding white space.
 */
function s3Encode(value: string, encoding: 'B' | 'Q', wordBytes: number, separator: string): string {
  const twice = Buffer.from(Buffer.from(value, 'utf8').toString('latin1'), 'utf8');
  const words: string[] = [];
  for (let i = 0; i < twice.length; i += wordBytes) {
    const part = twice.subarray(i, i + wordBytes);
    const text = encoding === 'B'
      ? part.toString('base64')
      : [...part].map((b) => (b === 0x20 ? '_' : (b >= 0x21 && b <= 0x7e && b !== 0x3d && b !== 0x3f && b !== 0x5f)
        ? String.fromCharCode(b) : '=' + b.toString(16).toUpperCase().padStart(2, '0'))).join('');
    words.push(`=?UTF-8?${encoding}?${text}?=`);
  }
  return words.join(separator);
}

describe('non-ASCII contexts: S3\'s two-layer RFC 2047 encoding, decoded as Java and Go do', () => {
  const context = { city: 'Zürich', name: '東京 😀 café', plain: 'ascii' };

  test.each([
    ['B, one word', 'B', 10_000, ' '],
    ['B, 7-byte words (characters split across words), space separated', 'B', 7, ' '],
    ['B, 1-byte words, folded with CRLF + space', 'B', 1, '\r\n '],
    ['Q, 5-byte words, tab separated', 'Q', 5, '\t'],
  ] as const)('V3 KMS x-amz-t as another client wrote it (raw UTF-8 JSON), returned %s', async (_name, enc, size, sep) => {
    const { ciphertext, metadata } = await v3.encrypt(PLAINTEXT, { context });
    // Java and Go store the context JSON without escaping non-ASCII characters.
    const stored = JSON.parse(metadata['x-amz-t']) as Record<string, string>;
    const asS3Returns = { ...metadata, 'x-amz-t': s3Encode(JSON.stringify(stored), enc, size, sep) };
    await expect(decryptBoth(v3, ciphertext, asS3Returns, context)).resolves.toEqual(PLAINTEXT);
    await expect(v3.decrypt(ciphertext, asS3Returns, { context: { ...context, city: 'Zurich' } })).rejects.toBeInstanceOf(EncryptionContextMismatchError);
  });

  test('V2 KMS x-amz-matdesc and raw-AES x-amz-m, multi-word', async () => {
    const a = await v2.encrypt(PLAINTEXT, { context });
    const md2 = { ...a.metadata, 'x-amz-matdesc': s3Encode(JSON.stringify(JSON.parse(a.metadata['x-amz-matdesc'])), 'B', 11, ' ') };
    await expect(decryptBoth(v2, a.ciphertext, md2, context)).resolves.toEqual(PLAINTEXT);
    const b = await raw.encrypt(PLAINTEXT, { context });
    const mdRaw = { ...b.metadata, 'x-amz-m': s3Encode(JSON.stringify(JSON.parse(b.metadata['x-amz-m'])), 'Q', 3, ' ') };
    expect(verifyEnvelope(mdRaw).metadata?.materialsDescription).toEqual({ ...context, k: 'v' });
  });

  test('property: any string map survives S3\'s encoding with any word size', () => {
    fc.assert(fc.property(fc.dictionary(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), { maxKeys: 3 }),
      fc.constantFrom<'B' | 'Q'>('B', 'Q'), fc.integer({ min: 1, max: 40 }), (map, enc, size) => {
        const json = JSON.stringify(map);
        expect(JSON.parse(decodeRfc2047(s3Encode(json, enc, size, ' ')))).toEqual(map);
      }), { numRuns: 200 });
  });

  test('ASCII values, text around encoded-words, Latin-1 and unknown charsets', () => {
    expect(decodeRfc2047('{"a":"b"}')).toBe('{"a":"b"}');
    expect(decodeRfc2047('x =?UTF-8?B?w4PCqQ==?= y')).toBe('x é y');
    expect(decodeRfc2047('=?ISO-8859-1?Q?caf=E9?=')).toBe('café');
    expect(() => decodeRfc2047('=?KOI8-R?B?AAAA?=')).toThrow(UnsupportedFormatError);
  });
});

describe('objects built by hand in the shape Java and Go write (no code of this module on the write side)', () => {
  /** A V3 raw-AES object as Java's AesKeyring writes it with a 128-bit key (S3EC-FORMAT.md byte for byte), instruction-file style. */
  function javaV3RawAes128(wrappingKey: Buffer, plaintext: Buffer, extraInstruction: Record<string, string>) {
    const dataKey = randomBytes(32);
    const messageId = randomBytes(28);
    const suite = Buffer.from([0x00, 0x73]);
    const commitment = Buffer.from(hkdfSync('sha512', dataKey, messageId, Buffer.concat([suite, Buffer.from('COMMITKEY')]), 28));
    const contentKey = Buffer.from(hkdfSync('sha512', dataKey, messageId, Buffer.concat([suite, Buffer.from('DERIVEKEY')]), 32));
    const c = createCipheriv('aes-256-gcm', contentKey, Buffer.alloc(12, 0x01));
    c.setAAD(suite);
    const ciphertext = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
    const wrapIv = randomBytes(12);
    const w = createCipheriv('aes-128-gcm', wrappingKey, wrapIv);
    w.setAAD(Buffer.from('115'));
    const wrapped = Buffer.concat([wrapIv, w.update(dataKey), w.final(), w.getAuthTag()]);
    return {
      ciphertext,
      objectMetadata: { 'x-amz-c': '115', 'x-amz-d': commitment.toString('base64'), 'x-amz-i': messageId.toString('base64') },
      instructionFile: JSON.stringify({ 'x-amz-3': wrapped.toString('base64'), 'x-amz-w': '02', 'x-amz-m': '{"purpose":"java"}', ...extraInstruction }),
    };
  }

  test.each([
    ['Java (no extra keys)', {}],
    ['Go v4 (x-amz-t and x-amz-unencrypted-content-length empty in the instruction file)', { 'x-amz-t': '', 'x-amz-unencrypted-content-length': '' }],
  ])('%s: V3 raw AES-128 instruction-file object decrypts', async (_name, extra) => {
    const wrappingKey = randomBytes(16);
    const obj = javaV3RawAes128(wrappingKey, PLAINTEXT, extra);
    const metadata = mergeInstructionFile(obj.objectMetadata, obj.instructionFile);
    const reader = new EnvelopeCipher({ keyring: new RawAesKeyring({ wrappingKey }) });
    await expect(decryptBoth(reader, obj.ciphertext, metadata)).resolves.toEqual(PLAINTEXT);
    expect(verifyEnvelope(metadata)).toMatchObject({ ok: true, contextAuthenticated: false });
    const wrongSize = new EnvelopeCipher({ keyring: new RawAesKeyring({ wrappingKey: Buffer.concat([wrappingKey, Buffer.alloc(8)]) }) });
    await expect(wrongSize.decrypt(obj.ciphertext, metadata)).rejects.toBeInstanceOf(WrongKeyError);
  });
});

/**
 * Python and .NET write the same keys as Java, but serialise the JSON fields their own way:
 * - Python (aws/amazon-s3-encryption-client-python src/s3_encryption/metadata.py, ObjectMetadata.to_dict) uses
 *   `json.dumps` defaults: `", "` and `": "` separators, and every non-ASCII character as a `\uXXXX` escape
 *   (ensure_ascii), for x-amz-matdesc, x-amz-m and x-amz-t.
 * - .NET (aws/amazon-s3-encryption-client-dotnet src/Util/JsonUtils.cs, src/EncryptionUtilsV2.cs) writes the
 *   instruction file with System.Text.Json's Utf8JsonWriter, whose default encoder escapes non-ASCII and
 *   HTML-sensitive characters (`+` as `\u002B`, `<`, `>`, `&`, `'`), so base64 values and the nested
 *   x-amz-matdesc JSON arrive escaped; the instruction file is `<key>.instruction`.
 * The bytes are this module's; only the metadata is re-serialised in each client's style.
 */
describe('objects in the JSON style Python and .NET write', () => {
  /** `json.dumps(map)` as Python writes it: spaced separators, non-ASCII as \uXXXX (surrogate pairs above the BMP). */
  const pythonJson = (map: Record<string, string>) => `{${Object.entries(map)
    .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')}}`
    .replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  /** System.Text.Json's default escaping: non-ASCII and `+ < > & '` as \uXXXX (upper-case hex), compact. */
  const dotnetEscape = (json: string) => json.replace(/[\u0080-\uffff+<>&']/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
  const CONTEXT = { tenant: 'Zoë', region: 'Москва', emoji: '🔐' };

  test('Python V2 KMS: x-amz-matdesc with spaced separators and \\u escapes', async () => {
    const { ciphertext, metadata } = await v2.encrypt(PLAINTEXT, { context: CONTEXT });
    const stored = JSON.parse(metadata['x-amz-matdesc']);
    const python = { ...metadata, 'x-amz-matdesc': pythonJson(stored) };
    expect(python['x-amz-matdesc']).toMatch(/": "/);
    expect(python['x-amz-matdesc']).toMatch(/\\u00eb/);
    await expect(decryptBoth(v2, ciphertext, python, CONTEXT)).resolves.toEqual(PLAINTEXT);
    await expect(v2.decrypt(ciphertext, python, { context: { ...CONTEXT, tenant: 'Zoe' } })).rejects.toBeInstanceOf(EncryptionContextMismatchError);
  });

  test('Python V3 KMS: x-amz-t with spaced separators and \\u escapes (surrogate pairs too)', async () => {
    const { ciphertext, metadata } = await v3.encrypt(PLAINTEXT, { context: CONTEXT });
    const python = { ...metadata, 'x-amz-t': pythonJson(JSON.parse(metadata['x-amz-t'])) };
    expect(python['x-amz-t']).toMatch(/\\ud83d\\udd10/);
    await expect(decryptBoth(v3, ciphertext, python, CONTEXT)).resolves.toEqual(PLAINTEXT);
    expect(verifyEnvelope(python, { requiredEncryptionContext: CONTEXT }).ok).toBe(true);
  });

  test('Python V3 raw AES: x-amz-m in json.dumps style', async () => {
    const wrappingKey = randomBytes(32);
    const cipher = new EnvelopeCipher({ keyring: new RawAesKeyring({ wrappingKey, materialDescription: { owner: 'Zoë' } }) });
    const { ciphertext, metadata } = await cipher.encrypt(PLAINTEXT);
    const python = { ...metadata, 'x-amz-m': pythonJson(JSON.parse(metadata['x-amz-m'])) };
    await expect(decryptBoth(cipher, ciphertext, python)).resolves.toEqual(PLAINTEXT);
  });

  test.each(['V2', 'V3'] as const)('.NET %s instruction file: System.Text.Json escapes in base64 and nested JSON', async (version) => {
    const cipher = version === 'V2' ? v2 : v3;
    // Retry until a base64 field of the instruction file holds a '+', so the escape is exercised
    // (about one try in two; in V3 the fields that stay on the object do not count).
    let sample: { ciphertext: Buffer; metadata: Record<string, string>; split: ReturnType<typeof splitForInstructionFile> } | undefined;
    for (let i = 0; i < 64 && !sample; i++) {
      const out = await cipher.encrypt(PLAINTEXT, { context: CONTEXT });
      const split = splitForInstructionFile(out.metadata);
      if (Object.values(split.instructionFile).some((v) => v.includes('+'))) sample = { ...out, split };
    }
    expect(sample).toBeDefined();
    const { ciphertext, metadata, split: { objectMetadata, instructionFile } } = sample!;
    const body = dotnetEscape(JSON.stringify(instructionFile));
    expect(body).toMatch(/\\u002B/);
    const merged = mergeInstructionFile(objectMetadata, body);
    expect(merged).toEqual(metadata);
    await expect(decryptBoth(cipher, ciphertext, merged, CONTEXT)).resolves.toEqual(PLAINTEXT);
  });
});
