import { isSecureBucketConfigError } from './private/errors';

/**
 * Recognises the errors this library throws.
 *
 * Misconfigurations are thrown at synth time as errors whose message reads
 * `<construct path>: <prop>: <problem>. Fix: <fix>`.
 */
export class SecureBucketErrors {
  /**
   * Whether `x` is a synth-time configuration error thrown by this library
   * (works across copies of the library in one app).
   */
  public static isConfigError(x: any): boolean {
    return isSecureBucketConfigError(x);
  }

  /**
   * The construct path an error thrown by this library names, if it is one.
   *
   * @returns the path, or undefined if `x` is not a configuration error
   */
  public static constructPathOf(x: any): string | undefined {
    return isSecureBucketConfigError(x) ? x.constructPath : undefined;
  }

  /**
   * The prop an error thrown by this library names, if it is one.
   *
   * @returns the prop, or undefined if `x` is not a configuration error
   */
  public static propOf(x: any): string | undefined {
    return isSecureBucketConfigError(x) ? x.prop : undefined;
  }

  private constructor() {}
}
