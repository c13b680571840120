import { NESTED_STACK } from '../../engine/resource-types';
import { EncryptionRule, RuleResult, RuleStatus, cannotResolve, compliant, notApplicable } from '../../engine/rule';
import { CfnResourceView } from '../../engine/template-index';

function short(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? 'undefined';
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/**
 * The rule for nested stacks, given how a driver tells whether it checked a
 * nested stack's template: the `check` command when it found the template
 * file in the cloud assembly, the pack when the resource belongs to a
 * `NestedStack` of the app (whose resources it visits); and whether the
 * TemplateURL was overridden away from that template (then what deploys is
 * another template: "not proven", whatever the checked one says).
 */
export function nestedStackTemplateRule(
  checked: (stackResource: CfnResourceView) => boolean,
  overridden: (stackResource: CfnResourceView) => string | undefined = () => undefined,
): EncryptionRule {
  return {
    name: 'S3NestedStackTemplate',
    finding: 'The template of a nested stack (AWS::CloudFormation::Stack) was not checked, so the buckets in it are not judged.',
    fix: 'Check the cloud assembly (cdk.out) the app synthesizes, where CDK writes each nested stack\'s template, rather than the parent template alone; a nested stack whose template is only in S3 cannot be checked: check that template separately and acknowledge this finding.',
    evaluate(resource): RuleResult {
      if (resource.type !== NESTED_STACK) return notApplicable();
      const away = overridden(resource);
      if (away !== undefined) {
        return { status: RuleStatus.UNKNOWN, message: `not proven: the deployed template is not the one checked: the nested stack's TemplateURL ${short(resource.properties.TemplateURL)} was overridden away from the template asset CDK wrote (${away})` };
      }
      if (checked(resource)) return compliant();
      return cannotResolve(`the nested stack's template (TemplateURL ${short(resource.properties.TemplateURL)}) is not available to the checker`);
    },
  };
}

/**
 * A nested stack's template is checked too. On a template alone the engine
 * cannot see it, so every nested stack fails until a driver says it checked
 * the template (see `nestedStackTemplateRule`).
 */
export const S3NestedStackTemplate: EncryptionRule = nestedStackTemplateRule(() => false);
