import { CfnElement, CfnResource, Stack } from 'aws-cdk-lib';
import { NagMessageLevel, NagPack, NagPackProps, NagRuleCompliance } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { runRule } from './engine/evaluate';
import { PACK_NAME, RuleStatus, ruleId } from './engine/rule';
import { ALL_MODES, EnginePolicy, TemplateIndex } from './engine/template-index';
import { ALL_RULES } from './rules';
import { EncryptionModeKind } from '../secure-bucket/encryption-mode';

/**
 * An encryption policy for S3 buckets: which modes and keys are allowed.
 */
export interface S3EncryptionPolicy {
  /**
   * The encryption modes buckets may use.
   *
   * @default - every mode: SSE-S3, SSE-KMS, DSSE-KMS and SSE-C
   */
  readonly allowedModes?: EncryptionModeKind[];

  /**
   * The KMS keys (ARNs, as written in the template) KMS-mode buckets may
   * use. When set, a key created in the same template does not match.
   *
   * @default - any customer-managed key
   */
  readonly allowedKmsKeyArns?: string[];

  /**
   * Whether log buckets are held to what their AWS service supports instead
   * of `allowedModes`: a destination of S3 server access logs must use
   * SSE-S3 (the only encryption log delivery supports), a CloudTrail log
   * bucket SSE-S3 or SSE-KMS with any customer-managed key (not only
   * `allowedKmsKeyArns`); neither needs an enforcement bucket policy
   * (only the service writes them), a trail's log bucket needs no data
   * events of its own (recording them would loop) nor an SSE-C block.
   * The roles are recognised from the template (another bucket's
   * LoggingConfiguration, a trail's S3BucketName).
   *
   * @default true
   */
  readonly exemptLogBuckets?: boolean;
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

/** The engine's policy with defaults applied; rejects empty or unknown modes. */
export function toEnginePolicy(p: S3EncryptionPolicy): EnginePolicy {
  const modes = p.allowedModes ?? ALL_MODES;
  for (const m of modes) {
    if (!ALL_MODES.includes(m)) throw new Error(`S3EncryptionPolicy.allowedModes: unknown mode '${m}'. Fix: use ${ALL_MODES.join(', ')}`);
  }
  if (modes.length === 0) throw new Error('S3EncryptionPolicy.allowedModes: is empty, so no bucket could pass. Fix: omit it to allow every mode, or name at least one');
  return {
    allowedModes: [...modes],
    allowedKmsKeyArns: p.allowedKmsKeyArns ? [...p.allowedKmsKeyArns] : undefined,
    exemptLogBuckets: p.exemptLogBuckets ?? true,
  };
}

function capitalise(s: string): string {
  return s.length === 0 ? s : s[0].toUpperCase() + s.slice(1);
}
