import { App, Duration, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IConstruct } from 'constructs';
import { AccessLogsBucket, EncryptionAuditTrail, EncryptionDriftAlerts, InventoryBucket } from '../../src/audit';
import { isSecureBucketConfigError } from '../../src/private/errors';
import { rememberCreationProps, sharedInStack } from '../../src/private/shared-in-stack';
import { thrown } from '../support/thrown';

const BRAND = Symbol.for('test.Shared');

interface SharedProps { readonly size?: number; readonly retention?: Duration; readonly lock?: s3.ObjectLockRetention }

class Shared extends Construct {
  public static of(scope: IConstruct, props?: SharedProps): Shared {
    return sharedInStack(scope, {
      id: 'TheShared',
      what: 'test helper',
      is: (x): x is Shared => BRAND in x,
      create: (stack, id) => new Shared(stack, id, props),
    }, props);
  }

  constructor(scope: Construct, id: string, public readonly props: SharedProps = {}) {
    super(scope, id);
    Object.defineProperty(this, BRAND, { value: true });
    rememberCreationProps(this, props);
  }
}

describe('sharedInStack', () => {
  test('creates the construct once, as a direct child of the stack, from any scope in it', () => {
    const stack = new Stack(new App(), 'S');
    const deep = new Construct(new Construct(stack, 'A'), 'B');
    const shared = Shared.of(deep, { size: 3 });
    expect(shared.node.path).toBe('S/TheShared');
    expect(Shared.of(stack)).toBe(shared);
    expect(shared.props.size).toBe(3);
  });

  test('a later call may repeat props that are equal (durations and lock retentions by value), or give none', () => {
    const stack = new Stack(new App(), 'S');
    const lock = s3.ObjectLockRetention.governance(Duration.days(10));
    const shared = Shared.of(stack, { size: 3, retention: Duration.days(2), lock });
    expect(Shared.of(stack, { size: 3 })).toBe(shared);
    expect(Shared.of(stack, { retention: Duration.hours(48) })).toBe(shared);
    expect(Shared.of(stack, { lock: s3.ObjectLockRetention.governance(Duration.days(10)) })).toBe(shared);
    expect(Shared.of(stack, { size: undefined })).toBe(shared);
    expect(Shared.of(stack, {})).toBe(shared);
  });

  test('a later call with a prop that differs is refused, naming the prop', () => {
    const stack = new Stack(new App(), 'S');
    Shared.of(stack, { size: 3 });
    for (const props of [{ size: 4 }, { retention: Duration.days(1) }, { lock: s3.ObjectLockRetention.compliance(Duration.days(1)) }]) {
      const e = thrown(() => Shared.of(stack, props));
      expect(isSecureBucketConfigError(e)).toBe(true);
      expect(e.message).toMatch(/^S\/TheShared: \w+: differs from the value the stack's shared test helper was created with\. Fix: /);
    }
  });

  test('an unrelated construct holding the id is refused, naming it', () => {
    const stack = new Stack(new App(), 'S');
    new Construct(stack, 'TheShared');
    const e = thrown(() => Shared.of(stack));
    expect(isSecureBucketConfigError(e)).toBe(true);
    expect(e.message).toMatch(/^S\/TheShared: id: the construct id 'TheShared' is reserved for the stack's shared test helper .*Fix: rename the construct at S\/TheShared/);
  });

  test('every of() of the library follows it', () => {
    const stack = new Stack(new App(), 'S');
    for (const [of, id] of [
      [AccessLogsBucket.of, 'SecureBucketAccessLogs'],
      [InventoryBucket.of, InventoryBucket.SHARED_ID],
      [EncryptionAuditTrail.of, EncryptionAuditTrail.SHARED_TRAIL_ID],
      [EncryptionDriftAlerts.of, EncryptionDriftAlerts.SHARED_ID],
    ] as Array<[(s: IConstruct) => IConstruct, string]>) {
      const shared = of(stack);
      expect(shared.node.path).toBe(`S/${id}`);
      expect(of(new Construct(stack, `In${id}`))).toBe(shared);
    }
    const e = thrown(() => EncryptionDriftAlerts.of(stack, { keyRotationPeriod: Duration.days(100) }));
    expect(e.message).toMatch(/^S\/SecureBucketDriftAlerts: props: keyRotationPeriod differ\(s\) from the value\(s\) .*Fix: /);
    expect(EncryptionDriftAlerts.of(stack, { keyRotationPeriod: undefined })).toBe(EncryptionDriftAlerts.of(stack));
  });
});
