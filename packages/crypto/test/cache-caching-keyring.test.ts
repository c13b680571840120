import { randomBytes } from 'node:crypto';
import {
  CACHE_DEFAULT_CAPACITY,
  CACHE_DEFAULT_MAX_AGE_MS,
  CACHE_DEFAULT_MAX_BYTES_ENCRYPTED,
  CACHE_DEFAULT_MAX_MESSAGES_ENCRYPTED,
  CachingKeyring,
} from '../src/cache/caching-keyring';
import { EncryptionContextMismatchError, InvalidArgumentError } from '../src/errors';
import { DecryptionRequest, EncryptionMaterials, EncryptionRequest, Keyring } from '../src/keyring/keyring';

/** An in-process keyring that counts calls and hands out random keys ("wrapping" = identity with a prefix). */
class CountingKeyring implements Keyring {
  public encrypts = 0;
  public decrypts = 0;
  public failNextDecrypt = false;
  public readonly issued: Uint8Array[] = [];

  public async onEncrypt(request: EncryptionRequest): Promise<EncryptionMaterials> {
    this.encrypts++;
    const dataKey = new Uint8Array(randomBytes(32));
    this.issued.push(Uint8Array.from(dataKey));
    return {
      dataKey,
      encryptedDataKey: Buffer.concat([Buffer.from('wrapped:'), dataKey]),
      wrapAlgorithm: 'kms+context',
      materialsDescription: { ...request.encryptionContext, 'aws:x-amz-cek-alg': request.formatVersion === 'V3' ? '115' : 'AES/GCM/NoPadding' },
    };
  }

  public async onDecrypt(request: DecryptionRequest): Promise<Uint8Array> {
    this.decrypts++;
    if (this.failNextDecrypt) {
      this.failNextDecrypt = false;
      throw new EncryptionContextMismatchError('injected');
    }
    return Uint8Array.from(request.encryptedDataKey.subarray('wrapped:'.length));
  }
}

const enc = (context: Record<string, string>, plaintextLength = 10, formatVersion: 'V2' | 'V3' = 'V3'): EncryptionRequest =>
  ({ formatVersion, encryptionContext: context, plaintextLength });

const dec = (materials: EncryptionMaterials, expectedContext: Record<string, string>): DecryptionRequest => ({
  formatVersion: 'V3',
  encryptedDataKey: materials.encryptedDataKey,
  wrapAlgorithm: materials.wrapAlgorithm,
  contentAlgorithm: '115',
  materialsDescription: materials.materialsDescription,
  expectedContext,
});

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('CachingKeyring: encrypt materials', () => {
  test('N encrypts with the same context -> 1 call to the wrapped keyring, same data key each time', async () => {
    const inner = new CountingKeyring();
    const cache = new CachingKeyring({ keyring: inner });
    const keys: string[] = [];
    for (let i = 0; i < 25; i++) keys.push(hex((await cache.onEncrypt(enc({ a: '1' }))).dataKey));
    expect(inner.encrypts).toBe(1);
    expect(new Set(keys)).toEqual(new Set([hex(inner.issued[0])]));
    expect(cache.stats).toEqual({ hits: 24, misses: 1, bypasses: 0, keyringCalls: 1, evictions: 0, size: 1 });
  });

  test('key material is copied in and out: zeroing what the caller got does not poison the cache', async () => {
    const inner = new CountingKeyring();
    const cache = new CachingKeyring({ keyring: inner });
    const first = await cache.onEncrypt(enc({}));
    first.dataKey.fill(0); // what the cipher does when done
    (first.encryptedDataKey as Uint8Array).fill(0);
    const second = await cache.onEncrypt(enc({}));
    expect(hex(second.dataKey)).toBe(hex(inner.issued[0]));
    expect(second.dataKey).not.toBe(first.dataKey);
    second.dataKey.fill(0);
    expect(hex((await cache.onEncrypt(enc({}))).dataKey)).toBe(hex(inner.issued[0]));
    expect(Object.isFrozen(second.materialsDescription)).toBe(true);
  });

  test('different contexts and format versions are not shared; key order of a context does not matter', async () => {
    const inner = new CountingKeyring();
    const cache = new CachingKeyring({ keyring: inner });
    const a = await cache.onEncrypt(enc({ tenant: 'a', x: '1' }));
    const b = await cache.onEncrypt(enc({ tenant: 'b', x: '1' }));
    const aReordered = await cache.onEncrypt(enc({ x: '1', tenant: 'a' }));
    const aV2 = await cache.onEncrypt(enc({ tenant: 'a', x: '1' }, 10, 'V2'));
    // A context whose keys/values would collide under naive concatenation.
    const tricky = await cache.onEncrypt(enc({ tenanta: '', x: '1' }));
    expect(inner.encrypts).toBe(4);
    expect(hex(a.dataKey)).not.toBe(hex(b.dataKey));
    expect(hex(aReordered.dataKey)).toBe(hex(a.dataKey));
    expect(hex(aV2.dataKey)).not.toBe(hex(a.dataKey));
    expect(aV2.materialsDescription['aws:x-amz-cek-alg']).toBe('AES/GCM/NoPadding');
    expect(hex(tricky.dataKey)).not.toBe(hex(a.dataKey));
  });

  test('expiry by age (injected clock)', async () => {
    let now = 1_000;
    const inner = new CountingKeyring();
    const cache = new CachingKeyring({ keyring: inner, maxAgeMs: 500, now: () => now });
    await cache.onEncrypt(enc({}));
    now = 1_499;
    await cache.onEncrypt(enc({}));
    expect(inner.encrypts).toBe(1);
    now = 1_500;
    const renewed = await cache.onEncrypt(enc({}));
    expect(inner.encrypts).toBe(2);
    expect(hex(renewed.dataKey)).toBe(hex(inner.issued[1]));
    expect(cache.stats.evictions).toBe(1);
  });

  test('a clock that goes backwards expires the entry', async () => {
    let now = 10_000;
    const inner = new CountingKeyring();
    const cache = new CachingKeyring({ keyring: inner, now: () => now });
    await cache.onEncrypt(enc({}));
    now = 9_999;
    await cache.onEncrypt(enc({}));
    expect(inner.encrypts).toBe(2);
  });

  test('expiry by messages: maxMessagesEncrypted objects per data key', async () => {
    const inner = new CountingKeyring();
    const cache = new CachingKeyring({ keyring: inner, maxMessagesEncrypted: 3 });
    const keys: string[] = [];
    for (let i = 0; i < 7; i++) keys.push(hex((await cache.onEncrypt(enc({}))).dataKey));
    expect(inner.encrypts).toBe(3);
    expect(keys).toEqual([0, 0, 0, 1, 1, 1, 2].map((i) => hex(inner.issued[i])));
  });

  test('maxMessagesEncrypted = 1 means every object gets a fresh key', async () => {
    const inner = new CountingKeyring();
    const cache = new CachingKeyring({ keyring: inner, maxMessagesEncrypted: 1 });
    await cache.onEncrypt(enc({}));
    await cache.onEncrypt(enc({}));
    expect(inner.encrypts).toBe(2);
    expect(cache.stats.size).toBe(0);
  });

  test('expiry by bytes: an object that would cross maxBytesEncrypted gets a fresh key', async () => {
    const inner = new CountingKeyring();
    const cache = new CachingKeyring({ keyring: inner, maxBytesEncrypted: 100 });
    const k1 = await cache.onEncrypt(enc({}, 40));
    const k2 = await cache.onEncrypt(enc({}, 40)); // 80
    const k3 = await cache.onEncrypt(enc({}, 40)); // would be 120: new key
    expect(inner.encrypts).toBe(2);
    expect(hex(k2.dataKey)).toBe(hex(k1.dataKey));
    expect(hex(k3.dataKey)).not.toBe(hex(k1.dataKey));
    const k4 = await cache.onEncrypt(enc({}, 60)); // 40 + 60 = 100: allowed, then used up
    expect(hex(k4.dataKey)).toBe(hex(k3.dataKey));
    await cache.onEncrypt(enc({}, 1));
    expect(inner.encrypts).toBe(3);
  });

  test('unknown or oversize plaintext length bypasses the cache', async () => {
    const inner = new CountingKeyring();
    const cache = new CachingKeyring({ keyring: inner, maxBytesEncrypted: 100 });
    const unknownLength: EncryptionRequest = { formatVersion: 'V3', encryptionContext: {} };
    await cache.onEncrypt(unknownLength);
    await cache.onEncrypt(unknownLength);
    await cache.onEncrypt(enc({}, 101));
    expect(inner.encrypts).toBe(3);
    expect(cache.stats).toMatchObject({ bypasses: 3, hits: 0, misses: 0, keyringCalls: 3, size: 0 });
  });

  test('0-byte objects are cached and counted as messages', async () => {
    const inner = new CountingKeyring();
    const cache = new CachingKeyring({ keyring: inner, maxMessagesEncrypted: 2 });
    await cache.onEncrypt(enc({}, 0));
    await cache.onEncrypt(enc({}, 0));
    await cache.onEncrypt(enc({}, 0));
    expect(inner.encrypts).toBe(2);
  });
});

describe('CachingKeyring: decrypt results', () => {
  test('the same wrapped key + contexts -> 1 call; a copy each time', async () => {
    const inner = new CountingKeyring();
    const cache = new CachingKeyring({ keyring: inner });
    const materials = await inner.onEncrypt(enc({ a: '1' }));
    const k1 = await cache.onDecrypt(dec(materials, { a: '1' }));
    k1.fill(0);
    const k2 = await cache.onDecrypt(dec(materials, { a: '1' }));
    expect(inner.decrypts).toBe(1);
    expect(hex(k2)).toBe(hex(inner.issued[0]));
    expect(cache.stats).toMatchObject({ hits: 1, misses: 1, keyringCalls: 1 });
  });

  test('a different expected context is not answered from the cache (the wrapped keyring checks it)', async () => {
    const inner = new CountingKeyring();
    const cache = new CachingKeyring({ keyring: inner });
    const materials = await inner.onEncrypt(enc({ a: '1' }));
    await cache.onDecrypt(dec(materials, { a: '1' }));
    inner.failNextDecrypt = true;
    await expect(cache.onDecrypt(dec(materials, { a: '2' }))).rejects.toThrow(EncryptionContextMismatchError);
    expect(inner.decrypts).toBe(2);
  });

  test('different wrapped keys are separate entries', async () => {
    const inner = new CountingKeyring();
    const cache = new CachingKeyring({ keyring: inner });
    const m1 = await inner.onEncrypt(enc({}));
    const m2 = await inner.onEncrypt(enc({}));
    expect(hex(await cache.onDecrypt(dec(m1, {})))).toBe(hex(inner.issued[0]));
    expect(hex(await cache.onDecrypt(dec(m2, {})))).toBe(hex(inner.issued[1]));
    expect(inner.decrypts).toBe(2);
  });

  test('errors are not cached', async () => {
    const inner = new CountingKeyring();
    const cache = new CachingKeyring({ keyring: inner });
    const materials = await inner.onEncrypt(enc({}));
    inner.failNextDecrypt = true;
    await expect(cache.onDecrypt(dec(materials, {}))).rejects.toThrow(EncryptionContextMismatchError);
    await expect(cache.onDecrypt(dec(materials, {}))).resolves.toHaveLength(32);
    expect(inner.decrypts).toBe(2);
  });

  test('decrypt entries expire by age', async () => {
    let now = 0;
    const inner = new CountingKeyring();
    const cache = new CachingKeyring({ keyring: inner, maxAgeMs: 100, now: () => now });
    const materials = await inner.onEncrypt(enc({}));
    await cache.onDecrypt(dec(materials, {}));
    now = 99;
    await cache.onDecrypt(dec(materials, {}));
    now = 100;
    await cache.onDecrypt(dec(materials, {}));
    expect(inner.decrypts).toBe(2);
  });

  test('an encrypt entry never answers a decrypt request and vice versa', async () => {
    const inner = new CountingKeyring();
    const cache = new CachingKeyring({ keyring: inner });
    const materials = await cache.onEncrypt(enc({}));
    await cache.onDecrypt(dec(materials, {}));
    expect(inner.decrypts).toBe(1);
    expect(cache.stats.size).toBe(2);
  });
});

describe('CachingKeyring: capacity, zeroing, options', () => {
  test('capacity evicts the least recently used entry', async () => {
    const inner = new CountingKeyring();
    const cache = new CachingKeyring({ keyring: inner, capacity: 2 });
    await cache.onEncrypt(enc({ c: 'a' }));
    await cache.onEncrypt(enc({ c: 'b' }));
    await cache.onEncrypt(enc({ c: 'a' })); // a is now most recent
    await cache.onEncrypt(enc({ c: 'c' })); // evicts b
    expect(cache.stats).toMatchObject({ evictions: 1, size: 2 });
    await cache.onEncrypt(enc({ c: 'a' }));
    expect(inner.encrypts).toBe(3);
    await cache.onEncrypt(enc({ c: 'b' }));
    expect(inner.encrypts).toBe(4);
  });

  test('the cached copy of a data key is zeroed on eviction and on clear()', async () => {
    const fill = jest.spyOn(Uint8Array.prototype, 'fill');
    try {
      const inner = new CountingKeyring();
      const cache = new CachingKeyring({ keyring: inner, capacity: 1 });
      await cache.onEncrypt(enc({ c: 'a' }));
      const zeroedBefore = (): string[] => fill.mock.contexts
        .filter((_, i) => fill.mock.calls[i][0] === 0)
        .map((ctx) => hex(ctx as Uint8Array));
      expect(zeroedBefore()).toEqual([]);
      await cache.onEncrypt(enc({ c: 'b' })); // evicts a
      // The array that was filled with 0 is now all zeros and 32 bytes long: it held a data key.
      expect(zeroedBefore()).toEqual(['00'.repeat(32)]);
      expect(fill.mock.contexts.filter((_, i) => fill.mock.calls[i][0] === 0)).toHaveLength(1);
      cache.clear();
      expect(cache.stats.size).toBe(0);
      expect(fill.mock.calls.filter((c) => c[0] === 0)).toHaveLength(2);
      await cache.onEncrypt(enc({ c: 'b' }));
      expect(inner.encrypts).toBe(3);
    } finally {
      fill.mockRestore();
    }
  });

  test('defaults are the documented conservative values', () => {
    const cache = new CachingKeyring({ keyring: new CountingKeyring() });
    expect(cache.maxAgeMs).toBe(CACHE_DEFAULT_MAX_AGE_MS);
    expect(CACHE_DEFAULT_MAX_AGE_MS).toBe(300_000);
    expect(cache.maxMessagesEncrypted).toBe(CACHE_DEFAULT_MAX_MESSAGES_ENCRYPTED);
    expect(CACHE_DEFAULT_MAX_MESSAGES_ENCRYPTED).toBe(2 ** 20);
    expect(cache.maxBytesEncrypted).toBe(CACHE_DEFAULT_MAX_BYTES_ENCRYPTED);
    expect(CACHE_DEFAULT_MAX_BYTES_ENCRYPTED).toBe(2 ** 36);
    expect(cache.capacity).toBe(CACHE_DEFAULT_CAPACITY);
  });

  test('hard caps: at most 2^32 messages (random 96-bit IVs) and 2^52 bytes per data key', () => {
    const keyring = new CountingKeyring();
    expect(new CachingKeyring({ keyring, maxMessagesEncrypted: 2 ** 32 }).maxMessagesEncrypted).toBe(2 ** 32);
    expect(() => new CachingKeyring({ keyring, maxMessagesEncrypted: 2 ** 32 + 1 })).toThrow(InvalidArgumentError);
    expect(new CachingKeyring({ keyring, maxBytesEncrypted: 2 ** 52 }).maxBytesEncrypted).toBe(2 ** 52);
    expect(() => new CachingKeyring({ keyring, maxBytesEncrypted: 2 ** 52 + 1 })).toThrow(/maxBytesEncrypted/);
  });

  test.each([
    ['maxAgeMs', 0], ['maxAgeMs', -1], ['maxAgeMs', 1.5], ['maxAgeMs', Infinity], ['maxAgeMs', NaN],
    ['maxMessagesEncrypted', 0], ['maxBytesEncrypted', -5], ['capacity', 0], ['capacity', 2.5],
  ])('%s = %p is an InvalidArgumentError', (name, value) => {
    expect(() => new CachingKeyring({ keyring: new CountingKeyring(), [name]: value })).toThrow(new RegExp(`${name} must be an integer`));
  });

  test('a missing or malformed keyring is an InvalidArgumentError', () => {
    expect(() => new CachingKeyring({ keyring: {} as Keyring })).toThrow(InvalidArgumentError);
    expect(() => new CachingKeyring(undefined as unknown as { keyring: Keyring })).toThrow(InvalidArgumentError);
  });

  test('stats is a snapshot, not a live handle', async () => {
    const cache = new CachingKeyring({ keyring: new CountingKeyring() });
    const before = cache.stats;
    await cache.onEncrypt(enc({}));
    expect(before.misses).toBe(0);
    expect(cache.stats.misses).toBe(1);
  });
});
