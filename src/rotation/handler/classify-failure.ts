/**
 * Which Batch Operations result code a failed rewrap gets. Only what is known to pass is retried
 * (`TemporaryFailure`: throttling, 5xx, network, KMS's transient exceptions); everything else is a
 * `PermanentFailure` with the reason in the completion report, so nothing is retried into a loop and
 * nothing that failed is reported as done.
 */
import type { BatchResultCode } from './batch-event';

export interface FailureVerdict {
  readonly resultCode: Exclude<BatchResultCode, 'Succeeded'>;
  readonly reason: string;
}

/** Error names of S3 and KMS that say "try again later". */
const TRANSIENT_NAMES = new Set([
  'SlowDown', 'ThrottlingException', 'Throttling', 'RequestTimeout', 'RequestTimeoutException', 'InternalError',
  'ServiceUnavailable', 'KMSInternalException', 'DependencyTimeoutException', 'KeyUnavailableException',
  'LimitExceededException', 'TimeoutError', 'RequestLimitExceeded', 'TooManyRequestsException',
]);
/** Node.js network error codes. */
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED']);

interface ErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly cause?: unknown;
  readonly $fault?: unknown;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

/** The error and its causes, outermost first. */
function chain(error: unknown): ErrorShape[] {
  const out: ErrorShape[] = [];
  let e: unknown = error;
  while (e !== null && typeof e === 'object' && out.length < 8 && !out.includes(e as ErrorShape)) {
    out.push(e as ErrorShape);
    e = (e as ErrorShape).cause;
  }
  return out;
}

function status(e: ErrorShape): number | undefined {
  const s = e.$metadata?.httpStatusCode;
  return typeof s === 'number' ? s : undefined;
}

function isTransient(e: ErrorShape): boolean {
  const s = status(e);
  return (typeof e.name === 'string' && TRANSIENT_NAMES.has(e.name))
    || (typeof e.code === 'string' && NETWORK_CODES.has(e.code))
    || e.$retryable !== undefined && e.$retryable !== null && e.$retryable !== false
    || e.$fault === 'server'
    || (s !== undefined && (s >= 500 || s === 429));
}

function describe(e: ErrorShape): string {
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const message = typeof e.message === 'string' && e.message.length > 0 ? `: ${e.message}` : '';
  return `${name}${message}`;
}

/** The verdict on an error thrown while rewrapping one object. */
export function classifyFailure(error: unknown): FailureVerdict {
  const errors = chain(error);
  const outer = errors[0] ?? {};
  if (errors.some(isTransient)) {
    return { resultCode: 'TemporaryFailure', reason: `transient: ${errors.map(describe).join(' <- ')}` };
  }
  if (errors.some((e) => status(e) === 412 || e.name === 'PreconditionFailed' || e.code === 'PRECONDITION_FAILED' || e.code === 'OBJECT_CHANGED')) {
    return { resultCode: 'PermanentFailure', reason: `object changed during rotation, nothing written (${describe(outer)})` };
  }
  if (errors.some((e) => e.name === 'NoSuchKey' || e.name === 'NotFound' || status(e) === 404)) {
    return { resultCode: 'PermanentFailure', reason: `object not found (${describe(outer)})` };
  }
  const code = typeof outer.code === 'string' ? outer.code : undefined;
  if (code === 'TAMPERED_CIPHERTEXT') {
    return { resultCode: 'PermanentFailure', reason: `tampered: ${describe(outer)}` };
  }
  if (code === 'WRONG_KEY' || code === 'KEY_NOT_ALLOWED' || errors.some((e) => e.name === 'IncorrectKeyException' || e.name === 'InvalidCiphertextException')) {
    return { resultCode: 'PermanentFailure', reason: `wrong key (or a modified wrapped key): ${errors.map(describe).join(' <- ')}` };
  }
  return { resultCode: 'PermanentFailure', reason: errors.map(describe).join(' <- ') || String(error) };
}
