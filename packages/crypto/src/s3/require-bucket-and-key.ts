import { InvalidArgumentError, needs } from '../errors';

/** Throws InvalidArgumentError, naming the operation, unless bucket and key are non-empty strings. */
export function requireBucketAndKey(operation: string, bucket: unknown, key: unknown): void {
  needs(typeof bucket === 'string' && bucket.length > 0, () => new InvalidArgumentError(`${operation}: bucket is required`));
  needs(typeof key === 'string' && key.length > 0, () => new InvalidArgumentError(`${operation}: key is required`));
}
