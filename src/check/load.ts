import * as fs from 'fs';
import * as path from 'path';
import { parseDocument, Tags } from 'yaml';

/** Bad input: an unreadable file, something that is not a template, a bad option. Exit code 2. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
    Object.setPrototypeOf(this, InputError.prototype);
  }
}

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
}

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

/** Loads the stack templates of a cloud assembly directory (cdk.out), nested assemblies included. */
export function loadAssembly(dir: string, seen = new Set<string>()): LoadedTemplate[] {
  const manifestFile = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) throw new InputError(`${dir}: not a cloud assembly (no manifest.json); pass a cdk.out directory or template files`);
  const real = fs.realpathSync(dir);
  if (seen.has(real)) return [];
  seen.add(real);
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
      out.push({ stack: artifact.displayName ?? artifact.properties?.stackName ?? id, file, text, template: parseTemplate(file, text) });
    } else if (artifact?.type === 'cdk:cloud-assembly' && typeof artifact.properties?.directoryName === 'string') {
      out.push(...loadAssembly(path.join(dir, artifact.properties.directoryName), seen));
    }
  }
  return out;
}

/** Loads every input: cdk.out directories and template files. */
export function loadInputs(inputs: string[]): LoadedTemplate[] {
  const out: LoadedTemplate[] = [];
  for (const input of inputs) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(input);
    } catch (e) {
      throw new InputError(`${input}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    if (stat.isDirectory()) {
      out.push(...loadAssembly(input));
    } else {
      const text = readText(input);
      out.push({ stack: path.basename(input).replace(/(\.template)?\.(json|ya?ml)$/i, ''), file: input, text, template: parseTemplate(input, text) });
    }
  }
  return out;
}
