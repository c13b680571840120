import { listWords, modeLabel, modeRow, modeRows } from '../../../encryption-modes/mode-lookup';
import { directoryBucket } from '../../engine/encrypted-bucket';
import { EncryptionRule, RuleResult, cannotResolve, compliant, nonCompliant } from '../../engine/rule';

/** The modes directory buckets offer, by default encryption algorithm. */
function directoryBucketModes() {
  return modeRows((r) => r.services.directoryBuckets);
}

function list(v: unknown): unknown[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/**
 * A directory bucket (S3 Express One Zone) sets default encryption, with a
 * mode the policy allows: SSE-S3 or SSE-KMS, the only two directory buckets
 * support, and in SSE-KMS a customer-managed key (from `allowedKmsKeyArns`
 * when the policy names keys). The rest of a directory bucket's protection
 * is not judged (see S3BucketTypeSupported).
 */
export const S3DirectoryBucketEncryption: EncryptionRule = {
  name: 'S3DirectoryBucketEncryption',
  finding: 'The S3 directory bucket has no default encryption, or its mode or key is not allowed by the encryption policy.',
  fix: `Set BucketEncryption.ServerSideEncryptionConfiguration on the AWS::S3Express::DirectoryBucket with an allowed mode (${listWords(directoryBucketModes().map((r) => r.defaultEncryption.sseAlgorithm))}) and, `
    + `for ${listWords(directoryBucketModes().filter((r) => r.usesKms).map((r) => r.defaultEncryption.sseAlgorithm))}, KMSMasterKeyID set to a customer-managed key (one named in allowedKmsKeyArns when the policy names keys).`,
  evaluate: directoryBucket(({ resource: bucket }, index): RuleResult => {
    const rules = list((bucket.properties.BucketEncryption as any)?.ServerSideEncryptionConfiguration);
    const dflt = (rules[0] as any)?.ServerSideEncryptionByDefault;
    if (dflt === undefined) return nonCompliant('no default encryption is configured (BucketEncryption)');
    if (rules.length > 1) return cannotResolve(`BucketEncryption has ${rules.length} rules; S3 accepts one`);
    const alg = index.str(dflt.SSEAlgorithm);
    if (!alg.ok) return cannotResolve(`SSEAlgorithm: ${alg.reason}`);
    const modes = directoryBucketModes();
    const mode = modes.find((r) => r.defaultEncryption.sseAlgorithm === alg.value)?.kind;
    if (mode === undefined) {
      return nonCompliant(`default encryption algorithm '${alg.value}' is not ${listWords(modes.map((r) => `${r.defaultEncryption.sseAlgorithm} (${r.label})`))}`);
    }
    if (!index.policy.allowedModes.includes(mode)) {
      return nonCompliant(`the directory bucket uses ${modeLabel(mode)}; the policy allows ${index.policy.allowedModes.map(modeLabel).join(', ')}`);
    }
    if (!modeRow(mode).usesKms) return compliant();
    if (dflt.KMSMasterKeyID === undefined) return nonCompliant(`${modeLabel(mode)} without KMSMasterKeyID; a directory bucket needs a customer-managed key`);
    const key = index.str(dflt.KMSMasterKeyID);
    if (!key.ok) return cannotResolve(`the KMS key: ${key.reason}`);
    const own = /^\$\{([^.}]+)(?:\.(Arn|KeyId))?\}$/.exec(key.value);
    const inTemplate = own !== null && index.resources.get(own[1])?.type === 'AWS::KMS::Key';
    const allowed = index.policy.allowedKmsKeyArns;
    if (allowed !== undefined) {
      return !inTemplate && allowed.includes(key.value) ? compliant()
        : nonCompliant(`the directory bucket uses the key ${inTemplate ? `${own![1]} created in this template` : key.value}; the policy allows only ${allowed.join(', ')}`);
    }
    if (inTemplate) return compliant();
    if (/(^|:)alias\/aws\//.test(key.value)) return nonCompliant(`the directory bucket uses the AWS managed key ${key.value}`);
    return cannotResolve(`the KMS key ${key.value} is defined outside this template, so it cannot be confirmed to be customer-managed (name it in allowedKmsKeyArns)`);
  }),
};
