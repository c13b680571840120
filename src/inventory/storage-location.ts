/**
 * Where a manifest, a data file or a batch manifest lives: an `s3://bucket/key` URI or a local path.
 */
import { InputError } from '../cli-input/input-error';

export type StorageLocation =
  | { readonly kind: 's3'; readonly bucket: string; readonly key: string }
  | { readonly kind: 'file'; readonly path: string };

export function parseLocation(text: string, option: string): StorageLocation {
  if (!text.startsWith('s3://')) return { kind: 'file', path: text };
  const rest = text.slice('s3://'.length);
  const slash = rest.indexOf('/');
  if (slash <= 0 || slash === rest.length - 1) {
    throw new InputError(`${option}: '${text}' is not an s3://bucket/key URI`);
  }
  return { kind: 's3', bucket: rest.slice(0, slash), key: rest.slice(slash + 1) };
}

export function describe(location: StorageLocation): string {
  return location.kind === 's3' ? `s3://${location.bucket}/${location.key}` : location.path;
}

/** A sibling of `location` whose name ends with `suffix` instead of `.csv` (or in addition to the name). */
export function withSuffix(location: StorageLocation, suffix: string): StorageLocation {
  const strip = (s: string) => s.replace(/\.csv$/i, '') + suffix;
  return location.kind === 's3' ? { ...location, key: strip(location.key) } : { kind: 'file', path: strip(location.path) };
}
