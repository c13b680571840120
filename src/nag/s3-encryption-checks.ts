import { CfnElement, CfnResource, Stack } from 'aws-cdk-lib';
import { NagMessageLevel, NagPack, NagPackProps, NagRuleCompliance } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { runRule } from './engine/evaluate';
import { EnginePolicy, S3EncryptionPolicy, toEnginePolicy } from './engine/policy';
import { PACK_NAME, RuleStatus, ruleId } from './engine/rule';
import { TemplateIndex } from './engine/template-index';
import { ALL_RULES } from './rules';

/**
 * Properties of `S3EncryptionChecks`.
 */
export interface S3EncryptionChecksProps extends NagPackProps, S3EncryptionPolicy {
}

/**
 * A cdk-nag pack that proves every S3 bucket of an app (SecureBuckets, plain
 * `s3.Bucket`s, `CfnBucket`s, third-party constructs) meets an encryption
 * policy. The rules run on resolved CloudFormation, the same engine as the
 * `cdk-secure-bucket check` command.
 *
 * A rule that cannot resolve a value it needs fails with the rule id
 * suffixed `[Unresolved]`, never passes silently.
 *
 * @example
 * declare const app: App;
 * Validations.of(app).addPlugins(new S3EncryptionChecks(app, {
 *   allowedModes: [EncryptionModeKind.SSE_KMS, EncryptionModeKind.DSSE_KMS],
 * }));
 */
export class S3EncryptionChecks extends NagPack {
  /** The ids of the rules this pack applies. */
  public static readonly RULE_IDS: string[] = ALL_RULES.map(ruleId);

  /** The rule-id suffix of a finding whose rule could not resolve a value. */
  public static readonly UNRESOLVED_SUFFIX: string = '[Unresolved]';

  public readonly name: string;
  private readonly policy: EnginePolicy;
  private indexes = new Map<Stack, { index: TemplateIndex; logicalIds: Map<CfnElement, string> }>();

  constructor(scope?: IConstruct, props: S3EncryptionChecksProps = {}) {
    super(scope, props);
    this.name = PACK_NAME;
    this.packName = PACK_NAME;
    this.policy = toEnginePolicy(props);
  }

  public validateScope(scope: IConstruct) {
    this.indexes = new Map(); // the tree may have changed since the last run
    try {
      return super.validateScope(scope);
    } finally {
      this.indexes = new Map();
    }
  }

  protected checkResource(node: CfnResource): void {
    if (node.cfnResourceType !== 'AWS::S3::Bucket') return;
    const { index, logicalIds } = this.indexOf(Stack.of(node));
    const resource = index.resources.get(logicalIds.get(node) ?? '');
    for (const rule of ALL_RULES) {
      const result = resource ? runRule(rule, resource, index)
        : { status: RuleStatus.UNKNOWN, message: `cannot resolve: the logical id of ${node.node.path}` };
      const failed = result.status === RuleStatus.NON_COMPLIANT || result.status === RuleStatus.UNKNOWN;
      this.applyRule({
        ruleSuffixOverride: rule.name,
        info: failed ? `${rule.finding} ${capitalise(result.message)}.` : rule.finding,
        explanation: rule.fix,
        level: NagMessageLevel.ERROR,
        node,
        rule: () => result.status === RuleStatus.NON_COMPLIANT ? NagRuleCompliance.NON_COMPLIANT
          : result.status === RuleStatus.UNKNOWN ? ['Unresolved']
            : result.status === RuleStatus.COMPLIANT ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NOT_APPLICABLE,
      });
    }
  }

  /** The stack's template, resolved element by element, once per run. */
  private indexOf(stack: Stack) {
    let entry = this.indexes.get(stack);
    if (entry === undefined) {
      const template: Record<string, Record<string, unknown>> = { Resources: {}, Parameters: {} };
      const logicalIds = new Map<CfnElement, string>();
      for (const c of stack.node.findAll()) {
        if (!CfnElement.isCfnElement(c) || Stack.of(c) !== stack) continue;
        let logicalId: string;
        try {
          logicalId = stack.resolve(c.logicalId);
        } catch {
          continue;
        }
        logicalIds.set(c, logicalId);
        try {
          const fragment = stack.resolve(c._toCloudFormation()) as Record<string, Record<string, unknown>>;
          for (const [section, entries] of Object.entries(fragment ?? {})) {
            template[section] = { ...(template[section] ?? {}), ...entries };
          }
        } catch (e) {
          if (CfnResource.isCfnResource(c)) {
            template.Resources[logicalId] = { Type: c.cfnResourceType, unresolvable: `the properties of ${c.node.path} (${(e as Error).message.split('\n')[0]})` };
          }
        }
      }
      entry = { index: new TemplateIndex(template, this.policy), logicalIds };
      this.indexes.set(stack, entry);
    }
    return entry;
  }
}

function capitalise(s: string): string {
  return s.length === 0 ? s : s[0].toUpperCase() + s.slice(1);
}
