/**
 * verifyEnvelope: check an object's S3EC metadata against a policy WITHOUT decrypting
 * (no key access needed). Useful for audits and for refusing objects before fetching bodies.
 */
import { S3EncryptionError } from '../errors';
import {
  AnyFormatVersion, CEK_ALG_AES_GCM, CEK_ALG_V3_COMMITTING, KMS_CEK_ALG_CONTEXT_KEY, LEGACY_KMS_CMK_ID_KEY,
  WRAP_ALG_AES_GCM, WRAP_ALG_KMS_CONTEXT,
} from '../format/algorithm-suite';
import { ContentMetadata, parseContentMetadata } from '../format/content-metadata';
import { callerContextOf } from '../keyring/kms-keyring';

export interface EnvelopePolicy {
  /** @default ['V3', 'V2'] (V1 additionally needs allowLegacy) */
  readonly allowedFormatVersions?: readonly AnyFormatVersion[];
  /** Content algorithms (`115`, `AES/GCM/NoPadding`). @default ['115', 'AES/GCM/NoPadding'] */
  readonly allowedContentAlgorithms?: readonly string[];
  /** Wrapping algorithms, V2 names (`kms+context`, `AES/GCM`). @default ['kms+context', 'AES/GCM'] */
  readonly allowedWrapAlgorithms?: readonly string[];
  /** Accept legacy V1 metadata / legacy wrapping / AES-CBC at all. @default false */
  readonly allowLegacy?: boolean;
  /**
   * KMS keys the object may be wrapped under. The V2/V3 formats do not store the key id (only legacy
   * `kms_cmk_id` in matdesc does), so for such objects this yields KMS_KEY_ID_NOT_VERIFIABLE (fail closed);
   * pin the key at decrypt time with KmsKeyring instead. @default no key check
   */
  readonly allowedKmsKeyIds?: readonly string[];
  /**
   * Entries that must be present (with these values) in the stored KMS encryption context. Only a KMS
   * context is authenticated (KMS refuses to unwrap under any other context); the material description of a
   * raw-AES object is not (anyone who can write the metadata can change it), so for such an object this
   * always adds ENCRYPTION_CONTEXT_UNAUTHENTICATED, whatever the description says. @default none
   */
  readonly requiredEncryptionContext?: Readonly<Record<string, string>>;
}

export interface EnvelopeFinding {
  readonly code: string;
  readonly message: string;
}

export interface EnvelopeVerification {
  /** True when there are no findings. */
  readonly ok: boolean;
  readonly findings: EnvelopeFinding[];
  /** The parsed metadata, when it could be parsed. */
  readonly metadata?: ContentMetadata;
  /**
   * Whether the stored context is authenticated by the format: true for KMS-wrapped objects (the context is
   * the KMS encryption context), false for raw-AES (and other non-KMS) objects, whose material description is
   * a label anyone able to write the metadata can change. Absent when the metadata could not be parsed.
   */
  readonly contextAuthenticated?: boolean;
}

export function verifyEnvelope(metadata: Readonly<Record<string, string | undefined>>, policy: EnvelopePolicy = {}): EnvelopeVerification {
  const findings: EnvelopeFinding[] = [];
  const add = (code: string, message: string) => findings.push({ code, message });
  let parsed: ContentMetadata;
  try {
    parsed = parseContentMetadata(metadata, { allowLegacy: policy.allowLegacy === true });
  } catch (e) {
    if (e instanceof S3EncryptionError) {
      add(e.code === 'UNSUPPORTED_FORMAT' && /legacy/i.test(e.message) ? 'LEGACY_FORMAT' : 'UNSUPPORTED_FORMAT', e.message);
      return { ok: false, findings };
    }
    throw e;
  }
  const versions = policy.allowedFormatVersions ?? ['V3', 'V2'];
  if (!versions.includes(parsed.version)) {
    add('FORMAT_VERSION_NOT_ALLOWED', `format ${parsed.version} is not in the allowed list ${versions.join(', ')}`);
  }
  const contentAlgs = policy.allowedContentAlgorithms ?? [CEK_ALG_V3_COMMITTING, CEK_ALG_AES_GCM];
  if (!contentAlgs.includes(parsed.contentAlgorithm)) {
    add('CONTENT_ALGORITHM_NOT_ALLOWED', `content algorithm ${parsed.contentAlgorithm} is not allowed`);
  }
  const wrapAlgs = policy.allowedWrapAlgorithms ?? [WRAP_ALG_KMS_CONTEXT, WRAP_ALG_AES_GCM];
  if (!wrapAlgs.includes(parsed.wrapAlgorithm)) {
    add('WRAP_ALGORITHM_NOT_ALLOWED', `wrapping algorithm ${parsed.wrapAlgorithm} is not allowed`);
  }
  const stored = parsed.materialsDescription;
  const isKms = parsed.wrapAlgorithm === WRAP_ALG_KMS_CONTEXT || parsed.wrapAlgorithm === 'kms';
  if (parsed.wrapAlgorithm === WRAP_ALG_KMS_CONTEXT && stored[KMS_CEK_ALG_CONTEXT_KEY] !== parsed.contentAlgorithm) {
    // S3EC-FORMAT.md: the stored aws:x-amz-cek-alg must match the content algorithm.
    add('CEK_ALG_CONTEXT_MISMATCH', `stored ${KMS_CEK_ALG_CONTEXT_KEY} does not match the content algorithm ${parsed.contentAlgorithm}`);
  }
  if (policy.allowedKmsKeyIds !== undefined) {
    if (!isKms) {
      add('NOT_KMS_WRAPPED', `data key is wrapped with ${parsed.wrapAlgorithm}, not KMS`);
    } else {
      const cmk = stored[LEGACY_KMS_CMK_ID_KEY];
      if (cmk === undefined) {
        add('KMS_KEY_ID_NOT_VERIFIABLE',
          'the S3EC format does not record the KMS key id (no kms_cmk_id in the context); it cannot be checked from metadata - pin it with KmsKeyring at decrypt time');
      } else if (!policy.allowedKmsKeyIds.includes(cmk)) {
        add('KMS_KEY_NOT_ALLOWED', `KMS key ${cmk} is not in the allowed list`);
      }
    }
  }
  const context = isKms ? callerContextOf(stored) : stored;
  const required = Object.entries(policy.requiredEncryptionContext ?? {});
  if (!isKms && required.length > 0) {
    // Java materials/RawKeyring.java: an encryption context "provides no security benefit" for raw keyrings;
    // the wrap AAD is only the algorithm id (S3EC-FORMAT.md), so the description proves nothing.
    add('ENCRYPTION_CONTEXT_UNAUTHENTICATED',
      `the data key is wrapped with ${parsed.wrapAlgorithm}: its material description is not authenticated and cannot prove a required context`);
  }
  for (const [k, v] of required) {
    if (!Object.prototype.hasOwnProperty.call(context, k)) {
      add('ENCRYPTION_CONTEXT_MISSING', `required encryption context key ${k} is missing`);
    } else if (context[k] !== v) {
      add('ENCRYPTION_CONTEXT_MISMATCH', `encryption context key ${k} has a different value`);
    }
  }
  return { ok: findings.length === 0, findings, metadata: parsed, contextAuthenticated: isKms };
}
