/**
 * `decrypt(…, { inPlace: true })`: the plaintext is written over the caller's ciphertext buffer and the
 * result is a view of the same memory; on a tag failure the whole buffer is zeroed and no plaintext is
 * returned. Until decrypt settles the bytes belong to it: a concurrent decrypt of them and a buffer detached
 * meanwhile are typed errors. `getDecryptedObject` decrypts the GCM body it owns in place.
 */
import { randomBytes } from 'node:crypto';
import {
  DecryptionRequest, EncryptionMaterials, EncryptionRequest, EnvelopeCipher, InvalidArgumentError, Keyring, RawAesKeyring, TamperedCiphertextError,
  getDecryptedObject,
} from '../src';

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

/** A keyring whose unwraps wait until the test lets them go, so a test can act while decrypt awaits the key. */
class GatedKeyring implements Keyring {
  public readonly waiting: Array<() => void> = [];
  constructor(private readonly inner: Keyring) {}
  public onEncrypt(request: EncryptionRequest): Promise<EncryptionMaterials> {
    return this.inner.onEncrypt(request);
  }
  public async onDecrypt(request: DecryptionRequest): Promise<Uint8Array> {
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    return this.inner.onDecrypt(request);
  }
  public async releaseAll(): Promise<void> {
    while (this.waiting.length === 0) {
      await new Promise((r) => setImmediate(r));
    }
    this.waiting.splice(0).forEach((go) => go());
  }
}

describe('the bytes belong to one decrypt until it settles', () => {
  const gated = new GatedKeyring(new RawAesKeyring({ wrappingKey: randomBytes(32) }));
  const c = new EnvelopeCipher({ keyring: gated });

  test('two concurrent in-place decrypts of one buffer: the second is refused, the first resolves with the plaintext', async () => {
    const plaintext = randomBytes(SLICE + 3);
    const { ciphertext, metadata } = await c.encrypt(plaintext);
    const first = c.decrypt(ciphertext, metadata, { inPlace: true });
    const second = c.decrypt(ciphertext, metadata, { inPlace: true });
    await expect(second).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(second).rejects.toThrow(/being decrypted in place by another call/);
    await gated.releaseAll();
    const result = await first;
    expect(result.equals(plaintext)).toBe(true);
    expect(result.some((b) => b !== 0)).toBe(true);
  });

  test('an in-place decrypt over bytes another decrypt is reading, and a read of bytes being decrypted in place, are refused', async () => {
    const plaintext = randomBytes(1000);
    const { ciphertext, metadata } = await c.encrypt(plaintext);
    const reader = c.decrypt(ciphertext, metadata);
    await expect(c.decrypt(ciphertext.subarray(0), metadata, { inPlace: true })).rejects.toThrow(/another call is still decrypting/);
    const reader2 = c.decrypt(ciphertext, metadata); // readers share
    await gated.releaseAll();
    expect((await reader).equals(plaintext)).toBe(true);
    expect((await reader2).equals(plaintext)).toBe(true);
    // Once settled, the bytes are free again.
    const writer = c.decrypt(ciphertext, metadata, { inPlace: true });
    await expect(c.decrypt(ciphertext, metadata)).rejects.toBeInstanceOf(InvalidArgumentError);
    await gated.releaseAll();
    expect((await writer).equals(plaintext)).toBe(true);
  });

  test('disjoint views of one ArrayBuffer decrypt in place concurrently', async () => {
    const a = await c.encrypt(randomBytes(100));
    const b = await c.encrypt(randomBytes(200));
    const backing = new Uint8Array(a.ciphertext.length + b.ciphertext.length);
    backing.set(a.ciphertext, 0);
    backing.set(b.ciphertext, a.ciphertext.length);
    const va = backing.subarray(0, a.ciphertext.length);
    const vb = backing.subarray(a.ciphertext.length);
    const pa = c.decrypt(va, a.metadata, { inPlace: true });
    const pb = c.decrypt(vb, b.metadata, { inPlace: true });
    await gated.releaseAll();
    await expect(pa).resolves.toHaveLength(100);
    await expect(pb).resolves.toHaveLength(200);
  });

  test('a buffer detached during the key unwrap is an InvalidArgumentError, with or without inPlace', async () => {
    for (const inPlace of [true, false]) {
      const { ciphertext, metadata } = await c.encrypt(randomBytes(SLICE));
      const own = new Uint8Array(ciphertext); // its own ArrayBuffer, which can be transferred
      const pending = c.decrypt(own, metadata, { inPlace });
      structuredClone(own.buffer, { transfer: [own.buffer] });
      expect(own.byteLength).toBe(0);
      await gated.releaseAll();
      const error = await pending.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toMatch(/detached or resized during decryption/);
    }
  });
});
