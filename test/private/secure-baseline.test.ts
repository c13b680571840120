import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AccessLogsBucket, EncryptionAuditTrail, EncryptionMode, InventoryBucket, SecureBucket } from '../../src';
import { CheckContext, checkBucketInvariants } from '../../src/private/final-template-check';
import { baselineExpectations, SECURE_BASELINE, secureBaselineProperties } from '../../src/private/secure-baseline';
import { enableServerAccessLogs } from '../../src/private/server-access-logs';

function newStack() {
  const app = new App();
  return { app, stack: new Stack(app, 'S', { env: { account: '111111111111', region: 'us-east-1' } }) };
}

describe('the secure baseline', () => {
  test('the L2 form: public access blocked, TLS 1.2+ only, bucket-owner-enforced ownership', () => {
    expect(SECURE_BASELINE).toEqual({
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    });
    expect(Object.isFrozen(SECURE_BASELINE)).toBe(true);
  });

  test('the JSON form is what the L2 form renders: the self-check expects exactly that', () => {
    expect(secureBaselineProperties()).toEqual({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      AccessControl: undefined,
    });
    expect(Object.keys(secureBaselineProperties())).toEqual(['PublicAccessBlockConfiguration', 'OwnershipControls', 'AccessControl']);
    expect(secureBaselineProperties()).toBe(secureBaselineProperties()); // rendered once
  });

  test('the L2 form and the JSON form agree on a bucket built in an app', () => {
    const { stack } = newStack();
    new s3.Bucket(stack, 'B', SECURE_BASELINE);
    const [props] = Object.values(Template.fromStack(stack).findResources('AWS::S3::Bucket')).map((r) => r.Properties);
    for (const [name, value] of Object.entries(secureBaselineProperties())) {
      expect(props[name]).toEqual(value);
    }
  });

  test('every bucket of the library is built with it', () => {
    const { stack } = newStack();
    new SecureBucket(stack, 'Data', { mode: EncryptionMode.sseKms() });
    AccessLogsBucket.of(stack);
    InventoryBucket.of(stack);
    EncryptionAuditTrail.of(stack);
    const buckets = Object.entries(Template.fromStack(stack).findResources('AWS::S3::Bucket'));
    expect(buckets.length).toBe(4);
    for (const [, bucket] of buckets) {
      for (const [name, value] of Object.entries(secureBaselineProperties())) {
        expect(bucket.Properties[name]).toEqual(value);
      }
    }
  });

  test('a bucket built from it passes the check; one without it, or with it undone, does not', () => {
    const { stack } = newStack();
    const good = new s3.Bucket(stack, 'Good', SECURE_BASELINE);
    const target = new s3.Bucket(stack, 'Logs', SECURE_BASELINE);
    enableServerAccessLogs(good, target, 'good/');
    const plain = new s3.Bucket(stack, 'Plain');
    const undone = new s3.Bucket(stack, 'Undone', SECURE_BASELINE);
    enableServerAccessLogs(undone, target, 'undone/');
    const expectations = new Map([good, plain, undone].map((b) => [b, baselineExpectations(b)]));
    expect(expectations.get(good)!.properties.LoggingConfiguration).toEqual({ DestinationBucketName: target.bucketName, LogFilePrefix: 'good/' });
    expect(expectations.get(plain)!.properties).not.toHaveProperty('LoggingConfiguration');

    const cfnUndone = undone.node.defaultChild as s3.CfnBucket;
    cfnUndone.addPropertyOverride('PublicAccessBlockConfiguration.RestrictPublicBuckets', false);
    cfnUndone.addPropertyOverride('LoggingConfiguration.LogFilePrefix', 'elsewhere/');
    cfnUndone.addPropertyOverride('AccessControl', 'PublicRead');

    const ctx = new CheckContext();
    const problems = (b: s3.Bucket) => checkBucketInvariants(ctx, b, { ...expectations.get(b)!, requiredStatements: [] }).problems.map((p) => p.prop);
    expect(problems(good)).toEqual([]);
    expect(problems(plain)).toEqual(['PublicAccessBlockConfiguration', 'OwnershipControls']);
    expect(problems(undone)).toEqual(['PublicAccessBlockConfiguration', 'AccessControl', 'LoggingConfiguration']);
  });
});
