import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * Acknowledges AwsSolutions-IAM5 on `policy` for exactly these wildcard resources, by the finding ids cdk-nag
 * reports (`AwsSolutions-IAM5[Resource::<flattened ARN>]`), so any other wildcard added later is still reported.
 * The flattening follows cdk-nag's own (lib/utils/flatten-cfn-reference: Fn::Join joined, Ref as `<Id>`,
 * Fn::GetAtt as `<Id.Attr>`), which cdk-nag does not export.
 *
 * Recorded as `Validations.acknowledge` records an acknowledgement (metadata `ACKNOWLEDGED_RULES_METADATA_KEY`,
 * `{ [id]: reason }`, which cdk-nag's NagPack.isAcknowledged reads), because `acknowledge` itself refuses ids
 * containing `::` ("reserved for separating the prefix from the rule name") while cdk-nag 3 names IAM5
 * findings `AwsSolutions-IAM5[Resource::...]`, as its README shows.
 */
export function acknowledgeWildcardResources(policy: iam.ManagedPolicy, resources: string[], reason: string): void {
  const stack = Stack.of(policy);
  for (const resource of resources) {
    const id = `AwsSolutions-IAM5[Resource::${flatten(stack.resolve(resource))}]`;
    policy.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, { [id]: `Wildcard by construction: ${reason}.` });
  }
}

function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const n = node as Record<string, any>;
  if (n['Fn::Join']) return (n['Fn::Join'][1] as unknown[]).map(flatten).join(n['Fn::Join'][0]);
  if (n['Fn::Sub']) return flatten(n['Fn::Sub']);
  if (n['Fn::GetAtt']) return `<${flatten(n['Fn::GetAtt'][0])}.${flatten(n['Fn::GetAtt'][1])}>`;
  if (n['Fn::ImportValue']) return flatten(n['Fn::ImportValue']);
  if (n.Ref) return `<${flatten(n.Ref)}>`;
  return JSON.stringify(node);
}
