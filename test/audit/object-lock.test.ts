import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { newStack } from './trail-helpers';
import { AccessLogsBucket, EncryptionAuditTrail, EncryptionAuditTrailProps, InventoryBucket } from '../../src';

function bucketProps(stack: Stack, bucket: s3.IBucket): any {
  return (Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket)] as any).Properties;
}

function trail(props?: EncryptionAuditTrailProps) {
  const { stack } = newStack();
  return { stack, trail: EncryptionAuditTrail.of(stack, props) };
}

describe('the trail\'s log bucket locks its evidence', () => {
  test('by default: Object Lock on, governance retention as long as the log files are kept (365 days)', () => {
    const { stack, trail: t } = trail();
    const props = bucketProps(stack, t.logBucket);
    expect(props.ObjectLockEnabled).toBe(true);
    expect(props.ObjectLockConfiguration).toEqual({ ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 365 } } });
  });

  test('the default follows logRetention', () => {
    const { stack, trail: t } = trail({ logRetention: Duration.days(30) });
    expect(bucketProps(stack, t.logBucket).ObjectLockConfiguration.Rule.DefaultRetention).toEqual({ Mode: 'GOVERNANCE', Days: 30 });
  });

  test('a compliance-mode lock the user sets', () => {
    const lock = s3.ObjectLockRetention.compliance(Duration.days(90));
    const { stack, trail: t } = trail({ logRetention: Duration.days(400), logFileLockRetention: lock });
    expect(bucketProps(stack, t.logBucket).ObjectLockConfiguration.Rule.DefaultRetention).toEqual({ Mode: 'COMPLIANCE', Days: 90 });
  });

  test('a lock longer than logRetention is refused, naming the prop and the fix', () => {
    expect(() => trail({ logFileLockRetention: s3.ObjectLockRetention.governance(Duration.days(366)) }))
      .toThrow(/S\/SecureBucketAuditTrail: logFileLockRetention: must be a whole number of days between 1 and logRetention \(365 days\).*Fix: pass s3\.ObjectLockRetention/);
  });

  test('of() accepts the same lock again (compared by mode and duration)', () => {
    const { stack } = newStack();
    EncryptionAuditTrail.of(stack, { logFileLockRetention: s3.ObjectLockRetention.governance(Duration.days(100)) });
    expect(() => EncryptionAuditTrail.of(stack, { logFileLockRetention: s3.ObjectLockRetention.governance(Duration.days(100)) })).not.toThrow();
    expect(() => EncryptionAuditTrail.of(stack, { logFileLockRetention: s3.ObjectLockRetention.compliance(Duration.days(100)) }))
      .toThrow(/logFileLockRetention: differs/);
  });
});

describe('the delivery buckets', () => {
  test('the inventory bucket enables Object Lock without a default retention (nothing is locked unless a writer asks)', () => {
    const { stack } = newStack();
    const props = bucketProps(stack, InventoryBucket.of(stack));
    expect(props.ObjectLockEnabled).toBe(true);
    expect(props.ObjectLockConfiguration).toBeUndefined();
    expect(props.VersioningConfiguration).toEqual({ Status: 'Enabled' });
  });

  test('the access-log bucket does not: S3 delivers no server access logs into a bucket with Object Lock', () => {
    const { stack } = newStack();
    const props = bucketProps(stack, AccessLogsBucket.of(stack));
    expect(props.ObjectLockEnabled).toBeUndefined();
    expect(props.ObjectLockConfiguration).toBeUndefined();
  });
});
