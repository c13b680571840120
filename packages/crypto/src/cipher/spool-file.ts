/**
 * A private temporary file for ciphertext that must be read twice (authenticate, then decrypt):
 * mode 0600, created exclusively in a fresh 0700 directory, removed by {@link SpoolFile.remove}.
 *
 * Bytes are copied into two staging buffers of {@link SPOOL_BUFFER_BYTES}; a full one is written with one
 * positional write on the libuv thread pool while the caller fills the other, so disk writes overlap the
 * caller's work and no per-chunk allocation or write happens. The second pass reuses the same two buffers:
 * the next read runs while the caller decrypts the current one.
 *
 * The file is not trusted between the passes: each buffer written (a "segment", {@link SPOOL_BUFFER_BYTES}
 * except the last) gets a GMAC tag under a random key that exists only in this object's memory, computed
 * over exactly the staged bytes, piece by piece as they are staged (while they are still in cache), before
 * they are written. {@link SpoolFile.segments} reads a segment back, hands each piece to the caller's
 * `decrypt` while feeding it to the segment's GMAC (again while in cache), and yields the outputs only after
 * the segment's length and tag verified; on a mismatch the outputs are zeroed and it throws (it also fails
 * if the file has more or fewer segments than were written). So bytes changed on disk between the passes
 * are never released: no altered plaintext leaves. GMAC (AES-GCM with the segment as additional data,
 * nonce = segment index) runs at GHASH speed, several times faster than HMAC-SHA256 here; recomputing it
 * over altered bytes with the same nonce reveals nothing, since the computed tag never leaves this object.
 */
import { CipherGCM, createCipheriv, randomBytes, timingSafeEqual } from 'node:crypto';
import { FileHandle, mkdtemp, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { TamperedCiphertextError } from '../errors';

/** Size of each of the two staging / read buffers. */
export const SPOOL_BUFFER_BYTES = 2 * 1024 * 1024;

export class SpoolFile {
  /** Create the directory and the file (exclusively, owner read/write only). */
  public static async create(tempDir: string): Promise<SpoolFile> {
    const dir = await mkdtemp(join(tempDir, 's3ec-'));
    try {
      const handle = await open(join(dir, randomBytes(8).toString('hex') + '.ct'), 'wx+', 0o600);
      return new SpoolFile(dir, handle);
    } catch (e) {
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
  }

  private readonly buffers = [Buffer.allocUnsafe(SPOOL_BUFFER_BYTES), Buffer.allocUnsafe(SPOOL_BUFFER_BYTES)];
  /** The write (or read) in flight on each buffer, if any. */
  private readonly busy: Array<Promise<void> | undefined> = [undefined, undefined];
  private current = 0;
  private filled = 0;
  private writePosition = 0;
  private closed = false;
  /** Key of the per-segment GMAC; never leaves memory, zeroed on remove(). */
  private readonly macKey = randomBytes(32);
  /** GMAC tag and length of each segment written, in file order. */
  private readonly written: Array<{ readonly tag: Buffer; readonly length: number }> = [];
  /** GMAC of the segment being staged (created at its first staged byte). */
  private stagingMac: CipherGCM | undefined;

  private constructor(public readonly dir: string, private readonly handle: FileHandle) {}

  /** Wait until the staging buffer has room (a no-op unless both buffers are being written). */
  public async reserve(): Promise<void> {
    if (this.filled === SPOOL_BUFFER_BYTES) {
      this.startWrite();
    }
    await this.busy[this.current];
  }

  /**
   * Copy as much of `bytes` as fits into the staging buffer, synchronously, and return that copy:
   * the caller authenticates exactly the bytes that will be written. Call {@link reserve} first.
   */
  public stage(bytes: Buffer): Buffer {
    const target = this.buffers[this.current];
    const n = bytes.copy(target, this.filled, 0, Math.min(bytes.length, SPOOL_BUFFER_BYTES - this.filled));
    const staged = target.subarray(this.filled, this.filled + n);
    this.filled += n;
    this.stagingMac ??= this.segmentMac(this.written.length);
    this.stagingMac.setAAD(staged);
    return staged;
  }

  /** Write what is staged and wait for every write. */
  public async finish(): Promise<void> {
    if (this.filled > 0) {
      this.startWrite();
    }
    await Promise.all(this.busy);
  }

  /**
   * Pass 2, after {@link finish}: read the file back segment by segment (the next read runs on the thread pool
   * while this one is processed) and cut each segment into pieces of at most `pieceBytes`. Each piece goes to
   * `decrypt` and to the segment's GMAC; the outputs of a segment are yielded only once its length and tag
   * verified, else they are zeroed and TamperedCiphertextError is thrown. A piece is a view of a reused read
   * buffer, valid only during the `decrypt` call: `decrypt` must return new memory.
   */
  public async *segments(decrypt: (piece: Buffer) => Buffer, pieceBytes: number): AsyncGenerator<Buffer[]> {
    let position = 0;
    let which = 0;
    let index = 0;
    let next = this.read(which, position);
    for (;;) {
      const bytesRead = await next;
      const expected = this.written[index];
      if (bytesRead === 0 && expected === undefined) {
        return;
      }
      if (expected === undefined || bytesRead !== expected.length) {
        throw new TamperedCiphertextError('spooled ciphertext changed between authentication and decryption');
      }
      const current = this.buffers[which].subarray(0, bytesRead);
      position += bytesRead;
      which = 1 - which;
      next = this.read(which, position);
      const mac = this.segmentMac(index);
      const outputs: Buffer[] = [];
      for (let off = 0; off < current.length; off += pieceBytes) {
        const piece = current.subarray(off, off + pieceBytes);
        mac.setAAD(piece);
        outputs.push(decrypt(piece));
      }
      mac.final();
      // Constant-time comparison of the segment's tag before anything of it leaves.
      if (!timingSafeEqual(mac.getAuthTag(), expected.tag)) {
        for (const o of outputs) {
          o.fill(0);
        }
        throw new TamperedCiphertextError('spooled ciphertext changed between authentication and decryption');
      }
      index += 1;
      yield outputs;
    }
  }

  /** Wait for I/O in flight, close the file and delete the directory. Never throws. */
  public async remove(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      await Promise.all(this.busy.map((b) => b?.catch(() => undefined)));
      await this.handle.close().catch(() => undefined);
      this.macKey.fill(0);
    }
    await rm(this.dir, { recursive: true, force: true }).catch(() => undefined);
  }

  /** Write the current buffer's staged bytes (in the background) and switch to the other buffer. */
  private startWrite(): void {
    const buffer = this.buffers[this.current];
    const length = this.filled;
    const position = this.writePosition;
    this.writePosition += length;
    // The segment's tag covers exactly the staged bytes (fed as they were staged), fixed before the write.
    const mac = this.stagingMac as CipherGCM;
    this.stagingMac = undefined;
    mac.final();
    this.written.push({ tag: mac.getAuthTag(), length });
    this.busy[this.current] = this.writeFully(buffer, length, position);
    // A failed write surfaces from reserve()/finish(); never as an unhandled rejection.
    this.busy[this.current]!.catch(() => undefined);
    this.current = 1 - this.current;
    this.filled = 0;
  }

  private async writeFully(buffer: Buffer, length: number, position: number): Promise<void> {
    let off = 0;
    while (off < length) {
      const { bytesWritten } = await this.handle.write(buffer, off, length - off, position + off);
      off += bytesWritten;
    }
  }

  /** Read up to a whole buffer from `position` (short only at the end of the file). */
  private read(which: number, position: number): Promise<number> {
    const p = this.readFully(this.buffers[which], position);
    this.busy[which] = p.then(() => undefined, () => undefined);
    return p;
  }

  private async readFully(buffer: Buffer, position: number): Promise<number> {
    let off = 0;
    while (off < buffer.length) {
      const { bytesRead } = await this.handle.read(buffer, off, buffer.length - off, position + off);
      if (bytesRead === 0) {
        break;
      }
      off += bytesRead;
    }
    return off;
  }

  /** GMAC of one segment: AES-256-GCM under the in-memory key, nonce = 0^4 || index (64-bit), the segment as AAD. */
  private segmentMac(index: number): CipherGCM {
    const nonce = Buffer.alloc(12);
    nonce.writeBigUInt64BE(BigInt(index), 4);
    return createCipheriv('aes-256-gcm', this.macKey, nonce, { authTagLength: 16 });
  }

}
