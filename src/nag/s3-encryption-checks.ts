import { CfnElement, CfnResource, CfnStack, NestedStack, PolicyValidationPluginReport, PolicyViolation, Stack } from 'aws-cdk-lib';
import { NagMessageLevel, NagPack, NagPackProps, NagRuleCompliance } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { runRule } from './engine/evaluate';
import { resolvedStackTemplate } from '../stack-template/resolved-stack-template';
import { outsideChanges } from './engine/outside-changes';
import { EnginePolicy, S3EncryptionPolicy, toEnginePolicy } from './engine/policy';
import { isJudgedType } from './engine/resource-types';
import { PACK_NAME, RuleStatus, ruleId } from './engine/rule';
import { CfnResourceView, TemplateIndex } from './engine/template-index';
import { ALL_RULES } from './rules';
import { S3BucketChangedElsewhere, S3NestedStackTemplate, S3TemplateUnderstood, bucketChangedElsewhereRule, nestedStackTemplateRule } from './rules/not-proven';

/** What one violating resource gets in the report: its own detail and the fix. */
interface Detail {
  readonly description: string;
  readonly fix: string;
}

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
 * Each violation in the report describes its own resources (cdk-nag 3
 * keeps one description per rule id; this pack splits a rule's
 * violation by detail) and carries the fix in `fix`, which the CDK's
 * validation report prints as "How to fix", with or without `verbose`.
 *
 * Directory and table buckets are reported (S3BucketTypeSupported), never
 * skipped; the resources of a `NestedStack` are visited like any other,
 * and a `CfnStack` whose template is not part of the app is reported
 * (S3NestedStackTemplate).
 *
 * @example
 * import { App, Validations } from 'aws-cdk-lib';
 * import { EncryptionModeKind, S3EncryptionChecks } from 'cdk-secure-bucket';
 *
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
  /** The CfnStack resources of the app's NestedStacks, whose resources the pack visits itself. */
  private nestedStackResources = new Set<CfnResource>();
  /** `<rule id>\0<construct path>` -> that resource's own detail. */
  private details = new Map<string, Detail>();
  /** Stack path -> bucket logical id -> what changes it from outside its template (this run). */
  private outside = new Map<string, Map<string, string[]>>();

  constructor(scope?: IConstruct, props: S3EncryptionChecksProps = {}) {
    super(scope, props);
    this.name = PACK_NAME;
    this.packName = PACK_NAME;
    this.policy = toEnginePolicy(props);
  }

  public validateScope(scope: IConstruct): PolicyValidationPluginReport {
    // The tree may have changed since the last run.
    this.indexes = new Map();
    this.details = new Map();
    this.nestedStackResources = new Set(scope.node.root.node.findAll()
      .filter((c): c is NestedStack => NestedStack.isNestedStack(c)).map((n) => n.nestedStackResource!).filter((r) => r !== undefined));
    try {
      this.outside = this.appOutsideChanges(scope);
      const report = super.validateScope(scope);
      return { success: report.success, violations: report.violations.flatMap((v) => this.splitByDetail(v)) };
    } finally {
      this.indexes = new Map();
      this.details = new Map();
      this.outside = new Map();
    }
  }

  /**
   * What changes each bucket from outside its stack's template, over every
   * stack of the app (nested stacks included): a bucket policy for it in
   * another stack, a custom resource that changes its policy or encryption.
   * References between stacks are followed as they are rendered (exports and
   * Fn::ImportValue, nested stack parameters), as `check` follows them in the
   * cloud assembly. Stacks of other apps are out of reach of both drivers.
   */
  private appOutsideChanges(scope: IConstruct): Map<string, Map<string, string[]>> {
    const stacks = scope.node.root.node.findAll().filter((c): c is Stack => Stack.isStack(c));
    return outsideChanges(stacks.map((stack) => {
      const parentStack = stack.nestedStackParent;
      const resource = (stack as NestedStack).nestedStackResource;
      const parentId = parentStack && resource ? this.indexOf(parentStack).logicalIds.get(resource) : undefined;
      return {
        id: stack.node.path,
        name: stack.node.path,
        index: this.indexOf(stack).index,
        parent: parentStack && parentId ? { id: parentStack.node.path, logicalId: parentId } : undefined,
      };
    }));
  }

  /**
   * cdk-nag 3 groups the violating resources of a rule id under the first
   * resource's description (src/nag-pack.ts, `addViolation`:
   * `this.violations.find((v) => v.ruleName === ruleName)` gets the further
   * resources pushed, its description kept; the explanation is appended only
   * when `verbose`). Regroup them by their own detail, each group with the
   * rule's fix in `fix`, which aws-cdk-lib's validation report prints as
   * "How to fix".
   */
  private splitByDetail(v: PolicyViolation): PolicyViolation[] {
    const groups = new Map<string, { detail?: Detail; resources: PolicyViolation['violatingResources'][number][] }>();
    for (const r of v.violatingResources) {
      const detail = this.details.get(`${v.ruleName}\0${r.constructPath}`);
      const key = detail?.description ?? v.description;
      const group = groups.get(key) ?? { detail, resources: [] };
      group.resources.push(r);
      groups.set(key, group);
    }
    return [...groups.entries()].map(([description, g]) => ({
      ...v,
      description,
      fix: g.detail?.fix ?? v.fix,
      violatingResources: g.resources,
    }));
  }

  protected checkResource(node: CfnResource): void {
    // Every resource may carry a template feature the engine does not understand (S3TemplateUnderstood);
    // the other rules judge buckets and nested stacks only.
    const rules = isJudgedType(node.cfnResourceType) ? ALL_RULES : [S3TemplateUnderstood];
    const { index, logicalIds } = this.indexOf(Stack.of(node));
    const resource = index.resources.get(logicalIds.get(node) ?? '');
    if (resource === undefined && !isJudgedType(node.cfnResourceType)) return;
    const nested = this.nestedStackResources.has(node);
    for (const r of rules) {
      const rule = r.name === S3NestedStackTemplate.name ? nestedStackTemplateRule(() => nested, (view) => templateUrlOverride(node, view))
        : r.name === S3BucketChangedElsewhere.name
          ? bucketChangedElsewhereRule((b) => this.outside.get(Stack.of(node).node.path)?.get(b.logicalId) ?? [])
          : r;
      const result = resource ? runRule(rule, resource, index)
        : { status: RuleStatus.UNKNOWN, message: `cannot resolve: the logical id of ${node.node.path}` };
      const failed = result.status === RuleStatus.NON_COMPLIANT || result.status === RuleStatus.UNKNOWN;
      const info = failed ? `${rule.finding} ${capitalise(result.message)}.` : rule.finding;
      if (failed) {
        const id = `${PACK_NAME}-${rule.name}${result.status === RuleStatus.UNKNOWN ? S3EncryptionChecks.UNRESOLVED_SUFFIX : ''}`;
        this.details.set(`${id}\0${node.node.path}`, { description: info, fix: rule.fix });
      }
      this.applyRule({
        ruleSuffixOverride: rule.name,
        info,
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
      const { template, logicalIds } = resolvedStackTemplate(stack);
      // The stack's Transforms (stack.addTransform) are template options, not elements: add them.
      const transforms = stack.templateOptions.transforms ?? [];
      const full = transforms.length > 0 ? { ...template, Transform: transforms } : template;
      entry = { index: new TemplateIndex(full, this.policy), logicalIds };
      this.indexes.set(stack, entry);
    }
    return entry;
  }
}

/**
 * Why a nested stack's TemplateURL is not the asset CDK wrote for its
 * template (an override), or undefined. `CfnStack.templateUrl` of a
 * `NestedStack` is CDK's asset URL; the rendered property is what deploys.
 */
function templateUrlOverride(node: CfnResource, view: CfnResourceView): string | undefined {
  if (!(node instanceof CfnStack)) return undefined;
  const stack = Stack.of(node);
  const built = JSON.stringify(stack.resolve(node.templateUrl));
  return built === JSON.stringify(view.properties.TemplateURL) ? undefined : `CDK's asset URL is ${built}`;
}

function capitalise(s: string): string {
  return s.length === 0 ? s : s[0].toUpperCase() + s.slice(1);
}
