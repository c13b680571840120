import { App, Stack, StackProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { EncryptionAuditTrail } from '../../src/audit';

export function newStack(id = 'S', props?: StackProps): { app: App; stack: Stack } {
  const app = new App();
  const stack = new Stack(app, id, props);
  return { app, stack };
}

/** An imported bucket with a literal ARN: cheap to create by the hundred. */
export function importedBucket(stack: Stack, i: number): s3.IBucket {
  return s3.Bucket.fromBucketArn(stack, `Imported${i}`, `arn:aws:s3:::audit-test-bucket-${i}`);
}

/** The single trail's properties in the synthesized template. */
export function trailProps(template: Template): any {
  const trails = Object.values(template.findResources('AWS::CloudTrail::Trail'));
  expect(trails).toHaveLength(1);
  return (trails[0] as any).Properties;
}

export function trailResource(template: Template): any {
  return Object.values(template.findResources('AWS::CloudTrail::Trail'))[0];
}

/** The rendered advanced event selectors of the stack's one trail. */
export function selectorsOf(stack: Stack): any[] {
  return trailProps(Template.fromStack(stack)).AdvancedEventSelectors;
}

/** Count every value of every field selector, the way CloudTrail's quota does. */
export function countSelectorValues(selectors: any[]): number {
  let n = 0;
  for (const s of selectors) {
    for (const f of s.FieldSelectors) {
      for (const op of ['Equals', 'StartsWith', 'EndsWith', 'NotEquals', 'NotStartsWith', 'NotEndsWith']) {
        n += (f[op] ?? []).length;
      }
    }
  }
  return n;
}

export function field(selector: any, name: string): any {
  return selector.FieldSelectors.find((f: any) => f.Field === name);
}

export function logicalId(stack: Stack, c: { node: { defaultChild?: any } }): string {
  return stack.getLogicalId(c.node.defaultChild);
}

export function trailLogicalIds(stack: Stack, trail: EncryptionAuditTrail) {
  return {
    trail: stack.getLogicalId(trail.cfnTrail),
    key: logicalId(stack, trail.encryptionKey),
    bucket: logicalId(stack, trail.logBucket),
    bucketPolicy: stack.getLogicalId(trail.logBucket.policy!.node.defaultChild as any),
  };
}

/**
 * The trail's selectors resolved without synthesizing (so more buckets can be
 * recorded afterwards), in the L1's camelCase shape.
 */
export function resolvedSelectors(trail: EncryptionAuditTrail): any[] {
  return Stack.of(trail).resolve(trail.cfnTrail.advancedEventSelectors);
}

/** countSelectorValues for resolvedSelectors' camelCase shape. */
export function countResolvedValues(selectors: any[]): number {
  let n = 0;
  for (const s of selectors) {
    for (const f of s.fieldSelectors) {
      for (const op of ['equalTo', 'startsWith', 'endsWith', 'notEquals', 'notStartsWith', 'notEndsWith']) {
        n += (f[op] ?? []).length;
      }
    }
  }
  return n;
}
