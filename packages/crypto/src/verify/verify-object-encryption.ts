/**
 * Check how S3 says an object is encrypted at rest, from a HeadObject (or
 * GetObject) response, against the mode the bucket is meant to enforce.
 *
 * Only the response is read; no call is made. The result lists every
 * difference found (never a bare boolean), so a caller can log all of them.
 *
 * Response fields read (S3 response headers):
 * | field                  | header                                              |
 * |------------------------|-----------------------------------------------------|
 * | `ServerSideEncryption` | `x-amz-server-side-encryption` (`AES256`, `aws:kms`, `aws:kms:dsse`) |
 * | `SSEKMSKeyId`          | `x-amz-server-side-encryption-aws-kms-key-id` (always a key ARN) |
 * | `BucketKeyEnabled`     | `x-amz-server-side-encryption-bucket-key-enabled` (absent = false) |
 * | `SSECustomerAlgorithm` | `x-amz-server-side-encryption-customer-algorithm` (`AES256`) |
 * | `SSECustomerKeyMD5`    | `x-amz-server-side-encryption-customer-key-MD5` (base64) |
 *
 * The mode names are those of `EncryptionModeKind` of the SecureBucket construct.
 */
import { InvalidArgumentError, needs } from '../errors';
import { customerKeyMd5, SSE_C_ALGORITHM } from '../sse-c';

/** The encryption fields of a HeadObject / GetObject response (`new S3({}).headObject()` output fits). */
export interface ObjectEncryptionFields {
  readonly ServerSideEncryption?: string;
  readonly SSEKMSKeyId?: string;
  readonly BucketKeyEnabled?: boolean;
  readonly SSECustomerAlgorithm?: string;
  readonly SSECustomerKeyMD5?: string;
}

/** What the object's encryption should be. */
export type ObjectEncryptionExpectation =
  | { readonly mode: 'SSE_S3' }
  | {
    readonly mode: 'SSE_KMS';
    /** The KMS key ARN the object must be encrypted under. @default any key */
    readonly keyArn?: string;
    /** Whether an S3 Bucket Key must (true) or must not (false) have been used. @default either */
    readonly bucketKeyEnabled?: boolean;
  }
  | {
    readonly mode: 'DSSE_KMS';
    /** The KMS key ARN the object must be encrypted under. @default any key */
    readonly keyArn?: string;
  }
  | {
    readonly mode: 'SSE_C';
    /** The customer key the object must be encrypted with (compared by MD5). @default any key */
    readonly customerKey?: Uint8Array;
  };

export type ObjectEncryptionMode = ObjectEncryptionExpectation['mode'];

export type ObjectEncryptionFindingCode =
  /** `ServerSideEncryption` is absent where the mode needs it. */
  | 'MISSING_SERVER_SIDE_ENCRYPTION'
  /** `ServerSideEncryption` names another algorithm. */
  | 'WRONG_SERVER_SIDE_ENCRYPTION'
  /** A KMS key ARN was expected but the response names none. */
  | 'MISSING_KMS_KEY_ID'
  /** The object is encrypted under another KMS key. */
  | 'WRONG_KMS_KEY'
  /** A KMS key id is present on an object that should not use KMS. */
  | 'UNEXPECTED_KMS_KEY_ID'
  /** `BucketKeyEnabled` differs from the expectation. */
  | 'WRONG_BUCKET_KEY'
  /** SSE-C algorithm absent. */
  | 'MISSING_CUSTOMER_ALGORITHM'
  /** SSE-C algorithm other than AES256. */
  | 'WRONG_CUSTOMER_ALGORITHM'
  /** A customer key was expected but the response carries no key MD5. */
  | 'MISSING_CUSTOMER_KEY_MD5'
  /** The object is encrypted with another customer key. */
  | 'WRONG_CUSTOMER_KEY'
  /** SSE-C fields on an object that should use server-managed keys. */
  | 'UNEXPECTED_CUSTOMER_KEY';

export interface ObjectEncryptionFinding {
  readonly code: ObjectEncryptionFindingCode;
  readonly message: string;
  /** The value expected, when there is one (never key material; MD5s only). */
  readonly expected?: string;
  /** The value found, `undefined` when absent. */
  readonly actual?: string;
}

export interface ObjectEncryptionVerification {
  /** True iff `findings` is empty. */
  readonly ok: boolean;
  readonly findings: readonly ObjectEncryptionFinding[];
}

const SSE_ALGORITHM: Record<Exclude<ObjectEncryptionMode, 'SSE_C'>, string> = {
  SSE_S3: 'AES256',
  SSE_KMS: 'aws:kms',
  DSSE_KMS: 'aws:kms:dsse',
};

/**
 * Compare the encryption S3 reports for an object with `expectation`.
 * Throws {@link InvalidArgumentError} only for a malformed expectation
 * (unknown mode, a key id/alias instead of an ARN, a customer key that is not 32 bytes).
 */
export function verifyObjectEncryption(
  head: ObjectEncryptionFields,
  expectation: ObjectEncryptionExpectation,
): ObjectEncryptionVerification {
  needs(head !== null && typeof head === 'object', () => new InvalidArgumentError('verifyObjectEncryption: pass the HeadObject output'));
  const findings: ObjectEncryptionFinding[] = [];
  const add = (code: ObjectEncryptionFindingCode, message: string, expected?: string, actual?: string) =>
    findings.push({ code, message, expected, actual });

  switch (expectation?.mode) {
    case 'SSE_S3':
      checkAlgorithm(head, SSE_ALGORITHM.SSE_S3, add);
      checkNoKmsKey(head, add);
      checkNoCustomerKey(head, add);
      break;
    case 'SSE_KMS':
    case 'DSSE_KMS':
      checkAlgorithm(head, SSE_ALGORITHM[expectation.mode], add);
      checkKmsKey(head, expectation.keyArn, add);
      if (expectation.mode === 'SSE_KMS' && expectation.bucketKeyEnabled !== undefined) {
        const actual = head.BucketKeyEnabled === true;
        if (actual !== expectation.bucketKeyEnabled) {
          add('WRONG_BUCKET_KEY', `BucketKeyEnabled is ${actual}, expected ${expectation.bucketKeyEnabled}`,
            String(expectation.bucketKeyEnabled), String(actual));
        }
      }
      checkNoCustomerKey(head, add);
      break;
    case 'SSE_C':
      checkCustomerKey(head, expectation.customerKey, add);
      if (head.ServerSideEncryption !== undefined && head.ServerSideEncryption !== SSE_ALGORITHM.SSE_S3) {
        add('WRONG_SERVER_SIDE_ENCRYPTION', `ServerSideEncryption is ${head.ServerSideEncryption} on an SSE-C object`,
          undefined, head.ServerSideEncryption);
      }
      checkNoKmsKey(head, add);
      break;
    default:
      throw new InvalidArgumentError(
        `verifyObjectEncryption: unknown mode ${JSON.stringify((expectation as { mode?: unknown } | undefined)?.mode)}; `
        + 'expected SSE_S3, SSE_KMS, DSSE_KMS or SSE_C');
  }
  return { ok: findings.length === 0, findings };
}

type Add = (code: ObjectEncryptionFindingCode, message: string, expected?: string, actual?: string) => void;

function checkAlgorithm(head: ObjectEncryptionFields, expected: string, add: Add): void {
  const actual = head.ServerSideEncryption;
  if (actual === undefined) {
    add('MISSING_SERVER_SIDE_ENCRYPTION', `ServerSideEncryption is absent, expected ${expected}`, expected);
  } else if (actual !== expected) {
    add('WRONG_SERVER_SIDE_ENCRYPTION', `ServerSideEncryption is ${actual}, expected ${expected}`, expected, actual);
  }
}

function checkKmsKey(head: ObjectEncryptionFields, keyArn: string | undefined, add: Add): void {
  if (keyArn === undefined) return;
  // S3 reports the key as an ARN; a key id or alias given here could never match.
  needs(typeof keyArn === 'string' && /^arn:aws[a-z-]*:kms:[^:]+:\d{12}:key\//.test(keyArn), () => new InvalidArgumentError(
    `verifyObjectEncryption: keyArn must be a KMS key ARN (S3 reports key ARNs), got ${JSON.stringify(keyArn)}`));
  const actual = head.SSEKMSKeyId;
  if (actual === undefined) {
    add('MISSING_KMS_KEY_ID', `SSEKMSKeyId is absent, expected ${keyArn}`, keyArn);
  } else if (actual !== keyArn) {
    add('WRONG_KMS_KEY', `SSEKMSKeyId is ${actual}, expected ${keyArn}`, keyArn, actual);
  }
}

function checkNoKmsKey(head: ObjectEncryptionFields, add: Add): void {
  if (head.SSEKMSKeyId !== undefined) {
    add('UNEXPECTED_KMS_KEY_ID', `SSEKMSKeyId ${head.SSEKMSKeyId} is present but the mode uses no KMS key`, undefined, head.SSEKMSKeyId);
  }
}

function checkCustomerKey(head: ObjectEncryptionFields, customerKey: Uint8Array | undefined, add: Add): void {
  const algorithm = head.SSECustomerAlgorithm;
  if (algorithm === undefined) {
    add('MISSING_CUSTOMER_ALGORITHM', `SSECustomerAlgorithm is absent, expected ${SSE_C_ALGORITHM}`, SSE_C_ALGORITHM);
  } else if (algorithm !== SSE_C_ALGORITHM) {
    add('WRONG_CUSTOMER_ALGORITHM', `SSECustomerAlgorithm is ${algorithm}, expected ${SSE_C_ALGORITHM}`, SSE_C_ALGORITHM, algorithm);
  }
  if (customerKey === undefined) return;
  const expected = customerKeyMd5(customerKey);
  const actual = head.SSECustomerKeyMD5;
  if (actual === undefined) {
    add('MISSING_CUSTOMER_KEY_MD5', `SSECustomerKeyMD5 is absent, expected ${expected}`, expected);
  } else if (actual !== expected) {
    add('WRONG_CUSTOMER_KEY', `SSECustomerKeyMD5 is ${actual}, expected ${expected} (another customer key)`, expected, actual);
  }
}

function checkNoCustomerKey(head: ObjectEncryptionFields, add: Add): void {
  if (head.SSECustomerAlgorithm !== undefined || head.SSECustomerKeyMD5 !== undefined) {
    add('UNEXPECTED_CUSTOMER_KEY', 'SSE-C fields are present but the mode uses server-managed keys', undefined, head.SSECustomerAlgorithm);
  }
}
