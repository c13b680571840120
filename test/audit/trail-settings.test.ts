import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { trailSourceArnCondition } from '../../src/audit/trail-policies';
import { trailSettings } from '../../src/audit/trail-settings';

function scope() {
  const stack = new Stack(new App(), 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
  return { stack, at: new Construct(stack, 'Trail') };
}

describe('trailSettings', () => {
  test('defaults: a year of log files locked in governance mode, a yearly key rotation, CloudWatch Logs for a year, retained, one Region', () => {
    const s = trailSettings(scope().at, {});
    expect(s.logRetention.toDays()).toBe(365);
    expect(s.lockRetention.mode).toBe(s3.ObjectLockRetention.governance(Duration.days(1)).mode);
    expect(s.lockRetention.duration.toDays()).toBe(365);
    expect(s.rotationPeriod.toDays()).toBe(365);
    expect(s.cloudWatchLogs).toBe(true);
    expect(s.cloudWatchLogsRetention).toBe(logs.RetentionDays.ONE_YEAR);
    expect(s.removalPolicy).toBe(RemovalPolicy.RETAIN);
    expect(s.isMultiRegionTrail).toBe(false);
  });

  test('the lock follows logRetention by default; props out of range name the prop', () => {
    const { at } = scope();
    expect(trailSettings(at, { logRetention: Duration.days(30) }).lockRetention.duration.toDays()).toBe(30);
    const prop = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as { prop: string }).prop;
      }
      return undefined;
    };
    expect(prop(() => trailSettings(at, { logRetention: Duration.hours(5) }))).toBe('logRetention');
    expect(prop(() => trailSettings(at, { logFileLockRetention: s3.ObjectLockRetention.governance(Duration.days(400)) }))).toBe('logFileLockRetention');
    expect(prop(() => trailSettings(at, { keyRotationPeriod: Duration.days(30) }))).toBe('keyRotationPeriod');
    expect(prop(() => trailSettings(at, { cloudWatchLogs: false, cloudWatchLogsRetention: logs.RetentionDays.ONE_DAY }))).toBe('cloudWatchLogsRetention');
    expect(prop(() => trailSettings(at, { cloudWatchLogsRetention: logs.RetentionDays.INFINITE }))).toBe('cloudWatchLogsRetention');
    expect(prop(() => trailSettings(at, { trailName: '-bad' }))).toBe('trailName');
  });
});

describe('trailSourceArnCondition', () => {
  test('the exact trail ARN when the name is known, any trail of the account and Region otherwise', () => {
    const { stack } = scope();
    expect(stack.resolve(trailSourceArnCondition(stack, 'audit'))).toEqual({
      StringEquals: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudtrail:eu-west-1:111111111111:trail/audit']] } },
    });
    expect(stack.resolve(trailSourceArnCondition(stack, undefined))).toEqual({
      ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudtrail:eu-west-1:111111111111:trail/*']] } },
    });
  });
});
