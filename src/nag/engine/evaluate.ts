import { EncryptionRule, RuleResult, RuleStatus } from './rule';
import { CfnResourceView, TemplateIndex } from './template-index';

/** The result of one rule on one resource. */
export interface Finding {
  /** `S3Encryption-<RuleName>` */
  readonly ruleId: string;
  readonly ruleName: string;
  readonly logicalId: string;
  readonly resourceType: string;
  /** COMPLIANT, NON_COMPLIANT or UNKNOWN. */
  readonly status: RuleStatus;
  /** The rule's one-line finding. */
  readonly finding: string;
  /** What exactly is wrong on this resource. */
  readonly detail: string;
  readonly fix: string;
}

/** Runs one rule; a rule that throws is reported as UNKNOWN, never as a pass. */
export function runRule(rule: EncryptionRule, resource: CfnResourceView, index: TemplateIndex): RuleResult {
  try {
    return rule.evaluate(resource, index);
  } catch (e) {
    return { status: RuleStatus.UNKNOWN, message: `cannot resolve: the rule failed on this resource (${(e as Error).message})` };
  }
}

/** Whether a result is a failure (NON_COMPLIANT, or UNKNOWN: a value that could not be resolved). */
export function isFailure(f: Finding): boolean {
  return f.status === RuleStatus.NON_COMPLIANT || f.status === RuleStatus.UNKNOWN;
}
