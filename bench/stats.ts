import * as v8 from 'node:v8';
import * as vm from 'node:vm';

/**
 * Summary statistics for benchmark samples (median, min, max).
 */

export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
}

/** Median of a non-empty sample (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) {
    return NaN;
  }
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Median, min and max of a sample. */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) {
    return { median: NaN, min: NaN, max: NaN, n: 0 };
  }
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), n: values.length };
}

/** Pairwise ratios a[i] / b[i] (runs taken in the same round). */
export function pairRatios(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.min(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    out.push(a[i] / b[i]);
  }
  return out;
}

/** High-resolution clock in milliseconds. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

let gcFn: (() => void) | undefined;

/**
 * A full garbage collection (between timed runs, never inside one). Works without
 * `node --expose-gc`: the flag is set at run time and `gc` taken from a fresh context.
 */
export function maybeGc(): void {
  if (gcFn === undefined) {
    const g = (globalThis as { gc?: () => void }).gc;
    if (typeof g === 'function') {
      gcFn = g;
    } else {
      v8.setFlagsFromString('--expose-gc');
      gcFn = vm.runInNewContext('gc') as () => void;
    }
  }
  gcFn();
}
