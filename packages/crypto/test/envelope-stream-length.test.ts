/**
 * Authenticated decryptStream with a declared `ciphertextLength`, and the default in-memory bound:
 * memory or spool is chosen before the first byte, a stream of another length releases nothing, and
 * getDecryptedObjectStream passes S3's Content-Length.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { chunkedReadable, closed, collect, waitUntil } from './envelope-helpers';
import {
  EnvelopeCipher, getDecryptedObjectStream, InvalidArgumentError, RawAesKeyring, TamperedCiphertextError, TruncatedCiphertextError,
} from '../src';
import { DEFAULT_MAX_IN_MEMORY_BYTES } from '../src/cipher/envelope-cipher';

const keyring = new RawAesKeyring({ wrappingKey: randomBytes(32) });
const MiB = 1024 * 1024;
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'envelope-stream-length-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Feed `first` into a fresh decryptStream, wait until it was taken, and report whether a spool exists then. */
async function spooledAfterFirstChunk(
  cipher: EnvelopeCipher, metadata: Record<string, string>, first: Buffer, ciphertextLength?: number,
): Promise<boolean> {
  const source = new PassThrough();
  const out = await cipher.decryptStream(source, metadata, ciphertextLength !== undefined ? { ciphertextLength } : {});
  const done = collect(out);
  // collect settles on 'end' or 'error'; a destroy() without an error emits neither.
  out.once('close', () => out.emit('end'));
  // The splitter holds the latest chunk back (it may end in the tag): a second chunk makes the first one body.
  // Each is taken before the next is written (written together, the source would hand them over as one chunk).
  const drained = () => source.readableLength + source.writableLength === 0;
  source.write(first);
  await waitUntil(drained, 'the stream took the first chunk');
  source.write(Buffer.alloc(16));
  await waitUntil(drained, 'the stream took the second chunk');
  // Give a spool creation (mkdtemp, open) time to land.
  const deadline = Date.now() + 2000;
  while (readdirSync(dir).length === 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const spooled = readdirSync(dir).length > 0;
  out.destroy();
  await closed(out);
  expect((await done).dataEvents).toBe(0);
  await waitUntil(() => readdirSync(dir).length === 0, 'the spool was removed');
  return spooled;
}

jest.setTimeout(60_000);

describe('default in-memory bound', () => {
  test('is 64 MiB, the Java client default buffer size', () => {
    expect(DEFAULT_MAX_IN_MEMORY_BYTES).toBe(64 * MiB);
  });

  test('a 9 MiB object (beyond the old 8 MiB default) is decrypted in memory: no temp file', async () => {
    const cipher = new EnvelopeCipher({ keyring, tempDir: dir });
    const pt = randomBytes(9 * MiB);
    const { ciphertext, metadata } = await cipher.encrypt(pt);
    let sawSpool = false;
    async function* source() {
      for (let off = 0; off < ciphertext.length; off += MiB) {
        // Checked as each chunk is asked for, i.e. after the previous one was taken in.
        sawSpool = sawSpool || readdirSync(dir).length > 0;
        yield ciphertext.subarray(off, off + MiB);
      }
      sawSpool = sawSpool || readdirSync(dir).length > 0;
    }
    const out = await collect(await cipher.decryptStream(Readable.from(source(), { objectMode: false }), metadata));
    expect(out.error).toBeUndefined();
    expect(out.data.equals(pt)).toBe(true);
    expect(sawSpool).toBe(false);
  });

  test('a declared length beyond 64 MiB spools from the first chunk under the default bound', async () => {
    const cipher = new EnvelopeCipher({ keyring, tempDir: dir });
    const { ciphertext, metadata } = await cipher.encrypt(randomBytes(MiB));
    expect(await spooledAfterFirstChunk(cipher, metadata, ciphertext.subarray(0, 64 * 1024), 64 * MiB + 17)).toBe(true);
    expect(await spooledAfterFirstChunk(cipher, metadata, ciphertext.subarray(0, 64 * 1024), 64 * MiB + 16)).toBe(false);
  });
});

describe('declared ciphertextLength', () => {
  const bound = 256 * 1024;

  test('larger than the bound: the spool exists after the first chunk; unknown length: not yet', async () => {
    const cipher = new EnvelopeCipher({ keyring, tempDir: dir, maxInMemoryBytes: bound });
    const { ciphertext, metadata } = await cipher.encrypt(randomBytes(4 * bound));
    const first = ciphertext.subarray(0, 64 * 1024);
    expect(await spooledAfterFirstChunk(cipher, metadata, first, ciphertext.length)).toBe(true);
    expect(await spooledAfterFirstChunk(cipher, metadata, first)).toBe(false);
  });

  test.each([
    ['in memory', 100_000],
    ['spooled from the start', 4 * bound],
  ])('%s: the declared length round-trips and the temp dir is left empty', async (_what, size) => {
    const cipher = new EnvelopeCipher({ keyring, tempDir: dir, maxInMemoryBytes: bound });
    const pt = randomBytes(size);
    const { ciphertext, metadata } = await cipher.encrypt(pt);
    const source = chunkedReadable(ciphertext, [65536, 7, 100_000]);
    const out = await collect(await cipher.decryptStream(source, metadata, { ciphertextLength: ciphertext.length }));
    expect(out.error).toBeUndefined();
    expect(out.data.equals(pt)).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  test.each([
    ['in memory', 100_000],
    ['spooled', 4 * bound],
  ])('%s: a stream shorter or longer than declared fails typed, with no data event', async (_what, size) => {
    const cipher = new EnvelopeCipher({ keyring, tempDir: dir, maxInMemoryBytes: bound });
    const { ciphertext, metadata } = await cipher.encrypt(randomBytes(size));
    // Genuine bytes, wrong declaration: the content tag would verify, the declared length does not.
    const declaring = (ciphertextLength: number) => cipher.decryptStream(chunkedReadable(ciphertext, [65536]), metadata, { ciphertextLength });
    const shorter = await collect(await declaring(ciphertext.length + 1));
    expect(shorter.error).toBeInstanceOf(TruncatedCiphertextError);
    expect(shorter.dataEvents).toBe(0);
    const longer = await collect(await declaring(ciphertext.length - 1));
    expect(longer.error).toBeInstanceOf(TamperedCiphertextError);
    expect(longer.dataEvents).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });

  test.each([-1, 15, 1.5, Number.NaN, 2 ** 53])('ciphertextLength %p is refused and the source destroyed', async (bad) => {
    const cipher = new EnvelopeCipher({ keyring, tempDir: dir });
    const { metadata } = await cipher.encrypt(randomBytes(10));
    const source = new PassThrough();
    await expect(cipher.decryptStream(source, metadata, { ciphertextLength: bad })).rejects.toThrow(InvalidArgumentError);
    expect(source.destroyed).toBe(true);
  });
});

describe('getDecryptedObjectStream', () => {
  test("passes the response's Content-Length as ciphertextLength", async () => {
    const cipher = new EnvelopeCipher({ keyring, tempDir: dir });
    const pt = randomBytes(70_000);
    const { ciphertext, metadata } = await cipher.encrypt(pt);
    const clientSaying = (contentLength: number) => ({
      getObject: async () => ({ Body: Readable.from([ciphertext]), Metadata: metadata, ContentLength: contentLength }),
    });
    const ok = await collect(await getDecryptedObjectStream({ client: clientSaying(ciphertext.length), cipher, bucket: 'b', key: 'k' }));
    expect(ok.error).toBeUndefined();
    expect(ok.data.equals(pt)).toBe(true);
    // A response body shorter than its Content-Length is caught by the declared length itself.
    const short = await collect(await getDecryptedObjectStream({ client: clientSaying(ciphertext.length + 5), cipher, bucket: 'b', key: 'k' }));
    expect(short.error).toBeInstanceOf(TruncatedCiphertextError);
    expect(short.dataEvents).toBe(0);
  });
});
