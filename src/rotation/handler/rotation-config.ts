/**
 * The rotation function's configuration, from its environment (set by the `BatchKeyRotation` construct):
 * - `BUCKET_NAME`: the bucket whose objects it rewraps (tasks for any other bucket are refused);
 * - `SOURCE_KMS_KEY_ARNS`: the old KMS key ARNs, comma-separated, tried in order;
 * - `TARGET_KMS_KEY_ARN`: the new KMS key ARN.
 * A bad value throws at container start, so no task runs with a half-understood configuration.
 */
import { KmsClientLike, KmsKeyring } from '@cdk-secure-bucket/crypto';
import { RotationConfig } from './rotate-batch';

const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

export function rotationConfigFromEnvironment(env: Readonly<Record<string, string | undefined>>, kms: KmsClientLike): RotationConfig {
  const bucket = env.BUCKET_NAME ?? '';
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new Error(`BUCKET_NAME must be a bucket name, got ${JSON.stringify(env.BUCKET_NAME)}`);
  }
  const sources = (env.SOURCE_KMS_KEY_ARNS ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const target = (env.TARGET_KMS_KEY_ARN ?? '').trim();
  for (const arn of [...sources, target]) {
    if (!KEY_ARN.test(arn)) {
      throw new Error(`SOURCE_KMS_KEY_ARNS and TARGET_KMS_KEY_ARN must be KMS key ARNs (not aliases or key ids), got ${JSON.stringify(arn)}`);
    }
  }
  if (sources.length === 0) throw new Error('SOURCE_KMS_KEY_ARNS names no key');
  if (sources.includes(target)) throw new Error(`TARGET_KMS_KEY_ARN ${target} is also a source key: nothing would rotate`);
  return {
    bucket,
    sourceKeyrings: sources.map((keyId) => new KmsKeyring({ client: kms, keyId })),
    targetKeyring: new KmsKeyring({ client: kms, keyId: target }),
    targetKeyArn: target,
  };
}
