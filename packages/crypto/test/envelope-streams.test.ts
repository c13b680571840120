/**
 * Stream-specific behaviour of EnvelopeCipher: no plaintext before authentication (also when
 * spooling to disk), temp-file cleanup, unauthenticated opt-in, truncation, key errors.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, closeSync, fstatSync, ftruncateSync, readdirSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import * as fc from 'fast-check';
import { chunkedReadable, closed, collect, waitUntil } from './envelope-helpers';
import {
  EnvelopeCipher, InvalidArgumentError, RawAesKeyring, TamperedCiphertextError, TruncatedCiphertextError, WrongKeyError,
} from '../src';
import { AuthenticatedGcmDecryptStream } from '../src/cipher/authenticated-decrypt';
import { TagSplitter } from '../src/cipher/gcm-streams';
import { SpoolFile, SPOOL_BUFFER_BYTES } from '../src/cipher/spool-file';

const keyring = new RawAesKeyring({ wrappingKey: randomBytes(32) });
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'envelope-streams-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Whether a PassThrough has handed everything written to it to its reader. */
function drained(source: PassThrough): boolean {
  return source.readableLength + source.writableLength === 0;
}

function corrupt(ct: Buffer, at: number): Buffer {
  const c = Buffer.from(ct);
  c[at] = (c[at] + 1) % 256;
  return c;
}

describe('authenticated decryptStream', () => {
  test('large object spools to a private temp file that is removed afterwards', async () => {
    const cipher = new EnvelopeCipher({ keyring, tempDir: dir, maxInMemoryBytes: 64 * 1024 });
    const pt = randomBytes(3 * 1024 * 1024 + 7);
    const { ciphertext, metadata } = await cipher.encrypt(pt);
    const source = new PassThrough();
    const out = await cipher.decryptStream(source, metadata);
    const done = collect(out);
    // Feed half: the spool directory exists, nothing has been emitted yet.
    let dataBeforeEnd = 0;
    out.on('data', () => dataBeforeEnd++);
    // The latest chunk is held back (it may hold the tag); the first one is processed and spooled.
    // Each write is taken before the next (written together, the source would hand them over as one chunk).
    source.write(ciphertext.subarray(0, 1024 * 1024));
    await waitUntil(() => drained(source), 'the stream has taken the first chunk');
    source.write(ciphertext.subarray(1024 * 1024, 2 * 1024 * 1024));
    await waitUntil(() => drained(source) && readdirSync(dir).length > 0, 'the second chunk is taken and the spool exists');
    expect(dataBeforeEnd).toBe(0);
    const spools = readdirSync(dir);
    expect(spools).toHaveLength(1);
    expect(spools[0]).toMatch(/^s3ec-/);
    source.end(ciphertext.subarray(2 * 1024 * 1024));
    const result = await done;
    expect(result.error).toBeUndefined();
    expect(result.data.equals(pt)).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  test('tampered large object: error, no data event, temp file removed', async () => {
    const cipher = new EnvelopeCipher({ keyring, tempDir: dir, maxInMemoryBytes: 64 * 1024 });
    const pt = randomBytes(1024 * 1024);
    const { ciphertext, metadata } = await cipher.encrypt(pt);
    const out = await collect(await cipher.decryptStream(chunkedReadable(corrupt(ciphertext, 10), [65536]), metadata));
    expect(out.error).toBeInstanceOf(TamperedCiphertextError);
    expect(out.dataEvents).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });

  test('source error mid-stream: error propagates, temp file removed', async () => {
    const cipher = new EnvelopeCipher({ keyring, tempDir: dir, maxInMemoryBytes: 1024 });
    const { ciphertext, metadata } = await cipher.encrypt(randomBytes(200_000));
    async function* failing() {
      yield ciphertext.subarray(0, 100_000);
      throw new Error('network reset');
    }
    const out = await collect(await cipher.decryptStream(Readable.from(failing(), { objectMode: false }), metadata));
    expect((out.error as Error).message).toBe('network reset');
    expect(out.dataEvents).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });

  test('consumer destroying the stream early removes the temp file', async () => {
    const cipher = new EnvelopeCipher({ keyring, tempDir: dir, maxInMemoryBytes: 1024 });
    const pt = randomBytes(2 * 1024 * 1024);
    const { ciphertext, metadata } = await cipher.encrypt(pt);
    const out = await cipher.decryptStream(chunkedReadable(ciphertext, [65536]), metadata);
    await new Promise<void>((resolve) => {
      out.once('data', () => {
        out.destroy();
        resolve();
      });
    });
    // The temp directory is gone by the time the stream closes.
    await closed(out);
    expect(readdirSync(dir)).toEqual([]);
  });

  test('consumer destroying the stream during the first pass (stalled source) removes the temp file', async () => {
    const cipher = new EnvelopeCipher({ keyring, tempDir: dir, maxInMemoryBytes: 1024 });
    const { ciphertext, metadata } = await cipher.encrypt(randomBytes(200_000));
    const source = new PassThrough();
    const out = await cipher.decryptStream(source, metadata);
    out.on('data', () => undefined);
    out.on('error', () => undefined);
    source.write(ciphertext.subarray(0, 50_000));
    await waitUntil(() => drained(source), 'the stream has taken the first chunk');
    source.write(ciphertext.subarray(50_000, 100_000));
    await waitUntil(() => readdirSync(dir).length === 1, 'the spool directory exists');
    // The source never ends; the consumer gives up.
    out.destroy();
    await closed(out);
    expect(source.destroyed).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  test('an object spanning several spool buffers (reused for reading) decrypts exactly', async () => {
    const cipher = new EnvelopeCipher({ keyring, tempDir: dir, maxInMemoryBytes: 1024 * 1024 });
    const pt = randomBytes(13 * 1024 * 1024 + 5);
    const { ciphertext, metadata } = await cipher.encrypt(pt);
    const out = await collect(await cipher.decryptStream(chunkedReadable(ciphertext, [65536, 1000, 300_000]), metadata));
    expect(out.error).toBeUndefined();
    expect(out.data.equals(pt)).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  test('a spool file changed between authentication and release ends in TamperedCiphertextError', async () => {
    const cipher = new EnvelopeCipher({ keyring, tempDir: dir, maxInMemoryBytes: 1024 });
    const pt = randomBytes(12 * 1024 * 1024);
    const { ciphertext, metadata } = await cipher.encrypt(pt);
    const out = await cipher.decryptStream(chunkedReadable(ciphertext, [65536]), metadata);
    // The first plaintext chunk means the first pass (authentication) is over; the release pass has read at
    // most two spool buffers (2 x 2 MiB) so far. Change one byte near the end of the spooled ciphertext, then go on.
    const first = await new Promise<Buffer>((resolve) => out.once('data', resolve));
    out.pause();
    const [spoolDir] = readdirSync(dir);
    const [file] = readdirSync(join(dir, spoolDir));
    const fd = openSync(join(dir, spoolDir, file), 'r+');
    const at = ciphertext.length - 16 - 100;
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, at);
    b[0] = 255 - b[0];
    writeSync(fd, b, 0, 1, at);
    closeSync(fd);
    const collecting = collect(out);
    out.resume();
    const rest = await collecting;
    expect(first.length).toBeGreaterThan(0);
    expect(rest.error).toBeInstanceOf(TamperedCiphertextError);
    expect((rest.error as Error).message).toMatch(/changed between authentication and decryption/);
    // Everything released is genuine plaintext, and nothing of the changed 2 MiB segment (or after it) left.
    const released = Buffer.concat([first, rest.data]);
    expect(released.equals(pt.subarray(0, released.length))).toBe(true);
    expect(released.length).toBeLessThanOrEqual(Math.floor(at / SPOOL_BUFFER_BYTES) * SPOOL_BUFFER_BYTES);
    expect(readdirSync(dir)).toEqual([]);
  });

  describe('the spool file changed after the first pass wrote it, before the second pass reads it', () => {
    /** Let the first pass finish writing the spool, then apply `change` to the file. */
    const flipAfterFinish = (change: (fd: number, size: number) => void) => {
      const finish = SpoolFile.prototype.finish;
      return jest.spyOn(SpoolFile.prototype, 'finish').mockImplementation(async function (this: SpoolFile) {
        await finish.call(this);
        const [file] = readdirSync(this.dir);
        const fd = openSync(join(this.dir, file), 'r+');
        try {
          change(fd, fstatSync(fd).size);
        } finally {
          closeSync(fd);
        }
      });
    };
    afterEach(() => jest.restoreAllMocks());

    test.each([
      ['first byte', (_size: number) => 0],
      ['a byte in the middle segment', (_size: number) => SPOOL_BUFFER_BYTES + 12345],
      ['last spooled byte', (size: number) => size - 1],
    ])('%s flipped: no plaintext at all is released, TamperedCiphertextError', async (_name, where) => {
      const cipher = new EnvelopeCipher({ keyring, tempDir: dir, maxInMemoryBytes: 1024 });
      const pt = randomBytes(5 * 1024 * 1024 + 7);
      const { ciphertext, metadata } = await cipher.encrypt(pt);
      const spy = flipAfterFinish((fd, size) => {
        const at = where(size);
        const b = Buffer.alloc(1);
        readSync(fd, b, 0, 1, at);
        b[0] = 255 - b[0];
        writeSync(fd, b, 0, 1, at);
      });
      const out = await collect(await cipher.decryptStream(chunkedReadable(ciphertext, [65536]), metadata));
      expect(spy).toHaveBeenCalledTimes(1);
      expect(out.error).toBeInstanceOf(TamperedCiphertextError);
      if (where(ciphertext.length - 16) >= SPOOL_BUFFER_BYTES) {
        // Segments before the changed one are genuine and may be released; never the changed one.
        expect(out.data.equals(pt.subarray(0, out.data.length))).toBe(true);
        expect(out.data.length).toBeLessThanOrEqual(Math.floor(where(ciphertext.length - 16) / SPOOL_BUFFER_BYTES) * SPOOL_BUFFER_BYTES);
      } else {
        expect(out.data.length).toBe(0);
      }
      expect(readdirSync(dir)).toEqual([]);
    });

    test('spool truncated or extended: nothing of the missing / extra segment is released', async () => {
      const cipher = new EnvelopeCipher({ keyring, tempDir: dir, maxInMemoryBytes: 1024 });
      const pt = randomBytes(3 * 1024 * 1024);
      const { ciphertext, metadata } = await cipher.encrypt(pt);
      flipAfterFinish((fd, size) => ftruncateSync(fd, size - 1));
      const cut = await collect(await cipher.decryptStream(chunkedReadable(ciphertext, [65536]), metadata));
      expect(cut.error).toBeInstanceOf(TamperedCiphertextError);
      expect(cut.data.length).toBeLessThanOrEqual(SPOOL_BUFFER_BYTES);
      expect(cut.data.equals(pt.subarray(0, cut.data.length))).toBe(true);
      jest.restoreAllMocks();
      flipAfterFinish((fd, size) => writeSync(fd, Buffer.alloc(10), 0, 10, size));
      const grown = await collect(await cipher.decryptStream(chunkedReadable(ciphertext, [65536]), metadata));
      expect(grown.error).toBeInstanceOf(TamperedCiphertextError);
      expect(grown.data.equals(pt.subarray(0, grown.data.length))).toBe(true);
      expect(readdirSync(dir)).toEqual([]);
    });
  });

  describe('a source that reuses its buffers once they were read (ring of 6)', () => {
    // The source buffers at most one chunk ahead (highWaterMark = one chunk), so a chunk is overwritten only
    // well after it was read: harmless to a reader that copies what it keeps, fatal to one that keeps references.
    const RING = 6;
    function ringSource(data: Buffer, size: number): Readable {
      const ring = Array.from({ length: RING }, () => Buffer.alloc(size));
      let off = 0;
      let i = 0;
      return new Readable({
        highWaterMark: size,
        read() {
          if (off >= data.length) {
            this.push(null);
            return;
          }
          const n = Math.min(size, data.length - off);
          const b = ring[i++ % RING];
          data.copy(b, 0, off, off + n);
          off += n;
          this.push(b.subarray(0, n));
        },
      });
    }

    test('in memory: the authenticated bytes are the released bytes (exact plaintext, no error)', async () => {
      const cipher = new EnvelopeCipher({ keyring });
      const pt = randomBytes(1024 * 1024 + 3);
      const { ciphertext, metadata } = await cipher.encrypt(pt);
      const out = await collect(await cipher.decryptStream(ringSource(ciphertext, 4096), metadata));
      expect(out.error).toBeUndefined();
      expect(out.data.equals(pt)).toBe(true);
    });

    test('spooled: the spool holds what was authenticated (exact plaintext, no error)', async () => {
      const cipher = new EnvelopeCipher({ keyring, tempDir: dir, maxInMemoryBytes: 1024 });
      const pt = randomBytes(2 * 1024 * 1024);
      const { ciphertext, metadata } = await cipher.encrypt(pt);
      const out = await collect(await cipher.decryptStream(ringSource(ciphertext, 4096), metadata));
      expect(out.error).toBeUndefined();
      expect(out.data.equals(pt)).toBe(true);
      expect(readdirSync(dir)).toEqual([]);
    });
  });

  test('destroyed while the first pass waits (spool being created): the spool is never decrypted, the temp dir is removed', async () => {
    const cipher = new EnvelopeCipher({ keyring, tempDir: dir, maxInMemoryBytes: 1024 });
    const { ciphertext, metadata } = await cipher.encrypt(randomBytes(300_000));
    const out = await cipher.decryptStream(chunkedReadable(ciphertext, [65536]), metadata);
    expect(out).toBeInstanceOf(AuthenticatedGcmDecryptStream);
    const update = jest.spyOn((out as unknown as { spoolDecipher: { update(b: Buffer): Buffer } }).spoolDecipher, 'update');
    const create = SpoolFile.create.bind(SpoolFile);
    const spy = jest.spyOn(SpoolFile, 'create').mockImplementation(async (tempDir: string) => {
      out.destroy();
      return create(tempDir);
    });
    try {
      let dataEvents = 0;
      out.on('data', () => dataEvents++);
      await closed(out);
      expect(spy).toHaveBeenCalledTimes(1);
      expect(dataEvents).toBe(0);
      await new Promise((r) => setTimeout(r, 50));
      expect(update).not.toHaveBeenCalled();
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });

  describe('plaintext decrypted in memory but never released is wiped', () => {
    /** Record every buffer the in-memory decipher returns. */
    function recordMemoryPlaintext(out: Readable): Buffer[] {
      const decipher = (out as unknown as { memoryDecipher: { update(b: Buffer): Buffer } }).memoryDecipher;
      const outputs: Buffer[] = [];
      const update = decipher.update.bind(decipher);
      jest.spyOn(decipher, 'update').mockImplementation((b: Buffer) => {
        const r = update(b);
        outputs.push(r);
        return r;
      });
      return outputs;
    }
    const allZero = (b: Buffer) => b.every((x) => x === 0);

    test('when the stream switches to the spool (the held part is re-encrypted into the spool)', async () => {
      const cipher = new EnvelopeCipher({ keyring, tempDir: dir, maxInMemoryBytes: 256 * 1024 });
      const pt = randomBytes(1024 * 1024);
      const { ciphertext, metadata } = await cipher.encrypt(pt);
      const out = await cipher.decryptStream(chunkedReadable(ciphertext, [65536]), metadata);
      const outputs = recordMemoryPlaintext(out);
      const result = await collect(out);
      expect(result.error).toBeUndefined();
      expect(result.data.equals(pt)).toBe(true);
      expect(outputs.length).toBeGreaterThan(0);
      expect(outputs.every(allZero)).toBe(true);
    });

    test('when the tag does not verify', async () => {
      const cipher = new EnvelopeCipher({ keyring });
      const { ciphertext, metadata } = await cipher.encrypt(randomBytes(300_000));
      const out = await cipher.decryptStream(chunkedReadable(corrupt(ciphertext, ciphertext.length - 1), [65536]), metadata);
      const outputs = recordMemoryPlaintext(out);
      const result = await collect(out);
      expect(result.error).toBeInstanceOf(TamperedCiphertextError);
      expect(result.dataEvents).toBe(0);
      expect(outputs.length).toBeGreaterThan(0);
      expect(outputs.every(allZero)).toBe(true);
    });
  });

  test('truncated stream (< 16 bytes) -> TruncatedCiphertextError', async () => {
    const cipher = new EnvelopeCipher({ keyring });
    const { metadata } = await cipher.encrypt(Buffer.alloc(0));
    for (const n of [0, 1, 15]) {
      const out = await collect(await cipher.decryptStream(chunkedReadable(randomBytes(n), [3]), metadata));
      expect(out.error).toBeInstanceOf(TruncatedCiphertextError);
      expect(out.dataEvents).toBe(0);
    }
  });

  test('wrong wrapping key rejects the promise before any byte is read', async () => {
    const cipher = new EnvelopeCipher({ keyring });
    const other = new EnvelopeCipher({ keyring: new RawAesKeyring({ wrappingKey: randomBytes(32) }) });
    const { ciphertext, metadata } = await cipher.encrypt(randomBytes(100));
    const source = chunkedReadable(ciphertext, [10]);
    await expect(other.decryptStream(source, metadata)).rejects.toBeInstanceOf(WrongKeyError);
    expect(source.destroyed).toBe(true);
  });
});

describe('unauthenticated streaming (explicit opt-in)', () => {
  test('releases plaintext before the end and then fails on a bad tag', async () => {
    const cipher = new EnvelopeCipher({ keyring });
    const pt = randomBytes(512 * 1024);
    const { ciphertext, metadata } = await cipher.encrypt(pt);
    const out = await collect(await cipher.decryptStream(chunkedReadable(corrupt(ciphertext, ciphertext.length - 1), [65536]), metadata,
      { allowUnauthenticatedStreaming: true }));
    expect(out.dataEvents).toBeGreaterThan(0);
    expect(out.data.equals(pt)).toBe(true);
    expect(out.error).toBeInstanceOf(TamperedCiphertextError);
  });

  test('truncated input -> TruncatedCiphertextError', async () => {
    const cipher = new EnvelopeCipher({ keyring });
    const { metadata } = await cipher.encrypt(Buffer.alloc(0));
    const out = await collect(await cipher.decryptStream(chunkedReadable(randomBytes(9), [4]), metadata, { allowUnauthenticatedStreaming: true }));
    expect(out.error).toBeInstanceOf(TruncatedCiphertextError);
  });
});

describe('encryptStream', () => {
  test('metadata is available before the stream is consumed and the stream output is ciphertext + tag', async () => {
    const cipher = new EnvelopeCipher({ keyring });
    const pt = randomBytes(300_000);
    const { stream, metadata } = await cipher.encryptStream(chunkedReadable(pt, [65536]));
    expect(metadata['x-amz-c']).toBe('115');
    const out = await collect(stream);
    expect(out.data).toHaveLength(pt.length + 16);
    expect((await cipher.decrypt(out.data, metadata)).equals(pt)).toBe(true);
  });

  test('source errors propagate to the ciphertext stream', async () => {
    const cipher = new EnvelopeCipher({ keyring });
    async function* failing() {
      yield Buffer.alloc(10);
      throw new Error('disk gone');
    }
    const { stream } = await cipher.encryptStream(Readable.from(failing(), { objectMode: false }));
    const out = await collect(stream);
    expect((out.error as Error).message).toBe('disk gone');
  });

  test('a declared plaintextLength that matches encrypts normally', async () => {
    const cipher = new EnvelopeCipher({ keyring });
    const pt = randomBytes(200_000);
    const { stream, metadata } = await cipher.encryptStream(chunkedReadable(pt, [65536]), { plaintextLength: pt.length });
    const out = await collect(stream);
    expect(out.error).toBeUndefined();
    expect((await cipher.decrypt(out.data, metadata)).equals(pt)).toBe(true);
  });

  test.each([
    ['longer', 200_001, /longer than the declared plaintextLength \(200000 bytes\)/],
    ['shorter', 199_999, /ended after 199999 bytes, but plaintextLength declared 200000/],
  ])('a stream %s than its declared plaintextLength fails and yields no valid ciphertext', async (_how, actual, message) => {
    const cipher = new EnvelopeCipher({ keyring });
    const pt = randomBytes(actual);
    const { stream, metadata } = await cipher.encryptStream(chunkedReadable(pt, [65536]), { plaintextLength: 200_000 });
    const out = await collect(stream);
    expect(out.error).toBeInstanceOf(InvalidArgumentError);
    expect((out.error as Error).message).toMatch(message);
    // No tag was emitted: whatever came out does not decrypt.
    await expect(cipher.decrypt(out.data, metadata)).rejects.toThrow();
  });
});

describe('TagSplitter', () => {
  test('for any chunking, bodies + final body = all but the last 16 bytes, tag = last 16 bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 300 }),
      fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 20 }),
      (data, sizes) => {
        const buf = Buffer.from(data);
        const splitter = new TagSplitter();
        const bodies: Buffer[] = [];
        let off = 0;
        let i = 0;
        while (off < buf.length) {
          const n = sizes[i++ % sizes.length];
          bodies.push(...splitter.push(buf.subarray(off, off + n)));
          off += n;
          if (n === 0) {
            // An empty chunk was fed; make progress with a 1-byte chunk.
            bodies.push(...splitter.push(buf.subarray(off, off + 1)));
            off += 1;
          }
        }
        bodies.push(splitter.finalBody());
        expect(Buffer.concat(bodies).equals(buf.subarray(0, buf.length - 16))).toBe(true);
        expect(splitter.tag().equals(buf.subarray(buf.length - 16))).toBe(true);
      }), { numRuns: 300 });
  });

  test('fewer than 16 bytes in total -> TruncatedCiphertextError', () => {
    const s = new TagSplitter();
    s.push(Buffer.alloc(15));
    expect(() => s.tag()).toThrow(TruncatedCiphertextError);
  });
});

describe('stream inputs that are not bytes: typed errors, no output, no crash', () => {
  /** Fails the test if anything reaches process-level uncaughtException while `run` runs. */
  async function withoutUncaught(run: () => Promise<void>): Promise<void> {
    const uncaught: unknown[] = [];
    const listener = (e: unknown) => uncaught.push(e);
    const jestListeners = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    process.on('uncaughtException', listener);
    try {
      await run();
      // Let any pending 'data' handlers of the source run before checking.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.removeListener('uncaughtException', listener);
      for (const l of jestListeners) process.on('uncaughtException', l);
    }
    expect(uncaught).toEqual([]);
  }

  const cipher = new EnvelopeCipher({ keyring });

  test('encryptStream of an object-mode source yielding objects: InvalidArgumentError, no ciphertext', async () => {
    await withoutUncaught(async () => {
      const { stream } = await cipher.encryptStream(Readable.from([{ not: 'bytes' }, Buffer.from('x')], { objectMode: true }));
      const out = await collect(stream);
      expect(out.error).toBeInstanceOf(InvalidArgumentError);
      expect(out.data.length).toBe(0);
    });
  });

  test('encryptStream: a number after a valid chunk ends in InvalidArgumentError, never a tag', async () => {
    await withoutUncaught(async () => {
      const { stream } = await cipher.encryptStream(Readable.from([Buffer.from('abc'), 42], { objectMode: true }));
      const out = await collect(stream);
      expect(out.error).toBeInstanceOf(InvalidArgumentError);
      expect(out.data.length).toBeLessThanOrEqual(3);
    });
  });

  test.each([
    ['authenticated', {}],
    ['unauthenticated', { allowUnauthenticatedStreaming: true }],
  ])('decryptStream (%s) of non-byte chunks: InvalidArgumentError, no plaintext', async (_name, options) => {
    const { ciphertext, metadata } = await cipher.encrypt(Buffer.from('some plaintext'));
    await withoutUncaught(async () => {
      const out = await collect(await cipher.decryptStream(
        Readable.from([ciphertext.subarray(0, 4), { length: 3 }, ciphertext.subarray(4)], { objectMode: true }), metadata, options));
      expect(out.error).toBeInstanceOf(InvalidArgumentError);
      expect(out.data.length).toBe(0);
    });
  });

  test('encryptStream / decryptStream of something that is not a stream: InvalidArgumentError', async () => {
    await expect(cipher.encryptStream(Buffer.from('x') as unknown as Readable)).rejects.toBeInstanceOf(InvalidArgumentError);
    const { metadata } = await cipher.encrypt(Buffer.from('x'));
    await expect(cipher.decryptStream('x' as unknown as Readable, metadata)).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});
