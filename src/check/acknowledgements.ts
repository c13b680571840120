import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { InputError } from '../cli-input/input-error';
import { Finding } from '../nag/engine/evaluate';

// Acknowledgements: findings a person reviewed and accepted, each with its reason. `check`
// honours two sources, and never lets one pass silently: an acknowledged finding is reported
// apart (SARIF `suppressions` with the justification, a count in the summary), it only stops
// failing the exit code.
//
// 1. A cloud assembly: `Validations.of(scope).acknowledge({ id, reason })` (aws-cdk-lib 2.258)
//    records `{ type: 'aws:cdk:acknowledged-rules', data: { '<id>': '<reason>' } }` in the
//    construct's metadata, which the assembly keeps per stack (manifest.json `metadata`, or the
//    stack's `additionalMetadataFile`) under the construct path. Ids without a `prefix::` are
//    written `annotation::<id>`. As in cdk-nag 3 (NagPack.isAcknowledged), an acknowledgement
//    applies to the resource of that construct and of every construct below it, and the id is
//    the finding's rule id, suffixed `[Unresolved]` for an UNKNOWN finding. One recorded on the
//    App itself is in no stack's metadata and is not seen.
// 2. A file for raw templates (`--acknowledgements <file>`, JSON or YAML), see parseAcknowledgements.

/** An acknowledgement of one rule id on one resource (or construct subtree). */
export interface Acknowledgement {
  /** The rule id as a finding shows it: `S3Encryption-<Rule>`, or `S3Encryption-<Rule>[Unresolved]`. */
  readonly id: string;
  /** Why the finding is accepted. Never empty. */
  readonly reason: string;
  /** A construct path (`Stack/Bucket`): the acknowledgement covers the constructs at and below it. */
  readonly path?: string;
  /** A logical id, or `<stack>/<logicalId>` as the report names the resource. */
  readonly resource?: string;
  /** Where it was recorded: `in the app (Validations.acknowledge)` or the file. */
  readonly source: string;
  /** `inSource` (recorded in the app's code) or `external` (a file given to `check`). */
  readonly kind: 'inSource' | 'external';
}

/** The metadata entries of a cloud assembly stack, by construct path (`/Stack/Bucket/Resource`). */
export type StackMetadata = Record<string, Array<{ type?: string; data?: unknown }>>;

/** The metadata of a stack artifact: inline `metadata` and the `additionalMetadataFile`. */
export function stackMetadata(dir: string, artifact: any): StackMetadata {
  const out: StackMetadata = {};
  const add = (md: unknown) => {
    for (const [p, entries] of Object.entries((md ?? {}) as StackMetadata)) {
      if (Array.isArray(entries)) out[p] = [...(out[p] ?? []), ...entries];
    }
  };
  add(artifact?.metadata);
  if (typeof artifact?.additionalMetadataFile === 'string') {
    const file = path.join(dir, artifact.additionalMetadataFile);
    try {
      add(JSON.parse(fs.readFileSync(file, 'utf8')));
    } catch (e) {
      throw new InputError(`${file}: not a readable metadata file (${(e as Error).message})`);
    }
  }
  return out;
}

/** The acknowledgements `Validations.of(scope).acknowledge` recorded in a stack's metadata. */
export function assemblyAcknowledgements(md: StackMetadata): Acknowledgement[] {
  const out: Acknowledgement[] = [];
  for (const [p, entries] of Object.entries(md)) {
    for (const e of entries) {
      if (e?.type !== 'aws:cdk:acknowledged-rules' || e.data === null || typeof e.data !== 'object') continue;
      for (const [id, reason] of Object.entries(e.data as Record<string, unknown>)) {
        if (typeof reason !== 'string' || reason.trim() === '') continue; // no reason, no acknowledgement
        out.push({ id: id.replace(/^annotation::/i, ''), reason, path: p.replace(/^\//, ''), source: `in the app at ${p.replace(/^\//, '')} (Validations.acknowledge)`, kind: 'inSource' });
      }
    }
  }
  return out;
}

/**
 * The construct path of each logical id of one template of the stack:
 * `scope` is the template's construct path (`/Stack`, or a nested stack's
 * `/Stack/Child`); resources of nested stacks below it are left out.
 */
export function logicalIdPaths(md: StackMetadata, scope: string): Map<string, string> {
  const entries = Object.entries(md).flatMap(([p, es]) => es.filter((e) => e?.type === 'aws:cdk:logicalId' && typeof e.data === 'string')
    .map((e) => ({ path: p, logicalId: e.data as string })));
  const nestedScopes = entries.map((e) => nestedStackScope(e.path)).filter((s): s is string => s !== undefined && s !== scope && s.startsWith(`${scope}/`));
  const out = new Map<string, string>();
  for (const e of entries) {
    if (!e.path.startsWith(`${scope}/`)) continue;
    if (nestedScopes.some((s) => e.path.startsWith(`${s}/`))) continue;
    out.set(e.logicalId, e.path.replace(/^\//, ''));
  }
  return out;
}

/** The construct path of a NestedStack from its stack resource's path (`/S/N.NestedStack/N.NestedStackResource` is `/S/N`). */
export function nestedStackScope(resourcePath: string): string | undefined {
  const m = /^(.*)\.NestedStack\/[^/]*\.NestedStackResource$/.exec(resourcePath);
  return m ? m[1] : undefined;
}

const FILE_FIELDS = ['id', 'reason', 'resource', 'path'];

/**
 * Reads an acknowledgements file (JSON or YAML):
 *
 * ```yaml
 * acknowledgements:
 *   - id: S3Encryption-S3BucketTypeSupported        # the rule id as reported ([Unresolved] included)
 *     resource: Analytics/DirBucket                 # a logical id, or <stack>/<logicalId>
 *     reason: Reviewed by security on 2026-11-02; access only through the VPC endpoint.
 *   - id: S3Encryption-S3NestedStackTemplate[Unresolved]
 *     path: Prod/Legacy                             # or a CDK construct path (covers what is below it)
 *     reason: The legacy template is checked in its own pipeline.
 * ```
 *
 * Every entry needs an id, a reason and exactly one of resource / path.
 */
export function parseAcknowledgements(file: string, text: string): Acknowledgement[] {
  let doc: any;
  try {
    doc = text.trimStart().startsWith('{') ? JSON.parse(text) : parse(text);
  } catch (e) {
    throw new InputError(`--acknowledgements ${file}: not valid JSON or YAML (${(e as Error).message.split('\n')[0]})`);
  }
  const list = doc?.acknowledgements;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || !Array.isArray(list)) {
    throw new InputError(`--acknowledgements ${file}: expected an object with an 'acknowledgements' list`);
  }
  const extra = Object.keys(doc).filter((k) => k !== 'acknowledgements');
  if (extra.length > 0) throw new InputError(`--acknowledgements ${file}: unknown field(s) ${extra.join(', ')}`);
  return list.map((a: any, i: number) => {
    const where = `--acknowledgements ${file}: entry ${i + 1}`;
    if (a === null || typeof a !== 'object' || Array.isArray(a)) throw new InputError(`${where}: must be an object with id, reason and resource or path`);
    const unknown = Object.keys(a).filter((k) => !FILE_FIELDS.includes(k));
    if (unknown.length > 0) throw new InputError(`${where}: unknown field(s) ${unknown.join(', ')} (known: ${FILE_FIELDS.join(', ')})`);
    for (const k of FILE_FIELDS) {
      if (a[k] !== undefined && typeof a[k] !== 'string') throw new InputError(`${where}: ${k} must be a string`);
    }
    if (!a.id?.trim()) throw new InputError(`${where}: id is required (the rule id as reported, e.g. S3Encryption-S3BucketTypeSupported)`);
    if (!a.reason?.trim()) throw new InputError(`${where}: reason is required: say why the finding ${a.id} is accepted`);
    if ((a.resource === undefined) === (a.path === undefined)) throw new InputError(`${where}: give exactly one of resource (a logical id, or <stack>/<logicalId>) or path (a CDK construct path)`);
    return { id: a.id.trim(), reason: a.reason.trim(), resource: a.resource, path: a.path?.replace(/^\//, ''), source: file, kind: 'external' as const };
  });
}

/** Where a finding is: its stack (as reported), logical id and construct path if known. */
export interface FindingPlace {
  readonly stack: string;
  readonly logicalId: string;
  readonly cdkPath?: string;
}

/** The rule id an acknowledgement must name for `f`: `[Unresolved]` for an UNKNOWN finding, as in the pack. */
export function acknowledgedId(f: Finding): string {
  return `${f.ruleId}${f.status === 'UNKNOWN' ? '[Unresolved]' : ''}`;
}

/** The first acknowledgement that covers finding `f` at `place`, if any. */
export function acknowledgementFor(f: Finding, place: FindingPlace, acks: readonly Acknowledgement[]): Acknowledgement | undefined {
  const id = acknowledgedId(f);
  return acks.find((a) => a.id === id && (
    (a.resource !== undefined && (a.resource === place.logicalId || a.resource === `${place.stack}/${place.logicalId}`))
    || (a.path !== undefined && place.cdkPath !== undefined && (place.cdkPath === a.path || place.cdkPath.startsWith(`${a.path}/`)))));
}
