import { Duration, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { countResolvedValues, countSelectorValues, importedBucket, newStack, resolvedSelectors, selectorsOf } from './trail-helpers';
import { DataEvents, EncryptionAuditTrail, EncryptionAuditTrailProps, SecureBucketErrors } from '../../src';
import { thrown } from '../support/thrown';

describe('the 500-value advanced event selector quota', () => {
  test('the limit is exported', () => {
    expect(EncryptionAuditTrail.MAX_SELECTOR_VALUES).toBe(500);
  });

  test('497 ALL buckets fill the trail to exactly 500 values; the 498th is refused naming bucket, prop and fix', () => {
    const { stack } = newStack();
    const trail = EncryptionAuditTrail.of(stack);
    for (let i = 0; i < 497; i++) {
      trail.recordDataEvents(importedBucket(stack, i), DataEvents.ALL);
    }
    expect(countResolvedValues(resolvedSelectors(trail))).toBe(500);

    const overflow = importedBucket(stack, 497);
    const err = thrown(() => trail.recordDataEvents(overflow, DataEvents.ALL));
    expect(SecureBucketErrors.isConfigError(err)).toBe(true);
    expect(SecureBucketErrors.constructPathOf(err)).toBe('S/Imported497');
    expect(SecureBucketErrors.propOf(err)).toBe('dataEvents');
    expect(err.message).toMatch(/^S\/Imported497: dataEvents: .*501 advanced event selector values.*limit of 500/);
    expect(err.message).toMatch(/Fix: give this bucket another EncryptionAuditTrail via its mode's auditTrail option, or set its dataEvents to DataEvents.NONE/);
    // The refused bucket is not half-recorded.
    expect(trail.bucketCount).toBe(497);
    expect(countSelectorValues(selectorsOf(stack))).toBe(500);
  });

  test('the WRITE_ONLY selector costs one value more (readOnly): 496 WRITE_ONLY buckets fit, 497 do not', () => {
    const { stack } = newStack();
    const trail = EncryptionAuditTrail.of(stack);
    for (let i = 0; i < 496; i++) {
      trail.recordDataEvents(importedBucket(stack, i), DataEvents.WRITE_ONLY);
    }
    expect(() => trail.recordDataEvents(importedBucket(stack, 496), DataEvents.WRITE_ONLY)).toThrow(/S\/Imported496: dataEvents:/);
    expect(countSelectorValues(selectorsOf(stack))).toBe(500);
  });

  test('mixing both selectors pays both fixed costs: 1 ALL + 493 WRITE_ONLY fit, one more does not', () => {
    const { stack } = newStack();
    const trail = EncryptionAuditTrail.of(stack);
    trail.recordDataEvents(importedBucket(stack, 0), DataEvents.ALL);
    for (let i = 1; i <= 493; i++) {
      trail.recordDataEvents(importedBucket(stack, i), DataEvents.WRITE_ONLY);
    }
    expect(() => trail.recordDataEvents(importedBucket(stack, 494), DataEvents.ALL)).toThrow(/dataEvents/);
    expect(() => trail.recordDataEvents(importedBucket(stack, 495), DataEvents.WRITE_ONLY)).toThrow(/dataEvents/);
    expect(countSelectorValues(selectorsOf(stack))).toBe(500);
  });

  test('at the limit, re-recording a bucket already counted is free, and NONE is always accepted', () => {
    const { stack } = newStack();
    const trail = EncryptionAuditTrail.of(stack);
    const buckets = Array.from({ length: 497 }, (_, i) => importedBucket(stack, i));
    buckets.forEach(b => trail.recordDataEvents(b, DataEvents.ALL));
    expect(() => trail.recordDataEvents(buckets[10], DataEvents.ALL)).not.toThrow();
    expect(() => trail.recordDataEvents(buckets[10], DataEvents.WRITE_ONLY)).not.toThrow();
    expect(() => trail.recordDataEvents(importedBucket(stack, 1000), DataEvents.NONE)).not.toThrow();
    expect(countSelectorValues(selectorsOf(stack))).toBe(500);
  });

  test('upgrading the only WRITE_ONLY bucket to ALL at the limit removes the write-only selector and fits', () => {
    const { stack } = newStack();
    const trail = EncryptionAuditTrail.of(stack);
    for (let i = 0; i < 493; i++) {
      trail.recordDataEvents(importedBucket(stack, i), DataEvents.ALL);
    }
    const w = importedBucket(stack, 493);
    trail.recordDataEvents(w, DataEvents.WRITE_ONLY); // 1 + (2+493) + (3+1) = 500
    expect(countResolvedValues(resolvedSelectors(trail))).toBe(500);
    trail.recordDataEvents(w, DataEvents.ALL); // 1 + (2+494) = 497
    expect(countSelectorValues(selectorsOf(stack))).toBe(497);
    expect(selectorsOf(stack)).toHaveLength(2);
  });

  test('a second trail takes the overflow', () => {
    const { stack } = newStack();
    const shared = EncryptionAuditTrail.of(stack);
    for (let i = 0; i < 497; i++) {
      shared.recordDataEvents(importedBucket(stack, i), DataEvents.ALL);
    }
    const extra = new EncryptionAuditTrail(stack, 'Overflow');
    expect(() => extra.recordDataEvents(importedBucket(stack, 497), DataEvents.ALL)).not.toThrow();
    expect(extra.bucketCount).toBe(1);
  });
});

describe('recordDataEvents refuses buckets it cannot record', () => {
  test('the trail\'s own log bucket (a feedback loop)', () => {
    const { stack } = newStack();
    const trail = EncryptionAuditTrail.of(stack);
    const err = thrown(() => trail.recordDataEvents(trail.logBucket, DataEvents.WRITE_ONLY));
    expect(err.message).toMatch(/^S\/SecureBucketAuditTrail\/LogBucket: dataEvents: .*Fix: use DataEvents.NONE/);
    expect(trail.bucketCount).toBe(0);
  });

  test('a bucket in another Region on a single-Region trail; a multi-Region trail accepts it', () => {
    const { app, stack } = newStack('East', { env: { account: '111111111111', region: 'us-east-1' } });
    const west = new Stack(app, 'West', { env: { account: '111111111111', region: 'us-west-2' } });
    const westBucket = new s3.Bucket(west, 'Data');
    const single = EncryptionAuditTrail.of(stack);
    const err = thrown(() => single.recordDataEvents(westBucket, DataEvents.ALL));
    expect(err.message).toMatch(/^West\/Data: dataEvents: the bucket is in us-west-2 but audit trail East\/SecureBucketAuditTrail is a single-Region trail in us-east-1/);
    expect(err.message).toMatch(/Fix: .*isMultiRegionTrail: true/);

    const multi = new EncryptionAuditTrail(stack, 'Multi', { isMultiRegionTrail: true });
    expect(() => multi.recordDataEvents(westBucket, DataEvents.ALL)).not.toThrow();
  });
});

describe('prop validation', () => {
  function errorFor(props: EncryptionAuditTrailProps): any {
    const { stack } = newStack();
    return thrown(() => new EncryptionAuditTrail(stack, 'T', props));
  }

  test.each([Duration.days(89), Duration.days(2561), Duration.days(0), Duration.hours(2200)])(
    'keyRotationPeriod %s is refused', (period) => {
      const err = errorFor({ keyRotationPeriod: period });
      expect(SecureBucketErrors.isConfigError(err)).toBe(true);
      expect(err.message).toMatch(/^S\/T: keyRotationPeriod: .*Fix: set keyRotationPeriod to a whole number of days between Duration.days\(90\) and Duration.days\(2560\)/);
    });

  test.each([Duration.days(90), Duration.days(2560), Duration.days(730)])('keyRotationPeriod %s is accepted', (period) => {
    const { stack } = newStack();
    expect(() => new EncryptionAuditTrail(stack, 'T', { keyRotationPeriod: period })).not.toThrow();
  });

  test.each([Duration.hours(12), Duration.days(0), Duration.hours(36)])('logRetention %s is refused', (retention) => {
    const err = errorFor({ logRetention: retention });
    expect(err.message).toMatch(/^S\/T: logRetention: .*Fix: set logRetention to a whole number of days, at least Duration.days\(1\)/);
  });

  test('logRetention of one day is accepted', () => {
    const { stack } = newStack();
    expect(() => new EncryptionAuditTrail(stack, 'T', { logRetention: Duration.days(1) })).not.toThrow();
  });

  test('cloudWatchLogsRetention without CloudWatch Logs delivery is contradictory', () => {
    const err = errorFor({ cloudWatchLogs: false, cloudWatchLogsRetention: logs.RetentionDays.ONE_MONTH });
    expect(err.message).toMatch(/^S\/T: cloudWatchLogsRetention: .*Fix: remove cloudWatchLogsRetention, or set cloudWatchLogs to true/);
  });

  test('infinite CloudWatch Logs retention is refused', () => {
    const err = errorFor({ cloudWatchLogsRetention: logs.RetentionDays.INFINITE });
    expect(err.message).toMatch(/^S\/T: cloudWatchLogsRetention: .*Fix: use a finite retention/);
  });

  test.each(['ab', '-trail', 'trail-', 'a..b', 'my trail', '192.168.0.1', 'x'.repeat(129)])('trailName %j is refused', (name) => {
    const err = errorFor({ trailName: name });
    expect(err.message).toMatch(/^S\/T: trailName: .*is not a valid CloudTrail trail name/);
  });

  test.each(['abc', 'My_Trail.v2', 'a-b', 'x'.repeat(128)])('trailName %j is accepted', (name) => {
    const { stack } = newStack();
    expect(() => new EncryptionAuditTrail(stack, 'T', { trailName: name })).not.toThrow();
  });
});
