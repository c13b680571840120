/**
 * Symbolic resolution of CloudFormation values.
 *
 * A value that refers to a resource of the same template resolves to a
 * canonical string: `Ref X` is `${X}`, `Fn::GetAtt [X, A]` is `${X.A}`;
 * pseudo parameters stay symbolic (`${AWS::Partition}`); `Fn::Join` and
 * `Fn::Sub` are evaluated over those. Anything else (template parameters,
 * `Fn::ImportValue`, `Fn::If`, ...) is unresolved, with the reason.
 */

/** A resolved string, or why it could not be resolved. */
export interface Resolved {
  readonly ok: boolean;
  /** The canonical string when `ok`. */
  readonly value: string;
  /** Why the value could not be resolved when not `ok`. */
  readonly reason: string;
}

/** What the resolver needs to know about the template. */
export interface ResolveScope {
  /** Whether `logicalId` is a resource of the template. */
  hasResource(logicalId: string): boolean;
  /** Whether `logicalId` is a parameter of the template. */
  hasParameter(logicalId: string): boolean;
}

const known = (value: string): Resolved => ({ ok: true, value, reason: '' });
const unknown = (reason: string): Resolved => ({ ok: false, value: '', reason });

/** A short, single-line rendering of a CloudFormation value for messages. */
export function show(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s === undefined ? 'undefined' : s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/** Resolve `v` to a canonical string. */
export function resolveString(v: unknown, scope: ResolveScope): Resolved {
  if (typeof v === 'string') return known(literalText(v, scope));
  if (typeof v === 'number' || typeof v === 'boolean') return known(String(v));
  if (v === null || v === undefined) return unknown('the value is missing');
  if (Array.isArray(v) || typeof v !== 'object') return unknown(`${show(v)} is not a string`);
  const keys = Object.keys(v);
  if (keys.length !== 1) return unknown(`${show(v)} is not a string`);
  const fn = keys[0];
  const arg = (v as Record<string, unknown>)[fn];
  switch (fn) {
    case 'Ref':
      return resolveRef(String(arg), scope);
    case 'Fn::GetAtt': {
      const [id, attr] = Array.isArray(arg) ? arg : String(arg).split(/\.(.*)/s);
      if (typeof id === 'string' && typeof attr === 'string' && scope.hasResource(id)) return known(`\${${id}.${attr}}`);
      return unknown(`cannot resolve Fn::GetAtt ${show(arg)}: not a resource of this template`);
    }
    case 'Fn::Join': {
      if (!Array.isArray(arg) || arg.length !== 2 || typeof arg[0] !== 'string' || !Array.isArray(arg[1])) {
        return unknown(`cannot resolve ${show(v)}`);
      }
      const parts: string[] = [];
      for (const p of arg[1]) {
        const r = resolveString(p, scope);
        if (!r.ok) return r;
        parts.push(r.value);
      }
      return known(parts.join(arg[0]));
    }
    case 'Fn::Sub':
      return resolveSub(arg, scope);
    default:
      return unknown(`cannot resolve ${fn} ${show(arg)}`);
  }
}

function resolveRef(id: string, scope: ResolveScope): Resolved {
  if (id.startsWith('AWS::') || scope.hasResource(id)) return known(`\${${id}}`);
  if (scope.hasParameter(id)) return unknown(`cannot resolve Ref ${id}: a template parameter, known only at deploy time`);
  return unknown(`cannot resolve Ref ${id}: not a resource or parameter of this template`);
}

function resolveSub(arg: unknown, scope: ResolveScope): Resolved {
  const [text, vars] = Array.isArray(arg) ? [arg[0], (arg[1] ?? {}) as Record<string, unknown>] : [arg, {}];
  if (typeof text !== 'string') return unknown(`cannot resolve Fn::Sub ${show(arg)}`);
  let failure: Resolved | undefined;
  const out = text.replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
    if (name.startsWith('!')) return literalText(`\${${name.slice(1)}}`, scope);
    if (Object.prototype.hasOwnProperty.call(vars, name)) {
      const r = resolveString(vars[name], scope);
      if (!r.ok) failure = failure ?? r;
      return r.value;
    }
    const dot = name.indexOf('.');
    const r = dot > 0 ? resolveString({ 'Fn::GetAtt': [name.slice(0, dot), name.slice(dot + 1)] }, scope) : resolveRef(name, scope);
    if (!r.ok) failure = failure ?? r;
    return r.ok ? r.value : whole;
  });
  return failure ?? known(out);
}

/**
 * Whether `token` (`${...}` in a resolved value) is a reference of the
 * template this resolver produced (`${Bucket}`, `${Bucket.Arn}`,
 * `${AWS::Partition}`), which CloudFormation substitutes; anything else
 * between `${` and `}` reaches IAM as written (a policy variable, or text).
 */
export function isTemplateReference(token: string, scope: ResolveScope): boolean {
  const name = token.slice(2, -1);
  if (/^AWS::[A-Za-z]+$/.test(name)) return true;
  const m = /^([A-Za-z0-9]+)(\.[A-Za-z0-9.]+)?$/.exec(name);
  return m !== null && scope.hasResource(m[1]);
}

/**
 * Literal template text (a plain string, or `${!x}` in `Fn::Sub`): CloudFormation passes it unchanged, so a
 * `${...}` in it that reads like a reference of the template is marked `${!...}`, never to be taken for that
 * reference (a literal "${Bucket.Arn}/*" is not the bucket's objects).
 */
function literalText(s: string, scope: ResolveScope): string {
  if (!s.includes('${')) return s;
  return s.replace(/\$\{[^}]*\}/g, (token) => isTemplateReference(token, scope) ? `\${!${token.slice(2)}` : token);
}

/** Resolve a boolean (`true` or `"true"`), or say why not. */
export function resolveBool(v: unknown, scope: ResolveScope): { ok: boolean; value: boolean; reason: string } {
  if (v === undefined) return { ok: true, value: false, reason: '' };
  if (typeof v === 'boolean') return { ok: true, value: v, reason: '' };
  const r = resolveString(v, scope);
  if (!r.ok) return { ok: false, value: false, reason: r.reason };
  const s = r.value.toLowerCase();
  if (s === 'true' || s === 'false') return { ok: true, value: s === 'true', reason: '' };
  return { ok: false, value: false, reason: `cannot resolve ${show(v)} to a boolean` };
}

/** Canonical partition: `arn:aws:`, `arn:aws-cn:`, ... and `arn:${AWS::Partition}:` compare equal. */
export function canonArn(s: string): string {
  return s.replace(/^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc|\$\{AWS::Partition\}):/, 'arn:${AWS::Partition}:');
}

/** A value as a list (CloudFormation accepts a single value where a list is expected). */
export function asList(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}
