import { Duration, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { SecureBucketConfigError } from './errors';

/** Where a shared construct keeps the props it was created with (a `Symbol.for`, so other copies of the library read it too). */
const CREATED_WITH = Symbol.for('cdk-secure-bucket.sharedInStack.createdWith');

/** What a per-stack shared construct is: its reserved id, how to recognise and create it. */
export interface SharedInStack<T extends IConstruct> {
  /** The construct id it has as a direct child of its stack. */
  readonly id: string;
  /** What it is, for messages ("access-log bucket", "audit trail"). */
  readonly what: string;
  /** Whether a construct is one (a brand check, so it works across copies of this library). */
  readonly is: (x: IConstruct) => x is T;
  /** Creates it in `stack` under `id`, with the props of the call that creates it. */
  readonly create: (stack: Stack, id: string) => T;
  /** The fix when a later call passes props that differ from those it was created with. */
  readonly propsFix?: string;
  /**
   * The prop a refused call is reported under.
   *
   * @default - the name of the first prop that differs
   */
  readonly propsName?: string;
}

/**
 * The stack's shared helper construct (`X.of(scope, props?)`), created on first use.
 *
 * One rule about props: the call that creates the construct applies them; a later call may
 * repeat any of them, but a prop it gives must equal the one the construct was created with,
 * or the call is refused (it would be silently ignored). An unrelated construct holding the
 * reserved id is refused too, naming it.
 */
export function sharedInStack<T extends IConstruct>(scope: IConstruct, shared: SharedInStack<T>, props?: object): T {
  const stack = Stack.of(scope);
  const existing = stack.node.tryFindChild(shared.id);
  if (existing === undefined) return shared.create(stack, shared.id);
  if (!shared.is(existing)) {
    throw new SecureBucketConfigError(existing, 'id',
      `the construct id '${shared.id}' is reserved for the stack's shared ${shared.what} but is taken by another construct`,
      `rename the construct at ${existing.node.path}`);
  }
  const createdWith = ((existing as { [CREATED_WITH]?: Record<string, unknown> })[CREATED_WITH]) ?? {};
  const differing = Object.entries(props ?? {})
    .filter(([key, value]) => value !== undefined && !sameValue(createdWith[key], value))
    .map(([key]) => key);
  if (differing.length > 0) {
    throw new SecureBucketConfigError(existing, shared.propsName ?? differing[0],
      shared.propsName === undefined
        ? `differs from the value the stack's shared ${shared.what} was created with`
        : `${differing.join(', ')} differ(s) from the value(s) the stack's shared ${shared.what} was created with, so this call's props would be ignored`,
      shared.propsFix ?? `pass the same props to every ${shared.what} of() call in this stack, or none`);
  }
  return existing;
}

/** Records the props a shared construct is created with (call it in its constructor), for `sharedInStack`. */
export function rememberCreationProps(construct: IConstruct, props: object | undefined): void {
  Object.defineProperty(construct, CREATED_WITH, { value: { ...props } });
}

/** Equal props: the same value, the same duration, or the same Object Lock retention. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) {
    return true;
  }
  if (a instanceof s3.ObjectLockRetention && b instanceof s3.ObjectLockRetention) {
    return a.mode === b.mode && sameValue(a.duration, b.duration);
  }
  if (a instanceof Duration && b instanceof Duration && !a.isUnresolved() && !b.isUnresolved()) {
    return a.toMilliseconds() === b.toMilliseconds();
  }
  return false;
}
