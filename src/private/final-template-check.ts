import { CfnElement, CfnResource, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { SecureBucketConfigError } from './errors';
import { DEFAULT_POLICY, EnginePolicy } from '../nag/engine/policy';
import { show } from '../nag/engine/symbolic-values';
import { CfnResourceView, TemplateIndex } from '../nag/engine/template-index';
import { ResolvedStackTemplate, resolvedStackTemplate } from '../stack-template/resolved-stack-template';

// The synth-time self-check. Constructs of this library register what their final,
// resolved CloudFormation must say; one validation per stack (node.addValidation, which
// runs after Aspects and with property overrides applied) renders the stack once and
// runs every registered check. A violation fails synthesis with a SecureBucketConfigError.

/** One thing the final template does not keep. */
export interface Problem {
  /** The CloudFormation property (or construct prop) that changed. */
  readonly prop: string;
  /** What changed, in the final template. */
  readonly problem: string;
  readonly fix: string;
}

/** What a check sees: the stack's resolved template, rendered once per validation. */
export class CheckContext {
  private readonly templates = new Map<Stack, ResolvedStackTemplate>();
  private readonly indexes = new Map<string, TemplateIndex>();
  private readonly computed = new Map<string, unknown>();

  /** `make()`, computed once in this run under `key` (for what every check of the run needs alike). */
  public once<T>(key: string, make: () => T): T {
    if (!this.computed.has(key)) this.computed.set(key, make());
    return this.computed.get(key) as T;
  }

  /** The resolved template of `stack` (rendered on first use in this run). */
  public templateOf(stack: Stack): ResolvedStackTemplate {
    let t = this.templates.get(stack);
    if (t === undefined) {
      t = resolvedStackTemplate(stack);
      this.templates.set(stack, t);
    }
    return t;
  }

  /** The rule engine's index of `stack`'s template under `policy` (one per stack and policy in this run). */
  public indexOf(stack: Stack, policy: EnginePolicy = DEFAULT_POLICY): TemplateIndex {
    const key = `${stack.node.path}\n${JSON.stringify(policy)}`;
    let index = this.indexes.get(key);
    if (index === undefined) {
      index = new TemplateIndex(this.templateOf(stack).template, policy);
      this.indexes.set(key, index);
    }
    return index;
  }

  /** The resolved resource of an L1, or undefined when it is not in its stack's template. */
  public resourceOf(el: CfnElement, policy?: EnginePolicy): FoundResource | undefined {
    const stack = Stack.of(el);
    const rendered = this.templateOf(stack);
    const id = rendered.logicalIds.get(el);
    if (id === undefined) return undefined;
    const index = this.indexOf(stack, policy);
    const view = index.resources.get(id);
    const raw = rendered.template.Resources[id];
    return view && raw ? { view, raw, index } : undefined;
  }
}

/** A resource of the final template: the engine's view, the raw resolved entry, and the index it is in. */
export interface FoundResource {
  readonly view: CfnResourceView;
  readonly raw: Record<string, any>;
  readonly index: TemplateIndex;
}

/** A registered check: the construct it reports on and the function that finds problems. */
interface Check {
  readonly scope: IConstruct;
  readonly run: (ctx: CheckContext) => Problem[];
  /** Reported before helpers' problems (a SecureBucket, rather than the shared log bucket it uses). */
  readonly primary: boolean;
}

const CHECKS = Symbol.for('cdk-secure-bucket.finalTemplateChecks');

/**
 * Registers a check of the final template of `scope`'s stack. All checks of
 * a stack run in one validation (the template is rendered once); the problems
 * of one construct are reported together in one SecureBucketConfigError naming
 * its path, those of other constructs of the stack appended to its message.
 *
 * @param primary whether the construct is one the user created (its problems are reported first)
 */
export function checkFinalTemplate(scope: IConstruct, run: (ctx: CheckContext) => Problem[], primary = true): void {
  const stack = Stack.of(scope) as Stack & { [CHECKS]?: Check[] };
  let checks = stack[CHECKS];
  if (checks === undefined) {
    checks = [];
    Object.defineProperty(stack, CHECKS, { value: checks });
    const registered = checks;
    stack.node.addValidation({
      validate: () => {
        const ctx = new CheckContext();
        const failed: Array<{ scope: IConstruct; problems: Problem[] }> = [];
        for (const check of [...registered].sort((a, b) => Number(b.primary) - Number(a.primary))) {
          if (!inTree(check.scope)) continue;
          const problems = check.run(ctx);
          if (problems.length > 0) failed.push({ scope: check.scope, problems });
        }
        if (failed.length > 0) throw toError(failed[0].scope, failed[0].problems, failed.slice(1));
        return [];
      },
    });
  }
  checks.push({ scope, run, primary });
}

/** Whether a construct is still attached to the tree (not removed with tryRemoveChild). */
function inTree(c: IConstruct): boolean {
  const parent = c.node.scope;
  return parent === undefined || (parent.node.tryFindChild(c.node.id) === c && inTree(parent));
}

function toError(scope: IConstruct, problems: Problem[], others: Array<{ scope: IConstruct; problems: Problem[] }>): SecureBucketConfigError {
  const also = others.length === 0 ? ''
    : `\n  The final template also breaks ${others.map((o) => `${o.scope.node.path} (${[...new Set(o.problems.map((p) => p.prop))].join(', ')})`).join(', ')}`;
  if (problems.length === 1 && others.length === 0) {
    const p = problems[0];
    return new SecureBucketConfigError(scope, p.prop, p.problem, p.fix);
  }
  return new SecureBucketConfigError(scope, [...new Set(problems.map((p) => p.prop))].join(', '),
    `${problems.length} problem(s) in the final template:\n  - ${problems.map((p) => `${p.prop}: ${p.problem}. Fix: ${p.fix}`).join('\n  - ')}${also}`,
    'see each problem above');
}

/** Canonical JSON: keys sorted, undefined members dropped, so two renderings compare equal. */
export function canonical(v: unknown): string {
  return JSON.stringify(sortKeys(v)) ?? 'undefined';
}
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().filter((k) => (v as any)[k] !== undefined).map((k) => [k, sortKeys((v as any)[k])]));
  }
  return v;
}

/** The fix for a setting SecureBucket owns that was changed after construction. */
export const ESCAPE_HATCH_FIX = 'remove the escape hatch (L1 property override, deletion override, direct L1 assignment or Aspect) '
  + 'that changes it: the construct sets it and guarantees it. If you need a weaker bucket, use s3.Bucket, not this construct';

/**
 * Compares properties of a resolved resource with what the construct set.
 * `expected` is in CloudFormation form (tokens allowed, resolved here);
 * `undefined` means the property must be absent. With `subset`, only the
 * members given in the expected object are compared.
 */
export function expectProperties(
  stack: Stack, resource: Record<string, any>, expected: Record<string, unknown>, what: string, subset: string[] = [],
): Problem[] {
  const props = (resource.Properties ?? {}) as Record<string, unknown>;
  const problems: Problem[] = [];
  for (const [name, want] of Object.entries(expected)) {
    const resolvedWant = stack.resolve(want);
    let got = props[name];
    if (subset.includes(name) && got !== null && typeof got === 'object' && resolvedWant !== undefined) {
      got = Object.fromEntries(Object.keys(resolvedWant as object).map((k) => [k, (got as any)[k]]));
    }
    if (canonical(got) !== canonical(resolvedWant)) {
      problems.push({
        prop: name,
        problem: got === undefined
          ? `the final template has no ${name} on ${what}, which must be ${show(resolvedWant)}`
          : resolvedWant === undefined
            ? `the final template sets ${name} on ${what} (${show(got)}), which must not be set`
            : `the final template changed ${name} of ${what}: ${differences(got, resolvedWant).join('; ')}`,
        fix: ESCAPE_HATCH_FIX,
      });
    }
  }
  return problems;
}

/** Where two resolved values differ, as `path: got (must be want)`, at most three. */
export function differences(got: unknown, want: unknown, path = ''): string[] {
  if (canonical(got) === canonical(want)) return [];
  const bothObjects = got !== null && want !== null && typeof got === 'object' && typeof want === 'object'
    && Array.isArray(got) === Array.isArray(want);
  if (!bothObjects) {
    return [`${path || '(value)'} is ${got === undefined ? 'missing' : show(got)}${want === undefined ? ' (must be absent)' : ` (must be ${show(want)})`}`];
  }
  const keys = [...new Set([...Object.keys(want as object), ...Object.keys(got as object)])];
  return keys.flatMap((k) => differences((got as any)[k], (want as any)[k], path ? `${path}.${k}` : k)).slice(0, 3);
}

/**
 * Policy statements (in `toStatementJson()` form, tokens allowed) that are not
 * present, unmodified, among `statements`. A statement counts as present when
 * one statement has its Sid, Effect, conditions and "Not" elements, and at
 * least its principals, actions and resources: policy minimization
 * (`@aws-cdk/aws-iam:minimizePolicies`) merges statements that way, and a
 * wider Deny only denies more.
 */
export function missingStatements(stack: Stack, required: unknown[], statements: unknown[]): unknown[] {
  // Each statement's canonical parts are built at most once: a shared log bucket's policy has a
  // statement per source bucket, none with a Sid, so every pair is compared.
  const finals = statements.map((f) => new ComparedStatement(f));
  return required.map((s) => stack.resolve(s)).filter((r) => {
    const want = new ComparedStatement(r);
    return !finals.some((f) => covers(f, want));
  });
}

/** A statement as `covers` compares it: its parts in canonical JSON, each built on first use. */
class ComparedStatement {
  public readonly isObject: boolean;
  public readonly sid?: string;
  private readonly parts = new Map<string, string | ReadonlySet<string>>();

  constructor(private readonly statement: any) {
    this.isObject = statement !== null && typeof statement === 'object';
    this.sid = this.isObject && typeof statement.Sid === 'string' ? statement.Sid : undefined;
  }

  public has(field: string): boolean {
    return this.statement[field] !== undefined;
  }

  public json(field: string): string {
    return this.part(field, () => canonical(this.statement[field])) as string;
  }

  /** The canonical members of Action or Resource, or the principals of Principal. */
  public set(field: 'Action' | 'Resource' | 'Principal'): ReadonlySet<string> {
    return this.part(`[]${field}`, () => new Set(field === 'Principal' ? principals(this.statement.Principal) : members(this.statement[field]))) as ReadonlySet<string>;
  }

  private part(key: string, make: () => string | ReadonlySet<string>): string | ReadonlySet<string> {
    let v = this.parts.get(key);
    if (v === undefined) {
      v = make();
      this.parts.set(key, v);
    }
    return v;
  }
}

function covers(final: ComparedStatement, required: ComparedStatement): boolean {
  if (!final.isObject || !required.isObject) return false;
  // Most pairs differ in their Sid: decided before any canonical JSON is built.
  if (required.sid !== undefined && final.sid !== undefined && final.sid !== required.sid) return false;
  for (const k of ['Sid', 'Effect', 'Condition', 'NotAction', 'NotPrincipal', 'NotResource']) {
    if (required.has(k) && final.json(k) !== required.json(k)) return false;
    if (!required.has(k) && k !== 'Sid' && final.has(k)) return false;
  }
  const superset = (a: ReadonlySet<string>, b: ReadonlySet<string>) => [...b].every((x) => a.has(x));
  return superset(final.set('Action'), required.set('Action'))
    && superset(final.set('Resource'), required.set('Resource'))
    && superset(final.set('Principal'), required.set('Principal'));
}

function members(v: unknown): string[] {
  return (v === undefined ? [] : Array.isArray(v) ? v : [v]).map(canonical);
}

function principals(p: unknown): string[] {
  if (p === undefined) return [];
  if (p === '*') return ['AWS:"*"'];
  if (p === null || typeof p !== 'object') return [canonical(p)];
  return Object.entries(p as Record<string, unknown>).flatMap(([type, v]) => members(v).map((m) => `${type}:${m}`));
}

/** The statements of a resolved policy document. */
export function statementsOf(doc: unknown): unknown[] {
  const st = (doc as any)?.Statement;
  return st === undefined ? [] : Array.isArray(st) ? st : [st];
}

/** A short label of a statement for messages. */
export function statementLabel(s: any): string {
  return s?.Sid ? `'${s.Sid}'` : show(s);
}

/** What must hold for a KMS key the library created or was given. */
export interface KeyExpectations {
  readonly key: kms.IKey;
  /** Its L1, captured at construction; the key is checked on what the L1 renders now. */
  readonly cfnKey: kms.CfnKey;
  /** Where the problems are reported as coming from (the prop that names the key). */
  readonly prop: string;
  readonly rotationPeriodInDays?: number;
  /** Key-policy statements the construct added that must stay. */
  readonly requiredStatements?: unknown[];
  /** Whether the key must be retained when the stack deletes it. */
  readonly retained?: boolean;
}

/** Key rotation, the key policy and retention on the key's L1, as rendered now. */
export function checkKey(ctx: CheckContext, e: KeyExpectations): Problem[] {
  const current = e.key.node.defaultChild;
  if (current !== e.cfnKey || !inTree(e.cfnKey)) {
    return [{ prop: e.prop, problem: `the key ${e.key.node.path} no longer has its AWS::KMS::Key (it was removed or replaced)`, fix: ESCAPE_HATCH_FIX }];
  }
  const found = ctx.resourceOf(e.cfnKey);
  if (found === undefined) {
    return [{ prop: e.prop, problem: `the key ${e.key.node.path} is not in the final template`, fix: ESCAPE_HATCH_FIX }];
  }
  const stack = Stack.of(e.cfnKey);
  const props = (found.raw.Properties ?? {}) as Record<string, any>;
  const problems: Problem[] = [];
  const where = `of the key ${e.key.node.path}`;
  if (props.EnableKeyRotation !== true) {
    problems.push({ prop: `${e.prop} (EnableKeyRotation)`, problem: `automatic rotation ${where} is off in the final template (EnableKeyRotation is ${show(props.EnableKeyRotation)})`, fix: ESCAPE_HATCH_FIX });
  }
  if (e.rotationPeriodInDays !== undefined && props.RotationPeriodInDays !== e.rotationPeriodInDays) {
    problems.push({ prop: `${e.prop} (RotationPeriodInDays)`, problem: `the rotation period ${where} is ${show(props.RotationPeriodInDays)} in the final template, but it must be ${e.rotationPeriodInDays}`, fix: ESCAPE_HATCH_FIX });
  }
  if (props.Enabled === false || props.Enabled === 'false') {
    problems.push({ prop: `${e.prop} (Enabled)`, problem: `the key ${e.key.node.path} is disabled in the final template`, fix: ESCAPE_HATCH_FIX });
  }
  if (e.retained && found.raw.DeletionPolicy !== 'Retain') {
    problems.push({ prop: `${e.prop} (DeletionPolicy)`, problem: `the key ${e.key.node.path} is no longer retained on deletion (DeletionPolicy ${show(found.raw.DeletionPolicy)})`, fix: ESCAPE_HATCH_FIX });
  }
  const missing = missingStatements(stack, e.requiredStatements ?? [], statementsOf(props.KeyPolicy));
  if (missing.length > 0) {
    problems.push({ prop: `${e.prop} (KeyPolicy)`, problem: `the key policy ${where} lost or changed the statement(s) ${missing.map(statementLabel).join(', ')}`, fix: ESCAPE_HATCH_FIX });
  }
  return problems;
}

/** The L1 of a bucket of this app, if it has one. */
export function cfnBucketOf(bucket: s3.IBucket): s3.CfnBucket | undefined {
  const c = bucket.node.defaultChild;
  return CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::S3::Bucket' ? c as s3.CfnBucket : undefined;
}

/** The L1 of a key of this app, if it has one. */
export function cfnKeyOf(key: kms.IKey): kms.CfnKey | undefined {
  const c = key.node.defaultChild;
  return CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::KMS::Key' ? c as kms.CfnKey : undefined;
}

/**
 * The invariants every bucket of this library keeps: its L1 and its settings,
 * the statements of its bucket policy.
 */
export function checkBucketInvariants(ctx: CheckContext, bucket: s3.Bucket, expected: {
  readonly properties: Record<string, unknown>;
  readonly subset?: string[];
  readonly requiredStatements: unknown[];
  readonly policy?: EnginePolicy;
}): { problems: Problem[]; resource?: FoundResource } {
  const cfn = cfnBucketOf(bucket);
  if (cfn === undefined) return { problems: [] }; // the bucket resource itself was removed: nothing is deployed
  const found = ctx.resourceOf(cfn, expected.policy);
  if (found === undefined) return { problems: [] };
  const stack = Stack.of(bucket);
  const problems = expectProperties(stack, found.raw, expected.properties, bucket.node.path, expected.subset);
  const { policies } = found.index.policiesOf(found.view);
  const statements = policies.flatMap((p) => statementsOf(p.properties.PolicyDocument));
  if (policies.length > 1) {
    problems.push({
      prop: 'BucketPolicy',
      problem: `the final template has ${policies.length} bucket policies for ${bucket.node.path} (${policies.map((p) => p.logicalId).join(', ')}); `
        + 'S3 keeps one policy per bucket, so whichever CloudFormation applies last replaces the other and its statements',
      fix: 'remove the extra AWS::S3::BucketPolicy and add its statements with bucket.addToResourcePolicy(...) instead',
    });
  }
  const missing = missingStatements(stack, expected.requiredStatements, statements);
  if (missing.length > 0) {
    problems.push({
      prop: 'BucketPolicy',
      problem: policies.length === 0
        ? `the final template has no bucket policy for ${bucket.node.path} (it was removed), so the TLS-only and encryption-enforcement statements are gone`
        : `the bucket policy of ${bucket.node.path} lost or changed the statement(s) ${missing.map(statementLabel).join(', ')}`,
      fix: `${ESCAPE_HATCH_FIX}. Add your own statements with bucket.addToResourcePolicy(...) instead of replacing the policy`,
    });
  }
  return { problems, resource: found };
}
