import { CfnElement, CfnResource, Stack } from 'aws-cdk-lib';

/** A stack's resolved template, and the logical id of each element. */
export interface ResolvedStackTemplate {
  /** The resolved CloudFormation of the stack: `Resources`, `Parameters`, ... */
  readonly template: Record<string, Record<string, any>>;
  /** The logical id each element of the stack resolved to. */
  readonly logicalIds: Map<CfnElement, string>;
}

/**
 * The stack's template, resolved element by element (property overrides,
 * deletion overrides and the effects of Aspects included, since it is
 * rendered from the tree as it is now), ready for the rule engine's
 * `TemplateIndex`.
 *
 * An element whose properties cannot be resolved becomes a resource marked
 * `unresolvable`, so the rules report it as UNKNOWN rather than pass it.
 * The cdk-nag pack (src/nag/s3-encryption-checks.ts) and SecureBucket's
 * final-template check both use it, so they judge the same template.
 */
export function resolvedStackTemplate(stack: Stack): ResolvedStackTemplate {
  const template: Record<string, Record<string, any>> = { Resources: {}, Parameters: {} };
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
        // Merged in place: copying the section for every element would make rendering quadratic.
        Object.assign(template[section] ??= {}, entries);
      }
    } catch (e) {
      if (CfnResource.isCfnResource(c)) {
        template.Resources[logicalId] = {
          Type: c.cfnResourceType,
          unresolvable: `the properties of ${c.node.path} (${(e as Error).message.split('\n')[0]})`,
        };
      }
    }
  }
  return { template, logicalIds };
}
