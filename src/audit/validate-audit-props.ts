import { Duration, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { SecureBucketConfigError } from '../private/errors';

/**
 * Check that `value` is a whole number of days in [minDays, maxDays].
 *
 * Unresolved (token) durations are not checked: CloudFormation validates them.
 */
export function validateWholeDays(
  scope: IConstruct,
  prop: string,
  value: Duration,
  minDays: number,
  maxDays: number | undefined,
  fix: string,
): void {
  if (value.isUnresolved()) {
    return;
  }
  const days = value.toDays({ integral: false });
  const range = maxDays === undefined ? `at least ${minDays} day(s)` : `between ${minDays} and ${maxDays} days`;
  if (days < minDays || (maxDays !== undefined && days > maxDays)) {
    throw new SecureBucketConfigError(scope, prop, `${value.toHumanString()} is not ${range}`, fix);
  }
  if (!Number.isInteger(days)) {
    throw new SecureBucketConfigError(scope, prop, `${value.toHumanString()} is not a whole number of days`, fix);
  }
}

/**
 * CloudTrail trail names: 3-128 characters; letters, digits, '.', '_' and '-';
 * start with a letter or digit; end with a letter or digit; no adjacent
 * '.', '_' or '-'; not shaped like an IP address.
 */
export function validateTrailName(scope: IConstruct, name: string | undefined): void {
  if (name === undefined || Token.isUnresolved(name)) {
    return;
  }
  const fix = 'use 3-128 letters, digits, ".", "_" or "-", starting and ending with a letter or digit, or omit trailName';
  const ok = /^[A-Za-z0-9](?:[A-Za-z0-9]|[._-](?=[A-Za-z0-9])){1,126}[A-Za-z0-9]$/.test(name)
    && !/^\d{1,3}(\.\d{1,3}){3}$/.test(name);
  if (!ok) {
    throw new SecureBucketConfigError(scope, 'trailName', `"${name}" is not a valid CloudTrail trail name`, fix);
  }
}
