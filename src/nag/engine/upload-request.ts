import { ProbeRequest, SSE_C_KEY, SSE_KEY, SSE_KMS_KEY_ID_KEY } from './policy-statements';

const MODE_OF_ALGORITHM: Record<string, string> = { 'AES256': 'SSE-S3', 'aws:kms': 'SSE-KMS', 'aws:kms:dsse': 'DSSE-KMS' };

/**
 * A probe upload in words, for one-line findings: "an SSE-KMS upload naming
 * another KMS key", not the probe's condition keys and placeholder key ARN.
 * Any key id in a probe is a key other than the bucket's (the probes use a
 * placeholder for it).
 */
export function describeUpload(request: ProbeRequest): string {
  const alg = request[SSE_KEY];
  const keyId = request[SSE_KMS_KEY_ID_KEY];
  const customer = request[SSE_C_KEY];
  const parts: string[] = [];
  if (alg !== undefined) {
    const mode = MODE_OF_ALGORITHM[alg] ?? `x-amz-server-side-encryption: ${alg}`;
    const kms = alg === 'aws:kms' || alg === 'aws:kms:dsse';
    parts.push(`${/^S/.test(mode) ? 'an' : 'a'} ${mode} upload${kms ? (keyId !== undefined ? ' naming another KMS key' : ' naming no KMS key (S3 would use aws/s3)') : ''}`);
  }
  if (customer !== undefined) parts.push(alg === undefined ? `an SSE-C upload with algorithm ${customer}` : `with SSE-C algorithm ${customer}`);
  if (parts.length === 0) return 'an upload without encryption headers';
  return parts.join(' ');
}
