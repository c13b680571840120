import { SECURE_TRANSPORT_KEY, SSE_C_KEY, SSE_KEY, SSE_KMS_KEY_ID_KEY, TLS_VERSION_KEY } from './condition-keys';
import { ResolveScope, asList, canonArn, isTemplateReference, resolveString, show } from './symbolic-values';
import { DOCUMENT_ELEMENTS, MODELLED_KEYS, POLICY_VERSIONS, STATEMENT_ELEMENTS, notUnderstoodCondition, policyVariables } from './understood-policy';
import { hasWildcard, mayMatch, matchesEveryExtension, wildcardMatches } from './wildcard-matching';

export { SECURE_TRANSPORT_KEY, SSE_C_KEY, SSE_KEY, SSE_KMS_KEY_ID_KEY, TLS_VERSION_KEY };

/**
 * The keys the engine models (see MODELLED_KEYS in understood-policy): a
 * request class says what each takes, and a condition on one that is false
 * for a class just means the statement is about other requests. A condition
 * on any other key (principal, VPC endpoint, account, ...) must hold for
 * every value and for its absence, or the statement proves nothing ("not
 * proven", naming the key).
 */
export const MODELED_KEYS: ReadonlySet<string> = new Set(Object.keys(MODELLED_KEYS));

/** A bucket-policy statement, normalised. */
export interface DenyStatement {
  readonly sid: string;
  /** Why the statement cannot be evaluated, if it cannot. */
  readonly unresolved?: string;
  /** The action patterns (lower case); empty with `notActions`. */
  readonly actions: string[];
  /** NotAction: the statement applies to every action none of these (lower case) matches. */
  readonly notActions?: string[];
  /** The resource patterns, canonical; empty with `notResources`. */
  readonly resources: string[];
  /** NotResource: the statement applies to every resource none of these (canonical) matches. */
  readonly notResources?: string[];
  /** NotPrincipal: the statement exempts these principals (for messages), so it denies no class for every principal. */
  readonly exemptPrincipals?: string;
  /** operator -> key (lower case) -> values */
  readonly conditions: Record<string, Record<string, string[]>>;
  /** operator -> key (lower case) -> why the engine cannot evaluate that condition (a policy variable in a value, ...). */
  readonly notUnderstood?: Record<string, Record<string, string>>;
}

/**
 * The Deny statements of a policy document that may deny every principal:
 * `Principal: *` (or `{AWS: *}`), and `NotPrincipal` ones, which are kept
 * to be reported as exemptions. Allow statements never undo a Deny and are
 * ignored; so are Denies for named principals only.
 *
 * Only what understood-policy lists is evaluated: a document or statement
 * element, Version, operator or operator/key pair outside it makes the
 * statement no proof (`unresolved`, or `notUnderstood` for one condition).
 */
export function denyStatements(doc: unknown, scope: ResolveScope): DenyStatement[] {
  const out: DenyStatement[] = [];
  const d = (doc ?? {}) as Record<string, unknown>;
  let docProblem: string | undefined;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) docProblem = `the policy document ${show(doc)} is not an object`;
  const unknownDocElements = Object.keys(d).filter((k) => DOCUMENT_ELEMENTS[k] === undefined);
  if (!docProblem && unknownDocElements.length > 0) docProblem = `the policy document has the element ${unknownDocElements.join(', ')}, which the engine does not understand`;
  let variables = false;
  if (!docProblem && d.Version !== undefined) {
    const version = typeof d.Version === 'string' ? POLICY_VERSIONS[d.Version] : undefined;
    if (version === undefined) docProblem = `the policy Version ${show(d.Version)} is not one the engine understands (2012-10-17, 2008-10-17)`;
    else variables = version.variables;
  }
  const statements = asList(d.Statement);
  statements.forEach((raw: any, i) => {
    if (raw === null || typeof raw !== 'object' || raw.Effect !== 'Deny') return;
    const exempt = raw.NotPrincipal !== undefined;
    if (!exempt && !isAnyPrincipal(raw.Principal)) return;
    const sid = typeof raw.Sid === 'string' ? raw.Sid : `#${i}`;
    let unresolved: string | undefined = docProblem;
    const unknownElements = Object.keys(raw).filter((k) => STATEMENT_ELEMENTS[k] === undefined);
    if (unknownElements.length > 0) unresolved = unresolved ?? `it has the element ${unknownElements.join(', ')}, which the engine does not understand`;
    for (const [a, b] of [['Principal', 'NotPrincipal'], ['Action', 'NotAction'], ['Resource', 'NotResource']]) {
      if ((raw[a] === undefined) === (raw[b] === undefined) && !(a === 'Principal' && raw[a] === undefined && raw[b] === undefined)) {
        unresolved = unresolved ?? `it has ${raw[a] === undefined ? 'neither' : 'both'} ${a} and ${b}`;
      }
    }
    const str = (v: unknown): string => {
      const r = resolveString(v, scope);
      if (!r.ok) unresolved = unresolved ?? r.reason;
      return r.value;
    };
    const isReference = (token: string) => isTemplateReference(token, scope);
    const actionPatterns = asList(raw.Action ?? raw.NotAction).map((a) => str(a).toLowerCase());
    const resourcePatterns = asList(raw.Resource ?? raw.NotResource).map((r) => canonArn(str(r)));
    const conditions: Record<string, Record<string, string[]>> = {};
    const notUnderstood: Record<string, Record<string, string>> = {};
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
        let why = notUnderstoodCondition(op, lower);
        // ARNs are compared in their canonical partition form.
        const list = asList(values).map((v) => {
          const text = canonArn(str(v));
          if (!variables) return text; // 2008-10-17: `${...}` is literal text
          const use = policyVariables(text, isReference);
          if (use.variables.length > 0) {
            why = why ?? `has the value ${text}, whose policy variable ${use.variables[0]} IAM substitutes per request under Version 2012-10-17, so it is not a fixed value`;
          } else if (use.escapedWildcard && (op.includes('Like') || text.includes('${$}{'))) {
            why = why ?? `has the value ${text}, whose escape (\${*}, \${?} or \${$}) stands for a literal character the engine's patterns cannot express`;
          }
          return use.literal;
        });
        if (list.length === 0) why = why ?? 'has no value';
        keys[lower] = list;
        if (why !== undefined) (notUnderstood[op] = notUnderstood[op] ?? {})[lower] = `its ${op} condition on ${lower} ${why}`;
      }
      conditions[op] = keys;
    }
    out.push({
      sid,
      unresolved,
      actions: raw.NotAction === undefined ? actionPatterns : [],
      notActions: raw.NotAction === undefined ? undefined : actionPatterns,
      resources: raw.NotResource === undefined ? resourcePatterns : [],
      notResources: raw.NotResource === undefined ? undefined : resourcePatterns,
      exemptPrincipals: exempt ? show(raw.NotPrincipal) : undefined,
      conditions,
      notUnderstood: Object.keys(notUnderstood).length > 0 ? notUnderstood : undefined,
    });
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
  if (st.notActions) return !st.notActions.some((a) => mayMatch(a, action.toLowerCase(), false));
  return st.actions.some((a) => wildcardMatches(a, action.toLowerCase(), true));
}

/** Whether the statement's actions include every S3 action. */
export function coversAllS3Actions(st: DenyStatement): boolean {
  // NotAction: no pattern may match any `s3:...` action (`iam:*` matches none; `*`, `s3:Get*`, `s?:*` may).
  if (st.notActions) return !st.notActions.some((a) => mayMatch(a, 's3:', true));
  return st.actions.some((a) => a === '*' || a === 's3:*');
}

/** Whether the statement's resources include the resource `arn` (one of its canonical forms). */
export function coversResource(st: DenyStatement, arnForms: string[]): boolean {
  // NotResource: one form of the ARN that no pattern can match proves the resource is not excluded.
  if (st.notResources) return arnForms.some((f) => !st.notResources!.some((r) => mayMatch(r, f, false)));
  return st.resources.some((r) => arnForms.some((f) => wildcardMatches(r, f)));
}

/** Whether the statement's resources include EVERY object of the bucket (`<bucket ARN>/<any key>`). */
export function coversEveryObject(st: DenyStatement, bucketArnForms: string[]): boolean {
  if (st.notResources) return bucketArnForms.some((a) => !st.notResources!.some((r) => mayMatch(r, `${a}/`, true)));
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
  // Only what understood-policy lists is evaluated.
  const notUnderstood = notUnderstoodCondition(rawOp, key);
  if (notUnderstood !== undefined) return { definite: false, reason: `its ${rawOp} condition on ${key} ${notUnderstood}` };
  if (values.length === 0) return { definite: false, reason: `its ${rawOp} condition on ${key} has no value` };
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
      const why = st.notUnderstood?.[op]?.[key];
      for (const kv of alts) {
        const r: true | NotHeld = why !== undefined ? { definite: false, reason: why } : conditionHoldsForAll(op, key, values, kv);
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
      if (!actionOk) {
        if (cls.action === undefined && st.notActions) gaps.add(`statement ${st.sid}: its NotAction ${st.notActions.join(', ')} may exempt some S3 actions`);
        continue;
      }
      const resourceOk = cls.target === 'objects' ? coversEveryObject(st, bucketArnForms) : coversResource(st, bucketArnForms);
      if (!resourceOk && st.notResources) {
        reasons.add(`statement ${st.sid}: its NotResource ${st.notResources.join(', ')} cannot be proven to leave out no part of ${cls.target === 'objects' ? 'the bucket\'s objects' : 'the bucket'}`);
        continue;
      }
      if (!resourceOk) {
        const partial = cls.target === 'objects' && coversResource(st, bucketArnForms.map((a) => `${a}/x`));
        if (partial || st.resources.some((r) => bucketArnForms.some((a) => r.startsWith(a)))) {
          gaps.add(`statement ${st.sid}: its Resource ${st.resources.join(', ')} does not cover ${cls.target === 'objects' ? 'every object (<bucket ARN>/*)' : 'the bucket ARN'}`);
        }
        continue;
      }
      if (st.exemptPrincipals !== undefined) {
        gaps.add(`statement ${st.sid}: its NotPrincipal ${st.exemptPrincipals} exempts those principals`);
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
