/**
 * Authenticate-before-release decryption of an S3EC GCM content stream: no plaintext byte leaves before
 * the whole ciphertext has been authenticated.
 *
 * - Objects up to `maxInMemoryBytes` are decrypted with AES-GCM as they arrive (one pass); the plaintext
 *   is held and released only once the tag verified, and zeroed if it does not.
 * - Beyond that the stream switches to a private {@link SpoolFile} (from the first byte when the declared
 *   `ciphertextLength` already says the object is larger). From then on nothing is decrypted in
 *   the first pass: the ciphertext held so far is regenerated from the held plaintext (GCM is CTR
 *   underneath, so re-encrypting yields the same bytes) and the plaintext wiped; every ciphertext byte is
 *   staged into the spool and fed to a {@link GcmTagCalculator} (GHASH only), and the tag must match
 *   (constant-time). Then the spool is decrypted with AES-GCM in a second pass. The spool file is not
 *   trusted: {@link SpoolFile} tags every 2 MiB segment it writes with a GMAC under a key held only in
 *   memory and releases a segment's plaintext only after that segment's tag verified (the MAC is fed the
 *   same pieces as the decipher, while they are in cache), so a byte changed in the file between the passes
 *   releases nothing of that segment or after it (the error ends the stream); the GCM tag is still checked
 *   again at the end.
 *
 * What is authenticated is always derived synchronously from the bytes as they arrived (decrypted, or
 * copied into the spool's staging buffer): a source that reuses its buffers once they were read cannot
 * change bytes between authentication and release.
 *
 * Memory stays bounded by `maxInMemoryBytes` plus the spool's two staging buffers.
 */
import { DecipherGCM } from 'node:crypto';
import { Readable } from 'node:stream';
import { ContentParams, gcmDecryptor, gcmEncryptor } from './content-params';
import { asBuffer, CHUNK_SIZE, TagSplitter } from './gcm-streams';
import { GcmTagCalculator } from './gcm-tag';
import { SpoolFile } from './spool-file';
import { TamperedCiphertextError, TruncatedCiphertextError } from '../errors';
import { GCM_TAG_LENGTH } from '../format/algorithm-suite';

export interface AuthenticatedDecryptOptions {
  /** Ciphertext bytes held in memory before the stream spools to a temp file. */
  readonly maxInMemoryBytes: number;
  /** Directory for the spool file. */
  readonly tempDir: string;
  /** Declared length of the source (body and tag), if known: decides memory or spool up front, and is enforced. */
  readonly ciphertextLength?: number;
}

/**
 * Plaintext chunk size of the release pass: the other streams' 64 KiB. Larger chunks measured no faster and
 * let more garbage build up between minor GCs (higher peak RSS in BENCHMARKS.md's memory run).
 */
const RELEASE_CHUNK = CHUNK_SIZE;

/** Plaintext of `source` (GCM body ‖ tag), released only after the whole body authenticated. */
export class AuthenticatedGcmDecryptStream extends Readable {
  /** Decrypts as data arrives while the object fits in memory. */
  private readonly memoryDecipher;
  /** Regenerates the ciphertext of held plaintext when the stream switches to the spool. */
  private readonly regenerator;
  /** Authenticates spooled ciphertext (GHASH only). */
  private readonly tagCalculator: GcmTagCalculator;
  /** Decrypts the spool in the second pass. */
  private readonly spoolDecipher;
  private readonly splitter = new TagSplitter();
  /** Plaintext held until the tag verified (in-memory objects only); zeroed if never released. */
  private held: Buffer[] = [];
  private heldBytes = 0;
  private spool: SpoolFile | undefined;
  /** The declared length says the object is larger than the memory bound: spool from the first byte. */
  private readonly spoolFromStart: boolean;
  /** Source bytes seen so far (checked against a declared length). */
  private sourceBytes = 0;
  private running: Promise<void> | undefined;
  private wakeReader: (() => void) | undefined;

  /**
   * The key in `params` is copied into the cipher contexts here; the caller may wipe it once this returns.
   */
  constructor(private readonly source: Readable, params: ContentParams, private readonly options: AuthenticatedDecryptOptions) {
    super({ highWaterMark: RELEASE_CHUNK });
    this.memoryDecipher = gcmDecryptor(params);
    this.regenerator = gcmEncryptor(params);
    this.tagCalculator = new GcmTagCalculator(params);
    this.spoolDecipher = gcmDecryptor(params);
    const declared = options.ciphertextLength;
    this.spoolFromStart = declared !== undefined && declared - GCM_TAG_LENGTH > options.maxInMemoryBytes;
  }

  public _read(): void {
    if (this.running === undefined) {
      this.running = this.run();
      return;
    }
    this.wake();
  }

  public _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    if (!this.source.destroyed) {
      this.source.destroy();
    }
    this.wake();
    const cleanup = this.running ?? this.cleanup();
    cleanup.then(() => cb(err), (e: unknown) => cb(err ?? (e as Error)));
  }

  private async run(): Promise<void> {
    let failure: unknown;
    try {
      await this.authenticate();
      // A stream destroyed during the first pass stops there: nothing unauthenticated is released or decrypted.
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

  /** Pass 1: hold every body byte (decrypted in memory, or spooled and GHASHed), then check the tag. */
  private async authenticate(): Promise<void> {
    const declared = this.options.ciphertextLength;
    for await (const raw of this.source) {
      const chunk = asBuffer(raw);
      this.sourceBytes += chunk.length;
      if (declared !== undefined && this.sourceBytes > declared) {
        throw new TamperedCiphertextError(`the ciphertext stream is longer than the declared ciphertextLength (${declared} bytes)`);
      }
      for (const body of this.splitter.push(chunk)) {
        await this.hold(body);
      }
      if (this.destroyed) {
        return;
      }
    }
    if (declared !== undefined && this.sourceBytes < declared) {
      throw new TruncatedCiphertextError(`the ciphertext stream ended after ${this.sourceBytes} bytes; ciphertextLength declared ${declared}`);
    }
    const tag = this.splitter.tag();
    await this.hold(this.splitter.finalBody());
    const authentic = this.spool === undefined ? finalWithTag(this.memoryDecipher, tag) : this.tagCalculator.matches(tag);
    if (!authentic) {
      throw new TamperedCiphertextError('content tag mismatch: object tampered with or wrong key');
    }
    this.spoolDecipher.setAuthTag(tag);
  }

  private async hold(body: Buffer): Promise<void> {
    if (body.length === 0) {
      return;
    }
    if (this.spool === undefined && !this.spoolFromStart && this.heldBytes + body.length <= this.options.maxInMemoryBytes) {
      this.held.push(this.memoryDecipher.update(body));
      this.heldBytes += body.length;
      return;
    }
    if (this.spool === undefined) {
      // Copy the body before the first await, then move what is held to the new spool file as ciphertext.
      const pending = Buffer.from(body);
      this.spool = await SpoolFile.create(this.options.tempDir);
      const held = this.held;
      this.held = [];
      this.heldBytes = 0;
      for (const plaintext of held) {
        const ciphertext = this.regenerator.update(plaintext);
        plaintext.fill(0);
        await this.stage(ciphertext);
      }
      await this.stage(pending);
      return;
    }
    await this.stage(body);
  }

  /** Copy `bytes` into the spool, GHASHing each staged copy (exactly the bytes that will be written). */
  private async stage(bytes: Buffer): Promise<void> {
    const spool = this.spool as SpoolFile;
    for (let off = 0; off < bytes.length;) {
      await spool.reserve();
      const staged = spool.stage(bytes.subarray(off));
      this.tagCalculator.update(staged);
      off += staged.length;
    }
  }

  /** Pass 2: release the held plaintext, or decrypt the spool and release it; both with backpressure. */
  private async release(): Promise<void> {
    if (this.spool === undefined) {
      while (this.held.length > 0 && !this.destroyed) {
        await this.pushPlaintext(this.held.shift() as Buffer);
      }
      return;
    }
    await this.spool.finish();
    // Each segment's plaintext comes out only after the spool verified that segment (update returns new memory).
    for await (const plaintexts of this.spool.segments((piece) => this.spoolDecipher.update(piece), RELEASE_CHUNK)) {
      for (const plaintext of plaintexts) {
        await this.pushPlaintext(plaintext);
      }
      if (this.destroyed) {
        return;
      }
    }
    try {
      this.spoolDecipher.final();
    } catch {
      throw new TamperedCiphertextError('spooled ciphertext changed between authentication and decryption');
    }
  }

  /** Resume a release pass waiting for the consumer (or for destruction). */
  private wake(): void {
    const wake = this.wakeReader;
    this.wakeReader = undefined;
    wake?.();
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
    for (const p of this.held) {
      p.fill(0);
    }
    this.held = [];
    this.heldBytes = 0;
    const spool = this.spool;
    this.spool = undefined;
    await spool?.remove();
  }
}

/** Set the tag and finish a GCM decipher: whether the tag verified. */
function finalWithTag(decipher: DecipherGCM, tag: Buffer): boolean {
  decipher.setAuthTag(tag);
  try {
    decipher.final();
    return true;
  } catch {
    return false;
  }
}
