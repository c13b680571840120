/**
 * `decrypt(…, { inPlace: true })`: the plaintext is written over the caller's ciphertext buffer and the
 * result is a view of the same memory; on a tag failure the whole buffer is zeroed and no plaintext is
 * returned. `getDecryptedObject` always decrypts the body it owns in place.
 */
import { randomBytes } from 'node:crypto';
import { EnvelopeCipher, RawAesKeyring, TamperedCiphertextError, getDecryptedObject } from '../../src/crypto';

const cipher = new EnvelopeCipher({ keyring: new RawAesKeyring({ wrappingKey: randomBytes(32) }) });
const v2 = new EnvelopeCipher({ keyring: new RawAesKeyring({ wrappingKey: randomBytes(32) }), formatVersion: 'V2' });
const SLICE = 64 * 1024;

describe.each([['V3', cipher], ['V2', v2]] as const)('%s', (_version, c) => {
  test.each([0, 1, SLICE - 1, SLICE, SLICE + 1, 3 * SLICE + 17])('%i bytes: same memory, right plaintext', async (size) => {
    const plaintext = randomBytes(size);
    const { ciphertext, metadata } = await c.encrypt(plaintext);
    const result = await c.decrypt(ciphertext, metadata, { inPlace: true });
    expect(result.equals(plaintext)).toBe(true);
    expect(result.buffer).toBe(ciphertext.buffer);
    expect(result.byteOffset).toBe(ciphertext.byteOffset);
    expect(result.length).toBe(size);
    // The ciphertext buffer now starts with the plaintext: it was decrypted over, not copied.
    expect(ciphertext.subarray(0, size).equals(plaintext)).toBe(true);
  });

  test('a flipped byte anywhere: TamperedCiphertextError and the whole buffer zeroed', async () => {
    const plaintext = randomBytes(2 * SLICE + 5);
    for (const at of [0, SLICE + 3, plaintext.length + 7]) {
      const { ciphertext, metadata } = await c.encrypt(plaintext);
      ciphertext[at] = (ciphertext[at] + 1) % 256;
      await expect(c.decrypt(ciphertext, metadata, { inPlace: true })).rejects.toBeInstanceOf(TamperedCiphertextError);
      expect(ciphertext.every((b) => b === 0)).toBe(true);
    }
  });

  test('without inPlace the ciphertext is left as it was and the plaintext is a new buffer', async () => {
    const plaintext = randomBytes(SLICE + 9);
    const { ciphertext, metadata } = await c.encrypt(plaintext);
    const copy = Buffer.from(ciphertext);
    const result = await c.decrypt(ciphertext, metadata);
    expect(result.equals(plaintext)).toBe(true);
    expect(result.buffer).not.toBe(ciphertext.buffer);
    expect(ciphertext.equals(copy)).toBe(true);
  });
});

test('a ciphertext that is a view into a larger buffer: only its own bytes are written', async () => {
  const plaintext = randomBytes(SLICE + 1);
  const { ciphertext, metadata } = await cipher.encrypt(plaintext);
  const backing = Buffer.alloc(ciphertext.length + 64, 0xab);
  ciphertext.copy(backing, 32);
  const view = backing.subarray(32, 32 + ciphertext.length);
  const result = await cipher.decrypt(view, metadata, { inPlace: true });
  expect(result.equals(plaintext)).toBe(true);
  expect(result.buffer).toBe(backing.buffer);
  expect(backing.subarray(0, 32).every((b) => b === 0xab)).toBe(true);
  expect(backing.subarray(32 + ciphertext.length).every((b) => b === 0xab)).toBe(true);
});

test('getDecryptedObject decrypts the body it read in place', async () => {
  const plaintext = randomBytes(SLICE * 2);
  const { ciphertext, metadata } = await cipher.encrypt(plaintext);
  const body = new Uint8Array(ciphertext);
  const client = { getObject: async () => ({ Body: body, Metadata: metadata }) };
  const result = await getDecryptedObject({ client: client as any, cipher, bucket: 'b', key: 'k' });
  expect(result.equals(plaintext)).toBe(true);
  expect(result.buffer).toBe(body.buffer);
});
