import { isBucketType } from '../../engine/resource-types';
import { EncryptionRule, RuleResult, RuleStatus, notApplicable } from '../../engine/rule';
import { CfnResourceView, TemplateIndex } from '../../engine/template-index';
import { TemplateFeature, unknownTemplateFeatures } from '../../engine/understood-template';

/** The prefix of every message of the rule: the verdict the issue names. */
export const NOT_THE_DEPLOYED_TEMPLATE = 'not proven: the deployed template is not the one checked';

function features(index: TemplateIndex): TemplateFeature[] {
  return index.memo('template-features', () => unknownTemplateFeatures(index.template));
}

/** The resource a template-level feature is reported on when the template has no bucket: its first resource. */
function anchor(index: TemplateIndex): string | undefined {
  return index.memo('template-anchor', () => index.resources.keys().next().value as string | undefined);
}

function list(fs: TemplateFeature[]): string {
  const shown = fs.slice(0, 3).map((f) => f.what).join('; ');
  return fs.length > 3 ? `${shown}; and ${fs.length - 3} more` : shown;
}

/**
 * The template uses only features the engine understands (see
 * src/nag/engine/understood-template.ts). A Transform, Fn::Transform,
 * Fn::ForEach, a module, a SAM application, a StackSet, or an unknown
 * section, attribute or intrinsic function means CloudFormation deploys
 * something the engine never read: every bucket of the template, and the
 * resource that carries the feature, are "not proven". A template-level
 * feature in a template without buckets is reported on its first resource,
 * so such a template can never pass.
 */
export const S3TemplateUnderstood: EncryptionRule = {
  name: 'S3TemplateUnderstood',
  finding: 'The template uses a feature the engine does not understand, so what deploys was not checked.',
  fix: 'Check the template CloudFormation really deploys: expand Transforms and modules first (e.g. `aws cloudformation get-template --template-stage Processed` on a change set, `sam build`), check a StackSet\'s or SAM application\'s template on its own, and keep a nested stack\'s TemplateURL on the asset CDK wrote. Where you reviewed it yourself, acknowledge this finding.',
  evaluate(resource: CfnResourceView, index: TemplateIndex): RuleResult {
    const all = features(index);
    if (all.length === 0) return notApplicable();
    const own = all.filter((f) => f.logicalId === resource.logicalId);
    const templateLevel = all.filter((f) => f.logicalId === undefined);
    const anyBucket = [...index.resources.values()].some((r) => isBucketType(r.type));
    let shown: TemplateFeature[] | undefined;
    if (isBucketType(resource.type)) shown = [...own, ...all.filter((f) => f.logicalId !== resource.logicalId)];
    else if (own.length > 0) shown = own;
    else if (templateLevel.length > 0 && !anyBucket && anchor(index) === resource.logicalId) shown = templateLevel;
    if (shown === undefined) return notApplicable();
    return { status: RuleStatus.UNKNOWN, message: `${NOT_THE_DEPLOYED_TEMPLATE}: ${list(shown)}` };
  },
};
