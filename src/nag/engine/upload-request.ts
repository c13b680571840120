import { KeyValue, SSE_C_KEY, SSE_KEY, SSE_KMS_KEY_ID_KEY } from './policy-statements';
import { modeRows } from '../../encryption-modes/mode-lookup';


/** The single alternative a request class fixes for a key, if it fixes one. */
function only(keys: Readonly<Record<string, readonly KeyValue[]>>, key: string): KeyValue | undefined {
  const alts = keys[key];
  return alts?.length === 1 ? alts[0] : undefined;
}

/**
 * A class of uploads in words, for one-line findings: "an SSE-KMS upload
 * naming another KMS key", not condition keys and placeholder ARNs.
 */
export function describeUpload(keys: Readonly<Record<string, readonly KeyValue[]>>): string {
  const alg = only(keys, SSE_KEY);
  const keyId = only(keys, SSE_KMS_KEY_ID_KEY);
  const customer = only(keys, SSE_C_KEY);
  const parts: string[] = [];
  if (alg?.kind === 'exact') {
    // The mode whose uploads name this algorithm.
    const row = modeRows((r) => r.uploads.sseHeader === alg.value)[0];
    const mode = row?.label ?? `x-amz-server-side-encryption: ${alg.value}`;
    const kms = row?.usesKms ?? false;
    const naming = keyId?.kind === 'anyExcept' ? ' naming another KMS key' : keyId?.kind === 'absent' ? ' naming no KMS key (S3 would use aws/s3)' : '';
    parts.push(`${/^S/.test(mode) ? 'an' : 'a'} ${mode} upload${kms ? naming : ''}`);
  }
  if (customer?.kind === 'exact') parts.push(alg?.kind === 'exact' ? `with SSE-C algorithm ${customer.value}` : `an SSE-C upload with algorithm ${customer.value}`);
  if (customer?.kind === 'anyExcept') {
    const but = customer.values.length > 0 ? ` other than ${customer.values.join(', ')}` : '';
    parts.push(alg?.kind === 'exact' ? `with an SSE-C algorithm${but}` : `an SSE-C upload with an algorithm${but}`);
  }
  if (parts.length === 0) return 'an upload without encryption headers';
  return parts.join(' ');
}

/** A class of in-place encryption changes (`s3:UpdateObjectEncryption`) in words. */
export function describeUpdate(keys: Readonly<Record<string, readonly KeyValue[]>>): string {
  if (Object.keys(keys).length === 0) return 'any UpdateObjectEncryption';
  return describeUpload(keys).replace(/^an? (.*) upload/, 'an UpdateObjectEncryption to $1');
}
