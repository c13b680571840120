import { Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * The secure baseline every bucket of this library has, whatever its encryption: each setting
 * once, as the L2 bucket props that build it, with the template properties of the
 * `AWS::S3::Bucket` it decides. The self-check's expected JSON is rendered from these props
 * (`secureBaselineProperties`), so what is checked is what is built.
 */
const SETTINGS: ReadonlyArray<{ readonly props: Partial<s3.BucketProps>; readonly renders: readonly string[] }> = [
  // All public access blocked: no public ACL or policy can be set, and none is honoured.
  { props: { blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL }, renders: ['PublicAccessBlockConfiguration'] },
  // TLS 1.2 or later only: Deny statements in the bucket policy, which the self-check finds among
  // the policy statements the bucket had when it was built (not bucket properties).
  { props: { enforceSSL: true, minimumTLSVersion: 1.2 }, renders: [] },
  // Object ownership bucket-owner-enforced: ACLs are disabled, so no AccessControl either.
  { props: { objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED }, renders: ['OwnershipControls', 'AccessControl'] },
];

/** The secure baseline as L2 bucket props (spread them into every `s3.Bucket` of this library). */
export const SECURE_BASELINE: Readonly<Partial<s3.BucketProps>> = Object.freeze(Object.assign({}, ...SETTINGS.map((s) => s.props)));

let rendered: Readonly<Record<string, unknown>> | undefined;

/**
 * The template properties the baseline decides, in CloudFormation form (`undefined`: must be
 * absent), rendered once from `SECURE_BASELINE` through a throwaway bucket by the L2 itself.
 */
export function secureBaselineProperties(): Readonly<Record<string, unknown>> {
  if (rendered === undefined) {
    const stack = new Stack();
    const bucket = new s3.Bucket(stack, 'Baseline', SECURE_BASELINE);
    const cfn = bucket.node.defaultChild as s3.CfnBucket;
    const template = stack.resolve(cfn._toCloudFormation()) as { Resources: Record<string, { Properties?: Record<string, unknown> }> };
    const properties = Object.values(template.Resources)[0].Properties ?? {};
    rendered = Object.freeze(Object.fromEntries(SETTINGS.flatMap((s) => s.renders).map((name) => [name, properties[name]])));
  }
  return rendered;
}

/** What the final template of a bucket must keep of the baseline, and which members to compare as subsets. */
export interface BaselineExpectations {
  /** Template properties of the `AWS::S3::Bucket` (tokens allowed; `undefined`: must be absent). */
  readonly properties: Record<string, unknown>;
  /** The properties compared only on the members given. */
  readonly subset: string[];
}

/**
 * The baseline a bucket of this library was built with, as its final template must keep it:
 * `secureBaselineProperties`, and the server access logging its L1 has now (destination and
 * prefix, when it logs). Call it at the end of construction: an escape hatch applied later is
 * what the check is there to find.
 */
export function baselineExpectations(bucket: s3.Bucket): BaselineExpectations {
  const logging = (bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration as s3.CfnBucket.LoggingConfigurationProperty | undefined;
  return {
    properties: {
      ...secureBaselineProperties(),
      ...(logging ? { LoggingConfiguration: { DestinationBucketName: logging.destinationBucketName, LogFilePrefix: logging.logFilePrefix } } : {}),
    },
    subset: ['LoggingConfiguration'],
  };
}
