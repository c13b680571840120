import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { KmsEncryptionOptions } from './encryption-mode';
import { SecureBucketConfigError } from '../private/errors';

/** The rotation period KMS accepts, in days. */
export const MIN_ROTATION_DAYS = 90;
export const MAX_ROTATION_DAYS = 2560;

/** The rotation period of the key SecureBucket creates when none is given. */
export const DEFAULT_ROTATION = Duration.days(365);

/** What is wrong with `keyRotationPeriod`, if anything: given with a key of the app's own, or out of KMS's range. */
export function keyRotationPeriodProblem(at: Construct, o: KmsEncryptionOptions | undefined): SecureBucketConfigError | undefined {
  if (o?.keyRotationPeriod === undefined) return undefined;
  if (o.encryptionKey !== undefined) {
    return new SecureBucketConfigError(at, 'mode.keyRotationPeriod',
      'only applies to the key SecureBucket creates, but encryptionKey was given',
      'set the rotation period on your key (kms.Key rotationPeriod) and drop keyRotationPeriod');
  }
  if (o.keyRotationPeriod.isUnresolved()) return undefined;
  const days = o.keyRotationPeriod.toDays({ integral: false });
  if (days < MIN_ROTATION_DAYS || days > MAX_ROTATION_DAYS || !Number.isInteger(days)) {
    return new SecureBucketConfigError(at, 'mode.keyRotationPeriod',
      `must be a whole number of days between ${MIN_ROTATION_DAYS} and ${MAX_ROTATION_DAYS} (got ${o.keyRotationPeriod.toHumanString()})`,
      `pass Duration.days(n) with ${MIN_ROTATION_DAYS} <= n <= ${MAX_ROTATION_DAYS}, or omit it for ${DEFAULT_ROTATION.toDays()} days`);
  }
  return undefined;
}
