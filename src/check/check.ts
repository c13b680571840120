import { Acknowledgement, acknowledgementFor } from './acknowledgements';
import { LoadedTemplate } from './load';
import { TemplateResult, cdkPath } from './report';
import { InputError } from '../cli-input/input-error';
import { EncryptionModeKind } from '../encryption-modes/encryption-mode-kind';
import { modeLabels, parseModeName } from '../encryption-modes/mode-lookup';
import { isFailure } from '../nag/engine/evaluate';
import { outsideChanges } from '../nag/engine/outside-changes';
import { EnginePolicy, S3EncryptionPolicy } from '../nag/engine/policy';
import { TemplateIndex } from '../nag/engine/template-index';
import { ALL_RULES, evaluateTemplate } from '../nag/rules';
import { S3BucketChangedElsewhere, S3NestedStackTemplate, bucketChangedElsewhereRule, nestedStackTemplateRule } from '../nag/rules/not-proven';

/**
 * Runs the rule engine over loaded templates. A nested stack passes
 * S3NestedStackTemplate when its template was loaded (and is checked as a
 * template of its own), and fails it when not.
 */
export function checkTemplates(
  templates: LoadedTemplate[], policy: EnginePolicy, fileAcknowledgements: readonly Acknowledgement[] = [],
): TemplateResult[] {
  const indexes = templates.map((loaded) => new TemplateIndex(loaded.template, policy));
  // Every template checked together: a bucket policy in another stack or nested stack, or a custom
  // resource that changes a bucket's policy or encryption, is seen whichever template it is in.
  const outside = outsideChanges(templates.map((loaded, i) => ({
    id: loaded.file,
    name: loaded.stack,
    index: indexes[i],
    parent: loaded.parent ? { id: loaded.parent.file, logicalId: loaded.parent.logicalId } : undefined,
  })));
  return templates.map((loaded, i) => {
    const rules = ALL_RULES.map((r) => r.name === S3NestedStackTemplate.name
      ? nestedStackTemplateRule((stack) => loaded.nestedStacks.has(stack.logicalId), (stack) => loaded.overriddenNestedStacks?.get(stack.logicalId))
      : r.name === S3BucketChangedElsewhere.name ? bucketChangedElsewhereRule((bucket) => outside.get(loaded.file)?.get(bucket.logicalId) ?? [])
        : r);
    const acks = [...loaded.acknowledgements ?? [], ...fileAcknowledgements];
    const results = evaluateTemplate(indexes[i], rules).map((f) => {
      if (!isFailure(f) || acks.length === 0) return f;
      const ack = acknowledgementFor(f, { stack: loaded.stack, logicalId: f.logicalId, cdkPath: cdkPath(loaded, f.logicalId) }, acks);
      return ack ? { ...f, acknowledgement: { reason: ack.reason, source: ack.source, kind: ack.kind } } : f;
    });
    return { loaded, results };
  });
}

/** Parses a mode name: SSE_KMS, SSE-KMS, sse-kms, ... */
export function parseMode(s: string, where: string): EncryptionModeKind {
  const mode = parseModeName(s);
  if (!mode) throw new InputError(`${where}: unknown encryption mode '${s}' (use ${modeLabels()})`);
  return mode.kind;
}

/** Reads a policy file's JSON: { allowedModes?, allowedKmsKeyArns?, exemptLogBuckets? }. */
export function policyFromJson(json: unknown, where: string): S3EncryptionPolicy {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new InputError(`${where}: the policy must be a JSON object`);
  const known = ['allowedModes', 'allowedKmsKeyArns', 'exemptLogBuckets'];
  const unknown = Object.keys(json).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new InputError(`${where}: unknown policy field(s) ${unknown.join(', ')} (known: ${known.join(', ')})`);
  const p = json as Record<string, unknown>;
  const strings = (k: string): string[] | undefined => {
    if (p[k] === undefined) return undefined;
    if (!Array.isArray(p[k]) || !(p[k] as unknown[]).every((x) => typeof x === 'string')) throw new InputError(`${where}: ${k} must be an array of strings`);
    return p[k] as string[];
  };
  if (p.exemptLogBuckets !== undefined && typeof p.exemptLogBuckets !== 'boolean') throw new InputError(`${where}: exemptLogBuckets must be true or false`);
  return {
    allowedModes: strings('allowedModes')?.map((m) => parseMode(m, `${where}: allowedModes`)),
    allowedKmsKeyArns: strings('allowedKmsKeyArns'),
    exemptLogBuckets: p.exemptLogBuckets as boolean | undefined,
  };
}
