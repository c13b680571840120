// The template features the engine understands, each with its meaning: the closed world of the
// engine at the template level. A template that uses anything else deploys something the
// engine never saw (a Transform rewrites it, a module expands, a StackSet carries its own
// template...), so no verdict on it is a proof: the S3TemplateUnderstood rule reports it as
// "not proven: the deployed template is not the one checked", naming the feature.
// docs/compliance.md ("Template features the engine understands") lists the same tables.

/** The top-level sections of a template the engine reads or knows to be inert. */
export const UNDERSTOOD_SECTIONS: Readonly<Record<string, string>> = {
  AWSTemplateFormatVersion: 'the format version; no effect on what deploys',
  Description: 'text; no effect on what deploys',
  Metadata: 'data for tools; no effect on what deploys (a Transform or macro is reported on its own)',
  Parameters: 'deploy-time inputs: a value that refers to one is unresolved, so a rule that needs it says not proven',
  Mappings: 'lookup tables: Fn::FindInMap is not evaluated, so a value that needs one is unresolved',
  Conditions: 'named conditions: a resource under a Condition may not exist; the rules never take such a resource as proof unless the bucket shares its Condition',
  Rules: 'parameter assertions: they only refuse a deployment, never change one',
  Resources: 'the resources, read one by one (see UNDERSTOOD_RESOURCE_ATTRIBUTES)',
  Outputs: 'outputs and exports: read to follow cross-stack references (Fn::ImportValue) in a cloud assembly',
};

/** The attributes of a resource the engine reads or knows to be inert. */
export const UNDERSTOOD_RESOURCE_ATTRIBUTES: Readonly<Record<string, string>> = {
  Type: 'the resource type',
  Properties: 'the properties, resolved with the intrinsic functions below',
  Condition: 'the resource exists only when the condition holds: never proof for a bucket that does not share it',
  DependsOn: 'creation order; no effect on the final configuration',
  Metadata: 'data for tools; no effect on what deploys',
  DeletionPolicy: 'what happens on deletion; no effect on the deployed configuration',
  UpdateReplacePolicy: 'what happens on replacement; no effect on the deployed configuration',
  CreationPolicy: 'waits for signals; no effect on the deployed configuration',
  UpdatePolicy: 'how updates roll; no effect on the deployed configuration',
};

/** The intrinsic functions the engine evaluates (to a canonical, symbolic string). */
export const EVALUATED_INTRINSICS: Readonly<Record<string, string>> = {
  'Ref': 'a resource of the template is `${Id}`, a pseudo parameter stays symbolic (`${AWS::Partition}`); a template parameter is unresolved',
  'Fn::GetAtt': 'an attribute of a resource of the template is `${Id.Attribute}`',
  'Fn::Join': 'the joined string, when every part resolves',
  'Fn::Sub': 'the substituted string, when every variable resolves',
};

/**
 * The intrinsic functions the engine knows but does not evaluate: a value
 * that uses one is unresolved, so a rule that needs it reports "cannot
 * resolve" (not proven), never a pass.
 */
export const OPAQUE_INTRINSICS: Readonly<Record<string, string>> = {
  'Fn::If': 'depends on a condition known at deploy time',
  'Fn::ImportValue': 'an export of another stack (followed across the templates of a cloud assembly for bucket policies only)',
  'Fn::Select': 'not evaluated',
  'Fn::Split': 'not evaluated',
  'Fn::FindInMap': 'not evaluated',
  'Fn::Base64': 'not evaluated',
  'Fn::Cidr': 'not evaluated',
  'Fn::GetAZs': 'known at deploy time',
  'Fn::GetStackOutput': 'another stack\'s output, known at deploy time',
  'Fn::Equals': 'a condition function (Conditions section)',
  'Fn::And': 'a condition function (Conditions section)',
  'Fn::Or': 'a condition function (Conditions section)',
  'Fn::Not': 'a condition function (Conditions section)',
  'Condition': 'a reference to a named condition',
  'Fn::Contains': 'a rule function (Rules section), which only refuses a deployment',
  'Fn::EachMemberEquals': 'a rule function (Rules section), which only refuses a deployment',
  'Fn::EachMemberIn': 'a rule function (Rules section), which only refuses a deployment',
  'Fn::RefAll': 'a rule function (Rules section), which only refuses a deployment',
  'Fn::ValueOf': 'a rule function (Rules section), which only refuses a deployment',
  'Fn::ValueOfAll': 'a rule function (Rules section), which only refuses a deployment',
};

/** Resource types that deploy a template the engine does not see. */
const TEMPLATE_CARRYING_TYPES: Readonly<Record<string, string>> = {
  'AWS::Serverless::Application': 'a SAM application (AWS::Serverless::Application) deploys a template from the Serverless Application Repository or a URL',
  'AWS::CloudFormation::StackSet': 'a StackSet (AWS::CloudFormation::StackSet) deploys its own template (TemplateBody or TemplateURL) to other accounts and Regions',
};

/** A feature of a template that makes what deploys differ from what was checked. */
export interface TemplateFeature {
  /** Where it is: `Transform`, `Resources.X`, `Resources.X.Properties...`. */
  readonly where: string;
  /** What it is and why the checked text is not what deploys. */
  readonly what: string;
  /** The resource it belongs to, if it belongs to one. */
  readonly logicalId?: string;
}

/**
 * The features of `template` outside the understood lists: a Transform
 * (macros, AWS::LanguageExtensions, AWS::Include, SAM), Fn::Transform or
 * Fn::ForEach anywhere, unknown intrinsic functions, modules, SAM
 * applications, StackSets, unknown sections and resource attributes.
 */
export function unknownTemplateFeatures(template: unknown): TemplateFeature[] {
  const t = (template ?? {}) as Record<string, any>;
  const out: TemplateFeature[] = [];
  const transforms = t.Transform === undefined ? [] : Array.isArray(t.Transform) ? t.Transform : [t.Transform];
  for (const tr of transforms) {
    const name = typeof tr === 'string' ? tr : typeof tr?.Name === 'string' ? tr.Name : JSON.stringify(tr);
    out.push({ where: 'Transform', what: `the template declares the Transform ${name} (${transformMeaning(name)})` });
  }
  for (const section of Object.keys(t)) {
    if (section === 'Transform' || section in UNDERSTOOD_SECTIONS) continue;
    out.push({ where: section, what: `the template has a section ${section} the engine does not know` });
  }
  for (const section of Object.keys(t)) {
    if (section === 'Resources' || section === 'Transform') continue;
    scanIntrinsics(t[section], section, undefined, out);
  }
  for (const [logicalId, r] of Object.entries((t.Resources ?? {}) as Record<string, any>)) {
    const where = `Resources.${logicalId}`;
    if (logicalId.startsWith('Fn::ForEach::')) {
      out.push({ where, what: `${logicalId} (AWS::LanguageExtensions) generates resources the engine does not see`, logicalId });
      continue;
    }
    if (r === null || typeof r !== 'object' || Array.isArray(r)) {
      out.push({ where, what: `${logicalId} is not a resource object`, logicalId });
      continue;
    }
    const type = String(r.Type);
    if (type.endsWith('::MODULE')) {
      out.push({ where, what: `${logicalId} is a CloudFormation module (${type}), which expands into resources the engine does not see`, logicalId });
    } else if (type in TEMPLATE_CARRYING_TYPES) {
      out.push({ where, what: TEMPLATE_CARRYING_TYPES[type], logicalId });
    } else if (type.startsWith('AWS::Serverless::')) {
      out.push({ where, what: `${logicalId} is a SAM resource (${type}), which the SAM transform expands into resources the engine does not see`, logicalId });
    }
    for (const attr of Object.keys(r)) {
      // `unresolvable` is how the pack marks a resource it could not render (the rules report it).
      if (attr in UNDERSTOOD_RESOURCE_ATTRIBUTES || attr === 'unresolvable') continue;
      out.push({ where: `${where}.${attr}`, what: `${logicalId} has an attribute ${attr} the engine does not know`, logicalId });
    }
    scanIntrinsics(r, where, logicalId, out);
  }
  return out;
}

function transformMeaning(name: string): string {
  if (name === 'AWS::LanguageExtensions') return 'language extensions: Fn::ForEach, Fn::Length, Fn::ToJsonString and DeletionPolicy expressions are expanded at deploy time';
  if (name === 'AWS::Include') return 'a template snippet from S3 is inserted at deploy time';
  if (/^AWS::Serverless/.test(name)) return 'SAM: serverless resources are expanded at deploy time';
  return 'a macro (or AWS transform) rewrites the template at deploy time';
}

/** Every object key that is an intrinsic function, below `v`. */
function scanIntrinsics(v: unknown, where: string, logicalId: string | undefined, out: TemplateFeature[]): void {
  if (Array.isArray(v)) {
    v.forEach((x, i) => scanIntrinsics(x, `${where}.${i}`, logicalId, out));
    return;
  }
  if (v === null || typeof v !== 'object') return;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (k === 'Fn::Transform' || k.startsWith('Fn::ForEach')) {
      out.push({ where: `${where}.${k}`, what: `${k} at ${where} is rewritten at deploy time (a macro or AWS::LanguageExtensions)`, logicalId });
    } else if (k.startsWith('Fn::') && !(k in EVALUATED_INTRINSICS) && !(k in OPAQUE_INTRINSICS)) {
      out.push({ where: `${where}.${k}`, what: `the intrinsic function ${k} at ${where} is not one the engine knows`, logicalId });
    }
    scanIntrinsics(x, `${where}.${k}`, logicalId, out);
  }
}
