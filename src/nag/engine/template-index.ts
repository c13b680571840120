import { DEFAULT_POLICY, EnginePolicy } from './policy';
import { DenyStatement, denyStatements } from './policy-statements';
import { Resolved, ResolveScope, asList, canonArn, resolveBool, resolveString } from './symbolic-values';

/** A CloudFormation resource, properties resolved as far as possible. */
export interface CfnResourceView {
  readonly logicalId: string;
  readonly type: string;
  readonly properties: Record<string, unknown>;
  /** Why the properties could not be resolved at all (the rule then reports UNKNOWN). */
  readonly unresolvable?: string;
  /** The resource's CloudFormation `Condition`: it exists only where that condition holds. */
  readonly condition?: string;
}

/**
 * One template, indexed for the rules: resources by logical id and type,
 * bucket policies by bucket, and the roles buckets play (access-log
 * destination, CloudTrail log bucket).
 */
export class TemplateIndex implements ResolveScope {
  public readonly resources = new Map<string, CfnResourceView>();
  private readonly parameters: Set<string>;
  private policiesByBucket?: Map<string, CfnResourceView[]>;
  private unresolvedPolicies?: Array<{ policy: CfnResourceView; reason: string }>;
  private readonly analyses = new Map<string, unknown>();

  /** The template as given (the S3TemplateUnderstood rule reads its features). */
  public readonly template: Record<string, any>;

  constructor(template: unknown, public readonly policy: EnginePolicy = DEFAULT_POLICY) {
    const t = (template ?? {}) as Record<string, any>;
    this.template = t;
    this.parameters = new Set(Object.keys(t.Parameters ?? {}));
    for (const [logicalId, r] of Object.entries((t.Resources ?? {}) as Record<string, any>)) {
      if (r === null || typeof r !== 'object') continue;
      this.resources.set(logicalId, {
        logicalId,
        type: String(r.Type),
        properties: (r.Properties ?? {}) as Record<string, unknown>,
        unresolvable: r.unresolvable,
        condition: r.Condition === undefined ? undefined : typeof r.Condition === 'string' ? r.Condition : JSON.stringify(r.Condition),
      });
    }
  }

  public hasResource(id: string): boolean { return this.resources.has(id); }
  public hasParameter(id: string): boolean { return this.parameters.has(id); }
  public str(v: unknown): Resolved { return resolveString(v, this); }

  public ofType(type: string): CfnResourceView[] {
    return [...this.resources.values()].filter((r) => r.type === type);
  }

  /** Memoises a per-template computation (rules are pure; the index is per run). */
  public memo<T>(key: string, compute: () => T): T {
    if (!this.analyses.has(key)) this.analyses.set(key, compute());
    return this.analyses.get(key) as T;
  }

  /** The names a bucket is referred to by: `${Id}` (Ref) and its literal BucketName. */
  public bucketNames(bucket: CfnResourceView): string[] {
    const names = [`\${${bucket.logicalId}}`];
    const n = this.str(bucket.properties.BucketName);
    if (n.ok) names.push(n.value);
    return names;
  }

  /** The canonical ARNs of a bucket. */
  public bucketArns(bucket: CfnResourceView): string[] {
    return [`\${${bucket.logicalId}.Arn}`, ...this.bucketNames(bucket).map((n) => canonArn(`arn:aws:s3:::${n}`))];
  }

  /** The AWS::S3::BucketPolicy resources attached to `bucket`, and those whose bucket cannot be resolved. */
  public policiesOf(bucket: CfnResourceView): { policies: CfnResourceView[]; unresolved: Array<{ policy: CfnResourceView; reason: string }> } {
    if (!this.policiesByBucket) {
      this.policiesByBucket = new Map();
      this.unresolvedPolicies = [];
      for (const p of this.ofType('AWS::S3::BucketPolicy')) {
        const b = this.str(p.properties.Bucket);
        if (!b.ok || p.unresolvable) {
          this.unresolvedPolicies.push({ policy: p, reason: p.unresolvable ?? b.reason });
          continue;
        }
        const list = this.policiesByBucket.get(b.value) ?? [];
        list.push(p);
        this.policiesByBucket.set(b.value, list);
      }
    }
    const policies = this.bucketNames(bucket).flatMap((n) => this.policiesByBucket!.get(n) ?? []);
    return { policies: [...new Set(policies)], unresolved: this.unresolvedPolicies! };
  }

  /**
   * The Deny-all-principals statements of the policy attached to `bucket`,
   * and why they may not be the whole story. S3 keeps ONE policy per bucket:
   * with several AWS::S3::BucketPolicy resources the last one deployed wins,
   * so none of them is a proof. A policy that exists only under a
   * CloudFormation Condition the bucket does not share is no proof either.
   */
  public denyStatementsOf(bucket: CfnResourceView): { statements: DenyStatement[]; unresolved?: string } {
    return this.memo(`deny:${bucket.logicalId}`, () => {
      const { policies, unresolved } = this.policiesOf(bucket);
      if (unresolved.length > 0) {
        return { statements: [], unresolved: `the bucket of policy ${unresolved[0].policy.logicalId} cannot be resolved (${unresolved[0].reason}), so it may be this bucket's policy` };
      }
      if (policies.length > 1) {
        return {
          statements: [],
          unresolved: `${policies.length} AWS::S3::BucketPolicy resources (${policies.map((p) => p.logicalId).join(', ')}) target this bucket; S3 keeps one policy per bucket and the last deployed replaces the others, so none proves anything. Fix: merge them into one policy`,
        };
      }
      if (policies.length === 1 && policies[0].condition !== undefined && policies[0].condition !== bucket.condition) {
        return {
          statements: [],
          unresolved: `the bucket policy ${policies[0].logicalId} exists only when the CloudFormation condition ${policies[0].condition} holds${bucket.condition ? ` (the bucket's is ${bucket.condition})` : ''}, so it is no proof. Fix: remove the Condition from the policy or give the bucket the same one`,
        };
      }
      return { statements: policies.flatMap((p) => denyStatements(p.properties.PolicyDocument, this)) };
    });
  }

  /**
   * Whether `granting` certainly exists whenever `bucket` does: it has no
   * CloudFormation Condition, or the very one the bucket has. A role (log
   * destination, trail bucket, inventory destination) comes only from such
   * a resource: one under a Condition that can be false may never exist.
   */
  public existsWith(granting: CfnResourceView, bucket: CfnResourceView): boolean {
    return granting.condition === undefined || granting.condition === bucket.condition;
  }

  /** Whether another bucket of this template, certainly deployed with it, delivers its server access logs to `bucket`. */
  public isAccessLogDestination(bucket: CfnResourceView): boolean {
    const names = this.bucketNames(bucket);
    return this.ofType('AWS::S3::Bucket').some((b) => {
      const d = this.str((b.properties.LoggingConfiguration as any)?.DestinationBucketName);
      return b !== bucket && !b.unresolvable && this.existsWith(b, bucket) && d.ok && names.includes(d.value);
    });
  }

  /**
   * Whether another bucket of this template, certainly deployed with it,
   * delivers an S3 Inventory report to `bucket` from a configuration that is
   * `Enabled: true` (a disabled one delivers nothing).
   */
  public isInventoryDestination(bucket: CfnResourceView): boolean {
    const arns = this.bucketArns(bucket);
    return this.ofType('AWS::S3::Bucket').some((b) => b !== bucket && !b.unresolvable && this.existsWith(b, bucket)
      && asList(b.properties.InventoryConfigurations).some((c) => {
        const enabled = resolveBool((c as any)?.Enabled, this);
        const d = this.str((c as any)?.Destination?.BucketArn);
        return enabled.ok && enabled.value && d.ok && arns.includes(canonArn(d.value));
      }));
  }

  /** The trails of this template, certainly deployed with `bucket`, that write their log files to it. */
  public trailsLoggingTo(bucket: CfnResourceView): CfnResourceView[] {
    const names = this.bucketNames(bucket);
    return this.ofType('AWS::CloudTrail::Trail').filter((t) => {
      const d = this.str(t.properties.S3BucketName);
      return !t.unresolvable && this.existsWith(t, bucket) && d.ok && names.includes(d.value);
    });
  }
}

/** The list values of a property, resolved; unresolved entries are reported. */
export function resolvedList(index: TemplateIndex, v: unknown): { values: string[]; unresolved?: string } {
  const values: string[] = [];
  let unresolved: string | undefined;
  for (const item of asList(v)) {
    const r = index.str(item);
    if (r.ok) values.push(r.value);
    else unresolved = unresolved ?? r.reason;
  }
  return { values, unresolved };
}
