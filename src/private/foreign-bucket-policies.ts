import { CfnResource, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CheckContext, Problem, canonical, cfnBucketOf } from './final-template-check';

/** The rendered properties of an L1 in its own stack, or undefined if it cannot be rendered. */
function renderedProperties(c: CfnResource): Record<string, unknown> | undefined {
  const stack = Stack.of(c);
  try {
    const fragment = stack.resolve((c as any)._toCloudFormation()) as Record<string, any>;
    return fragment?.Resources?.[stack.resolve(c.logicalId)]?.Properties ?? {};
  } catch {
    return undefined;
  }
}

/**
 * An AWS::S3::BucketPolicy for `bucket` in another stack of the app (another
 * top-level stack, a nested stack, a stack of another stage): S3 keeps one
 * policy per bucket, so whichever deploys last replaces the bucket's own
 * policy and its TLS and encryption-enforcement statements.
 *
 * A policy's `Bucket`, rendered in its own stack, names the bucket by its
 * literal name, by `Fn::ImportValue` of an export of the bucket's stack (a
 * cross-stack reference), or by a nested stack parameter its parent passes
 * (followed up to the bucket's stack).
 */
export function foreignPolicyProblems(ctx: CheckContext, bucket: s3.Bucket): Problem[] {
  const cfn = cfnBucketOf(bucket);
  if (cfn === undefined) return [];
  const home = Stack.of(cfn);
  const ref = canonical({ Ref: home.resolve(cfn.logicalId) });
  const name = home.resolve(cfn.bucketName);
  const exportsOfBucket = new Set<string>();
  for (const out of Object.values((ctx.templateOf(home).template.Outputs ?? {}) as Record<string, any>)) {
    if (typeof out?.Export?.Name === 'string' && canonical(out.Value) === ref) exportsOfBucket.add(out.Export.Name);
  }

  const names = (v: any, stack: Stack, depth: number): boolean => {
    if (depth > 10 || v === undefined || v === null) return false;
    if (typeof v === 'string') return typeof name === 'string' && v === name;
    if (typeof v['Fn::ImportValue'] === 'string') return exportsOfBucket.has(v['Fn::ImportValue']);
    const parent = stack.nestedStackParent;
    const resource = (stack as any).nestedStackResource as CfnResource | undefined;
    if (typeof v.Ref === 'string' && parent && resource) {
      const passed = (renderedProperties(resource)?.Parameters as any)?.[v.Ref];
      if (passed === undefined) return false;
      return parent === home ? canonical(passed) === ref : names(passed, parent, depth + 1);
    }
    return false;
  };

  // Only a stack that can refer to the bucket is rendered: with no literal name, a reference needs
  // the bucket's stack as a parent or a dependency (CDK adds one for every cross-stack reference).
  const mayRefer = (stack: Stack): boolean => {
    for (let s: Stack | undefined = stack; s !== undefined; s = s.nestedStackParent) {
      if (s === home || s.dependencies.includes(home)) return true;
    }
    return false;
  };
  const problems: Problem[] = [];
  // The app's bucket policies, found once per run: every SecureBucket of the stack looks at them.
  const bucketPolicies = ctx.once('bucketPoliciesOfApp', () => bucket.node.root.node.findAll()
    .filter((c): c is CfnResource => CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::S3::BucketPolicy'));
  for (const c of bucketPolicies) {
    if (Stack.of(c) === home) continue;
    if (typeof name !== 'string' && !mayRefer(Stack.of(c))) continue;
    // Not renderable here: the S3EncryptionChecks pack and `check` judge it on the final templates.
    const props = renderedProperties(c);
    if (props === undefined || !names(props.Bucket, Stack.of(c), 0)) continue;
    problems.push({
      prop: 'BucketPolicy',
      problem: `the bucket policy ${c.node.path} in the stack ${Stack.of(c).node.path} targets ${bucket.node.path}; S3 keeps one policy per bucket, `
        + 'so whichever stack deploys last replaces the other, and with it the TLS-only and encryption-enforcement statements',
      fix: 'remove that AWS::S3::BucketPolicy and add its statements with bucket.addToResourcePolicy(...) in the bucket\'s own stack',
    });
  }
  return problems;
}
