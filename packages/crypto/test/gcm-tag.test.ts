/**
 * GcmTagCalculator (GCM tag without decryption) and gf128Multiply, checked against node:crypto's
 * own AES-GCM and the GCM specification's test vectors.
 */
/* eslint-disable no-bitwise -- flips single bits and builds GF(2^128) test values. */
import { createCipheriv, randomBytes } from 'node:crypto';
import * as fc from 'fast-check';
import { InvalidArgumentError, TamperedCiphertextError } from '../src';
import { GCM_MAX_PLAINTEXT_BYTES } from '../src/cipher/content-params';
import { GcmTagCalculator, gf128Multiply } from '../src/cipher/gcm-tag';
import { V3_CONTENT_AAD, V3_CONTENT_IV } from '../src/format/key-derivation';

const hex = (s: string) => Buffer.from(s, 'hex');

function nodeGcm(key: Buffer, iv: Buffer, aad: Buffer | undefined, plaintext: Buffer): { ciphertext: Buffer; tag: Buffer } {
  const c = createCipheriv('aes-256-gcm', key, iv);
  if (aad) {
    c.setAAD(aad);
  }
  const ciphertext = Buffer.concat([c.update(plaintext), c.final()]);
  return { ciphertext, tag: c.getAuthTag() };
}

function chunks(data: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0, i = 0; off < data.length; i++) {
    const n = Math.max(1, sizes[i % sizes.length]);
    out.push(data.subarray(off, off + n));
    off += n;
  }
  return out;
}

describe('GcmTagCalculator', () => {
  test('equals node:crypto\'s GCM tag for any key, IV, AAD, length and chunking', () => {
    fc.assert(fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 12, maxLength: 12 }),
      fc.option(fc.uint8Array({ minLength: 0, maxLength: 40 }), { nil: undefined }),
      fc.uint8Array({ minLength: 0, maxLength: 700 }),
      fc.array(fc.integer({ min: 1, max: 70 }), { minLength: 1, maxLength: 8 }),
      (k, i, a, p, sizes) => {
        const key = Buffer.from(k);
        const iv = Buffer.from(i);
        const aad = a === undefined ? undefined : Buffer.from(a);
        const { ciphertext, tag } = nodeGcm(key, iv, aad, Buffer.from(p));
        const calc = new GcmTagCalculator({ key, iv, aad });
        for (const c of chunks(ciphertext, sizes)) {
          calc.update(c);
        }
        expect(calc.digest().equals(tag)).toBe(true);
      }), { numRuns: 400 });
  });

  test('V3 content parameters (fixed IV, AAD 0x0073) over multi-block objects', () => {
    for (const size of [0, 1, 15, 16, 17, 4096, 65536 + 3, 1024 * 1024]) {
      const key = randomBytes(32);
      const { ciphertext, tag } = nodeGcm(key, V3_CONTENT_IV, V3_CONTENT_AAD, randomBytes(size));
      const calc = new GcmTagCalculator({ key, iv: V3_CONTENT_IV, aad: V3_CONTENT_AAD });
      calc.update(ciphertext);
      expect(calc.digest().toString('hex')).toBe(tag.toString('hex'));
    }
  });

  test('matches() accepts the genuine tag and rejects any single-bit change of ciphertext or tag', () => {
    const key = randomBytes(32);
    const iv = randomBytes(12);
    const { ciphertext, tag } = nodeGcm(key, iv, undefined, randomBytes(100));
    const check = (ct: Buffer, t: Buffer) => {
      const calc = new GcmTagCalculator({ key, iv });
      calc.update(ct);
      return calc.matches(t);
    };
    expect(check(ciphertext, tag)).toBe(true);
    for (let bit = 0; bit < ciphertext.length * 8; bit += 7) {
      const bad = Buffer.from(ciphertext);
      bad[bit >>> 3] ^= 1 << (bit & 7);
      expect(check(bad, tag)).toBe(false);
    }
    for (let bit = 0; bit < 128; bit++) {
      const bad = Buffer.from(tag);
      bad[bit >>> 3] ^= 1 << (bit & 7);
      expect(check(ciphertext, bad)).toBe(false);
    }
    // Truncated or extended ciphertext, and a short tag.
    expect(check(ciphertext.subarray(0, 99), tag)).toBe(false);
    expect(check(Buffer.concat([ciphertext, Buffer.alloc(1)]), tag)).toBe(false);
    expect(check(ciphertext, tag.subarray(0, 15))).toBe(false);
  });

  test('a ciphertext beyond the GCM length limit is refused', () => {
    const calc = new GcmTagCalculator({ key: randomBytes(32), iv: randomBytes(12) });
    // Feeding 64 GiB is not practical: start just below the limit.
    (calc as unknown as { ciphertextLength: number }).ciphertextLength = GCM_MAX_PLAINTEXT_BYTES - 1;
    calc.update(Buffer.alloc(1));
    expect(() => calc.update(Buffer.alloc(1))).toThrow(TamperedCiphertextError);
  });

  test('is single-use, and refuses a non-12-byte IV', () => {
    const calc = new GcmTagCalculator({ key: randomBytes(32), iv: randomBytes(12) });
    calc.digest();
    expect(() => calc.digest()).toThrow(InvalidArgumentError);
    expect(() => calc.update(Buffer.alloc(1))).toThrow(InvalidArgumentError);
    const discarded = new GcmTagCalculator({ key: randomBytes(32), iv: randomBytes(12) });
    discarded.discard();
    expect(() => discarded.digest()).toThrow(InvalidArgumentError);
    expect(() => new GcmTagCalculator({ key: randomBytes(32), iv: randomBytes(16) })).toThrow(InvalidArgumentError);
  });
});

describe('gf128Multiply', () => {
  // "The Galois/Counter Mode of Operation (GCM)", McGrew & Viega, test case 2 (AES-128, K = 0, P = 0^128):
  // H = E_K(0), C = the one ciphertext block, X1 = C·H.
  test('known answer: GCM specification test case 2, X1 = C·H', () => {
    const h = hex('66e94bd4ef8a2c3b884cfa59ca342b2e');
    const c = hex('0388dace60b6a392f328c2b971b2fe78');
    expect(gf128Multiply(c, h).toString('hex')).toBe('5e2ec746917062882c85b0685353deb7');
  });

  test('field laws: 1 = 0x80 0^120 is the identity, multiplication commutes and distributes over xor', () => {
    const one = Buffer.alloc(16);
    one[0] = 0x80;
    const block = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((u) => Buffer.from(u));
    fc.assert(fc.property(block, block, block, (a, b, c) => {
      expect(gf128Multiply(a, one).equals(a)).toBe(true);
      expect(gf128Multiply(a, b).equals(gf128Multiply(b, a))).toBe(true);
      const bXorC = Buffer.from(b.map((v, i) => v ^ c[i]));
      const ab = gf128Multiply(a, b);
      const ac = gf128Multiply(a, c);
      expect(gf128Multiply(a, bXorC).equals(Buffer.from(ab.map((v, i) => v ^ ac[i])))).toBe(true);
    }), { numRuns: 200 });
  });

  test('refuses blocks that are not 16 bytes', () => {
    expect(() => gf128Multiply(Buffer.alloc(15), Buffer.alloc(16))).toThrow(InvalidArgumentError);
  });
});
