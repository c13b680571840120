/**
 * SpoolFile: private permissions, staged bytes read back exactly across reused buffers, write errors
 * surface, and remove() always deletes the directory.
 */
/* eslint-disable no-bitwise -- masks POSIX permission bits. */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TamperedCiphertextError } from '../src';
import { SpoolFile, SPOOL_BUFFER_BYTES } from '../src/cipher/spool-file';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'spool-file-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function stageAll(spool: SpoolFile, data: Buffer, chunk: number): Promise<Buffer[]> {
  const staged: Buffer[] = [];
  for (let off = 0; off < data.length; off += chunk) {
    const piece = data.subarray(off, off + chunk);
    for (let p = 0; p < piece.length;) {
      await spool.reserve();
      const s = spool.stage(piece.subarray(p));
      staged.push(Buffer.from(s));
      p += s.length;
    }
  }
  return staged;
}

test('the directory is 0700 and the file 0600 (POSIX)', async () => {
  const spool = await SpoolFile.create(dir);
  const [name] = readdirSync(spool.dir);
  if (process.platform !== 'win32') {
    expect(statSync(spool.dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(spool.dir, name)).mode & 0o777).toBe(0o600);
  }
  await spool.remove();
  expect(existsSync(spool.dir)).toBe(false);
});

test('stage() returns copies that concatenate to the input; segments() reads the file back exactly across buffer reuse, in pieces', async () => {
  const spool = await SpoolFile.create(dir);
  const data = randomBytes(2 * SPOOL_BUFFER_BYTES + SPOOL_BUFFER_BYTES / 2 + 11);
  const staged = await stageAll(spool, data, 300_001);
  expect(Buffer.concat(staged).equals(data)).toBe(true);
  // Staging never splits beyond the buffer: no staged piece is larger than one buffer.
  expect(Math.max(...staged.map((s) => s.length))).toBeLessThanOrEqual(SPOOL_BUFFER_BYTES);
  await spool.finish();
  const back: Buffer[][] = [];
  // A piece is a view of a reused read buffer, valid only during the call: copy.
  for await (const pieces of spool.segments((piece) => Buffer.from(piece), 100_000)) {
    back.push(pieces);
  }
  expect(back.length).toBe(3);
  expect(back[0].length).toBe(Math.ceil(SPOOL_BUFFER_BYTES / 100_000));
  expect(Buffer.concat(back.flat()).equals(data)).toBe(true);
  await spool.remove();
  expect(readdirSync(dir)).toEqual([]);
});

test('a failed write surfaces from finish(), and remove() still deletes the directory', async () => {
  const spool = await SpoolFile.create(dir);
  // Close the descriptor behind the spool's back: the next write fails with EBADF.
  await (spool as unknown as { handle: { close(): Promise<void> } }).handle.close();
  await spool.reserve();
  spool.stage(randomBytes(1000));
  await expect(spool.finish()).rejects.toThrow();
  await spool.remove();
  expect(readdirSync(dir)).toEqual([]);
});

test('create() in a missing directory rejects and leaves nothing behind', async () => {
  await expect(SpoolFile.create(join(dir, 'missing'))).rejects.toThrow(/ENOENT/);
  expect(readdirSync(dir)).toEqual([]);
});

test('a byte changed in the file: segments() yields the intact segments, zeroes what it decrypted of the changed one, and throws', async () => {
  const spool = await SpoolFile.create(dir);
  const data = randomBytes(2 * SPOOL_BUFFER_BYTES + 5000);
  await stageAll(spool, data, 65_536);
  await spool.finish();
  // Flip one byte in the middle of the second segment.
  const [name] = readdirSync(spool.dir);
  const fd = openSync(join(spool.dir, name), 'r+');
  const at = SPOOL_BUFFER_BYTES + 777_777;
  writeSync(fd, Buffer.from([data[at] ^ 0xff]), 0, 1, at);
  closeSync(fd);
  const outputs: Buffer[] = [];
  const yielded: Buffer[][] = [];
  const copy = (piece: Buffer) => {
    const out = Buffer.from(piece);
    outputs.push(out);
    return out;
  };
  await expect((async () => {
    for await (const pieces of spool.segments(copy, 65_536)) {
      yielded.push(pieces);
    }
  })()).rejects.toThrow(TamperedCiphertextError);
  // The first segment came out intact; of the second, every piece handed to `decrypt` was zeroed, none yielded.
  expect(yielded).toHaveLength(1);
  expect(Buffer.concat(yielded[0]).equals(data.subarray(0, SPOOL_BUFFER_BYTES))).toBe(true);
  const second = outputs.slice(yielded[0].length);
  expect(Buffer.concat(second).length).toBe(SPOOL_BUFFER_BYTES);
  expect(second.every((o) => o.every((b) => b === 0))).toBe(true);
  await spool.remove();
});
