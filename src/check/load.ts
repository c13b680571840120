import * as fs from 'fs';
import * as path from 'path';
import { parseDocument, Tags } from 'yaml';
import { Acknowledgement, StackMetadata, assemblyAcknowledgements, logicalIdPaths, nestedStackScope, stackMetadata } from './acknowledgements';
import { InputError } from '../cli-input/input-error';
import { NESTED_STACK } from '../nag/engine/resource-types';

/** One template to check. */
export interface LoadedTemplate {
  /** The stack name (cdk.out) or the file name without extension. */
  readonly stack: string;
  /** The file, as given or found. */
  readonly file: string;
  /** The file's text (for line numbers). */
  readonly text: string;
  /** The parsed template. */
  readonly template: Record<string, any>;
  /**
   * The logical ids of this template's nested stacks (AWS::CloudFormation::Stack)
   * whose templates were found and loaded as templates of their own.
   */
  readonly nestedStacks: ReadonlySet<string>;
  /**
   * The logical ids of nested stacks whose TemplateURL does not point at the
   * template asset the assembly's metadata names (an override), and what it names.
   */
  readonly overriddenNestedStacks?: ReadonlyMap<string, string>;
  /** For a nested stack's template: the parent template's file and the logical id of its AWS::CloudFormation::Stack. */
  readonly parent?: { readonly file: string; readonly logicalId: string };
  /** For a template of a cloud assembly: the construct path of each logical id. */
  readonly cdkPaths?: ReadonlyMap<string, string>;
  /** For a template of a cloud assembly: the acknowledgements recorded in its stack (`Validations.acknowledge`). */
  readonly acknowledgements?: readonly Acknowledgement[];
}

/** What a template of a cloud assembly knows from its stack's metadata. */
interface AssemblyContext {
  readonly metadata: StackMetadata;
  /** The template's construct path: `/Stack`, or a nested stack's `/Stack/Child`. */
  readonly scope: string;
  readonly acknowledgements: Acknowledgement[];
}

/** A template read from a file or stdin, before its nested stacks are followed. */
type ReadTemplate = Omit<LoadedTemplate, 'nestedStacks' | 'overriddenNestedStacks' | 'cdkPaths' | 'acknowledgements'>;

const SCALAR_FNS: Record<string, string> = {
  '!Ref': 'Ref',
  '!Condition': 'Condition',
  '!Base64': 'Fn::Base64',
  '!ImportValue': 'Fn::ImportValue',
  '!GetAZs': 'Fn::GetAZs',
  '!Sub': 'Fn::Sub',
  '!GetAtt': 'Fn::GetAtt',
};
const SEQ_FNS: Record<string, string> = {
  '!Join': 'Fn::Join',
  '!Sub': 'Fn::Sub',
  '!GetAtt': 'Fn::GetAtt',
  '!Select': 'Fn::Select',
  '!Split': 'Fn::Split',
  '!FindInMap': 'Fn::FindInMap',
  '!If': 'Fn::If',
  '!Equals': 'Fn::Equals',
  '!And': 'Fn::And',
  '!Or': 'Fn::Or',
  '!Not': 'Fn::Not',
  '!Cidr': 'Fn::Cidr',
  '!GetAZs': 'Fn::GetAZs',
  '!ImportValue': 'Fn::ImportValue',
  '!Base64': 'Fn::Base64',
};
const MAP_FNS: Record<string, string> = { '!Base64': 'Fn::Base64', '!ImportValue': 'Fn::ImportValue', '!Sub': 'Fn::Sub' };

/** The CloudFormation short-form intrinsics (`!Ref`, `!GetAtt a.b`, `!Sub`, ...) as yaml custom tags. */
const CFN_TAGS: Tags = [
  ...Object.entries(SCALAR_FNS).map(([tag, fn]) => ({
    tag,
    resolve: (value: string) => ({ [fn]: fn === 'Fn::GetAtt' ? splitGetAtt(value) : value }),
  })),
  ...Object.entries(SEQ_FNS).map(([tag, fn]) => ({
    tag,
    collection: 'seq' as const,
    resolve: (value: any) => ({ [fn]: value.toJSON() }),
  })),
  ...Object.entries(MAP_FNS).map(([tag, fn]) => ({
    tag,
    collection: 'map' as const,
    resolve: (value: any) => ({ [fn]: value.toJSON() }),
  })),
] as Tags;

function splitGetAtt(s: string): string[] {
  const dot = s.indexOf('.');
  return dot < 0 ? [s] : [s.slice(0, dot), s.slice(dot + 1)];
}

/** Parses a template file (JSON, or YAML with short-form intrinsics). */
export function parseTemplate(file: string, text: string): Record<string, any> {
  let parsed: unknown;
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new InputError(`${file}: not valid JSON (${(e as Error).message})`);
    }
  } else {
    const doc = parseDocument(text, { customTags: CFN_TAGS, prettyErrors: false, uniqueKeys: false });
    if (doc.errors.length > 0) throw new InputError(`${file}: not valid YAML (${doc.errors[0].message.split('\n')[0]})`);
    parsed = doc.toJS({ maxAliasCount: 1000 });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)
    || (parsed as any).Resources === null || typeof (parsed as any).Resources !== 'object' || Array.isArray((parsed as any).Resources)) {
    throw new InputError(`${file}: not a CloudFormation template (no Resources section)`);
  }
  return parsed as Record<string, any>;
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** A file asset of a cloud assembly: where CDK put it, and the object key it is published under. */
interface FileAsset {
  readonly path: string;
  readonly objectKeys: string[];
  readonly displayName?: string;
}

/** What one load remembers: the assemblies and templates already read, each folder's file assets. */
interface LoadRun {
  readonly seen: Set<string>;
  readonly assets: Map<string, FileAsset[]>;
}

/** The file assets of `dir`, read once per load, and only for templates that have nested stacks. */
function assetsOf(dir: string, run: LoadRun): FileAsset[] {
  let assets = run.assets.get(dir);
  if (assets === undefined) {
    assets = fileAssets(dir);
    run.assets.set(dir, assets);
  }
  return assets;
}

/** The file assets of every asset manifest (`*.assets.json`) in `dir`. */
function fileAssets(dir: string): FileAsset[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.assets.json'));
  } catch {
    return [];
  }
  const out: FileAsset[] = [];
  for (const name of names) {
    let manifest: any;
    try {
      manifest = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
    } catch (e) {
      throw new InputError(`${path.join(dir, name)}: not a readable asset manifest (${(e as Error).message})`);
    }
    for (const asset of Object.values((manifest?.files ?? {}) as Record<string, any>)) {
      if (typeof asset?.source?.path !== 'string') continue;
      const objectKeys = Object.values((asset.destinations ?? {}) as Record<string, any>)
        .map((d) => d?.objectKey).filter((k): k is string => typeof k === 'string');
      out.push({ path: asset.source.path, objectKeys, displayName: typeof asset.displayName === 'string' ? asset.displayName : undefined });
    }
  }
  return out;
}

/** The literal end of a TemplateURL (`https://s3.<region>.<suffix>/<bucket>/<objectKey>`). */
function urlTail(url: unknown): string | undefined {
  if (typeof url === 'string') return url;
  const join = (url as any)?.['Fn::Join'];
  if (Array.isArray(join) && Array.isArray(join[1])) {
    const last = join[1][join[1].length - 1];
    return typeof last === 'string' ? last : undefined;
  }
  const sub = (url as any)?.['Fn::Sub'];
  return typeof sub === 'string' ? sub : Array.isArray(sub) && typeof sub[0] === 'string' ? sub[0] : undefined;
}

/**
 * Where CDK wrote a nested stack's template (aws-cdk-lib NestedStack:
 * `<uniqueId>.nested.template.json` in the assembly, published as a file
 * asset of the parent stack; the TemplateURL ends with the asset's object
 * key, and with asset metadata on, as `cdk synth` has it, the resource's
 * Metadata names the file in `aws:asset:path`). Undefined if not found.
 */
function nestedTemplateFile(resource: any, dir: string, assets: FileAsset[]): { file: string; name?: string; overridden?: string } | undefined {
  const name = (p: string) => assets.find((a) => a.path === p)?.displayName?.replace(/ Nested Stack Template$/, '');
  const md = resource?.Metadata;
  const tail = urlTail(resource?.Properties?.TemplateURL);
  if (typeof md?.['aws:asset:path'] === 'string' && (md['aws:asset:property'] ?? 'TemplateURL') === 'TemplateURL') {
    const file = path.resolve(dir, md['aws:asset:path']);
    if (fs.existsSync(file)) {
      // The metadata names the file CDK wrote; the TemplateURL must still be that asset's URL.
      const keys = assets.find((a) => a.path === md['aws:asset:path'])?.objectKeys ?? [];
      const pointsAtAsset = tail !== undefined && keys.some((k) => tail === k || tail.endsWith(`/${k}`));
      return { file, name: name(md['aws:asset:path']), overridden: pointsAtAsset ? undefined : `the assembly's template is ${md['aws:asset:path']}` };
    }
  }
  if (tail === undefined) return undefined;
  const asset = assets.find((a) => a.objectKeys.some((k) => tail === k || tail.endsWith(`/${k}`)));
  if (asset === undefined) return undefined;
  const file = path.resolve(dir, asset.path);
  return fs.existsSync(file) ? { file, name: asset.displayName?.replace(/ Nested Stack Template$/, '') } : undefined;
}

/**
 * The template and, after it, the templates of its nested stacks (and
 * theirs), looked up in `dir` (the cloud assembly, or the template's
 * folder). A nested stack whose template is not found is left to the
 * S3NestedStackTemplate rule, which reports it.
 */
function withNestedStacks(t: ReadTemplate, dir: string | undefined, run: LoadRun, root = t.stack, asm?: AssemblyContext): LoadedTemplate[] {
  const cdkPaths = asm ? logicalIdPaths(asm.metadata, asm.scope) : undefined;
  const nestedStacks = new Set<string>();
  const overriddenNestedStacks = new Map<string, string>();
  const children: LoadedTemplate[] = [];
  for (const [logicalId, resource] of Object.entries((t.template.Resources ?? {}) as Record<string, any>)) {
    if (resource?.Type !== NESTED_STACK || dir === undefined) continue;
    const found = nestedTemplateFile(resource, dir, assetsOf(dir, run));
    if (found === undefined) continue;
    if (found.overridden !== undefined) {
      // What deploys is another template: the one in the assembly is not read as this stack's.
      overriddenNestedStacks.set(logicalId, found.overridden);
      continue;
    }
    nestedStacks.add(logicalId);
    const real = fs.realpathSync(found.file);
    if (run.seen.has(real)) continue;
    run.seen.add(real);
    const text = readText(found.file);
    const stack = found.name !== undefined ? `${root}/${found.name}` : `${t.stack}/${logicalId}`;
    const resourcePath = cdkPaths?.get(logicalId);
    const scope = resourcePath !== undefined ? nestedStackScope(`/${resourcePath}`) : undefined;
    const childAsm = asm && scope !== undefined ? { ...asm, scope } : undefined;
    const parent = { file: t.file, logicalId };
    const child = { stack, file: found.file, text, template: parseTemplate(found.file, text), parent };
    children.push(...withNestedStacks(child, dir, run, root, childAsm));
  }
  return [{ ...t, nestedStacks, overriddenNestedStacks, cdkPaths, acknowledgements: asm?.acknowledgements }, ...children];
}

/** Loads the stack templates of a cloud assembly directory (cdk.out), nested assemblies and nested stacks included. */
function loadAssembly(dir: string, run: LoadRun): LoadedTemplate[] {
  const manifestFile = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) throw new InputError(`${dir}: not a cloud assembly (no manifest.json); pass a cdk.out directory or template files`);
  const real = fs.realpathSync(dir);
  if (run.seen.has(real)) return [];
  run.seen.add(real);
  let manifest: any;
  try {
    manifest = JSON.parse(readText(manifestFile));
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${manifestFile}: not valid JSON (${(e as Error).message})`);
  }
  const out: LoadedTemplate[] = [];
  for (const [id, artifact] of Object.entries((manifest?.artifacts ?? {}) as Record<string, any>)) {
    if (artifact?.type === 'aws:cloudformation:stack') {
      const templateFile = artifact.properties?.templateFile;
      if (typeof templateFile !== 'string') throw new InputError(`${manifestFile}: stack ${id} has no templateFile`);
      const file = path.join(dir, templateFile);
      const text = readText(file);
      const stack = artifact.displayName ?? artifact.properties?.stackName ?? id;
      const metadata = stackMetadata(dir, artifact);
      const asm = { metadata, scope: `/${artifact.displayName ?? id}`, acknowledgements: assemblyAcknowledgements(metadata) };
      out.push(...withNestedStacks({ stack, file, text, template: parseTemplate(file, text) }, dir, run, stack, asm));
    } else if (artifact?.type === 'cdk:cloud-assembly' && typeof artifact.properties?.directoryName === 'string') {
      out.push(...loadAssembly(path.join(dir, artifact.properties.directoryName), run));
    }
  }
  return out;
}

/** The name `-` stands for: a template read from standard input. */
export const STDIN = '-';

/**
 * Loads every input: cdk.out directories, template files, and `-` (the
 * template text in `stdin`, whose nested stacks cannot be looked up).
 */
export function loadInputs(inputs: string[], stdin?: string): LoadedTemplate[] {
  const out: LoadedTemplate[] = [];
  const run: LoadRun = { seen: new Set(), assets: new Map() };
  for (const input of inputs) {
    if (input === STDIN) {
      const text = stdin ?? '';
      out.push(...withNestedStacks({ stack: 'stdin', file: STDIN, text, template: parseTemplate('stdin', text) }, undefined, run));
      continue;
    }
    let stat: fs.Stats;
    try {
      stat = fs.statSync(input);
    } catch (e) {
      throw new InputError(`${input}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    if (stat.isDirectory()) {
      out.push(...loadAssembly(input, run));
    } else {
      const text = readText(input);
      const stack = path.basename(input).replace(/(\.template)?\.(json|ya?ml)$/i, '');
      out.push(...withNestedStacks({ stack, file: input, text, template: parseTemplate(input, text) }, path.dirname(input), run));
    }
  }
  return out;
}
