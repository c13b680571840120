import { ALL_RULES } from './all-rules';
import { Finding, runRule } from '../engine/evaluate';
import { EncryptionRule, RuleStatus, ruleId } from '../engine/rule';
import { TemplateIndex } from '../engine/template-index';

/** Every applicable (rule, resource) result of a template: passes and findings. */
export function evaluateTemplate(index: TemplateIndex, rules: readonly EncryptionRule[] = ALL_RULES): Finding[] {
  const out: Finding[] = [];
  for (const resource of index.resources.values()) {
    for (const rule of rules) {
      const r = runRule(rule, resource, index);
      if (r.status !== RuleStatus.NOT_APPLICABLE) {
        out.push({
          ruleId: ruleId(rule),
          ruleName: rule.name,
          logicalId: resource.logicalId,
          resourceType: resource.type,
          status: r.status,
          finding: rule.finding,
          detail: r.message,
          fix: rule.fix,
        });
      }
    }
  }
  return out;
}
