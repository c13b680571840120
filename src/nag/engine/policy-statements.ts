import { ResolveScope, asList, canonArn, resolveString, show } from './values';

/** One request as the enforcement checks probe it: condition keys (lower case) present in the request. */
export type ProbeRequest = Readonly<Record<string, string>>;

/** Condition keys the checks use. */
export const SSE_KEY = 's3:x-amz-server-side-encryption';
export const SSE_KMS_KEY_ID_KEY = 's3:x-amz-server-side-encryption-aws-kms-key-id';
export const SSE_C_KEY = 's3:x-amz-server-side-encryption-customer-algorithm';
export const SECURE_TRANSPORT_KEY = 'aws:securetransport';

/** How one Deny statement of a bucket policy answers a probe. */
export enum Verdict { DENIES = 'DENIES', DOES_NOT_DENY = 'DOES_NOT_DENY', UNKNOWN = 'UNKNOWN' }

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
    for (const [op, block] of Object.entries((raw.Condition ?? {}) as Record<string, unknown>)) {
      const keys: Record<string, string[]> = {};
      for (const [key, values] of Object.entries((block ?? {}) as Record<string, unknown>)) {
        keys[key.toLowerCase()] = asList(values).map(str);
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

function wildcard(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((s) => s.split('?').map(escape).join('.')).join('.*')}$`, 's');
  return re.test(value);
}
function escape(s: string): string {
  return s.replace(/[.+^${}()|[\]\\]/g, '\\$&');
}

/** Whether the statement's actions include `action` (e.g. `s3:putobject`). */
export function coversAction(st: DenyStatement, action: string): boolean {
  return st.actions.some((a) => wildcard(a, action.toLowerCase()));
}

/** Whether the statement's actions include every S3 action. */
export function coversAllS3Actions(st: DenyStatement): boolean {
  return st.actions.some((a) => a === '*' || a === 's3:*');
}

/** Whether the statement's resources include `arn` (canonical, one of its equivalent forms). */
export function coversResource(st: DenyStatement, arnForms: string[]): boolean {
  return st.resources.some((r) => r === '*' || arnForms.some((f) => r === f || (r.includes('*') && wildcard(r, f))));
}

const NEGATED = /^(StringNotEquals|StringNotEqualsIgnoreCase|StringNotLike|ArnNotEquals|ArnNotLike)$/;
const POSITIVE = /^(StringEquals|StringEqualsIgnoreCase|StringLike|ArnEquals|ArnLike|Bool)$/;
const NUMERIC: Record<string, (a: number, b: number) => boolean> = {
  NumericEquals: (a, b) => a === b,
  NumericNotEquals: (a, b) => a !== b,
  NumericLessThan: (a, b) => a < b,
  NumericLessThanEquals: (a, b) => a <= b,
  NumericGreaterThan: (a, b) => a > b,
  NumericGreaterThanEquals: (a, b) => a >= b,
};

/**
 * What every probe request also carries: it is sent over TLS 1.3, so
 * transport statements (aws:SecureTransport, s3:TlsVersion) do not deny it.
 */
export const PROBE_TRANSPORT: ProbeRequest = { 'aws:securetransport': 'true', 's3:tlsversion': '1.3' };

/**
 * Whether the statement's conditions all hold for `request` (IAM semantics:
 * blocks ANDed, values of one key ORed, a negated operator holds for an
 * absent key, `...IfExists` holds for an absent key, `Null` tests presence).
 */
export function conditionsHold(st: DenyStatement, request: ProbeRequest): Verdict {
  for (const [rawOp, keys] of Object.entries(st.conditions)) {
    const ifExists = rawOp.endsWith('IfExists');
    const op = ifExists ? rawOp.slice(0, -'IfExists'.length) : rawOp;
    for (const [key, values] of Object.entries(keys)) {
      const actual = request[key];
      let holds: boolean;
      if (op === 'Null') {
        if (values.length !== 1 || !['true', 'false'].includes(values[0].toLowerCase())) return Verdict.UNKNOWN;
        holds = (actual === undefined) === (values[0].toLowerCase() === 'true');
      } else if (actual === undefined) {
        if (!NEGATED.test(op) && !POSITIVE.test(op) && !NUMERIC[op]) return Verdict.UNKNOWN;
        holds = ifExists || NEGATED.test(op) || op === 'NumericNotEquals';
      } else if (NUMERIC[op]) {
        const a = Number(actual);
        const nums = values.map(Number);
        if (Number.isNaN(a) || nums.some(Number.isNaN)) return Verdict.UNKNOWN;
        holds = op === 'NumericNotEquals' ? nums.every((b) => a !== b) : nums.some((b) => NUMERIC[op](a, b));
      } else if (NEGATED.test(op) || POSITIVE.test(op)) {
        const ci = op.includes('IgnoreCase') || op === 'Bool';
        const like = op.includes('Like');
        const eq = (v: string) => like ? wildcard(ci ? v.toLowerCase() : v, ci ? actual.toLowerCase() : actual)
          : ci ? v.toLowerCase() === actual.toLowerCase() : v === actual;
        const any = values.some(eq);
        holds = NEGATED.test(op) ? !any : any;
      } else {
        return Verdict.UNKNOWN; // ForAnyValue:/ForAllValues:, Numeric*, Date*, IpAddress: not used by these checks
      }
      if (!holds) return Verdict.DOES_NOT_DENY;
    }
  }
  return Verdict.DENIES;
}

/** The outcome of probing a set of statements with one request. */
export interface ProbeOutcome {
  readonly verdict: Verdict;
  /** The statement that denies, or the reason for UNKNOWN. */
  readonly detail: string;
}

/**
 * Whether some statement denies `action` on `arnForms` for `request`. A
 * statement whose values could not be resolved gives UNKNOWN rather than a pass.
 */
export function probe(statements: DenyStatement[], action: string, arnForms: string[], request: ProbeRequest): ProbeOutcome {
  let unknownDetail: string | undefined;
  for (const st of statements) {
    if (st.unresolved) {
      unknownDetail = unknownDetail ?? `statement ${st.sid}: ${st.unresolved}`;
      continue;
    }
    if (!coversAction(st, action) || !coversResource(st, arnForms)) continue;
    const v = conditionsHold(st, { ...PROBE_TRANSPORT, ...request });
    if (v === Verdict.DENIES) return { verdict: Verdict.DENIES, detail: st.sid };
    if (v === Verdict.UNKNOWN) unknownDetail = unknownDetail ?? `statement ${st.sid} uses a condition operator the checks do not evaluate`;
  }
  return unknownDetail ? { verdict: Verdict.UNKNOWN, detail: unknownDetail } : { verdict: Verdict.DOES_NOT_DENY, detail: '' };
}

/** Renders a probe request for messages. */
export function showRequest(request: ProbeRequest): string {
  const entries = Object.entries(request);
  return entries.length === 0 ? 'an upload without encryption headers' : `an upload with ${entries.map(([k, v]) => `${k}=${show(v)}`).join(', ')}`;
}
