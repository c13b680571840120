/**
 * The bounds every `audit-inventory` run keeps, whatever its input: a manifest, a data file or an
 * endpoint can be hostile (an endpoint that streams forever, a gzip bomb, a row of 600 MB), so
 * each read is capped in bytes and in time, and an overrun is bad input (exit 2), never a hang
 * or an out-of-memory crash. Each limit is a command-line option; the defaults are far above
 * what S3 delivers (an object key is at most 1,024 bytes, so a CSV row of S3 Inventory is a few
 * KiB at most; gzip compresses inventory CSV about 10 to 30 times).
 */
import { InputError } from '../cli-input/input-error';

export interface Limits {
  /** The most bytes a manifest.json (or manifest.checksum) may have. */
  readonly maxManifestBytes: number;
  /** The most characters one CSV row may have. */
  readonly maxRowLength: number;
  /** A data file may decompress to at most this many times its declared size (plus 1 MiB). */
  readonly maxExpansion: number;
  /** How long a request may wait for its response to begin, in ms. */
  readonly requestTimeoutMs: number;
  /** How long a response body may send nothing, in ms. */
  readonly idleTimeoutMs: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxManifestBytes: 64 * 1024 * 1024,
  maxRowLength: 64 * 1024,
  maxExpansion: 100,
  requestTimeoutMs: 60_000,
  idleTimeoutMs: 30_000,
};

/** The decompressed bytes a data file of `declared` bytes may produce. */
export function maxDecompressedBytes(declared: number, limits: Limits): number {
  return declared * limits.maxExpansion + 1024 * 1024;
}

const UNITS: Record<string, number> = { '': 1, 'b': 1, 'k': 1024, 'kib': 1024, 'm': 1024 ** 2, 'mib': 1024 ** 2, 'g': 1024 ** 3, 'gib': 1024 ** 3 };

/** `65536`, `64KiB`, `64MiB`, `1GiB` (binary units) -> bytes. */
export function parseByteSize(text: string, option: string): number {
  const m = /^(\d+)\s*([a-z]*)$/i.exec(text.trim());
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  const value = m && unit !== undefined ? Number(m[1]) * unit : NaN;
  if (!Number.isSafeInteger(value) || value <= 0) throw new InputError(`${option}: '${text}' is not a size (e.g. 65536, 64KiB, 64MiB)`);
  return value;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `500ms`, `30s`, `5m`, `36h`, `8d` -> milliseconds. */
export function parseDuration(text: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/i.exec(text.trim());
  const value = m ? Number(m[1]) * DURATION_UNITS[m[2].toLowerCase()] : NaN;
  if (!Number.isFinite(value) || value <= 0) throw new InputError(`${option}: '${text}' is not a duration (e.g. 30s, 5m, 36h, 8d)`);
  return Math.round(value);
}

/** A positive whole number (a ratio, a concurrency). */
export function parseCount(text: string, option: string): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value <= 0) throw new InputError(`${option}: '${text}' is not a positive whole number`);
  return value;
}

/** A byte count in the largest binary unit it reaches: `1536` -> `{ value: 1.5, unit: 'KiB', scaled: true }`. */
export function inBinaryUnits(x: number): { value: number; unit: string; scaled: boolean } {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = x;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u += 1;
  }
  return { value: v, unit: units[u], scaled: u > 0 };
}

/** `1536` -> `1.5 KiB`, `2048` -> `2 KiB`, for messages. */
export function formatBytes(x: number): string {
  const { value, unit, scaled } = inBinaryUnits(x);
  return `${!scaled || Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`;
}

/** `30000` -> `30 s`, for messages. */
export function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
