import { Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { countSelectorValues, field, importedBucket, logicalId, newStack, selectorsOf } from './trail-helpers';
import { DataEvents, EncryptionAuditTrail } from '../../src/audit';

const MANAGEMENT = { Name: 'Management events', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] };

function objectPrefix(stack: Stack, bucket: s3.Bucket) {
  return { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(stack, bucket), 'Arn'] }, '/']] };
}

describe('advanced event selectors', () => {
  test('a trail with no recorded bucket logs management events only', () => {
    const { stack } = newStack();
    const trail = EncryptionAuditTrail.of(stack);
    expect(selectorsOf(stack)).toEqual([MANAGEMENT]);
    expect(trail.bucketCount).toBe(0);
  });

  test('one ALL bucket: management selector plus one data selector scoped to the bucket\'s objects', () => {
    const { stack } = newStack();
    const bucket = new s3.Bucket(stack, 'Data');
    const trail = EncryptionAuditTrail.of(stack);
    trail.recordDataEvents(bucket, DataEvents.ALL);

    expect(selectorsOf(stack)).toEqual([
      MANAGEMENT,
      {
        Name: 'S3 data events (read and write)',
        FieldSelectors: [
          { Field: 'eventCategory', Equals: ['Data'] },
          { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
          { Field: 'resources.ARN', StartsWith: [objectPrefix(stack, bucket)] },
        ],
      },
    ]);
    expect(trail.bucketCount).toBe(1);
    expect(countSelectorValues(selectorsOf(stack))).toBe(4);
  });

  test('50 buckets share one trail and one selector, one ARN prefix each', () => {
    const { stack } = newStack();
    const buckets = Array.from({ length: 50 }, (_, i) => new s3.Bucket(stack, `Data${i}`));
    const trail = EncryptionAuditTrail.of(stack);
    buckets.forEach(b => trail.recordDataEvents(b, DataEvents.ALL));

    const selectors = selectorsOf(stack);
    expect(selectors).toHaveLength(2);
    const prefixes = field(selectors[1], 'resources.ARN').StartsWith;
    expect(prefixes).toEqual(buckets.map(b => objectPrefix(stack, b)));
    expect(new Set(prefixes.map((p: unknown) => JSON.stringify(p))).size).toBe(50);
    expect(trail.bucketCount).toBe(50);
    expect(countSelectorValues(selectors)).toBe(1 + 2 + 50);
  });

  test('ALL, WRITE_ONLY and NONE go to separate selectors; NONE records nothing', () => {
    const { stack } = newStack();
    const [a1, a2, w, n] = ['A1', 'A2', 'W', 'N'].map(id => new s3.Bucket(stack, id));
    const trail = EncryptionAuditTrail.of(stack);
    trail.recordDataEvents(a1, DataEvents.ALL);
    trail.recordDataEvents(w, DataEvents.WRITE_ONLY);
    trail.recordDataEvents(n, DataEvents.NONE);
    trail.recordDataEvents(a2, DataEvents.ALL);

    const selectors = selectorsOf(stack);
    expect(selectors.map((s: any) => s.Name)).toEqual([
      'Management events', 'S3 data events (read and write)', 'S3 data events (write only)',
    ]);
    expect(field(selectors[1], 'resources.ARN').StartsWith).toEqual([objectPrefix(stack, a1), objectPrefix(stack, a2)]);
    expect(field(selectors[1], 'readOnly')).toBeUndefined();
    expect(selectors[2].FieldSelectors).toEqual([
      { Field: 'eventCategory', Equals: ['Data'] },
      { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
      { Field: 'readOnly', Equals: ['false'] },
      { Field: 'resources.ARN', StartsWith: [objectPrefix(stack, w)] },
    ]);
    expect(JSON.stringify(selectors)).not.toContain(logicalId(stack, n));
    expect(trail.bucketCount).toBe(3);
    expect(countSelectorValues(selectors)).toBe(1 + (2 + 2) + (3 + 1));
  });

  test('only WRITE_ONLY buckets: the read-and-write selector is omitted', () => {
    const { stack } = newStack();
    const trail = EncryptionAuditTrail.of(stack);
    trail.recordDataEvents(new s3.Bucket(stack, 'W'), DataEvents.WRITE_ONLY);
    expect(selectorsOf(stack).map((s: any) => s.Name)).toEqual(['Management events', 'S3 data events (write only)']);
  });

  test('only NONE buckets: no data selector at all', () => {
    const { stack } = newStack();
    const trail = EncryptionAuditTrail.of(stack);
    trail.recordDataEvents(new s3.Bucket(stack, 'N'), DataEvents.NONE);
    expect(selectorsOf(stack)).toEqual([MANAGEMENT]);
    expect(trail.bucketCount).toBe(0);
  });

  test('selectors are built lazily, at synthesis, from every bucket recorded until then', () => {
    const { stack } = newStack();
    const trail = EncryptionAuditTrail.of(stack);
    const before = trail.cfnTrail.advancedEventSelectors;
    expect(stack.resolve(before)).toEqual([{ name: 'Management events', fieldSelectors: [{ field: 'eventCategory', equalTo: ['Management'] }] }]);
    const late = new s3.Bucket(stack, 'Late');
    trail.recordDataEvents(late, DataEvents.WRITE_ONLY);
    // The same property value (a Lazy) now resolves to include the bucket.
    expect(stack.resolve(before)).toHaveLength(2);
    expect(field(selectorsOf(stack)[1], 'resources.ARN').StartsWith).toEqual([objectPrefix(stack, late)]);
  });
});

describe('recording the same bucket twice', () => {
  test.each([
    [DataEvents.ALL, DataEvents.ALL, 'ALL'],
    [DataEvents.WRITE_ONLY, DataEvents.ALL, 'ALL'],
    [DataEvents.ALL, DataEvents.WRITE_ONLY, 'ALL'],
    [DataEvents.ALL, DataEvents.NONE, 'ALL'],
    [DataEvents.WRITE_ONLY, DataEvents.WRITE_ONLY, 'WRITE_ONLY'],
    [DataEvents.NONE, DataEvents.WRITE_ONLY, 'WRITE_ONLY'],
    [DataEvents.WRITE_ONLY, DataEvents.NONE, 'WRITE_ONLY'],
  ])('%s then %s records it once, as %s', (first, second, expected) => {
    const { stack } = newStack();
    const bucket = new s3.Bucket(stack, 'Data');
    const trail = EncryptionAuditTrail.of(stack);
    trail.recordDataEvents(bucket, first);
    trail.recordDataEvents(bucket, second);

    const selectors = selectorsOf(stack);
    const json = JSON.stringify(selectors);
    expect(json.split(logicalId(stack, bucket)).length - 1).toBe(1);
    const expectedName = expected === 'ALL' ? 'S3 data events (read and write)' : 'S3 data events (write only)';
    expect(selectors.map((s: any) => s.Name)).toEqual(['Management events', expectedName]);
    expect(trail.bucketCount).toBe(1);
  });

  test('two imported references to the same bucket are one bucket', () => {
    const { stack } = newStack();
    const trail = EncryptionAuditTrail.of(stack);
    trail.recordDataEvents(s3.Bucket.fromBucketArn(stack, 'Ref1', 'arn:aws:s3:::shared-bucket'), DataEvents.WRITE_ONLY);
    trail.recordDataEvents(s3.Bucket.fromBucketArn(stack, 'Ref2', 'arn:aws:s3:::shared-bucket'), DataEvents.ALL);
    const selectors = selectorsOf(stack);
    expect(selectors).toHaveLength(2);
    expect(field(selectors[1], 'resources.ARN').StartsWith).toEqual(['arn:aws:s3:::shared-bucket/']);
    expect(trail.bucketCount).toBe(1);
  });

  test('each ARN prefix ends in "/", so bucket "abc" does not also match bucket "abcd"', () => {
    const { stack } = newStack();
    const trail = EncryptionAuditTrail.of(stack);
    trail.recordDataEvents(s3.Bucket.fromBucketArn(stack, 'Abc', 'arn:aws:s3:::abc'), DataEvents.ALL);
    trail.recordDataEvents(s3.Bucket.fromBucketArn(stack, 'Abcd', 'arn:aws:s3:::abcd'), DataEvents.ALL);
    expect(field(selectorsOf(stack)[1], 'resources.ARN').StartsWith).toEqual(['arn:aws:s3:::abc/', 'arn:aws:s3:::abcd/']);
    expect(trail.bucketCount).toBe(2);
  });

  test('a bucket recorded on two trails appears in each', () => {
    const { stack } = newStack();
    const bucket = importedBucket(stack, 1);
    const t1 = new EncryptionAuditTrail(stack, 'T1');
    const t2 = new EncryptionAuditTrail(stack, 'T2');
    t1.recordDataEvents(bucket, DataEvents.ALL);
    t2.recordDataEvents(bucket, DataEvents.WRITE_ONLY);
    expect(t1.bucketCount).toBe(1);
    expect(t2.bucketCount).toBe(1);
  });
});
