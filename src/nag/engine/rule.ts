import { CfnResourceView, TemplateIndex } from './template-index';

/** The outcome of a rule on one resource. */
export enum RuleStatus {
  COMPLIANT = 'COMPLIANT',
  NON_COMPLIANT = 'NON_COMPLIANT',
  NOT_APPLICABLE = 'NOT_APPLICABLE',
  /** A value the rule needs cannot be resolved: reported as a failure with its own message. */
  UNKNOWN = 'UNKNOWN',
}

/** A rule result: the status and, for a failure, what exactly is wrong. */
export interface RuleResult {
  readonly status: RuleStatus;
  readonly message: string;
}

export const compliant = (): RuleResult => ({ status: RuleStatus.COMPLIANT, message: '' });
export const notApplicable = (why = ''): RuleResult => ({ status: RuleStatus.NOT_APPLICABLE, message: why });
export const nonCompliant = (message: string): RuleResult => ({ status: RuleStatus.NON_COMPLIANT, message });
export const cannotResolve = (message: string): RuleResult => ({ status: RuleStatus.UNKNOWN, message: `cannot resolve: ${message}` });

/** A rule: metadata plus a pure function over a resolved resource and its template. */
export interface EncryptionRule {
  /** Rule name; the pack's rule id is `S3Encryption-<name>`. */
  readonly name: string;
  /** One line: what is wrong when the rule fails. */
  readonly finding: string;
  /** How to fix it. */
  readonly fix: string;
  /** The function. */
  evaluate(resource: CfnResourceView, template: TemplateIndex): RuleResult;
}

/** The pack name, prefix of every rule id. */
export const PACK_NAME = 'S3Encryption';

/** The full rule id of a rule. */
export function ruleId(rule: EncryptionRule): string {
  return `${PACK_NAME}-${rule.name}`;
}
