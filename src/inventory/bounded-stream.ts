/**
 * Stream stages that turn an endless, oversized or stalled input into an {@link InputError}:
 * a byte cap and an idle timer. They sit in the pipeline right after the source, so the
 * pipeline destroys the source (and its socket) when they fail.
 */
import { Transform, TransformCallback } from 'stream';
import { formatBytes, formatDuration } from './limits';
import { InputError } from '../cli-input/input-error';

export interface BoundOptions {
  /** Names the input in messages. */
  readonly where: string;
  /** The most bytes the stage lets through. */
  readonly maxBytes: number;
  /** The message's reason for the cap (e.g. "the manifest declares 1,234 bytes"). */
  readonly capReason: string;
  /** Fail when no byte arrives for this long (ms); 0: no timer. */
  readonly idleTimeoutMs: number;
}

/** Counts bytes, fails past `maxBytes` and when the input stalls longer than `idleTimeoutMs`. */
export class BoundedStage extends Transform {
  public bytes = 0;
  private timer?: NodeJS.Timeout;

  constructor(private readonly options: BoundOptions) {
    super();
    this.arm();
  }

  public _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.options.maxBytes) {
      this.disarm();
      done(new InputError(`${this.options.where}: more than ${formatBytes(this.options.maxBytes)} (${this.options.capReason}); stopped reading`));
      return;
    }
    this.arm();
    done(null, chunk);
  }

  public _flush(done: TransformCallback): void {
    this.disarm();
    done();
  }

  public _destroy(error: Error | null, done: (error: Error | null) => void): void {
    this.disarm();
    done(error);
  }

  private arm(): void {
    const ms = this.options.idleTimeoutMs;
    if (ms <= 0) return;
    this.disarm();
    this.timer = setTimeout(() => {
      this.destroy(new InputError(`${this.options.where}: no data for ${formatDuration(ms)} after ${formatBytes(this.bytes)} `
        + '(the connection stalled; --idle-timeout sets this limit)'));
    }, ms);
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** Counts bytes after decompression and fails past `maxBytes`. */
export class ByteCap extends Transform {
  public bytes = 0;

  constructor(private readonly maxBytes: number, private readonly message: () => string) {
    super();
  }

  public _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      done(new InputError(this.message()));
      return;
    }
    done(null, chunk);
  }
}
