import { IConstruct } from 'constructs';

const CONFIG_ERROR_BRAND = Symbol.for('cdk-secure-bucket.SecureBucketConfigError');

/**
 * A misconfiguration found at synth time.
 *
 * The message always names the construct path, the offending prop and the fix:
 * `<path>: <prop>: <problem>. Fix: <fix>`.
 *
 * Not part of the jsii API (jsii cannot export `Error` subclasses); callers
 * recognise it with `SecureBucketErrors.isConfigError(e)`.
 */
export class SecureBucketConfigError extends Error {
  /** The construct path of the construct that was misconfigured. */
  public readonly constructPath: string;
  /** The prop (or method argument) that is wrong. */
  public readonly prop: string;

  constructor(scope: IConstruct, prop: string, problem: string, fix: string) {
    super(`${scope.node.path}: ${prop}: ${problem}. Fix: ${fix}`);
    this.name = 'SecureBucketConfigError';
    this.constructPath = scope.node.path;
    this.prop = prop;
    Object.defineProperty(this, CONFIG_ERROR_BRAND, { value: true });
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** Whether `x` is a SecureBucketConfigError (from any copy of this library). */
export function isSecureBucketConfigError(x: unknown): x is SecureBucketConfigError {
  return x !== null && typeof x === 'object' && CONFIG_ERROR_BRAND in x;
}
