import { EncryptionModeKind } from '../../encryption-modes/encryption-mode-kind';
import { allModeKinds } from '../../encryption-modes/mode-lookup';

// The encryption policy has one home: here, in the engine. The cdk-nag pack
// (S3EncryptionChecks) and the `check` command both turn their input into an
// EnginePolicy through toEnginePolicy.

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

/** The encryption policy the rules check against (engine form, defaults applied). */
export interface EnginePolicy {
  readonly allowedModes: EncryptionModeKind[];
  /** Undefined: any customer-managed key. */
  readonly allowedKmsKeyArns?: string[];
  /** Whether access-log destinations and CloudTrail log buckets get their service-imposed treatment. */
  readonly exemptLogBuckets: boolean;
}

export const ALL_MODES: EncryptionModeKind[] = allModeKinds();

export const DEFAULT_POLICY: EnginePolicy = { allowedModes: ALL_MODES, exemptLogBuckets: true };

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
