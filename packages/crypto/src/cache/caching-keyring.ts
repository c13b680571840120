/**
 * A data-key cache as a {@link Keyring} decorator: reuses encryption materials
 * (one GenerateDataKey for many objects) and unwrapped data keys (one KMS
 * Decrypt for many reads of objects sharing a wrapped key).
 *
 * Reusing a data key trades isolation for fewer KMS calls: every object
 * encrypted under one cached data key is exposed if that key leaks. Limits
 * bound the reuse by age, number of objects and bytes:
 *
 * | limit | default | hard cap | why |
 * |---|---|---|---|
 * | `maxAgeMs` | 5 min | none | short enough that revoking KMS access takes effect soon (encrypt and decrypt) |
 * | `maxMessagesEncrypted` | 2^20 | 2^32 | V2 uses random 96-bit IVs: NIST SP 800-38D §8.3 caps one key at 2^32 random-IV invocations. At 2^20 the IV collision chance is ~2^-57 |
 * | `maxBytesEncrypted` | 2^36 (64 GiB) | 2^52 | AES-GCM confidentiality bound ~ (blocks)^2 / 2^128 over everything one key encrypted; 2^52 bytes keeps it below 2^-32, the default below 2^-64 |
 * | `capacity` | 100 entries | none | least recently used entries are evicted beyond it |
 *
 * The same limits apply to V3 (its per-object derived keys make them
 * more conservative than needed).
 *
 * Behaviour:
 * - Encrypt entries are keyed by (format version, encryption context); decrypt
 *   entries by (wrapped key, stored context, expected context, algorithms);
 *   see {@link decryptCacheId} for why the expected context is included.
 * - An encrypt request without a known `plaintextLength` (e.g. a stream of
 *   unknown size) bypasses the cache: the byte limit could not be enforced.
 *   So does one larger than `maxBytesEncrypted`.
 * - Key material is copied on the way in and out (the cipher zeroes what it
 *   receives) and the cached copy is zeroed when the entry is evicted,
 *   expires, is used up, or on {@link CachingKeyring.clear}.
 * - Concurrent misses for the same entry are not coalesced: each calls the
 *   wrapped keyring. Errors of the wrapped keyring are passed through and
 *   never cached.
 */
import { InvalidArgumentError, needs } from '../errors';
import { decryptCacheId, encryptCacheId } from './cache-key';
import { LruCache } from './lru-cache';
import { DATA_KEY_LENGTH } from '../format/algorithm-suite';
import { DecryptionRequest, EncryptionMaterials, EncryptionRequest, Keyring, WrapDataKeyRequest, WrappedDataKey } from '../keyring/keyring';

export const CACHE_DEFAULT_MAX_AGE_MS = 5 * 60 * 1000;
export const CACHE_DEFAULT_MAX_MESSAGES_ENCRYPTED = 2 ** 20;
export const CACHE_DEFAULT_MAX_BYTES_ENCRYPTED = 2 ** 36;
export const CACHE_DEFAULT_CAPACITY = 100;
/** NIST SP 800-38D §8.3: at most 2^32 invocations of GCM with random 96-bit IVs per key. */
export const CACHE_MAX_MESSAGES_ENCRYPTED_LIMIT = 2 ** 32;
/** AES-GCM data limit per key keeping the confidentiality bound below 2^-32. */
export const CACHE_MAX_BYTES_ENCRYPTED_LIMIT = 2 ** 52;

export interface CachingKeyringProps {
  /** The keyring whose results are cached. */
  readonly keyring: Keyring;
  /** Entries older than this are not used. @default 300000 (5 minutes) */
  readonly maxAgeMs?: number;
  /** Objects one cached data key may encrypt (1 to 2^32). @default 2^20 */
  readonly maxMessagesEncrypted?: number;
  /** Plaintext bytes one cached data key may encrypt (1 to 2^52). @default 2^36 (64 GiB) */
  readonly maxBytesEncrypted?: number;
  /** Maximum number of entries (encrypt and decrypt together). @default 100 */
  readonly capacity?: number;
  /** Clock in milliseconds. TESTS ONLY. @default Date.now */
  readonly now?: () => number;
}

/** Counters of a {@link CachingKeyring}; a snapshot. */
export interface CachingKeyringStats {
  /** Requests answered from the cache. */
  readonly hits: number;
  /** Requests that looked in the cache and called the wrapped keyring. */
  readonly misses: number;
  /** Encrypt requests that skipped the cache (unknown or too large plaintext length). */
  readonly bypasses: number;
  /** Calls made to the wrapped keyring (misses + bypasses); with a KMS keyring, the KMS calls. */
  readonly keyringCalls: number;
  /** Entries dropped for age, usage limits or capacity (not counting `clear()`). */
  readonly evictions: number;
  /** Entries held now. */
  readonly size: number;
}

interface EncryptEntry {
  readonly kind: 'encrypt';
  readonly materials: EncryptionMaterials;
  readonly createdAt: number;
  messages: number;
  bytes: number;
}

interface DecryptEntry {
  readonly kind: 'decrypt';
  readonly dataKey: Uint8Array;
  readonly createdAt: number;
}

type Entry = EncryptEntry | DecryptEntry;

export class CachingKeyring implements Keyring {
  public readonly maxAgeMs: number;
  public readonly maxMessagesEncrypted: number;
  public readonly maxBytesEncrypted: number;
  public readonly capacity: number;
  private readonly keyring: Keyring;
  private readonly now: () => number;
  private readonly cache: LruCache<Entry>;
  private counters = { hits: 0, misses: 0, bypasses: 0, keyringCalls: 0, evictions: 0 };

  constructor(props: CachingKeyringProps) {
    needs(props?.keyring && typeof props.keyring.onEncrypt === 'function' && typeof props.keyring.onDecrypt === 'function',
      () => new InvalidArgumentError('CachingKeyring: keyring must implement onEncrypt and onDecrypt'));
    this.keyring = props.keyring;
    this.maxAgeMs = limit('maxAgeMs', props.maxAgeMs, CACHE_DEFAULT_MAX_AGE_MS, Number.MAX_SAFE_INTEGER);
    this.maxMessagesEncrypted = limit('maxMessagesEncrypted', props.maxMessagesEncrypted,
      CACHE_DEFAULT_MAX_MESSAGES_ENCRYPTED, CACHE_MAX_MESSAGES_ENCRYPTED_LIMIT);
    this.maxBytesEncrypted = limit('maxBytesEncrypted', props.maxBytesEncrypted,
      CACHE_DEFAULT_MAX_BYTES_ENCRYPTED, CACHE_MAX_BYTES_ENCRYPTED_LIMIT);
    this.capacity = limit('capacity', props.capacity, CACHE_DEFAULT_CAPACITY, Number.MAX_SAFE_INTEGER);
    needs(props.now === undefined || typeof props.now === 'function', () => new InvalidArgumentError('CachingKeyring: now must be a function'));
    this.now = props.now ?? Date.now;
    this.cache = new LruCache<Entry>(this.capacity, zeroEntry);
  }

  public get stats(): CachingKeyringStats {
    return { ...this.counters, size: this.cache.size };
  }

  public async onEncrypt(request: EncryptionRequest): Promise<EncryptionMaterials> {
    const length = request.plaintextLength;
    if (length === undefined || !Number.isSafeInteger(length) || length < 0 || length > this.maxBytesEncrypted) {
      this.counters.bypasses++;
      this.counters.keyringCalls++;
      return this.keyring.onEncrypt(request);
    }
    const id = encryptCacheId(request);
    const now = this.now();
    const entry = this.lookup(id, 'encrypt', now);
    if (entry && entry.bytes + length <= this.maxBytesEncrypted) {
      this.counters.hits++;
      const materials = copyMaterials(entry.materials);
      this.recordUse(id, entry, length);
      return materials;
    }
    if (entry) this.evict(id);

    this.counters.misses++;
    this.counters.keyringCalls++;
    const materials = await this.keyring.onEncrypt(request);
    if (materials?.dataKey instanceof Uint8Array && materials.dataKey.length === DATA_KEY_LENGTH) {
      // Cache a copy: the caller zeroes the data key it receives.
      const stored: EncryptEntry = { kind: 'encrypt', materials: copyMaterials(materials), createdAt: now, messages: 0, bytes: 0 };
      this.insert(id, stored);
      this.recordUse(id, stored, length);
    }
    return materials;
  }

  /**
   * Re-wrapping (rewrapObject) goes straight to the wrapped keyring: nothing is cached, nothing counted.
   * Fails like a keyring without wrapDataKey when the wrapped keyring has none.
   */
  public async wrapDataKey(request: WrapDataKeyRequest): Promise<WrappedDataKey> {
    const inner = this.keyring.wrapDataKey;
    needs(typeof inner === 'function', () => new InvalidArgumentError('CachingKeyring: the wrapped keyring cannot wrap an existing data key'));
    return inner.call(this.keyring, request);
  }

  /** The wrapped keyring's primary key, without the cache (a cached key proves nothing about the stored wrap). */
  public primaryKeyOnly(): Keyring {
    const inner = this.keyring.primaryKeyOnly?.();
    needs(inner !== undefined, () => new InvalidArgumentError('CachingKeyring: the wrapped keyring has no primaryKeyOnly'));
    return inner;
  }

  public async onDecrypt(request: DecryptionRequest): Promise<Uint8Array> {
    const id = decryptCacheId(request);
    const entry = this.lookup(id, 'decrypt', this.now());
    if (entry) {
      this.counters.hits++;
      return Uint8Array.from(entry.dataKey);
    }
    const now = this.now();
    this.counters.misses++;
    this.counters.keyringCalls++;
    const dataKey = await this.keyring.onDecrypt(request);
    if (dataKey instanceof Uint8Array && dataKey.length === DATA_KEY_LENGTH) {
      this.insert(id, { kind: 'decrypt', dataKey: Uint8Array.from(dataKey), createdAt: now });
    }
    return dataKey;
  }

  /** Drop (and zero) every entry. */
  public clear(): void {
    this.cache.clear();
  }

  /** The live entry of that kind, or undefined; an expired entry is evicted. */
  private lookup<K extends Entry['kind']>(id: string, kind: K, now: number): Extract<Entry, { kind: K }> | undefined {
    const entry = this.cache.get(id);
    if (entry === undefined || entry.kind !== kind) return undefined;
    // A clock that went backwards also expires the entry (fail safe).
    if (now < entry.createdAt || now - entry.createdAt >= this.maxAgeMs) {
      this.evict(id);
      return undefined;
    }
    return entry as Extract<Entry, { kind: K }>;
  }

  /** Count one object encrypted with the entry's key; drop the entry once a limit is reached. */
  private recordUse(id: string, entry: EncryptEntry, length: number): void {
    entry.messages++;
    entry.bytes += length;
    if (entry.messages >= this.maxMessagesEncrypted || entry.bytes >= this.maxBytesEncrypted) {
      this.evict(id);
    }
  }

  private insert(id: string, entry: Entry): void {
    this.counters.evictions += this.cache.set(id, entry);
  }

  private evict(id: string): void {
    if (this.cache.delete(id)) this.counters.evictions++;
  }
}

function limit(name: string, value: number | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  needs(Number.isSafeInteger(value) && value > 0 && value <= max, () => new InvalidArgumentError(
    `CachingKeyring: ${name} must be an integer from 1 to ${max}, got ${value}`));
  return value;
}

function copyMaterials(m: EncryptionMaterials): EncryptionMaterials {
  return {
    dataKey: Uint8Array.from(m.dataKey),
    encryptedDataKey: Uint8Array.from(m.encryptedDataKey),
    wrapAlgorithm: m.wrapAlgorithm,
    materialsDescription: Object.freeze({ ...m.materialsDescription }),
  };
}

function zeroEntry(entry: Entry): void {
  if (entry.kind === 'encrypt') {
    entry.materials.dataKey.fill(0);
  } else {
    entry.dataKey.fill(0);
  }
}
