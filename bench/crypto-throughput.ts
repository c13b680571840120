/**
 * Envelope encryption / decryption throughput (MiB/s) of src/crypto against two baselines
 * measured in the same run on the same plaintext bytes:
 *
 * - raw `node:crypto` AES-256-GCM over the bytes in 64 KiB chunks (a plain loop: the ceiling);
 * - raw references that do only what src/crypto must do beyond the ceiling (one fresh output buffer;
 *   a temp-file round trip of the ciphertext before any plaintext is released);
 * - the AWS Encryption SDK for JavaScript (@aws-crypto/client-node), raw AES keyring, with its
 *   default suite (committing + ECDSA P-384 signing) and with a non-signing suite.
 *
 * Every contender is warmed up first (the warm-up run also captures its ciphertext for the
 * decryption runs and checks the round trip), then the timed runs are interleaved
 * (A B C ..., A B C ..., with the starting contender rotated each round) and ratios are taken
 * pair by pair within a round. The crypto targets (T1–T5, BENCHMARKS.md) take medians of at least MIN_PAIRS pairs.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writevSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform, TransformCallback, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AlgorithmSuiteIdentifier, buildClient, CommitmentPolicy, RawAesKeyringNode, RawAesWrappingSuiteIdentifier,
} from '@aws-crypto/client-node';
import { fmt, fmtRatio, fmtSummary, table } from './report';
import { maybeGc, nowMs, pairRatios, summarize, Summary } from './stats';
import { EnvelopeCipher, ObjectMetadata, RawAesKeyring } from '../packages/crypto/src';
import { DEFAULT_MAX_IN_MEMORY_BYTES } from '../packages/crypto/src/cipher/envelope-cipher';

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const CHUNK = 64 * KiB;
/** Pairs (rounds in which both sides ran) a ratio needs before it decides a target. */
export const MIN_PAIRS = 7;

// ---------------------------------------------------------------------------------------------
// Payload: one random pool, reused by every contender. Payloads larger than the pool (1 GiB)
// are the pool repeated, generated on the fly as 64 KiB views (nothing is copied or held).
// ---------------------------------------------------------------------------------------------

export const POOL_BYTES = 64 * MiB;
let pool: Buffer | undefined;

/** The shared random plaintext pool (64 MiB, generated once). */
export function payloadPool(): Buffer {
  if (!pool) {
    pool = randomBytes(POOL_BYTES);
  }
  return pool;
}

/** Chunk `i` (64 KiB) of a payload of `total` bytes. */
function payloadChunk(total: number, offset: number): Buffer {
  const p = payloadPool();
  const len = Math.min(CHUNK, total - offset);
  const at = offset % POOL_BYTES;
  return p.subarray(at, at + len);
}

/** A Readable of `total` plaintext bytes in 64 KiB chunks (views of the pool). */
export function plaintextSource(total: number): Readable {
  let offset = 0;
  return new Readable({
    highWaterMark: CHUNK,
    read() {
      while (offset < total) {
        const c = payloadChunk(total, offset);
        offset += c.length;
        if (!this.push(c)) {
          return;
        }
      }
      this.push(null);
    },
  });
}

/** A Readable over already-materialised chunks. */
export function chunkSource(chunks: readonly Buffer[]): Readable {
  let i = 0;
  return new Readable({
    highWaterMark: CHUNK,
    read() {
      while (i < chunks.length) {
        if (!this.push(chunks[i++])) {
          return;
        }
      }
      this.push(null);
    },
  });
}

/** A sink that counts bytes; optionally keeps them (in 64 KiB chunks) or verifies them against the payload. */
class Sink extends Writable {
  public bytes = 0;
  public readonly kept: Buffer[] = [];
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly mode: 'count' | 'keep' | 'verify', private readonly total = 0) {
    super({ highWaterMark: CHUNK });
  }

  public _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (this.mode === 'verify') {
      let off = 0;
      while (off < chunk.length) {
        const expected = payloadChunkAt(this.total, this.bytes + off, chunk.length - off);
        if (!expected.equals(chunk.subarray(off, off + expected.length))) {
          cb(new Error(`round trip mismatch at byte ${this.bytes + off}`));
          return;
        }
        off += expected.length;
      }
    } else if (this.mode === 'keep') {
      this.pending.push(Buffer.from(chunk));
      this.pendingBytes += chunk.length;
      if (this.pendingBytes >= 16 * CHUNK) {
        this.flushPending(false);
      }
    }
    this.bytes += chunk.length;
    cb();
  }

  public _final(cb: (e?: Error | null) => void): void {
    if (this.mode === 'keep') {
      this.flushPending(true);
    }
    cb();
  }

  /** Re-chunk kept bytes into 64 KiB chunks (so every decryptor sees the same chunking). */
  private flushPending(all: boolean): void {
    const buf = Buffer.concat(this.pending);
    let off = 0;
    while (buf.length - off >= CHUNK || (all && off < buf.length)) {
      const n = Math.min(CHUNK, buf.length - off);
      this.kept.push(buf.subarray(off, off + n));
      off += n;
    }
    this.pending = off < buf.length ? [buf.subarray(off)] : [];
    this.pendingBytes = buf.length - off;
  }
}

/** Expected plaintext bytes at `offset`, up to `max` bytes and not across a pool boundary. */
function payloadChunkAt(total: number, offset: number, max: number): Buffer {
  const p = payloadPool();
  const at = offset % POOL_BYTES;
  const len = Math.min(max, POOL_BYTES - at, total - offset);
  return p.subarray(at, at + len);
}

// ---------------------------------------------------------------------------------------------
// Contenders
// ---------------------------------------------------------------------------------------------

export type Mode = 'buffer' | 'stream';
export type Op = 'encrypt' | 'decrypt';

/**
 * What a contender is:
 * - ceiling: the raw node:crypto loop (ratios are taken against it);
 * - reference: a raw node:crypto loop doing only what the src/crypto default must do beyond the ceiling
 *   (materialise one output buffer; store the ciphertext before releasing plaintext): src/crypto ÷ this is reported;
 * - transform: the raw cipher in a bare stream.Transform (the cost of Node streams alone);
 * - ours: the src/crypto default of the mode; variant: another src/crypto option (in place, unauthenticated);
 * - esdk: the AWS Encryption SDK.
 */
export type Role = 'ceiling' | 'reference' | 'transform' | 'ours' | 'variant' | 'esdk';

/** Stable ids (bench/run.ts's target checks look contenders up by these). */
export type ContenderId =
  | 'raw' | 'raw-one-buffer' | 'raw-temp-file' | 'raw-transform'
  | 'ours' | 'ours-in-place' | 'ours-unauthenticated'
  | 'esdk-default' | 'esdk-fast';

/** One implementation at one payload size and mode. */
export interface Contender {
  readonly id: ContenderId;
  readonly name: string;
  readonly role: Role;
  /** Which ops it takes part in. */
  readonly ops: readonly Op[];
  /** Encrypt the payload once; `capture` keeps the ciphertext for decrypt() (warm-up only). */
  encrypt(capture: boolean): Promise<void>;
  /** Decrypt the captured ciphertext; `verify` checks the plaintext (warm-up only). */
  decrypt(verify: boolean): Promise<void>;
  /**
   * Called before every run of `op` (warm-up and timed), outside the timed region, with the number of
   * payload passes the run will make (e.g. fresh copies of a ciphertext that decrypt() consumes).
   */
  prepare?(op: Op, passes: number): void;
  /** Drop captured ciphertext. */
  release(): void;
}

const KEY = randomBytes(32);

function rawEncryptLoop(total: number, key: Buffer, iv: Buffer, keep: Buffer[] | undefined): Buffer {
  const c = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
  for (let off = 0; off < total; off += CHUNK) {
    const out = c.update(payloadChunk(total, off));
    keep?.push(out);
  }
  const last = c.final();
  if (keep && last.length > 0) {
    keep.push(last);
  }
  return c.getAuthTag();
}

/** Raw node:crypto AES-256-GCM, 64 KiB chunks, plain loop. The ceiling. */
function rawLoop(total: number): Contender {
  const iv = randomBytes(12);
  let ct: Buffer[] = [];
  let tag: Buffer = Buffer.alloc(16);
  return {
    id: 'raw',
    name: 'raw node:crypto AES-256-GCM (64 KiB loop)',
    role: 'ceiling',
    ops: ['encrypt', 'decrypt'],
    async encrypt(capture) {
      const keep: Buffer[] | undefined = capture ? [] : undefined;
      const t = rawEncryptLoop(total, KEY, iv, keep);
      if (capture && keep) {
        ct = keep;
        tag = t;
      }
    },
    async decrypt(verify) {
      const d = createDecipheriv('aes-256-gcm', KEY, iv, { authTagLength: 16 });
      d.setAuthTag(tag);
      let off = 0;
      for (const c of ct) {
        const pt = d.update(c);
        if (verify && !pt.equals(payloadChunkAt(total, off, pt.length))) {
          throw new Error('raw round trip mismatch');
        }
        off += pt.length;
      }
      d.final();
    },
    release() {
      ct = [];
    },
  };
}

/**
 * Reference for whole-buffer encrypt/decrypt: the raw 64 KiB loop, but every output copied into one
 * preallocated result (what returning a contiguous Buffer costs beyond the ceiling: fresh pages).
 */
function rawIntoOneBuffer(total: number): Contender {
  const iv = randomBytes(12);
  let ct: Buffer = Buffer.alloc(0);
  let tag: Buffer = Buffer.alloc(16);
  return {
    id: 'raw-one-buffer',
    name: 'reference: raw node:crypto loop into one output buffer',
    role: 'reference',
    ops: ['encrypt', 'decrypt'],
    async encrypt(capture) {
      const c = createCipheriv('aes-256-gcm', KEY, iv, { authTagLength: 16 });
      const out = Buffer.allocUnsafe(total + 16);
      let w = 0;
      for (let off = 0; off < total; off += CHUNK) {
        w += c.update(payloadChunk(total, off)).copy(out, w);
      }
      w += c.final().copy(out, w);
      c.getAuthTag().copy(out, w);
      if (capture) {
        ct = out.subarray(0, total);
        tag = out.subarray(total);
      }
    },
    async decrypt(verify) {
      const d = createDecipheriv('aes-256-gcm', KEY, iv, { authTagLength: 16 });
      d.setAuthTag(tag);
      const out = Buffer.allocUnsafe(total);
      let w = 0;
      for (let off = 0; off < total; off += CHUNK) {
        w += d.update(ct.subarray(off, off + CHUNK)).copy(out, w);
      }
      d.final();
      if (verify && !out.equals(payloadPool().subarray(0, total))) {
        throw new Error('reference round trip mismatch');
      }
    },
    release() {
      ct = Buffer.alloc(0);
    },
  };
}

const SPOOL_BLOCK = 4 * MiB;

/**
 * Reference for authenticate-before-release stream decryption of objects above the in-memory limit:
 * the plainest way to store the ciphertext first: write it all to a temp file (synchronous writev of
 * 4 MiB batches), read it back (synchronous 4 MiB reads into one reused buffer) and run the raw 64 KiB
 * decrypt loop over what was read, checking the tag at the end. Decrypt only.
 */
function rawAfterTempFile(total: number): Contender {
  const iv = randomBytes(12);
  let ct: Buffer[] = [];
  let tag: Buffer = Buffer.alloc(16);
  return {
    id: 'raw-temp-file',
    name: 'reference: raw node:crypto loop after a temp-file round trip (sync 4 MiB I/O)',
    role: 'reference',
    ops: ['decrypt'],
    async encrypt(capture) {
      const keep: Buffer[] = [];
      const t = rawEncryptLoop(total, KEY, iv, keep);
      if (capture) {
        ct = keep;
        tag = t;
      }
    },
    async decrypt(verify) {
      const dir = mkdtempSync(join(tmpdir(), 'bench-spool-'));
      const path = join(dir, 'ct');
      try {
        const fd = openSync(path, 'wx+', 0o600);
        try {
          const perBatch = SPOOL_BLOCK / CHUNK;
          for (let i = 0; i < ct.length; i += perBatch) {
            writevSync(fd, ct.slice(i, i + perBatch));
          }
          const d = createDecipheriv('aes-256-gcm', KEY, iv, { authTagLength: 16 });
          d.setAuthTag(tag);
          const block = Buffer.allocUnsafe(SPOOL_BLOCK);
          let pos = 0;
          for (;;) {
            const n = readSync(fd, block, 0, SPOOL_BLOCK, pos);
            if (n === 0) {
              break;
            }
            for (let off = 0; off < n; off += CHUNK) {
              const pt = d.update(block.subarray(off, Math.min(n, off + CHUNK)));
              if (verify && !pt.equals(payloadChunkAt(total, pos + off, pt.length))) {
                throw new Error('reference round trip mismatch');
              }
            }
            pos += n;
          }
          d.final();
          check(pos, total);
        } finally {
          closeSync(fd);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    release() {
      ct = [];
    },
  };
}

/** node:crypto AES-256-GCM wrapped in a minimal stream.Transform (streaming overhead only; informational). */
class RawGcmTransform extends Transform {
  constructor(private readonly c: ReturnType<typeof createCipheriv> | ReturnType<typeof createDecipheriv>, private readonly encrypting: boolean) {
    super({ highWaterMark: CHUNK });
  }
  public _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    cb(null, this.c.update(chunk));
  }
  public _flush(cb: TransformCallback): void {
    this.push(this.c.final());
    if (this.encrypting) {
      this.push((this.c as ReturnType<typeof createCipheriv> & { getAuthTag(): Buffer }).getAuthTag());
    }
    cb();
  }
}

function rawTransform(total: number): Contender {
  const iv = randomBytes(12);
  let ct: Buffer[] = [];
  let tag: Buffer = Buffer.alloc(16);
  return {
    id: 'raw-transform',
    name: 'raw node:crypto AES-256-GCM in a stream.Transform',
    role: 'transform',
    ops: ['encrypt', 'decrypt'],
    async encrypt(capture) {
      const sink = new Sink(capture ? 'keep' : 'count');
      await pipeline(plaintextSource(total), new RawGcmTransform(createCipheriv('aes-256-gcm', KEY, iv, { authTagLength: 16 }), true), sink);
      if (capture) {
        // Split the trailing tag off.
        const all = Buffer.concat(sink.kept);
        tag = Buffer.from(all.subarray(all.length - 16));
        ct = rechunk(all.subarray(0, all.length - 16));
      }
    },
    async decrypt(verify) {
      const d = createDecipheriv('aes-256-gcm', KEY, iv, { authTagLength: 16 });
      d.setAuthTag(tag);
      const sink = new Sink(verify ? 'verify' : 'count', total);
      await pipeline(chunkSource(ct), new RawGcmTransform(d, false), sink);
      check(sink.bytes, total);
    },
    release() {
      ct = [];
    },
  };
}

function rechunk(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < buf.length; off += CHUNK) {
    out.push(buf.subarray(off, Math.min(buf.length, off + CHUNK)));
  }
  return out;
}

function check(actual: number, expected: number): void {
  if (actual !== expected) {
    throw new Error(`expected ${expected} bytes, got ${actual}`);
  }
}

function newCipher(): EnvelopeCipher {
  return new EnvelopeCipher({ keyring: new RawAesKeyring({ wrappingKey: KEY }) });
}

/** src/crypto EnvelopeCipher (V3, raw AES keyring), whole buffer. */
function oursBuffer(total: number): Contender {
  const cipher = newCipher();
  const plaintext = payloadPool().subarray(0, total);
  let ct: Buffer = Buffer.alloc(0);
  let md: ObjectMetadata = {};
  return {
    id: 'ours',
    name: 'src/crypto EnvelopeCipher.encrypt / decrypt',
    role: 'ours',
    ops: ['encrypt', 'decrypt'],
    async encrypt(capture) {
      const r = await cipher.encrypt(plaintext);
      if (capture) {
        ct = r.ciphertext;
        md = r.metadata;
      }
    },
    async decrypt(verify) {
      const pt = await cipher.decrypt(ct, md);
      if (verify && !pt.equals(plaintext)) {
        throw new Error('src/crypto round trip mismatch');
      }
    },
    release() {
      ct = Buffer.alloc(0);
    },
  };
}

/**
 * src/crypto EnvelopeCipher.decrypt(…, { inPlace: true }): the plaintext is written over the ciphertext
 * buffer and a view of it returned. Decrypt only (it decrypts the ciphertext of its own encrypt).
 *
 * It consumes its input, so before every run (outside the timed region) `prepare` copies the captured
 * ciphertext into preallocated scratch buffers, one per payload pass of the run; each decrypt() takes
 * the next one. The scratch buffers are allocated once and reused, so the timed call works on memory
 * that is already mapped and was just written (warm, as in-place means): no fresh pages, unlike
 * the default decrypt, which returns a new buffer.
 */
function oursBufferInPlace(total: number): Contender {
  const cipher = newCipher();
  const plaintext = payloadPool().subarray(0, total);
  let ct: Buffer = Buffer.alloc(0);
  let md: ObjectMetadata = {};
  let scratch: Buffer[] = [];
  let next = 0;
  let prepared = 0;
  return {
    id: 'ours-in-place',
    name: 'src/crypto EnvelopeCipher.decrypt(…, { inPlace: true }) (warm scratch copy made before the timer)',
    role: 'variant',
    ops: ['decrypt'],
    async encrypt(capture) {
      const r = await cipher.encrypt(plaintext);
      if (capture) {
        ct = r.ciphertext;
        md = r.metadata;
      }
    },
    prepare(op, passes) {
      if (op !== 'decrypt') {
        return;
      }
      while (scratch.length < passes) {
        scratch.push(Buffer.allocUnsafeSlow(ct.length));
      }
      for (let i = 0; i < passes; i++) {
        check(ct.copy(scratch[i]), ct.length);
      }
      next = 0;
      prepared = passes;
    },
    async decrypt(verify) {
      if (next >= prepared) {
        throw new Error('in-place decrypt without a fresh copy of the ciphertext (prepare not called)');
      }
      const buf = scratch[next++];
      const pt = await cipher.decrypt(buf, md, { inPlace: true });
      if (verify) {
        if (pt.buffer !== buf.buffer || pt.byteOffset !== buf.byteOffset) {
          throw new Error('src/crypto inPlace decrypt did not return a view of its input');
        }
        if (!pt.equals(plaintext)) {
          throw new Error('src/crypto in-place round trip mismatch');
        }
      }
    },
    release() {
      ct = Buffer.alloc(0);
      scratch = [];
      next = prepared = 0;
    },
  };
}

/**
 * Largest object the default EnvelopeCipher decrypts in one pass in memory in authenticated decryptStream
 * (src's DEFAULT_MAX_IN_MEMORY_BYTES); larger ones take the spool path.
 */
export function defaultMaxInMemoryBytes(): { readonly bytes: number; readonly readFromCipher: boolean } {
  return { bytes: DEFAULT_MAX_IN_MEMORY_BYTES, readFromCipher: true };
}

/** src/crypto EnvelopeCipher streams; `unauthenticated` = decryptStream with allowUnauthenticatedStreaming. */
function oursStream(total: number, unauthenticated: boolean): Contender {
  const cipher = newCipher();
  let ct: Buffer[] = [];
  let md: ObjectMetadata = {};
  return {
    id: unauthenticated ? 'ours-unauthenticated' : 'ours',
    name: unauthenticated
      ? 'src/crypto decryptStream (allowUnauthenticatedStreaming)'
      : 'src/crypto encryptStream / decryptStream (default: authenticated)',
    role: unauthenticated ? 'variant' : 'ours',
    ops: unauthenticated ? ['decrypt'] : ['encrypt', 'decrypt'],
    async encrypt(capture) {
      const r = await cipher.encryptStream(plaintextSource(total), { plaintextLength: total });
      const sink = new Sink(capture ? 'keep' : 'count');
      await pipeline(r.stream, sink);
      check(sink.bytes, total + 16);
      if (capture) {
        ct = sink.kept;
        md = r.metadata;
      }
    },
    async decrypt(verify) {
      // The length is declared as getDecryptedObjectStream does with S3's Content-Length: an object above the
      // in-memory bound spools from its first byte.
      const out = await cipher.decryptStream(chunkSource(ct), md, {
        allowUnauthenticatedStreaming: unauthenticated, ciphertextLength: total + 16,
      });
      const sink = new Sink(verify ? 'verify' : 'count', total);
      await pipeline(out, sink);
      check(sink.bytes, total);
    },
    release() {
      ct = [];
    },
  };
}

type EsdkSuite = 'default' | 'fast';
export const ESDK_FAST_SUITE = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY;

function esdk(suite: EsdkSuite) {
  // Default: REQUIRE_ENCRYPT_REQUIRE_DECRYPT and suite 0x0578 (committing, ECDSA P-384 signed).
  const client = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const keyring = new RawAesKeyringNode({
    keyName: 'bench-key',
    keyNamespace: 'bench',
    unencryptedMasterKey: new Uint8Array(KEY),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  });
  const options = suite === 'fast' ? { suiteId: ESDK_FAST_SUITE } : {};
  const label = suite === 'fast' ? 'AWS Encryption SDK, non-signing suite 0x0478' : 'AWS Encryption SDK, default suite 0x0578 (signed)';
  return { client, keyring, options, label };
}

function esdkBuffer(total: number, suite: EsdkSuite): Contender {
  const { client, keyring, options, label } = esdk(suite);
  const plaintext = payloadPool().subarray(0, total);
  let ct: Buffer = Buffer.alloc(0);
  return {
    id: suite === 'fast' ? 'esdk-fast' : 'esdk-default',
    name: `${label}, encrypt / decrypt`,
    role: 'esdk',
    ops: ['encrypt', 'decrypt'],
    async encrypt(capture) {
      const { result } = await client.encrypt(keyring, plaintext, options);
      if (capture) {
        ct = result;
      }
    },
    async decrypt(verify) {
      const { plaintext: pt } = await client.decrypt(keyring, ct);
      if (verify && !pt.equals(plaintext)) {
        throw new Error('ESDK round trip mismatch');
      }
    },
    release() {
      ct = Buffer.alloc(0);
    },
  };
}

function esdkStream(total: number, suite: EsdkSuite): Contender {
  const { client, keyring, options, label } = esdk(suite);
  let ct: Buffer[] = [];
  return {
    id: suite === 'fast' ? 'esdk-fast' : 'esdk-default',
    name: `${label}, encryptStream / ${suite === 'fast' ? 'decryptUnsignedMessageStream' : 'decryptStream'}`,
    role: 'esdk',
    ops: ['encrypt', 'decrypt'],
    async encrypt(capture) {
      const sink = new Sink(capture ? 'keep' : 'count');
      await pipeline(plaintextSource(total), client.encryptStream(keyring, options), sink);
      if (capture) {
        ct = sink.kept;
      }
    },
    async decrypt(verify) {
      const sink = new Sink(verify ? 'verify' : 'count', total);
      const d = suite === 'fast' ? client.decryptUnsignedMessageStream(keyring) : client.decryptStream(keyring);
      await pipeline(chunkSource(ct), d, sink);
      check(sink.bytes, total);
    },
    release() {
      ct = [];
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Runner
// ---------------------------------------------------------------------------------------------

export interface CryptoCase {
  readonly label: string;
  readonly bytes: number;
  readonly mode: Mode;
  /** Payload passes per timed run (small payloads are repeated to get a measurable run). */
  readonly repeat: number;
  readonly rounds: number;
  /** Rounds for the (slow) Encryption SDK contenders; they join the first N rounds only (so their pairs are rounds 0..N-1). */
  readonly esdkRounds: number;
}

export interface ContenderResult {
  readonly id: ContenderId;
  readonly name: string;
  readonly role: Role;
  readonly ceiling: boolean;
  readonly mibps: Summary;
  /** Pairwise ratio to the raw ceiling in the same round. */
  readonly vsCeiling: Summary;
  /** Pairwise ratio of src/crypto (same op, default variant) to this contender (Encryption SDK and references). */
  readonly oursOverThis?: Summary;
  /** Whether this is a raw reference contender (role 'reference'). */
  readonly reference: boolean;
  /** MiB/s per timed run; samples[i] is round i (the Encryption SDK joins rounds 0..esdkRounds-1 only). */
  readonly samples: number[];
}

export interface CaseResult {
  readonly c: CryptoCase;
  readonly op: Op;
  readonly results: ContenderResult[];
}

function contendersFor(c: CryptoCase): Contender[] {
  if (c.mode === 'buffer') {
    return [
      rawLoop(c.bytes), rawIntoOneBuffer(c.bytes), oursBuffer(c.bytes), oursBufferInPlace(c.bytes),
      esdkBuffer(c.bytes, 'default'), esdkBuffer(c.bytes, 'fast'),
    ];
  }
  return [
    rawLoop(c.bytes), rawTransform(c.bytes), rawAfterTempFile(c.bytes), oursStream(c.bytes, false), oursStream(c.bytes, true),
    esdkStream(c.bytes, 'default'), esdkStream(c.bytes, 'fast'),
  ];
}

const isEsdk = (x: Contender) => x.role === 'esdk';

/** One timed run of `op` (c.repeat payload passes); `first` captures/verifies (1 GiB Encryption SDK only). */
async function timed(c: CryptoCase, x: Contender, op: Op, first: boolean): Promise<number> {
  x.prepare?.(op, c.repeat);
  maybeGc();
  const t0 = nowMs();
  for (let i = 0; i < c.repeat; i++) {
    await (op === 'encrypt' ? x.encrypt(first) : x.decrypt(first));
  }
  const ms = nowMs() - t0;
  return (c.bytes * c.repeat / MiB) / (ms / 1000);
}

export async function runCase(c: CryptoCase, log: (s: string) => void): Promise<CaseResult[]> {
  const contenders = contendersFor(c);
  const encrypting = contenders.filter((x) => x.ops.includes('encrypt'));
  // Warm-up: every contender encrypts (capturing its ciphertext) and decrypts (verifying the
  // plaintext), twice; the slow Encryption SDK contenders once at 64 MiB and above. The
  // decrypt-only contender (unauthenticated streaming) captures ciphertext from its own encrypt.
  // At 1 GiB the Encryption SDK (tens of MiB/s) gets no separate warm-up (the JIT is warm from the
  // smaller cases): its single timed encrypt captures and its single timed decrypt verifies.
  const skipWarm = (x: Contender) => isEsdk(x) && c.bytes >= GiB;
  for (const x of contenders) {
    const passes = skipWarm(x) ? 0 : c.bytes >= 64 * MiB ? 1 : 2;
    for (let w = 0; w < passes; w++) {
      await x.encrypt(true);
    }
  }
  for (const x of contenders) {
    if (skipWarm(x)) {
      continue;
    }
    x.prepare?.('decrypt', 1);
    await x.decrypt(true);
    if (c.bytes < 64 * MiB) {
      x.prepare?.('decrypt', 1);
      await x.decrypt(false);
    }
  }
  log(`  warmed up ${c.label} ${c.mode}`);

  const out: CaseResult[] = [];
  for (const op of ['encrypt', 'decrypt'] as Op[]) {
    const list = op === 'encrypt' ? encrypting : contenders;
    const samples = new Map<Contender, number[]>(list.map((x) => [x, []]));
    for (let r = 0; r < c.rounds; r++) {
      // Rotate the starting contender every round (A B C, B C A, ...).
      const order = list.map((_, i) => list[(i + r) % list.length]);
      for (const x of order) {
        if (isEsdk(x) && r >= c.esdkRounds) {
          continue;
        }
        const first = skipWarm(x) && samples.get(x)!.length === 0;
        samples.get(x)!.push(await timed(c, x, op, first));
      }
    }
    const ceil = samples.get(list.find((x) => x.role === 'ceiling')!)!;
    const oursS = samples.get(list.find((x) => x.role === 'ours')!)!;
    const results: ContenderResult[] = list.map((x) => {
      const s = samples.get(x)!;
      return {
        id: x.id,
        name: x.name,
        role: x.role,
        ceiling: x.role === 'ceiling',
        mibps: summarize(s),
        vsCeiling: summarize(pairRatios(s, ceil)),
        oursOverThis: x.role === 'esdk' || x.role === 'reference' ? summarize(pairRatios(oursS, s)) : undefined,
        reference: x.role === 'reference',
        samples: s,
      };
    });
    out.push({ c, op, results });
    log(`  ${c.label} ${c.mode} ${op}: ` + results.map((r) => `${r.name.split(',')[0].slice(0, 28)}=${fmt(r.mibps.median)}`).join(', '));
  }
  for (const x of contenders) {
    x.release();
  }
  maybeGc();
  return out;
}

export interface CryptoOptions {
  readonly quick: boolean;
}

export function cryptoCases(o: CryptoOptions): CryptoCase[] {
  if (o.quick) {
    return [
      { label: '1 MiB', bytes: MiB, mode: 'buffer', repeat: 4, rounds: 3, esdkRounds: 1 },
      { label: '1 MiB', bytes: MiB, mode: 'stream', repeat: 4, rounds: 3, esdkRounds: 1 },
      { label: '16 MiB', bytes: 16 * MiB, mode: 'buffer', repeat: 1, rounds: 3, esdkRounds: 1 },
      { label: '16 MiB', bytes: 16 * MiB, mode: 'stream', repeat: 1, rounds: 3, esdkRounds: 1 },
    ];
  }
  // Every ratio that decides a target gets at least MIN_PAIRS (7) pairs, the Encryption SDK's too (tens of
  // MiB/s: at 1 GiB its 7 rounds take about 6 minutes of the run).
  return [
    { label: '1 MiB', bytes: MiB, mode: 'buffer', repeat: 16, rounds: 7, esdkRounds: 7 },
    { label: '1 MiB', bytes: MiB, mode: 'stream', repeat: 16, rounds: 7, esdkRounds: 7 },
    { label: '64 MiB', bytes: 64 * MiB, mode: 'buffer', repeat: 1, rounds: 9, esdkRounds: 7 },
    { label: '64 MiB', bytes: 64 * MiB, mode: 'stream', repeat: 1, rounds: 9, esdkRounds: 7 },
    { label: '1 GiB', bytes: GiB, mode: 'stream', repeat: 1, rounds: 7, esdkRounds: 7 },
  ];
}

export async function runCrypto(o: CryptoOptions, log: (s: string) => void): Promise<CaseResult[]> {
  payloadPool();
  const all: CaseResult[] = [];
  for (const c of cryptoCases(o)) {
    all.push(...await runCase(c, log));
  }
  return all;
}

export function cryptoMarkdown(results: readonly CaseResult[]): string {
  const rows = results.flatMap((cr) => cr.results.map((r) => [
    cr.c.label, cr.c.mode, cr.op, r.name, fmtSummary(r.mibps), r.ceiling ? '1.00x' : fmtRatio(r.vsCeiling),
    r.oursOverThis ? fmtRatio(r.oursOverThis) : '', String(r.mibps.n),
  ]));
  return table(['payload', 'mode', 'op', 'contender', 'MiB/s median (min–max)', 'vs raw ceiling (pairwise)', 'src/crypto ÷ this (pairwise)', 'runs'], rows);
}
