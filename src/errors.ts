import { IConstruct } from 'constructs';

/**
 * A misconfiguration found at synth time.
 *
 * The message always names the construct path, the offending prop and the fix.
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
    Object.setPrototypeOf(this, new.target.prototype);
  }
}
