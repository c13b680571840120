/**
 * The example app: one stack with a SecureBucket per encryption mode, a role
 * granted read on each, and the cdk-nag packs and the AWS Control Tower
 * proactive controls run as policy-validation plugins. `npx cdk synth`
 * synthesizes it offline (no lookups).
 */
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { Construct } from 'constructs';
import { EncryptionMode, S3EncryptionChecks, SecureBucket } from '../src';

export class ExampleStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const buckets = {
      SseS3: new SecureBucket(this, 'SseS3Bucket', { mode: EncryptionMode.sseS3() }),
      // alertOnDrift: EventBridge rules on CloudTrail send changes to the bucket's encryption,
      // policy or key to the stack's EncryptionDriftAlerts topic.
      SseKms: new SecureBucket(this, 'SseKmsBucket', { mode: EncryptionMode.sseKms(), alertOnDrift: true }),
      DsseKms: new SecureBucket(this, 'DsseKmsBucket', { mode: EncryptionMode.dsseKms() }),
      SseC: new SecureBucket(this, 'SseCBucket', { mode: EncryptionMode.sseC() }),
    };

    for (const [name, bucket] of Object.entries(buckets)) {
      const reader = new iam.Role(this, `${name}Reader`, {
        assumedBy: new iam.AccountRootPrincipal(),
        description: `Reads the ${name} example bucket`,
      });
      bucket.grantRead(reader);
      // The reader is example user code: grantRead's read-only action families on one
      // bucket and its objects, in the role's default (inline) policy.
      const bucketLogicalId = this.getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
      Validations.of(reader).acknowledge(
        ...['s3:GetObject*', 's3:GetBucket*', 's3:List*'].map((action) => ({
          id: `AwsSolutions-IAM5[Action::${action}]`,
          reason: `grantRead uses the read-only ${action} action family, scoped to the ${name} bucket only.`,
        })),
        {
          id: `AwsSolutions-IAM5[Resource::<${bucketLogicalId}.Arn>/*]`,
          reason: `The reader role exists to read every object of the ${name} bucket.`,
        },
        ...['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'].map((pack) => ({
          id: `${pack}-IAMNoInlinePolicy`,
          reason: 'grantRead writes the example role\'s default policy; the role and its policy live and die with this stack.',
        })),
      );
    }
  }
}

/** The example app: the stack plus the four cdk-nag packs, S3EncryptionChecks and the Control Tower controls as validation plugins. */
export function buildExampleApp(app: App = new App()): App {
  const stack = new ExampleStack(app, 'SecureBucketExample');
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app),
    new HIPAASecurityChecks(app),
    new NIST80053R5Checks(app),
    new PCIDSS321Checks(app),
    // This library's own pack: every bucket meets the encryption policy (all modes allowed here).
    new S3EncryptionChecks(app),
    // The AWS Control Tower proactive controls (cfn-guard and the rules ship in the package).
    new CfnGuardValidator(),
  );
  // What the Control Tower controls still report here (docs/compliance.md, "AWS Control Tower
  // proactive controls"). CDK applies an acknowledgement of a plugin's rule to the whole app, not
  // to one resource, so the library acknowledges none of these itself: the app decides.
  Validations.of(app).acknowledge(
    { id: 'cdk-validator-cfnguard::s3_bucket_default_encryption_kms_check', reason: 'CT.S3.PR.10: the SSE-S3 and SSE-C example buckets demonstrate non-KMS modes; the access-log bucket must be SSE-S3 (S3 log delivery) and the inventory bucket is SSE-S3 by design.' },
    { id: 'cdk-validator-cfnguard::s3_bucket_logging_enabled_check', reason: 'CT.S3.PR.2: only the access-log bucket, which cannot log into itself or another log bucket without a loop.' },
    { id: 'cdk-validator-cfnguard::s3_version_lifecycle_policy_check', reason: 'CT.S3.PR.3: the example buckets set no lifecycleRules (how long data is kept is the app\'s decision).' },
    { id: 'cdk-validator-cfnguard::s3_lifecycle_policy_check', reason: 'CT.S3.PR.6: the example buckets set no lifecycleRules (how long data is kept is the app\'s decision).' },
    { id: 'cdk-validator-cfnguard::s3_bucket_object_lock_enabled_check', reason: 'CT.S3.PR.9: the example buckets do not enable Object Lock, which cannot be turned off again; the access-log bucket cannot have it (S3 log delivery).' },
  );
  // The example buckets are plain demo buckets: replication is the user's decision
  // (see the README's finding table), so the example acknowledges it on its own buckets.
  for (const id of ['SseS3Bucket', 'SseKmsBucket', 'DsseKmsBucket', 'SseCBucket']) {
    Validations.of(stack.node.findChild(id)).acknowledge(
      { id: 'HIPAA.Security-S3BucketReplicationEnabled', reason: 'Example app: replication is out of scope for the demo buckets.' },
      { id: 'NIST.800.53.R5-S3BucketReplicationEnabled', reason: 'Example app: replication is out of scope for the demo buckets.' },
      { id: 'PCI.DSS.321-S3BucketReplicationEnabled', reason: 'Example app: replication is out of scope for the demo buckets.' },
    );
  }
  for (const id of ['SseS3Bucket', 'DsseKmsBucket', 'SseCBucket']) {
    const reason = id === 'DsseKmsBucket'
      ? 'DSSE-KMS (aws:kms:dsse) is KMS encryption with two layers; the rule only recognises aws:kms.'
      : 'Example app: this bucket demonstrates a non-KMS mode on purpose.';
    Validations.of(stack.node.findChild(id)).acknowledge(
      { id: 'HIPAA.Security-S3DefaultEncryptionKMS', reason },
      { id: 'NIST.800.53.R5-S3DefaultEncryptionKMS', reason },
      { id: 'PCI.DSS.321-S3DefaultEncryptionKMS', reason },
    );
  }
  return app;
}

// `cdk synth` runs this file; importing it (e.g. from tests) synthesizes nothing.
if (require.main === module) {
  buildExampleApp().synth();
}
