import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import type { EncryptionAuditTrailProps } from './encryption-audit-trail';
import { validateTrailName, validateWholeDays } from './validate-audit-props';
import { SecureBucketConfigError } from '../private/errors';

/** An audit trail's props with every default applied, after validation. */
export interface TrailSettings {
  readonly trailName?: string;
  readonly logRetention: Duration;
  readonly lockRetention: s3.ObjectLockRetention;
  readonly rotationPeriod: Duration;
  readonly cloudWatchLogs: boolean;
  readonly cloudWatchLogsRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  readonly isMultiRegionTrail: boolean;
}

/**
 * Validates the props of the trail `scope` and applies their defaults; a prop out of range
 * (or one that cannot apply) throws a SecureBucketConfigError naming it.
 */
export function trailSettings(scope: IConstruct, props: EncryptionAuditTrailProps): TrailSettings {
  validateTrailName(scope, props.trailName);
  const logRetention = props.logRetention ?? Duration.days(365);
  validateWholeDays(scope, 'logRetention', logRetention, 1, undefined,
    'set logRetention to a whole number of days, at least Duration.days(1)');
  const lockRetention = props.logFileLockRetention ?? s3.ObjectLockRetention.governance(logRetention);
  validateLockRetention(scope, lockRetention, logRetention);
  const rotationPeriod = props.keyRotationPeriod ?? Duration.days(365);
  validateWholeDays(scope, 'keyRotationPeriod', rotationPeriod, 90, 2560,
    'set keyRotationPeriod to a whole number of days between Duration.days(90) and Duration.days(2560)');
  const cloudWatchLogs = props.cloudWatchLogs ?? true;
  if (!cloudWatchLogs && props.cloudWatchLogsRetention !== undefined) {
    throw new SecureBucketConfigError(scope, 'cloudWatchLogsRetention',
      'is set but cloudWatchLogs is false, so there is no log group to retain',
      'remove cloudWatchLogsRetention, or set cloudWatchLogs to true');
  }
  const cloudWatchLogsRetention = props.cloudWatchLogsRetention ?? logs.RetentionDays.ONE_YEAR;
  if (cloudWatchLogsRetention === logs.RetentionDays.INFINITE) {
    throw new SecureBucketConfigError(scope, 'cloudWatchLogsRetention',
      'RetentionDays.INFINITE leaves the log group without an explicit retention, which HIPAA, NIST 800-53 and PCI DSS reject',
      'use a finite retention such as RetentionDays.TEN_YEARS (the S3 log files are kept for logRetention independently)');
  }
  return {
    trailName: props.trailName,
    logRetention,
    lockRetention,
    rotationPeriod,
    cloudWatchLogs,
    cloudWatchLogsRetention,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    isMultiRegionTrail: props.isMultiRegionTrail ?? false,
  };
}

/** A lock of at least a day, at most as long as the log files are kept. */
function validateLockRetention(scope: IConstruct, lock: s3.ObjectLockRetention, logRetention: Duration): void {
  if (lock.duration.isUnresolved() || logRetention.isUnresolved()) return;
  const days = lock.duration.toDays({ integral: false });
  if (!Number.isInteger(days) || days < 1 || days > logRetention.toDays()) {
    throw new SecureBucketConfigError(scope, 'logFileLockRetention',
      `must be a whole number of days between 1 and logRetention (${logRetention.toDays()} days), got ${lock.duration.toHumanString()}`,
      'pass s3.ObjectLockRetention.governance(Duration.days(n)) (or .compliance) with n <= logRetention, or raise logRetention');
  }
}
