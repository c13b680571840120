/**
 * Ranged (unauthenticated, opt-in) decryption: GCM-as-CTR arithmetic and range widening.
 */
import { createDecipheriv, randomBytes } from 'node:crypto';
import * as fc from 'fast-check';
import { queuedRandom } from './envelope-helpers';
import { EnvelopeCipher, InvalidArgumentError, RawAesKeyring } from '../src';
import { counterBlockAt, decryptRange, widenRange } from '../src/cipher/ctr-range-decryption';
import { deriveContentKey } from '../src/format/key-derivation';

const seq = (start: number, n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (start + i) % 256));
const DATA_KEY = seq(0, 32);
const IV = seq(0xc0, 12);
const MESSAGE_ID = seq(0xe0, 28);
const PLAINTEXT = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) % 256));

describe('widenRange', () => {
  test.each([
    [{ start: 0, end: 0 }, undefined, { start: 0, end: 32 }],
    [{ start: 17, end: 100 }, undefined, { start: 0, end: 128 }],
    [{ start: 40, end: 40 }, undefined, { start: 16, end: 64 }],
    [{ start: 64, end: 79 }, undefined, { start: 48, end: 96 }],
    [{ start: 990, end: 999 }, 1016, { start: 960, end: 999 }],
  ])('%j (object length %s) -> %j', (range, len, expected) => {
    expect(widenRange(range, len)).toEqual(expected);
  });

  test('rejects inverted or negative ranges', () => {
    expect(() => widenRange({ start: 5, end: 4 })).toThrow(InvalidArgumentError);
    expect(() => widenRange({ start: -1, end: 4 })).toThrow(InvalidArgumentError);
  });
});

test('counter block: IV || 00000002 for offset 0, + offset/16 after', () => {
  expect(counterBlockAt(IV, 0).toString('hex')).toBe(IV.toString('hex') + '00000002');
  expect(counterBlockAt(IV, 16 * 255).toString('hex')).toBe(IV.toString('hex') + '00000101');
  expect(() => counterBlockAt(IV, 8)).toThrow(InvalidArgumentError);
});

describe.each(['V2', 'V3'] as const)('%s ranged KAT', (v) => {
  async function encrypted() {
    const keyring = new RawAesKeyring({ wrappingKey: seq(0x40, 32), randomBytes: queuedRandom(DATA_KEY, seq(0xa0, 12)) });
    const cipher = new EnvelopeCipher({ keyring, formatVersion: v, randomBytes: queuedRandom(v === 'V2' ? IV : MESSAGE_ID) });
    return { cipher, ...(await cipher.encrypt(PLAINTEXT)) };
  }
  const contentKey = v === 'V2' ? DATA_KEY : deriveContentKey(DATA_KEY, MESSAGE_ID);
  const contentIv = v === 'V2' ? IV : Buffer.alloc(12, 1);

  test('GCM ciphertext body = AES-CTR starting at IV || 00000002 (independent check)', async () => {
    const { ciphertext } = await encrypted();
    const d = createDecipheriv('aes-256-ctr', contentKey, Buffer.concat([contentIv, Buffer.from([0, 0, 0, 2])]));
    expect(Buffer.concat([d.update(ciphertext.subarray(0, 1000)), d.final()])).toEqual(PLAINTEXT);
  });

  test.each([
    [0, 0], [0, 15], [15, 16], [17, 100], [256, 511], [500, 999], [999, 999], [990, 5000], [1000, 1200],
  ])('range %i-%i equals the plaintext slice', async (start, end) => {
    const { cipher, ciphertext, metadata } = await encrypted();
    const w = widenRange({ start, end }, ciphertext.length);
    const slice = ciphertext.subarray(w.start, w.end + 1);
    const expected = PLAINTEXT.subarray(start, end + 1);
    const viaCipher = await cipher.decryptRange(slice, metadata, {
      allowUnauthenticatedRangedReads: true, range: { start, end }, ciphertextStart: w.start, ciphertextLength: ciphertext.length,
    });
    expect(viaCipher).toEqual(expected);
    const pure = decryptRange({
      contentKey,
      iv: contentIv,
      ciphertext: slice,
      ciphertextStart: w.start,
      ciphertextLength: ciphertext.length,
      range: { start, end },
    });
    expect(pure).toEqual(expected);
  });

  test('without the opt-in the ranged read is refused', async () => {
    const { cipher, ciphertext, metadata } = await encrypted();
    await expect(cipher.decryptRange(ciphertext, metadata, {
      allowUnauthenticatedRangedReads: false, range: { start: 0, end: 1 }, ciphertextStart: 0, ciphertextLength: ciphertext.length,
    })).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});

test('random ranges over random objects (property)', async () => {
  const cipher = new EnvelopeCipher({ keyring: new RawAesKeyring({ wrappingKey: randomBytes(32) }) });
  await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 100_000 }), fc.nat(), fc.nat(), fc.boolean(), async (size, a, b, knownLength) => {
    const pt = randomBytes(size);
    const { ciphertext, metadata } = await cipher.encrypt(pt);
    const start = a % size;
    const end = start + (b % (size - start + 50));
    const w = widenRange({ start, end }, knownLength ? ciphertext.length : undefined);
    const out = await cipher.decryptRange(ciphertext.subarray(w.start, w.end + 1), metadata, {
      allowUnauthenticatedRangedReads: true, range: { start, end }, ciphertextStart: w.start, ciphertextLength: ciphertext.length,
    });
    expect(out.equals(pt.subarray(start, end + 1))).toBe(true);
  }), { numRuns: 100 });
});
