import { InvalidArgumentError, needs } from '../errors';

/** InvalidArgumentError unless bucket and key are non-empty strings. */
export function checkLocation(operation: string, bucket: unknown, key: unknown): void {
  needs(typeof bucket === 'string' && bucket.length > 0, () => new InvalidArgumentError(`${operation}: bucket is required`));
  needs(typeof key === 'string' && key.length > 0, () => new InvalidArgumentError(`${operation}: key is required`));
}
