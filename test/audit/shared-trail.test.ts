import { App, Duration, NestedStack, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { newStack } from './trail-helpers';
import { AccessLogsBucket, DataEvents, EncryptionAuditTrail, SecureBucketErrors } from '../../src';
import { thrown } from '../support/thrown';

describe('EncryptionAuditTrail.of', () => {
  test('returns the same trail for every scope in a stack, created once under the stack with a fixed id', () => {
    const { stack } = newStack();
    const deep = new Construct(new Construct(stack, 'A'), 'B');
    const t1 = EncryptionAuditTrail.of(stack);
    const t2 = EncryptionAuditTrail.of(deep);
    expect(t2).toBe(t1);
    expect(t1.node.path).toBe('S/SecureBucketAuditTrail');
    expect(EncryptionAuditTrail.SHARED_TRAIL_ID).toBe('SecureBucketAuditTrail');
    Template.fromStack(stack).resourceCountIs('AWS::CloudTrail::Trail', 1);
  });

  test('returns a distinct trail per stack', () => {
    const app = new App();
    const s1 = new Stack(app, 'One');
    const s2 = new Stack(app, 'Two');
    const t1 = EncryptionAuditTrail.of(s1);
    const t2 = EncryptionAuditTrail.of(s2);
    expect(t1).not.toBe(t2);
    expect(t1.node.path).toBe('One/SecureBucketAuditTrail');
    expect(t2.node.path).toBe('Two/SecureBucketAuditTrail');
    t1.recordDataEvents(new s3.Bucket(s1, 'Data'), DataEvents.ALL);
    expect(t1.bucketCount).toBe(1);
    expect(t2.bucketCount).toBe(0);
  });

  test('a nested stack gets its own trail', () => {
    const { stack } = newStack();
    const nested = new NestedStack(stack, 'Nested');
    expect(EncryptionAuditTrail.of(nested)).not.toBe(EncryptionAuditTrail.of(stack));
    expect(EncryptionAuditTrail.of(nested).node.path).toBe('S/Nested/SecureBucketAuditTrail');
  });

  test('props apply on creation; repeating equal props later is fine; different props are refused', () => {
    const { stack } = newStack();
    const trail = EncryptionAuditTrail.of(stack, { logRetention: Duration.days(400), isMultiRegionTrail: true });
    expect(trail.cfnTrail.isMultiRegionTrail).toBe(true);
    expect(EncryptionAuditTrail.of(stack, { logRetention: Duration.days(400) })).toBe(trail);
    expect(EncryptionAuditTrail.of(stack)).toBe(trail);
    const err = thrown(() => EncryptionAuditTrail.of(stack, { logRetention: Duration.days(30) }));
    expect(SecureBucketErrors.isConfigError(err)).toBe(true);
    expect(err.message).toMatch(/^S\/SecureBucketAuditTrail: logRetention: differs from the value the stack's shared audit trail was created with\. Fix: /);
  });

  test('the shared trail logs to the stack\'s shared AccessLogsBucket', () => {
    const { stack } = newStack();
    const trail = EncryptionAuditTrail.of(stack);
    const accessLogs = AccessLogsBucket.of(stack);
    const cfn = trail.logBucket.node.defaultChild as s3.CfnBucket;
    expect(stack.resolve(cfn.loggingConfiguration)).toEqual({
      destinationBucketName: stack.resolve(accessLogs.bucketName),
      logFilePrefix: 'S/SecureBucketAuditTrail/LogBucket/',
    });
  });

  test('refuses when the fixed id is taken by another construct', () => {
    const { stack } = newStack();
    new Construct(stack, 'SecureBucketAuditTrail');
    const err = thrown(() => EncryptionAuditTrail.of(stack));
    expect(err.message).toMatch(/^S\/SecureBucketAuditTrail: id: .*reserved.*Fix: rename the construct at S\/SecureBucketAuditTrail/);
  });
});

describe('EncryptionAuditTrail.isEncryptionAuditTrail', () => {
  test('recognises trails and nothing else', () => {
    const { stack } = newStack();
    const trail = new EncryptionAuditTrail(stack, 'T');
    const plain = new cloudtrail.CfnTrail(stack, 'Plain', { isLogging: true, s3BucketName: 'b' });
    expect(EncryptionAuditTrail.isEncryptionAuditTrail(trail)).toBe(true);
    for (const x of [plain, trail.cfnTrail, trail.logBucket, stack, {}, null, undefined, 'trail', 1]) {
      expect(EncryptionAuditTrail.isEncryptionAuditTrail(x)).toBe(false);
    }
  });

  test('recognises a trail made by another copy of the library, which instanceof does not', () => {
    const { stack } = newStack();
    let otherCopy: typeof EncryptionAuditTrail | undefined;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      otherCopy = require('../../src/audit/encryption-audit-trail').EncryptionAuditTrail;
    });
    expect(otherCopy).toBeDefined();
    expect(otherCopy).not.toBe(EncryptionAuditTrail);
    const foreign = new otherCopy!(stack, 'Foreign');
    expect(foreign instanceof EncryptionAuditTrail).toBe(false);
    expect(EncryptionAuditTrail.isEncryptionAuditTrail(foreign)).toBe(true);
  });

  test('of() returns a trail made by another copy of the library instead of creating a second one', () => {
    const { stack } = newStack();
    let otherCopy: typeof EncryptionAuditTrail | undefined;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      otherCopy = require('../../src/audit/encryption-audit-trail').EncryptionAuditTrail;
    });
    const foreign = otherCopy!.of(stack);
    expect(EncryptionAuditTrail.of(stack)).toBe(foreign);
  });
});
