/**
 * Authenticate-before-release decryption of an S3EC GCM content stream: no plaintext byte exists,
 * let alone leaves, before the whole ciphertext has been authenticated.
 *
 * 1. Authenticate. Ciphertext is fed to a {@link GcmTagCalculator} (GHASH only, no decryption) as it
 *    arrives and held: copied into memory up to `maxInMemoryBytes`, beyond that appended to a private
 *    {@link SpoolFile} (the copies held so far go first). The last 16 bytes are the stored tag; it must
 *    match the computed tag (constant-time) or the stream fails with TamperedCiphertextError.
 * 2. Release. The held ciphertext (memory or spool file) is decrypted with AES-GCM once more and the
 *    tag checked again at the end, so a spool file changed between the passes (by another process of
 *    the same user, or the disk) still ends in an error rather than passing silently.
 *
 * Memory stays bounded by `maxInMemoryBytes` plus the spool's write buffer and one read chunk.
 */
import { Readable } from 'node:stream';
import { ContentParams, gcmDecryptor } from './content-params';
import { asBuffer, TagSplitter } from './gcm-streams';
import { GcmTagCalculator } from './gcm-tag';
import { SpoolFile } from './spool-file';
import { TamperedCiphertextError } from '../errors';

export interface AuthenticatedDecryptOptions {
  /** Ciphertext bytes held in memory before the stream spools to a temp file. */
  readonly maxInMemoryBytes: number;
  /** Directory for the spool file. */
  readonly tempDir: string;
}

/**
 * Plaintext chunk size of the release pass. Like the other streams' 64 KiB: larger chunks measured no
 * faster and let more garbage build up between minor GCs (higher peak RSS in BENCHMARKS.md's memory run).
 */
const RELEASE_CHUNK = 64 * 1024;

/** Plaintext of `source` (GCM body ‖ tag), released only after the whole body authenticated. */
export class AuthenticatedGcmDecryptStream extends Readable {
  private readonly tagCalculator: GcmTagCalculator;
  private readonly decipher;
  private readonly splitter = new TagSplitter();
  private held: Buffer[] = [];
  private heldBytes = 0;
  private spool: SpoolFile | undefined;
  private running: Promise<void> | undefined;
  private wakeReader: (() => void) | undefined;

  /**
   * The key in `params` is copied into the cipher contexts here; the caller may wipe it once this returns.
   */
  constructor(private readonly source: Readable, params: ContentParams, private readonly options: AuthenticatedDecryptOptions) {
    super({ highWaterMark: RELEASE_CHUNK });
    this.tagCalculator = new GcmTagCalculator(params);
    this.decipher = gcmDecryptor(params);
  }

  public _read(): void {
    if (this.running === undefined) {
      this.running = this.run();
      return;
    }
    const wake = this.wakeReader;
    this.wakeReader = undefined;
    wake?.();
  }

  public _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    if (!this.source.destroyed) {
      this.source.destroy();
    }
    const wake = this.wakeReader;
    this.wakeReader = undefined;
    wake?.();
    const cleanup = this.running ?? this.cleanup();
    cleanup.then(() => cb(err), (e: unknown) => cb(err ?? (e as Error)));
  }

  private async run(): Promise<void> {
    let failure: unknown;
    try {
      await this.authenticate();
      // A stream destroyed during the first pass stops there: nothing unauthenticated is decrypted.
      if (!this.destroyed) {
        await this.release();
      }
    } catch (e) {
      failure = e;
    } finally {
      await this.cleanup();
    }
    if (this.destroyed) {
      return;
    }
    if (failure !== undefined) {
      this.destroy(failure as Error);
    } else {
      // Only now, with the spool file gone.
      this.push(null);
    }
  }

  /** Pass 1: GHASH every body byte, hold it (memory or spool), check the tag. Returns early if destroyed. */
  private async authenticate(): Promise<void> {
    for await (const raw of this.source) {
      for (const body of this.splitter.push(asBuffer(raw))) {
        await this.hold(body);
      }
      if (this.destroyed) {
        return;
      }
    }
    const tag = this.splitter.tag();
    await this.hold(this.splitter.finalBody());
    if (!this.tagCalculator.matches(tag)) {
      throw new TamperedCiphertextError('content tag mismatch: object tampered with or wrong key');
    }
    this.decipher.setAuthTag(tag);
  }

  /**
   * Authenticate `body` and keep it. What is authenticated is always our own copy, taken synchronously, and
   * exactly that copy is released later: a source that reuses its buffers once they were read cannot change
   * bytes between authentication and release.
   */
  private async hold(body: Buffer): Promise<void> {
    if (body.length === 0) {
      return;
    }
    if (this.spool === undefined && this.heldBytes + body.length <= this.options.maxInMemoryBytes) {
      const copy = Buffer.from(body);
      this.tagCalculator.update(copy);
      this.held.push(copy);
      this.heldBytes += copy.length;
      return;
    }
    if (this.spool === undefined) {
      // Copy the body before the first await, then move what is held in memory to the new spool file.
      const pending = Buffer.from(body);
      this.spool = await SpoolFile.create(this.options.tempDir);
      const held = this.held;
      this.held = [];
      this.heldBytes = 0;
      for (const c of held) {
        await this.stage(c, false);
      }
      await this.stage(pending, true);
      return;
    }
    await this.stage(body, true);
  }

  /** Copy `bytes` into the spool (GHASHing each staged copy unless it was authenticated already). */
  private async stage(bytes: Buffer, authenticate: boolean): Promise<void> {
    const spool = this.spool as SpoolFile;
    for (let off = 0; off < bytes.length;) {
      await spool.reserve();
      const staged = spool.stage(bytes.subarray(off));
      if (authenticate) {
        this.tagCalculator.update(staged);
      }
      off += staged.length;
    }
  }

  /** Pass 2: decrypt the held ciphertext and emit it, with backpressure; check the tag again at the end. */
  private async release(): Promise<void> {
    if (this.spool === undefined) {
      const held = this.held;
      this.held = [];
      for (const c of held) {
        for (let off = 0; off < c.length; off += RELEASE_CHUNK) {
          await this.pushPlaintext(this.decipher.update(c.subarray(off, off + RELEASE_CHUNK)));
        }
      }
    } else {
      await this.spool.finish();
      for await (const c of this.spool.chunks()) {
        // The chunk's buffer is reused by the next read: decrypt it (into new buffers) before moving on.
        for (let off = 0; off < c.length; off += RELEASE_CHUNK) {
          await this.pushPlaintext(this.decipher.update(c.subarray(off, off + RELEASE_CHUNK)));
        }
        if (this.destroyed) {
          return;
        }
      }
    }
    try {
      this.decipher.final();
    } catch {
      throw new TamperedCiphertextError('spooled ciphertext changed between authentication and decryption');
    }
  }

  /** Push one plaintext chunk; wait for the consumer when its buffer is full. */
  private async pushPlaintext(plaintext: Buffer): Promise<void> {
    if (this.destroyed || plaintext.length === 0) {
      return;
    }
    if (!this.push(plaintext)) {
      await new Promise<void>((resolve) => {
        this.wakeReader = resolve;
      });
    }
  }

  private async cleanup(): Promise<void> {
    this.tagCalculator.discard();
    this.held = [];
    this.heldBytes = 0;
    const spool = this.spool;
    this.spool = undefined;
    await spool?.remove();
  }
}
