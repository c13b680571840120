import { GENERAL_PURPOSE_BUCKET } from './resource-types';
import { show } from './symbolic-values';
import { TemplateIndex } from './template-index';

// What changes a bucket from outside its own template, or behind the engine's back inside it:
// S3 keeps ONE bucket policy per bucket, so an AWS::S3::BucketPolicy for the bucket in another
// template of the same app (another stack, a nested stack) replaces the enforcing one whichever
// deploys last; and a custom resource that calls a policy- or encryption-changing API on the
// bucket changes it at deploy time. Neither is visible in the bucket's template: both make the
// bucket "not proven" (rule S3BucketChangedElsewhere).

/** One template of an app or cloud assembly, as the cross-template analysis sees it. */
export interface AppTemplate {
  /** A unique id (the file, or the stack path) and the name reports use. */
  readonly id: string;
  readonly name: string;
  readonly index: TemplateIndex;
  /** For a nested stack's template: the parent template's id and the logical id of its AWS::CloudFormation::Stack. */
  readonly parent?: { readonly id: string; readonly logicalId: string };
}

/** Custom resource types: AWS::CloudFormation::CustomResource and Custom::<anything>. */
export function isCustomResource(type: string): boolean {
  return type === 'AWS::CloudFormation::CustomResource' || type.startsWith('Custom::');
}

/**
 * The S3 API calls that replace or remove a bucket's policy or default
 * encryption (as an SDK call name in any casing, e.g. CDK's AwsCustomResource
 * `"action":"putBucketPolicy"`, or an `s3:` IAM action).
 */
export function policyOrEncryptionApi(s: string): string | undefined {
  return /(put|delete)[-_]?bucket[-_]?(policy|encryption)/i.exec(s)?.[0];
}

/** A bucket of a template: `<template id>\0<logical id>`. */
type BucketKey = string;
const key = (templateId: string, logicalId: string): BucketKey => `${templateId}\0${logicalId}`;

/**
 * For every general purpose bucket of `templates`, why it may be changed from
 * outside what its template's rules see: `<template id>` -> `<logical id>` -> reasons.
 * A bucket policy whose bucket cannot be told at all makes every bucket of
 * the other templates not proven too (it may be theirs).
 */
export function outsideChanges(templates: readonly AppTemplate[]): Map<string, Map<string, string[]>> {
  const byId = new Map(templates.map((t) => [t.id, t]));
  const literalNames = new Map<string, BucketKey[]>();
  for (const t of templates) {
    for (const b of t.index.ofType(GENERAL_PURPOSE_BUCKET)) {
      const n = t.index.str(b.properties.BucketName);
      if (n.ok) literalNames.set(n.value, [...literalNames.get(n.value) ?? [], key(t.id, b.logicalId)]);
    }
  }
  const exports = new Map<string, { template: AppTemplate; value: unknown }>();
  for (const t of templates) {
    for (const out of Object.values((t.index.template.Outputs ?? {}) as Record<string, any>)) {
      const name = out?.Export?.Name === undefined ? undefined : t.index.str(out.Export.Name);
      if (name?.ok) exports.set(name.value, { template: t, value: out.Value });
    }
  }

  /** The buckets a value names, as seen from template `t` (undefined: cannot tell). */
  const bucketsOf = (v: unknown, t: AppTemplate, depth = 0): BucketKey[] | undefined => {
    if (depth > 10) return undefined;
    const imported = (v as any)?.['Fn::ImportValue'];
    if (imported !== undefined) {
      const name = t.index.str(imported);
      const exp = name.ok ? exports.get(name.value) : undefined;
      return exp ? bucketsOf(exp.value, exp.template, depth + 1) : undefined;
    }
    const r = t.index.str(v);
    if (!r.ok) {
      const ref = (v as any)?.Ref;
      // A nested template's parameter: the value its parent passes.
      if (typeof ref === 'string' && t.index.hasParameter(ref) && t.parent) {
        const parent = byId.get(t.parent.id);
        const stack = parent?.index.resources.get(t.parent.logicalId);
        const passed = (stack?.properties.Parameters as any)?.[ref];
        return parent && passed !== undefined ? bucketsOf(passed, parent, depth + 1) : undefined;
      }
      return undefined;
    }
    const m = /^\$\{([^.}]+)(?:\.Arn)?\}$/.exec(r.value);
    if (m && t.index.resources.get(m[1])?.type === GENERAL_PURPOSE_BUCKET) return [key(t.id, m[1])];
    const arn = /^arn:[^:]+:s3:::([^/]+)$/.exec(r.value);
    return literalNames.get(arn ? arn[1] : r.value) ?? [];
  };

  const out = new Map<string, Map<string, string[]>>();
  const note = (k: BucketKey, reason: string) => {
    const [tid, lid] = k.split('\0');
    const m = out.get(tid) ?? new Map<string, string[]>();
    m.set(lid, [...m.get(lid) ?? [], reason]);
    out.set(tid, m);
  };
  const allBuckets = templates.flatMap((t) => t.index.ofType(GENERAL_PURPOSE_BUCKET).map((b) => key(t.id, b.logicalId)));

  for (const t of templates) {
    for (const p of t.index.ofType('AWS::S3::BucketPolicy')) {
      const targets = bucketsOf(p.properties.Bucket, t);
      if (targets === undefined) {
        // Its own template's rules report it (TemplateIndex.denyStatementsOf); the other templates' buckets may be its target too.
        for (const k of allBuckets.filter((b) => !b.startsWith(`${t.id}\0`))) {
          note(k, `the bucket policy ${p.logicalId} in ${t.name} targets a bucket that cannot be resolved (${show(p.properties.Bucket)}), so it may replace this bucket's policy`);
        }
        continue;
      }
      for (const k of targets.filter((b) => !b.startsWith(`${t.id}\0`))) {
        note(k, `the bucket policy ${p.logicalId} in ${t.name} also targets this bucket; S3 keeps one policy per bucket, so whichever deploys last replaces the other. Fix: keep one AWS::S3::BucketPolicy, in the bucket's own template`);
      }
    }
    for (const c of t.index.resources.values()) {
      if (!isCustomResource(c.type)) continue;
      const api = firstString(c.properties, (s) => policyOrEncryptionApi(s) !== undefined);
      if (api === undefined) continue;
      const targets = new Set<BucketKey>();
      let unknownTarget = false;
      for (const ref of references(c.properties)) {
        const bs = bucketsOf(ref, t);
        if (bs === undefined) unknownTarget = true;
        else bs.forEach((b) => targets.add(b));
      }
      const reason = `the custom resource ${c.logicalId} (${c.type}) in ${t.name} calls ${policyOrEncryptionApi(api)}`;
      for (const k of targets) note(k, `${reason} with this bucket in its properties, so its policy or default encryption is changed at deploy time`);
      if (unknownTarget) {
        for (const k of allBuckets.filter((b) => !targets.has(b))) note(k, `${reason} on a value the engine cannot resolve, which may be this bucket`);
      }
    }
  }
  return out;
}

/** The first string below `v` (object keys excluded) that satisfies `test`. */
function firstString(v: unknown, test: (s: string) => boolean): string | undefined {
  if (typeof v === 'string') return test(v) ? v : undefined;
  if (v === null || typeof v !== 'object') return undefined;
  for (const x of Array.isArray(v) ? v : Object.values(v)) {
    const found = firstString(x, test);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The values below `v` that may name a bucket: Ref, Fn::GetAtt, Fn::ImportValue and literal strings. */
function references(v: unknown): unknown[] {
  if (typeof v === 'string') return [v];
  if (v === null || typeof v !== 'object') return [];
  if (!Array.isArray(v)) {
    const keys = Object.keys(v);
    if (keys.length === 1 && ['Ref', 'Fn::GetAtt', 'Fn::ImportValue'].includes(keys[0])) return [v];
  }
  return (Array.isArray(v) ? v : Object.values(v)).flatMap(references);
}
