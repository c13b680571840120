import { ABSENT, SSE_C_KEY, SSE_KEY, exact, proveDenied } from './policy-statements';
import { asList, canonArn, resolveBool, show } from './symbolic-values';
import { CfnResourceView, TemplateIndex } from './template-index';
import { EncryptionModeKind } from '../../encryption-modes/encryption-mode-kind';
import { findModeRow, modeRows } from '../../encryption-modes/mode-lookup';

/** What a bucket's default encryption says, resolved. */
export interface BucketEncryption {
  /** Why the default encryption cannot be read, if it cannot. */
  readonly unresolved?: string;
  /** Whether a default encryption rule is present. */
  readonly present: boolean;
  readonly algorithm?: string;
  /** `KMSMasterKeyID` as given (unresolved form kept for messages). */
  readonly kmsKeyId?: unknown;
  readonly bucketKeyEnabled?: { ok: boolean; value: boolean; reason: string };
  /** Upper-case BlockedEncryptionTypes; undefined when not set. */
  readonly blockedTypes?: string[];
  /** The mode the bucket is configured for. */
  readonly mode?: EncryptionModeKind;
}

/** Reads the default encryption of a bucket and infers its mode (memoised per template). */
export function bucketEncryption(bucket: CfnResourceView, index: TemplateIndex): BucketEncryption {
  return index.memo(`enc:${bucket.logicalId}`, () => readEncryption(bucket, index));
}

function readEncryption(bucket: CfnResourceView, index: TemplateIndex): BucketEncryption {
  if (bucket.unresolvable) return { present: false, unresolved: bucket.unresolvable };
  const be = bucket.properties.BucketEncryption as any;
  const rules = asList(be?.ServerSideEncryptionConfiguration);
  if (be === undefined || rules.length === 0) return { present: false };
  if (rules.length > 1) return { present: true, unresolved: `BucketEncryption has ${rules.length} rules; S3 accepts one` };
  const rule = rules[0] as any;
  const dflt = rule?.ServerSideEncryptionByDefault;
  if (dflt === undefined) return { present: false };
  const alg = index.str(dflt.SSEAlgorithm);
  if (!alg.ok) return { present: true, unresolved: `SSEAlgorithm ${show(dflt.SSEAlgorithm)}: ${alg.reason}` };
  let blockedTypes: string[] | undefined;
  if (rule.BlockedEncryptionTypes !== undefined) {
    blockedTypes = [];
    for (const t of asList(rule.BlockedEncryptionTypes?.EncryptionType)) {
      const r = index.str(t);
      if (!r.ok) return { present: true, unresolved: `BlockedEncryptionTypes ${show(t)}: ${r.reason}` };
      blockedTypes.push(r.value.toUpperCase());
    }
  }
  const algorithm = alg.value;
  const mode = modeOfDefault(algorithm, bucket, index);
  return {
    present: true,
    algorithm,
    kmsKeyId: dflt.KMSMasterKeyID,
    bucketKeyEnabled: resolveBool(rule.BucketKeyEnabled, index),
    blockedTypes,
    mode,
  };
}

/**
 * The mode a default encryption algorithm configures (the mode table's `sseAlgorithm`).
 * Modes that share an algorithm (SSE-S3 and SSE-C: AES256) differ in their bucket policy:
 * a customer-key mode's refuses uploads that do not carry its algorithm header.
 */
function modeOfDefault(algorithm: string, bucket: CfnResourceView, index: TemplateIndex): EncryptionModeKind | undefined {
  const rows = modeRows((r) => r.defaultEncryption.sseAlgorithm === algorithm);
  const customer = rows.find((r) => r.uploads.customerAlgorithm !== undefined);
  const server = rows.find((r) => r.uploads.customerAlgorithm === undefined);
  if (customer !== undefined && requiresCustomerKeys(bucket, index, algorithm, customer.uploads.customerAlgorithm!)) return customer.kind;
  return server?.kind;
}

/** The bucket policy refuses uploads that do not carry the customer-key (SSE-C) algorithm header. */
function requiresCustomerKeys(bucket: CfnResourceView, index: TemplateIndex, algorithm: string, customerAlgorithm: string): boolean {
  const { statements } = index.denyStatementsOf(bucket);
  const arns = index.bucketArns(bucket);
  const denied = (keys: Record<string, any>) => proveDenied(statements, { description: '', action: 's3:PutObject', target: 'objects', keys }, arns).proven;
  return denied({ [SSE_KEY]: [ABSENT], [SSE_C_KEY]: [ABSENT] })
    && denied({ [SSE_KEY]: [exact(algorithm)] })
    && !denied({ [SSE_KEY]: [ABSENT], [SSE_C_KEY]: [exact(customerAlgorithm)] });
}

export function isKmsMode(mode: EncryptionModeKind | undefined): boolean {
  return findModeRow(mode)?.usesKms ?? false;
}

/** The role a bucket plays for an AWS service, which constrains its encryption. */
export enum LogBucketRole { NONE = 'NONE', ACCESS_LOG_DESTINATION = 'ACCESS_LOG_DESTINATION', TRAIL_LOG_BUCKET = 'TRAIL_LOG_BUCKET' }

/** The service role of a bucket, or NONE (always NONE when the policy turns log-bucket treatment off). */
export function logBucketRole(bucket: CfnResourceView, index: TemplateIndex): LogBucketRole {
  if (!index.policy.exemptLogBuckets) return LogBucketRole.NONE;
  return index.memo(`role:${bucket.logicalId}`, () => {
    if (index.trailsLoggingTo(bucket).length > 0) return LogBucketRole.TRAIL_LOG_BUCKET;
    if (index.isAccessLogDestination(bucket)) return LogBucketRole.ACCESS_LOG_DESTINATION;
    return LogBucketRole.NONE;
  });
}

/**
 * Whether S3 Inventory delivers reports of another bucket of the template to
 * `bucket` (always false when the policy turns log-bucket treatment off).
 * Such a destination is written by S3 with its default encryption, which
 * may be SSE-S3 or SSE-KMS whatever the policy's modes.
 */
export function isInventoryDestination(bucket: CfnResourceView, index: TemplateIndex): boolean {
  if (!index.policy.exemptLogBuckets) return false;
  return index.memo(`inventory:${bucket.logicalId}`, () => index.isInventoryDestination(bucket));
}

/** Where a bucket's KMS key lives. */
export interface KeyRef {
  /** The AWS::KMS::Key of this template, if the key is one. */
  readonly key?: CfnResourceView;
  /** The literal key ARN / id / alias, if the key is outside the template. */
  readonly external?: string;
  /** Whether the key is an AWS managed key (absent key id, or alias/aws/...). */
  readonly awsManaged: boolean;
  /**
   * A customer alias (an AWS::KMS::Alias of the template, `alias/...`, or an alias ARN) given where a key is
   * expected: not a key. S3 resolves an alias when a request is made, an alias name in the requester's account,
   * and an alias can be re-pointed at any time, so it is never "the bucket's key" in any form.
   */
  readonly alias?: string;
  /** Why the key cannot be resolved, if it cannot. */
  readonly unresolved?: string;
}

/**
 * The values a request may name the bucket's own key by (`s3:x-amz-server-side-encryption-aws-kms-key-id`):
 * a policy may leave these undenied. Canonical forms.
 */
export function ownKeyForms(kmsKeyId: unknown, index: TemplateIndex): string[] {
  const forms: string[] = [];
  const r = index.str(kmsKeyId);
  if (r.ok) forms.push(canonArn(r.value));
  const key = resolveKey(kmsKeyId, index);
  if (key.alias !== undefined) return []; // an alias names no key of the bucket's own
  if (key.key) forms.push(`\${${key.key.logicalId}.Arn}`, `\${${key.key.logicalId}}`, `\${${key.key.logicalId}.KeyId}`);
  if (key.external) forms.push(canonArn(key.external));
  return [...new Set(forms)];
}

/** Why a KMS alias given as a bucket's default key is not the bucket's key (for findings). */
export const ALIAS_IS_NOT_A_KEY = 'S3 resolves an alias when each request is made (an alias name in the requester\'s account, so another account\'s uploads without a key id go to that account\'s key of the same name), and an alias can be re-pointed at any time: it is not the bucket\'s key';

/** Resolves a KMS key reference (`KMSMasterKeyID`, `KMSKeyId`, ...) against the template. */
export function resolveKey(v: unknown, index: TemplateIndex): KeyRef {
  if (v === undefined) return { awsManaged: true };
  const r = index.str(v);
  if (!r.ok) return { awsManaged: false, unresolved: `the KMS key ${show(v)}: ${r.reason}` };
  const m = /^\$\{([^.}]+)(?:\.(Arn|KeyId))?\}$/.exec(r.value);
  if (m) {
    const res = index.resources.get(m[1]);
    if (res?.type === 'AWS::KMS::Key') return { key: res, awsManaged: false };
    if (res?.type === 'AWS::KMS::Alias') {
      const name = index.str(res.properties.AliasName);
      return { awsManaged: false, alias: `the AWS::KMS::Alias ${res.logicalId}${name.ok ? ` (${name.value})` : ''}` };
    }
    return { awsManaged: false, unresolved: `the KMS key ${r.value} is a ${res?.type ?? 'value'}, not an AWS::KMS::Key` };
  }
  if (/(^|:)alias\/aws\//.test(r.value)) return { awsManaged: true, external: r.value };
  if (/(^|:)alias\//.test(r.value)) return { awsManaged: false, alias: `the alias ${r.value}` };
  return { awsManaged: false, external: r.value };
}
