import { hasWildcard, matchesEveryExtension, wildcardMatches } from './patterns';
import { ResolveScope, asList, canonArn, resolveString, show } from './values';

/** Condition keys the checks use. */
export const SSE_KEY = 's3:x-amz-server-side-encryption';
export const SSE_KMS_KEY_ID_KEY = 's3:x-amz-server-side-encryption-aws-kms-key-id';
export const SSE_C_KEY = 's3:x-amz-server-side-encryption-customer-algorithm';
export const SECURE_TRANSPORT_KEY = 'aws:securetransport';
export const TLS_VERSION_KEY = 's3:tlsversion';

/**
 * The keys the engine models: a request class says what each takes, and a
 * condition on one that is false for a class just means the statement is
 * about other requests. A condition on any other key (principal, VPC
 * endpoint, account, ...) must hold for every value and for its absence, or
 * the statement proves nothing ("not proven", naming the key).
 */
export const MODELED_KEYS: ReadonlySet<string> = new Set([SSE_KEY, SSE_KMS_KEY_ID_KEY, SSE_C_KEY, SECURE_TRANSPORT_KEY, TLS_VERSION_KEY]);

/** A bucket-policy statement, normalised. */
export interface DenyStatement {
  readonly sid: string;
  /** Why the statement cannot be evaluated, if it cannot. */
  readonly unresolved?: string;
  /** The action patterns (lower case). */
  readonly actions: string[];
  /** The resource patterns, canonical. */
  readonly resources: string[];
  /** operator -> key (lower case) -> values */
  readonly conditions: Record<string, Record<string, string[]>>;
}

/**
 * The Deny statements with `Principal: *` of a policy document. Other
 * statements cannot deny anyone everything and are ignored.
 */
export function denyStatements(doc: unknown, scope: ResolveScope): DenyStatement[] {
  const out: DenyStatement[] = [];
  const statements = asList((doc as any)?.Statement);
  statements.forEach((raw: any, i) => {
    if (raw === null || typeof raw !== 'object' || raw.Effect !== 'Deny' || raw.NotPrincipal !== undefined
      || raw.NotAction !== undefined || raw.NotResource !== undefined || !isAnyPrincipal(raw.Principal)) {
      return;
    }
    const sid = typeof raw.Sid === 'string' ? raw.Sid : `#${i}`;
    let unresolved: string | undefined;
    const str = (v: unknown): string => {
      const r = resolveString(v, scope);
      if (!r.ok) unresolved = unresolved ?? r.reason;
      return r.value;
    };
    const actions = asList(raw.Action).map((a) => str(a).toLowerCase());
    const resources = asList(raw.Resource).map((r) => canonArn(str(r)));
    const conditions: Record<string, Record<string, string[]>> = {};
    if (raw.Condition !== undefined && (raw.Condition === null || typeof raw.Condition !== 'object' || Array.isArray(raw.Condition))) {
      unresolved = unresolved ?? `its Condition ${show(raw.Condition)} is not a condition block`;
    }
    for (const [op, block] of Object.entries((raw.Condition ?? {}) as Record<string, unknown>)) {
      const keys: Record<string, string[]> = {};
      if (block === null || typeof block !== 'object' || Array.isArray(block)) {
        unresolved = unresolved ?? `its ${op} condition ${show(block)} is not a map of keys`;
        continue;
      }
      for (const [key, values] of Object.entries(block as Record<string, unknown>)) {
        const lower = key.toLowerCase();
        if (keys[lower] !== undefined) unresolved = unresolved ?? `its ${op} condition names ${key} twice (condition keys are case-insensitive)`;
        // ARNs are compared in their canonical partition form.
        keys[lower] = asList(values).map((v) => canonArn(str(v)));
      }
      conditions[op] = keys;
    }
    out.push({ sid, unresolved, actions, resources, conditions });
  });
  return out;
}

function isAnyPrincipal(p: unknown): boolean {
  if (p === '*') return true;
  const aws = (p as any)?.AWS;
  return p !== null && typeof p === 'object' && Object.keys(p as object).length === 1 && asList(aws).includes('*');
}


/** Whether the statement's actions include `action` (e.g. `s3:PutObject`). */
export function coversAction(st: DenyStatement, action: string): boolean {
  return st.actions.some((a) => wildcardMatches(a, action.toLowerCase(), true));
}

/** Whether the statement's actions include every S3 action. */
export function coversAllS3Actions(st: DenyStatement): boolean {
  return st.actions.some((a) => a === '*' || a === 's3:*');
}

/** Whether the statement's resources include the resource `arn` (one of its canonical forms). */
export function coversResource(st: DenyStatement, arnForms: string[]): boolean {
  return st.resources.some((r) => arnForms.some((f) => wildcardMatches(r, f)));
}

/** Whether the statement's resources include EVERY object of the bucket (`<bucket ARN>/<any key>`). */
export function coversEveryObject(st: DenyStatement, bucketArnForms: string[]): boolean {
  return st.resources.some((r) => bucketArnForms.some((a) => matchesEveryExtension(r, `${a}/`)));
}

/**
 * What a request class says of one condition key: the key is absent, has
 * exactly one value, or has any value but those listed (the bucket's own key,
 * say). A class key lists the alternatives; each must be denied.
 */
export type KeyValue =
  | { readonly kind: 'absent' }
  | { readonly kind: 'exact'; readonly value: string }
  | { readonly kind: 'anyExcept'; readonly values: readonly string[] };

export const ABSENT: KeyValue = { kind: 'absent' };
export const exact = (value: string): KeyValue => ({ kind: 'exact', value });
export const anyExcept = (...values: string[]): KeyValue => ({ kind: 'anyExcept', values });
/** Any value, or none: what the engine knows of a key the request class does not fix. */
export const UNCONSTRAINED: readonly KeyValue[] = [ABSENT, anyExcept()];

/** The transports a request may arrive over: plain HTTP, or TLS of a version. */
export interface Transport {
  readonly secure: boolean;
  /** `s3:TlsVersion`; absent over plain HTTP. */
  readonly tlsVersion?: string;
}

/** Every transport S3 sees: plain HTTP and each TLS version. */
export const ALL_TRANSPORTS: readonly Transport[] = [
  { secure: false },
  { secure: true, tlsVersion: '1.0' },
  { secure: true, tlsVersion: '1.1' },
  { secure: true, tlsVersion: '1.2' },
  { secure: true, tlsVersion: '1.3' },
];

/**
 * A set of requests a policy must deny: an action, on every object of the
 * bucket or on the bucket itself, with the listed key alternatives, over the
 * listed transports. Keys it does not list (principal, source VPC endpoint,
 * account, ...) may take any value or be absent.
 */
export interface RequestClass {
  /** For messages: "an upload with x-amz-server-side-encryption=AES256". */
  readonly description: string;
  /** The action (`s3:PutObject`); undefined: every S3 action. */
  readonly action?: string;
  /** Whether the requests target objects (every key) or the bucket itself. */
  readonly target: 'objects' | 'bucket';
  /** Lower-case condition key -> the alternatives it takes. */
  readonly keys: Readonly<Record<string, readonly KeyValue[]>>;
  /** @default ALL_TRANSPORTS */
  readonly transports?: readonly Transport[];
}

/** The outcome of proving that a policy denies a request class. */
export interface Proof {
  /** Whether every request of the class is proven denied. */
  readonly proven: boolean;
  /** The statements that deny (when proven). */
  readonly by: string[];
  /**
   * When not proven: why statements that target the class cannot be proven to
   * deny all of it (a condition on a key the engine cannot prove true for
   * every request, an operator it does not evaluate). Non-empty: the verdict
   * is "not proven" rather than "not denied".
   */
  readonly reasons: string[];
  /** When not proven: statements that plainly leave part of the class out (a resource narrower than every object). */
  readonly gaps: string[];
}

/** The value types of the modelled keys that are not strings. */
const KEY_TYPES: Record<string, 'bool' | 'numeric'> = { [SECURE_TRANSPORT_KEY]: 'bool', [TLS_VERSION_KEY]: 'numeric' };

const NEGATED_OPS = new Set(['StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringNotLike', 'ArnNotEquals', 'ArnNotLike', 'NumericNotEquals']);
const STRING_OPS = new Set(['StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase',
  'StringLike', 'StringNotLike', 'ArnEquals', 'ArnNotEquals', 'ArnLike', 'ArnNotLike']);
const NUMERIC_OPS: Record<string, (a: number, b: number) => boolean> = {
  NumericEquals: (a, b) => a === b,
  NumericNotEquals: (a, b) => a !== b,
  NumericLessThan: (a, b) => a < b,
  NumericLessThanEquals: (a, b) => a <= b,
  NumericGreaterThan: (a, b) => a > b,
  NumericGreaterThanEquals: (a, b) => a >= b,
};

/** Why a condition does not hold: `definite` when it is plainly false for the (fixed) value, else not proven. */
export interface NotHeld {
  readonly definite: boolean;
  readonly reason: string;
  /** The condition exempts values the class must deny (a key other than the bucket's, say). */
  readonly leak?: boolean;
}

/**
 * Whether the condition `op` on one key with `values` holds for EVERY
 * request whose key is `kv`: true, or why it cannot be proven. IAM
 * semantics: values of one key are ORed (a negated operator: none may
 * match); an absent key fails a positive operator and satisfies a negated
 * one; `...IfExists` holds for an absent key; `Null` tests presence.
 */
export function conditionHoldsForAll(rawOp: string, key: string, values: readonly string[], kv: KeyValue): true | NotHeld {
  if (rawOp.includes(':')) return { definite: false, reason: `its ${rawOp} condition on ${key} uses a set operator, which the engine does not evaluate` };
  const ifExists = rawOp.endsWith('IfExists');
  const op = ifExists ? rawOp.slice(0, -'IfExists'.length) : rawOp;
  const cannot = (why: string): NotHeld => ({ definite: false, reason: `its ${rawOp} condition on ${key} ${why}` });
  // Definitely false for a value the request class fixes: the statement just does not apply to it.
  const isFalse = (why: string): NotHeld => ({ definite: true, reason: `its ${rawOp} condition on ${key} ${why}` });
  if (op === 'Null') {
    if (values.length === 0 || values.some((v) => !['true', 'false'].includes(v.toLowerCase()))) return cannot('has a value other than true or false');
    const wantsAbsent = values.map((v) => v.toLowerCase() === 'true');
    if (kv.kind === 'absent') return wantsAbsent.includes(true) ? true : isFalse('does not hold when the key is absent');
    return wantsAbsent.includes(false) ? true : isFalse('does not hold when the key is present');
  }
  const isString = STRING_OPS.has(op);
  const numeric = NUMERIC_OPS[op];
  if (!isString && !numeric && op !== 'Bool') return cannot('uses an operator the engine does not evaluate');
  // An operator of another type than the key's is not evaluated the way one might read it (iam-simulate and
  // IAM do not coerce): a boolean key takes Bool, a numeric key Numeric operators.
  const type = KEY_TYPES[key];
  if (type === 'bool' && op !== 'Bool') return cannot('compares a boolean key with a non-Bool operator');
  if (type === 'numeric' && !numeric) return cannot('compares a numeric key with a non-Numeric operator');
  if (op === 'Bool' && values.some((v) => !['true', 'false'].includes(v.toLowerCase()))) return cannot('has a Bool value other than true or false');
  if (kv.kind === 'absent') {
    if (ifExists || NEGATED_OPS.has(op)) return true;
    return isFalse('does not hold for requests without the key');
  }
  const negated = NEGATED_OPS.has(op);
  if (kv.kind === 'exact') {
    const actual = kv.value;
    let any: boolean;
    if (numeric) {
      const a = Number(actual);
      const nums = values.map(Number);
      if (actual === '' || Number.isNaN(a) || nums.some(Number.isNaN)) return cannot(`compares non-numbers (${show(actual)})`);
      any = op === 'NumericNotEquals' ? nums.some((b) => a === b) : nums.some((b) => numeric(a, b));
      if (op === 'NumericNotEquals') return any ? isFalse(`does not hold for ${key}=${actual}`) : true;
    } else if (op === 'Bool') {
      // A value that is not a boolean never matches a Bool condition.
      any = ['true', 'false'].includes(actual.toLowerCase()) && values.some((v) => v.toLowerCase() === actual.toLowerCase());
    } else {
      const ci = op.includes('IgnoreCase');
      // ArnEquals and ArnLike both take wildcards; StringEquals compares exactly.
      const like = op.includes('Like') || op.startsWith('Arn');
      any = values.some((v) => like ? wildcardMatches(v, actual, ci) : ci ? v.toLowerCase() === actual.toLowerCase() : v === actual);
    }
    const holds = negated ? !any : any;
    return holds ? true : isFalse(`does not hold for ${key}=${actual}`);
  }
  // Any value except kv.values: only a few forms hold for all of them.
  const except = new Set(kv.values);
  if (!negated) {
    if ((op.includes('Like') || op.startsWith('Arn')) && values.includes('*')) return true;
    return cannot(kv.values.length === 0 ? 'is not true for every value the key can take'
      : `is not true for every value of the key other than ${kv.values.join(', ')}`);
  }
  if (op === 'StringNotEquals' || op === 'StringNotLike' || op === 'ArnNotEquals' || op === 'ArnNotLike') {
    // Holds for every value outside `except` iff each excluded value (or pattern) is one of them, taken literally.
    const leaks = values.filter((v) => hasWildcard(v) && op !== 'StringNotEquals' ? true : !except.has(v));
    if (leaks.length === 0) return true;
    return { ...isFalse(`exempts ${leaks.join(', ')}, which the policy must deny`), leak: true };
  }
  return cannot('is not true for every value the key can take');
}

/** The alternatives of a class key, or UNCONSTRAINED. */
function alternatives(cls: RequestClass, key: string): readonly KeyValue[] {
  return cls.keys[key] ?? UNCONSTRAINED;
}

/** One concrete combination of the class's key alternatives and a transport. */
type Point = Record<string, KeyValue>;

function points(cls: RequestClass): Point[] {
  let out: Point[] = [];
  for (const t of cls.transports ?? ALL_TRANSPORTS) {
    out.push({
      [SECURE_TRANSPORT_KEY]: exact(String(t.secure)),
      [TLS_VERSION_KEY]: t.tlsVersion === undefined ? ABSENT : exact(t.tlsVersion),
    });
  }
  for (const [key, alts] of Object.entries(cls.keys)) {
    out = out.flatMap((p) => alts.map((a) => ({ ...p, [key]: a })));
  }
  return out;
}

function describe(kv: KeyValue): string {
  return kv.kind === 'absent' ? 'absent' : kv.kind === 'exact' ? kv.value : kv.values.length === 0 ? 'any value' : `any value but ${kv.values.join(', ')}`;
}

/**
 * Whether one statement provably denies every request of `point`: true; or
 * why it cannot be proven (a condition on a key the class leaves open, an
 * operator not evaluated); or `undefined` when the statement plainly does not
 * apply to the point (a condition on a key the point fixes is false).
 */
function statementDenies(st: DenyStatement, cls: RequestClass, point: Point): true | { reason?: string; gap?: string } | undefined {
  let reason: string | undefined;
  for (const [op, keys] of Object.entries(st.conditions)) {
    for (const [key, values] of Object.entries(keys)) {
      const fixed = point[key];
      const alts = fixed !== undefined ? [fixed] : alternatives(cls, key);
      for (const kv of alts) {
        const r = conditionHoldsForAll(op, key, values, kv);
        if (r === true) continue;
        const where = `statement ${st.sid}: ${r.reason}`;
        // A modeled key's condition that is false here: the statement is about other requests,
        // or (any value but the bucket's key) it leaves some of them out.
        if (MODELED_KEYS.has(key) && (r.definite || fixed === undefined)) return r.leak ? { gap: where } : undefined;
        reason = reason ?? `${where}${fixed !== undefined ? ` (${key} ${describe(kv)})` : ''}`;
      }
    }
  }
  return reason === undefined ? true : { reason };
}

/**
 * Proves that `statements` deny every request of `cls`: for each combination
 * of its keys' alternatives and each transport, one statement (Deny, every
 * principal) must cover the action and every targeted resource, and its
 * conditions must hold for every such request whatever the keys the class
 * does not fix. Anything else is not a proof.
 */
export function proveDenied(statements: readonly DenyStatement[], cls: RequestClass, bucketArnForms: string[]): Proof {
  const reasons = new Set<string>();
  const gaps = new Set<string>();
  const by = new Set<string>();
  let proven = true;
  for (const point of points(cls)) {
    let denied = false;
    for (const st of statements) {
      if (st.unresolved) {
        reasons.add(`statement ${st.sid}: ${st.unresolved}`);
        continue;
      }
      const actionOk = cls.action === undefined ? coversAllS3Actions(st) : coversAction(st, cls.action);
      if (!actionOk) continue;
      const resourceOk = cls.target === 'objects' ? coversEveryObject(st, bucketArnForms) : coversResource(st, bucketArnForms);
      if (!resourceOk) {
        const partial = cls.target === 'objects' && coversResource(st, bucketArnForms.map((a) => `${a}/x`));
        if (partial || st.resources.some((r) => bucketArnForms.some((a) => r.startsWith(a)))) {
          gaps.add(`statement ${st.sid}: its Resource ${st.resources.join(', ')} does not cover ${cls.target === 'objects' ? 'every object (<bucket ARN>/*)' : 'the bucket ARN'}`);
        }
        continue;
      }
      const r = statementDenies(st, cls, point);
      if (r === true) {
        denied = true;
        by.add(st.sid);
        break;
      }
      if (r?.reason) reasons.add(r.reason);
      if (r?.gap) gaps.add(r.gap);
    }
    if (!denied) proven = false;
  }
  return proven ? { proven, by: [...by], reasons: [], gaps: [] } : { proven, by: [], reasons: [...reasons], gaps: [...gaps] };
}
