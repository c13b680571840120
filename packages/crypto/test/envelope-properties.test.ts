/**
 * fast-check properties of EnvelopeCipher: round trips (buffer and stream APIs agree)
 * and single-byte tampering of every stored field fails with the right typed error and no plaintext.
 */
import { randomBytes } from 'node:crypto';
import * as fc from 'fast-check';
import { chunkedReadable, collect, FakeKms } from './envelope-helpers';
import {
  EncryptionContextMismatchError, EnvelopeCipher, FormatVersion, KmsKeyring, RawAesKeyring, S3EncryptionError,
  TamperedCiphertextError, TruncatedCiphertextError, UnsupportedFormatError, WrongKeyError,
} from '../src';

const KEY_ID = 'arn:aws:kms:us-east-1:111122223333:key/prop';
const WRAPPING_KEY = randomBytes(32);

function rawCipher(formatVersion: FormatVersion, extra: Partial<ConstructorParameters<typeof EnvelopeCipher>[0]> = {}): EnvelopeCipher {
  return new EnvelopeCipher({ keyring: new RawAesKeyring({ wrappingKey: WRAPPING_KEY, materialDescription: { owner: 'tests' } }), formatVersion, ...extra });
}
function kmsCipher(formatVersion: FormatVersion, kms = new FakeKms(KEY_ID)): EnvelopeCipher {
  return new EnvelopeCipher({ keyring: new KmsKeyring({ client: kms, keyId: KEY_ID }), formatVersion });
}

const flip = (b: Buffer, i: number): Buffer => {
  const c = Buffer.from(b);
  c[i] = (c[i] + 1 + (i % 255)) % 256;
  return c;
};
const b64flip = (v: string, i: number) => flip(Buffer.from(v, 'base64'), i % Buffer.from(v, 'base64').length).toString('base64');

describe('round trips', () => {
  test.each(['V2', 'V3'] as const)('%s buffer API round trips random sizes 0..256 KiB with context', async (v) => {
    const cipher = kmsCipher(v);
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 0, max: 256 * 1024 }), fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !k.startsWith('aws:') && k !== 'kms_cmk_id' && k !== '__proto__'), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
      async (size, context) => {
        const pt = randomBytes(size);
        const { ciphertext, metadata } = await cipher.encrypt(pt, { context });
        expect(ciphertext).toHaveLength(size + 16);
        expect((await cipher.decrypt(ciphertext, metadata, { context })).equals(pt)).toBe(true);
      }), { numRuns: 30 });
  });

  test.each(['V2', 'V3'] as const)('%s stream API with random chunkings agrees with the buffer API (0..4 MiB)', async (v) => {
    const cipher = rawCipher(v, { maxInMemoryBytes: 1024 * 1024 });
    await fc.assert(fc.asyncProperty(
      fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 4 * 1024 * 1024 })),
      fc.array(fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 300_000 })), { minLength: 1, maxLength: 5 }),
      fc.array(fc.integer({ min: 1, max: 200_000 }), { minLength: 1, maxLength: 5 }),
      fc.boolean(),
      async (size, inChunks, ctChunks, unauthenticated) => {
        const pt = randomBytes(size);
        // Keep the number of chunks per stream bounded (tiny chunks only for small objects) so the suite stays fast.
        const minChunk = Math.ceil(size / 400);
        inChunks = inChunks.map((c) => Math.max(c, minChunk));
        ctChunks = ctChunks.map((c) => Math.max(c, minChunk));
        const enc = await cipher.encryptStream(chunkedReadable(pt, inChunks), { plaintextLength: size });
        const ct = (await collect(enc.stream)).data;
        expect(ct).toHaveLength(size + 16);
        // The buffer API decrypts what the stream API encrypted ...
        expect((await cipher.decrypt(ct, enc.metadata)).equals(pt)).toBe(true);
        // ... and the stream API decrypts what the buffer API encrypted.
        const { ciphertext, metadata } = await cipher.encrypt(pt);
        const out = await collect(await cipher.decryptStream(chunkedReadable(ciphertext, ctChunks), metadata,
          { allowUnauthenticatedStreaming: unauthenticated }));
        expect(out.error).toBeUndefined();
        expect(out.data.equals(pt)).toBe(true);
      }), { numRuns: 12 });
  }, 60_000);
});

interface TamperCase {
  readonly name: string;
  readonly apply: (ct: Buffer, md: Record<string, string>, i: number) => { ct: Buffer; md: Record<string, string> };
  readonly errors: Array<new (...a: never[]) => S3EncryptionError>;
}

function cases(v: FormatVersion, kms: boolean): TamperCase[] {
  const body: TamperCase = { name: 'content ciphertext', apply: (ct, md, i) => ({ ct: flip(ct, i % Math.max(1, ct.length - 16)), md }), errors: [TamperedCiphertextError] };
  const tag: TamperCase = { name: 'tag', apply: (ct, md, i) => ({ ct: flip(ct, ct.length - 16 + (i % 16)), md }), errors: [TamperedCiphertextError] };
  const truncate: TamperCase = { name: 'truncation below the tag', apply: (ct, md, i) => ({ ct: ct.subarray(0, i % 16), md }), errors: [TruncatedCiphertextError] };
  const keyName = v === 'V3' ? 'x-amz-3' : 'x-amz-key-v2';
  // Raw AES: GCM unwrap failure -> WrongKeyError (no detail leak). KMS: the service rejects it -> KmsError (checked separately).
  const wrapped: TamperCase = { name: 'wrapped key', apply: (ct, md, i) => ({ ct, md: { ...md, [keyName]: b64flip(md[keyName], i) } }), errors: kms ? [] : [WrongKeyError] };
  const ctxKey = v === 'V3' ? (kms ? 'x-amz-t' : 'x-amz-m') : 'x-amz-matdesc';
  const context: TamperCase = {
    name: 'context / material description',
    apply: (ct, md, i) => {
      const s = md[ctxKey];
      const pos = i % s.length;
      const ch = String.fromCharCode(32 + ((s.charCodeAt(pos) - 32 + 1 + (i % 90)) % 95));
      return { ct, md: { ...md, [ctxKey]: s.slice(0, pos) + ch + s.slice(pos + 1) } };
    },
    // A changed byte either breaks the JSON (UnsupportedFormatError) or changes the map (EncryptionContextMismatchError).
    // KMS only: a raw-AES material description is not authenticated (property below).
    errors: kms ? [EncryptionContextMismatchError, UnsupportedFormatError] : [],
  };
  const list = [body, tag, truncate, wrapped, context];
  if (v === 'V2') {
    list.push({ name: 'IV', apply: (ct, md, i) => ({ ct, md: { ...md, 'x-amz-iv': b64flip(md['x-amz-iv'], i) } }), errors: [TamperedCiphertextError] });
  } else {
    list.push({ name: 'commitment', apply: (ct, md, i) => ({ ct, md: { ...md, 'x-amz-d': b64flip(md['x-amz-d'], i) } }), errors: [TamperedCiphertextError] });
    list.push({ name: 'message id', apply: (ct, md, i) => ({ ct, md: { ...md, 'x-amz-i': b64flip(md['x-amz-i'], i) } }), errors: [TamperedCiphertextError] });
  }
  return list.filter((c) => c.errors.length > 0);
}

describe.each([
  ['V3', false], ['V2', false], ['V3', true], ['V2', true],
] as const)('tampering %s (kms=%s)', (v, kms) => {
  const cipher = kms ? kmsCipher(v) : rawCipher(v);
  const context: Record<string, string> = kms ? { tenant: 'a', app: 'b' } : {};
  test.each(cases(v, kms).map((c) => [c.name, c] as const))('%s: typed error, no plaintext (buffer and stream)', async (_n, tc) => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: 3000 }), fc.nat(), fc.boolean(), async (size, i, unauthenticated) => {
      const pt = randomBytes(size);
      const { ciphertext, metadata } = await cipher.encrypt(pt, { context });
      const t = tc.apply(ciphertext, metadata, i);
      let result: Buffer | undefined;
      let error: unknown;
      try {
        result = await cipher.decrypt(t.ct, t.md, { context });
      } catch (e) {
        error = e;
      }
      expect(result).toBeUndefined();
      expect(tc.errors.some((E) => error instanceof E)).toBe(true);
      // Stream: either the promise rejects (key / metadata problems) or the stream errors with no 'data' event.
      let streamError: unknown;
      let dataEvents = 0;
      try {
        const out = await collect(await cipher.decryptStream(chunkedReadable(t.ct, [1 + (i % 7000)]), t.md, { context }));
        streamError = out.error;
        dataEvents = out.dataEvents;
      } catch (e) {
        streamError = e;
      }
      expect(tc.errors.some((E) => streamError instanceof E)).toBe(true);
      expect(dataEvents).toBe(0);
      if (unauthenticated && (tc.name === 'content ciphertext' || tc.name === 'tag')) {
        // Opt-in streaming still ends in the typed error.
        const out = await collect(await cipher.decryptStream(chunkedReadable(t.ct, [4096]), t.md, { context, allowUnauthenticatedStreaming: true }));
        expect(out.error).toBeInstanceOf(TamperedCiphertextError);
      }
    }), { numRuns: 25 });
  });
});

describe.each(['V3', 'V2'] as const)('raw AES %s: the material description is a label, not authenticated', (v) => {
  const cipher = rawCipher(v);
  const ctxKey = v === 'V3' ? 'x-amz-m' : 'x-amz-matdesc';
  test('any well-formed relabelling still decrypts to the exact plaintext; a malformed one is UnsupportedFormatError', async () => {
    await fc.assert(fc.asyncProperty(fc.dictionary(fc.string(), fc.string(), { maxKeys: 4 }), fc.string(), async (label, garbage) => {
      const pt = randomBytes(100);
      const { ciphertext, metadata } = await cipher.encrypt(pt, { context: { tenant: 'a' } });
      // Relabel: the object now claims another description; nothing in the format notices.
      await expect(cipher.decrypt(ciphertext, { ...metadata, [ctxKey]: JSON.stringify(label) })).resolves.toEqual(pt);
      let parsed = true;
      try {
        JSON.parse(garbage);
      } catch {
        parsed = false;
      }
      if (!parsed && garbage !== '' && !garbage.includes('=?')) {
        await expect(cipher.decrypt(ciphertext, { ...metadata, [ctxKey]: garbage })).rejects.toBeInstanceOf(UnsupportedFormatError);
      }
    }), { numRuns: 25 });
  });
});
