/**
 * Evaluates the bucket policy a SecureBucket emits, per encryption mode, against
 * concrete S3 request contexts with an IAM policy evaluator (iam-simulate).
 * The policy comes from synthesizing the real construct; the same case table is
 * also checked against a hand-written fixture of the policy spec.
 *
 * The caller by default has an identity policy allowing s3:* on *, so
 * 'Allowed' means "the bucket policy did not deny the request" and
 * 'ExplicitlyDenied' means "a Deny statement of the bucket policy applied".
 */
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { EncryptionMode, SecureBucket } from '../../src';
import {
  bucketEncryptionKeyLogicalId,
  bucketPolicyFromTemplate,
  Decision,
  evaluateS3Request,
  EvaluateOptions,
  identityPolicyFromTemplate,
  S3Request,
  TemplateValues,
} from '../support/policy-evaluator';
import { FIXTURE_BUCKET_ID, FixtureMode, secureBucketFixtureTemplate } from '../support/secure-bucket-policy-fixtures';

type Mode = FixtureMode;
const MODES: Mode[] = ['SSE-S3', 'SSE-KMS', 'DSSE-KMS', 'SSE-C'];

const ACCOUNT = '111111111111';
const BUCKET_NAME = 'secure-bucket-under-test';
const BUCKET = `arn:aws:s3:::${BUCKET_NAME}`;
const OBJECT = `${BUCKET}/reports/2026/data.csv`;
const BUCKET_KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const OTHER_KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/ffffffff-ffff-ffff-ffff-ffffffffffff`;

// ---------------------------------------------------------------------------
// Subject: the template under test
// ---------------------------------------------------------------------------

interface Subject {
  readonly template: Record<string, any>;
  readonly bucketLogicalId: string;
  readonly values: TemplateValues;
  readonly bucketPolicy: unknown;
}

const MODE_FACTORIES: Record<Mode, () => EncryptionMode> = {
  'SSE-S3': () => EncryptionMode.sseS3(),
  'SSE-KMS': () => EncryptionMode.sseKms(),
  'DSSE-KMS': () => EncryptionMode.dsseKms(),
  'SSE-C': () => EncryptionMode.sseC(),
};

function newStack(): Stack {
  return new Stack(new App(), 'Stack', { env: { account: ACCOUNT, region: 'us-east-1' } });
}

function logicalIdOf(bucket: s3.Bucket): string {
  return Stack.of(bucket).getLogicalId(bucket.node.defaultChild as CfnElement);
}

/** The real construct: `new SecureBucket(stack, 'B', { mode })`, synthesized. */
function synthesize(mode: Mode): Subject {
  const stack = newStack();
  const bucket = new SecureBucket(stack, 'B', { mode: MODE_FACTORIES[mode]() });
  return subjectFrom(Template.fromStack(stack).toJSON(), logicalIdOf(bucket));
}

/** Hand-written template following the policy spec (test/support/secure-bucket-policy-fixtures.ts). */
function specFixture(mode: Mode): Subject {
  return subjectFrom(secureBucketFixtureTemplate(mode), FIXTURE_BUCKET_ID);
}

function subjectFrom(template: Record<string, any>, bucketLogicalId: string): Subject {
  // The stack also holds other keys (e.g. the audit trail's): use the one the bucket encrypts with.
  const keyLogicalId = bucketEncryptionKeyLogicalId(template, bucketLogicalId);
  const values: TemplateValues = { bucketName: BUCKET_NAME, keyArn: BUCKET_KEY, keyLogicalId, account: ACCOUNT };
  return { template, bucketLogicalId, values, bucketPolicy: bucketPolicyFromTemplate(template, bucketLogicalId, values) };
}

const subjects = Object.fromEntries(MODES.map((m) => [m, synthesize(m)])) as Record<Mode, Subject>;
const specSubjects = Object.fromEntries(MODES.map((m) => [m, specFixture(m)])) as Record<Mode, Subject>;

// ---------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------

const ALGORITHM: Record<Mode, string | undefined> = {
  'SSE-S3': 'AES256',
  'SSE-KMS': 'aws:kms',
  'DSSE-KMS': 'aws:kms:dsse',
  'SSE-C': undefined,
};

const sse = (algorithm: string, keyId?: string): Record<string, string> => ({
  'x-amz-server-side-encryption': algorithm,
  ...(keyId ? { 'x-amz-server-side-encryption-aws-kms-key-id': keyId } : {}),
});
/** SSE-C: the key and key-MD5 headers are not condition keys; only the algorithm is. */
const sseC = (algorithm = 'AES256'): Record<string, string> => ({ 'x-amz-server-side-encryption-customer-algorithm': algorithm });

/** The headers a well-behaved client sends in each mode. */
function correctHeaders(mode: Mode): Record<string, string> {
  switch (mode) {
    case 'SSE-S3': return sse('AES256');
    case 'SSE-KMS': return sse('aws:kms', BUCKET_KEY);
    case 'DSSE-KMS': return sse('aws:kms:dsse', BUCKET_KEY);
    case 'SSE-C': return sseC();
  }
}

/** Headers that ask for an encryption other than the mode's (with the bucket key where a key applies). */
function otherModeHeaders(mode: Mode): Record<string, string> {
  switch (mode) {
    case 'SSE-S3': return sse('aws:kms', BUCKET_KEY);
    case 'SSE-KMS': return sse('AES256');
    case 'DSSE-KMS': return sse('aws:kms', BUCKET_KEY);
    case 'SSE-C': return sse('AES256');
  }
}

const put = (headers: Record<string, string> = {}, extra: Partial<S3Request> = {}): S3Request =>
  ({ action: 's3:PutObject', resource: OBJECT, headers, ...extra });
/** CopyObject is authorized on the destination as s3:PutObject with x-amz-copy-source. */
const copyInto = (headers: Record<string, string> = {}): S3Request =>
  put({ 'x-amz-copy-source': 'source-bucket/source/key.csv', ...headers });

/** s3:UpdateObjectEncryption on an existing object, with its encryption condition keys. */
const update = (headers: Record<string, string> = {}, extra: Partial<S3Request> = {}): S3Request =>
  ({ action: 's3:UpdateObjectEncryption', resource: OBJECT, headers, ...extra });

type Caller = 'app' | 'admin in the same account' | 'role in another account';
const CALLERS: Record<Caller, EvaluateOptions & { resourceAccount?: string }> = {
  'app': {},
  'admin in the same account': {
    principal: `arn:aws:iam::${ACCOUNT}:role/admin`,
    identityPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
  },
  // Cross-account: without a bucket-policy Allow the result is at best ImplicitlyDenied, so
  // ExplicitlyDenied proves the Deny statements apply to principals of other accounts too.
  'role in another account': { principal: 'arn:aws:iam::222222222222:role/partner' },
};

const A: Decision = 'Allowed';
const D: Decision = 'ExplicitlyDenied';
const ALL = (d: Decision): Record<Mode, Decision> => ({ 'SSE-S3': d, 'SSE-KMS': d, 'DSSE-KMS': d, 'SSE-C': d });

interface Case {
  readonly name: string;
  /** Only for these modes (default: all). */
  readonly modes?: Mode[];
  readonly request: (mode: Mode) => S3Request;
  readonly caller?: Caller;
  readonly expected: Record<Mode, Decision>;
}

const KMS_MODES: Mode[] = ['SSE-KMS', 'DSSE-KMS'];

const CASES: Case[] = [
  // --- PutObject: encryption headers ---------------------------------------------------
  {
    name: 'PutObject without encryption headers (S3 default encryption would apply)',
    request: () => put(),
    expected: { 'SSE-S3': A, 'SSE-KMS': A, 'DSSE-KMS': A, 'SSE-C': D },
  },
  { name: "PutObject with the mode's encryption headers", request: (m) => put(correctHeaders(m)), expected: ALL(A) },
  {
    name: 'PutObject with x-amz-server-side-encryption: AES256',
    request: () => put(sse('AES256')),
    expected: { 'SSE-S3': A, 'SSE-KMS': D, 'DSSE-KMS': D, 'SSE-C': D },
  },
  {
    name: 'PutObject with aws:kms and the bucket key',
    request: () => put(sse('aws:kms', BUCKET_KEY)),
    expected: { 'SSE-S3': D, 'SSE-KMS': A, 'DSSE-KMS': D, 'SSE-C': D },
  },
  {
    name: 'PutObject with aws:kms:dsse and the bucket key',
    request: () => put(sse('aws:kms:dsse', BUCKET_KEY)),
    expected: { 'SSE-S3': D, 'SSE-KMS': D, 'DSSE-KMS': A, 'SSE-C': D },
  },
  { name: 'PutObject with an unknown algorithm', request: () => put(sse('AES128')), expected: ALL(D) },
  { name: 'PutObject with aws:kms and another key', request: () => put(sse('aws:kms', OTHER_KEY)), expected: ALL(D) },
  { name: 'PutObject with aws:kms:dsse and another key', request: () => put(sse('aws:kms:dsse', OTHER_KEY)), expected: ALL(D) },
  {
    name: "PutObject with the mode's algorithm but another key",
    modes: KMS_MODES,
    request: (m) => put(sse(ALGORITHM[m]!, OTHER_KEY)),
    expected: ALL(D),
  },
  { name: 'PutObject with aws:kms and no key id (would use the AWS managed aws/s3 key)', request: () => put(sse('aws:kms')), expected: ALL(D) },
  { name: 'PutObject with aws:kms:dsse and no key id (would use the AWS managed aws/s3 key)', request: () => put(sse('aws:kms:dsse')), expected: ALL(D) },
  {
    name: 'PutObject with SSE-C headers (AES256)',
    request: () => put(sseC()),
    expected: { 'SSE-S3': D, 'SSE-KMS': D, 'DSSE-KMS': D, 'SSE-C': A },
  },
  { name: 'PutObject with SSE-C headers naming an unsupported algorithm', request: () => put(sseC('AES128')), expected: ALL(D) },
  {
    name: "PutObject with the mode's headers plus SSE-C headers",
    modes: ['SSE-S3', 'SSE-KMS', 'DSSE-KMS'],
    request: (m) => put({ ...correctHeaders(m), ...sseC() }),
    expected: ALL(D),
  },
  {
    name: 'PutObject with SSE-C headers plus x-amz-server-side-encryption: AES256',
    request: () => put({ ...sseC(), ...sse('AES256') }),
    expected: ALL(D),
  },
  {
    name: 'PutObject with SSE-C headers plus aws:kms and the bucket key',
    request: () => put({ ...sseC(), ...sse('aws:kms', BUCKET_KEY) }),
    expected: ALL(D),
  },

  // --- Multipart uploads (all authorized as s3:PutObject) --------------------------------
  { name: "CreateMultipartUpload with the mode's headers", request: (m) => put(correctHeaders(m)), expected: ALL(A) },
  { name: 'CreateMultipartUpload asking for another encryption', request: (m) => put(otherModeHeaders(m)), expected: ALL(D) },
  {
    name: 'UploadPart without SSE headers',
    request: () => put(),
    expected: { 'SSE-S3': A, 'SSE-KMS': A, 'DSSE-KMS': A, 'SSE-C': D },
  },
  {
    name: 'UploadPart with SSE-C headers',
    request: () => put(sseC()),
    expected: { 'SSE-S3': D, 'SSE-KMS': D, 'DSSE-KMS': D, 'SSE-C': A },
  },
  {
    name: 'CompleteMultipartUpload without SSE headers',
    request: () => put(),
    expected: { 'SSE-S3': A, 'SSE-KMS': A, 'DSSE-KMS': A, 'SSE-C': D },
  },
  {
    name: 'CompleteMultipartUpload with SSE-C headers',
    request: () => put(sseC()),
    expected: { 'SSE-S3': D, 'SSE-KMS': D, 'DSSE-KMS': D, 'SSE-C': A },
  },

  // --- CopyObject: the destination is authorized as s3:PutObject with the copy's headers ---
  { name: "CopyObject into the bucket with the mode's headers", request: (m) => copyInto(correctHeaders(m)), expected: ALL(A) },
  {
    name: 'CopyObject into the bucket without encryption headers',
    request: () => copyInto(),
    expected: { 'SSE-S3': A, 'SSE-KMS': A, 'DSSE-KMS': A, 'SSE-C': D },
  },
  { name: 'CopyObject into the bucket asking for another encryption', request: (m) => copyInto(otherModeHeaders(m)), expected: ALL(D) },
  {
    name: "CopyObject into the bucket with the mode's algorithm but another key",
    modes: KMS_MODES,
    request: (m) => copyInto(sse(ALGORITHM[m]!, OTHER_KEY)),
    expected: ALL(D),
  },
  {
    name: 'CopyObject into the bucket with SSE-C headers',
    request: () => copyInto(sseC()),
    expected: { 'SSE-S3': D, 'SSE-KMS': D, 'DSSE-KMS': D, 'SSE-C': A },
  },

  // --- UpdateObjectEncryption: changes the encryption of an existing object in place ------
  // Condition keys (Service Authorization Reference, s3:UpdateObjectEncryption):
  // s3:x-amz-server-side-encryption and s3:x-amz-server-side-encryption-aws-kms-key-id.
  // SSE-KMS: allowed only to SSE-KMS with the bucket key; every other mode: denied.
  {
    name: 'UpdateObjectEncryption to SSE-KMS with the bucket key',
    request: () => update(sse('aws:kms', BUCKET_KEY)),
    expected: { 'SSE-S3': D, 'SSE-KMS': A, 'DSSE-KMS': D, 'SSE-C': D },
  },
  { name: 'UpdateObjectEncryption to SSE-KMS with another key', request: () => update(sse('aws:kms', OTHER_KEY)), expected: ALL(D) },
  { name: 'UpdateObjectEncryption to SSE-KMS without a key id', request: () => update(sse('aws:kms')), expected: ALL(D) },
  { name: 'UpdateObjectEncryption to SSE-S3', request: () => update(sse('AES256')), expected: ALL(D) },
  { name: 'UpdateObjectEncryption naming aws:kms:dsse with the bucket key', request: () => update(sse('aws:kms:dsse', BUCKET_KEY)), expected: ALL(D) },
  { name: 'UpdateObjectEncryption without encryption condition keys', request: () => update(), expected: ALL(D) },
  {
    name: 'UpdateObjectEncryption to SSE-KMS with the bucket key, without TLS',
    request: () => update(sse('aws:kms', BUCKET_KEY), { secureTransport: false }),
    expected: ALL(D),
  },
  {
    name: 'UpdateObjectEncryption to SSE-KMS with another key by an admin in the same account',
    caller: 'admin in the same account',
    request: () => update(sse('aws:kms', OTHER_KEY)),
    expected: ALL(D),
  },

  // --- Transport ------------------------------------------------------------------------
  { name: 'GetObject over TLS 1.3', request: () => ({ action: 's3:GetObject', resource: OBJECT }), expected: ALL(A) },
  { name: 'GetObject over TLS 1.2 (the minimum)', request: () => ({ action: 's3:GetObject', resource: OBJECT, tlsVersion: '1.2' }), expected: ALL(A) },
  { name: 'GetObject over TLS 1.1', request: () => ({ action: 's3:GetObject', resource: OBJECT, tlsVersion: '1.1' }), expected: ALL(D) },
  { name: 'GetObject over TLS 1.0', request: () => ({ action: 's3:GetObject', resource: OBJECT, tlsVersion: '1.0' }), expected: ALL(D) },
  { name: 'GetObject without TLS', request: () => ({ action: 's3:GetObject', resource: OBJECT, secureTransport: false }), expected: ALL(D) },
  { name: "PutObject with the mode's headers without TLS", request: (m) => put(correctHeaders(m), { secureTransport: false }), expected: ALL(D) },
  { name: "PutObject with the mode's headers over TLS 1.1", request: (m) => put(correctHeaders(m), { tlsVersion: '1.1' }), expected: ALL(D) },
  { name: 'DeleteObject over TLS', request: () => ({ action: 's3:DeleteObject', resource: OBJECT }), expected: ALL(A) },
  { name: 'DeleteObject without TLS', request: () => ({ action: 's3:DeleteObject', resource: OBJECT, secureTransport: false }), expected: ALL(D) },
  { name: 'ListBucket over TLS', request: () => ({ action: 's3:ListBucket', resource: BUCKET }), expected: ALL(A) },
  { name: 'ListBucket without TLS', request: () => ({ action: 's3:ListBucket', resource: BUCKET, secureTransport: false }), expected: ALL(D) },
  { name: 'ListBucket over TLS 1.1', request: () => ({ action: 's3:ListBucket', resource: BUCKET, tlsVersion: '1.1' }), expected: ALL(D) },
  {
    name: 'PutBucketPolicy without TLS',
    request: () => ({ action: 's3:PutBucketPolicy', resource: BUCKET, secureTransport: false }),
    expected: ALL(D),
  },

  // --- The Deny statements apply to every principal (Principal AWS: *) ---------------------
  // (every case above is also run as a role in another account, see withCrossAccountVariants)
  {
    name: 'GetObject without TLS by an admin in the same account',
    caller: 'admin in the same account',
    request: () => ({ action: 's3:GetObject', resource: OBJECT, secureTransport: false }),
    expected: ALL(D),
  },
  {
    name: 'PutObject asking for another encryption by an admin in the same account',
    caller: 'admin in the same account',
    request: (m) => put(otherModeHeaders(m)),
    expected: ALL(D),
  },
];

/**
 * Each app-caller case again as a role in another account (whose own identity policy allows s3:*).
 * The bucket policy grants it nothing, so it is ImplicitlyDenied at best: ExplicitlyDenied where the
 * app is denied proves the Deny statements are not limited to principals of the bucket's account.
 */
function withCrossAccountVariants(cases: Case[]): Case[] {
  return cases.flatMap((c) => c.caller ? [c] : [c, {
    ...c,
    name: `${c.name}, by a role in another account`,
    caller: 'role in another account' as const,
    expected: Object.fromEntries(MODES.map((m) => [m, c.expected[m] === D ? D : 'ImplicitlyDenied'])) as Record<Mode, Decision>,
  }]);
}

/** The cases that apply to a mode. */
function casesFor(mode: Mode): Case[] {
  return withCrossAccountVariants(CASES.filter((c) => !c.modes || c.modes.includes(mode)));
}

async function evaluateCase(policy: unknown, mode: Mode, c: Case): Promise<Decision> {
  return evaluateS3Request(policy, c.request(mode), CALLERS[c.caller ?? 'app']);
}

// ---------------------------------------------------------------------------
// The behaviour, per mode
// ---------------------------------------------------------------------------

describe.each(MODES)('SecureBucket %s: bucket policy', (mode) => {
  test.each(casesFor(mode).map((c) => [c.name, c.expected[mode], c] as const))('%s => %s', async (_name, expected, c) => {
    expect(await evaluateCase(subjects[mode].bucketPolicy, mode, c)).toBe(expected);
  });
});

// The same expectations hold for the policy as specified (hand-written fixture), so the table
// encodes the spec rather than whatever the implementation happens to do.
describe.each(MODES)('spec fixture %s: bucket policy', (mode) => {
  test('meets every expectation of the case table', async () => {
    expect(await flippedCases(mode, specSubjects[mode].bucketPolicy)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------
// grantRead
// ---------------------------------------------------------------------------

/** A role granted read with `secureBucket.grantRead(role)`: its resolved identity policy, and the bucket policy. */
function synthesizeWithReader(mode: Mode): { identityPolicy: any; bucketPolicy: unknown } {
  const stack = newStack();
  const bucket = new SecureBucket(stack, 'B', { mode: MODE_FACTORIES[mode]() });
  const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
  bucket.grantRead(role);
  const template = Template.fromStack(stack).toJSON();
  const subject = subjectFrom(template, logicalIdOf(bucket));
  const roleId = stack.getLogicalId(role.node.defaultChild as CfnElement);
  const identityPolicy = identityPolicyFromTemplate(template, roleId, subject.bucketLogicalId, subject.values);
  return { identityPolicy, bucketPolicy: subject.bucketPolicy };
}

describe.each(MODES)('SecureBucket %s: a role granted read with grantRead', (mode) => {
  const { identityPolicy, bucketPolicy: policy } = synthesizeWithReader(mode);
  const reader = { identityPolicy, principal: `arn:aws:iam::${ACCOUNT}:role/reader` };

  test('granting read leaves the bucket policy unchanged (same-account grants go on the role)', () => {
    expect(policy).toEqual(subjects[mode].bucketPolicy);
  });
  if (KMS_MODES.includes(mode)) {
    test('the grant includes kms:Decrypt on the bucket key', () => {
      expect(identityPolicy.Statement).toEqual(expect.arrayContaining([
        expect.objectContaining({ Action: expect.arrayContaining(['kms:Decrypt']), Resource: BUCKET_KEY }),
      ]));
    });
  }
  test('can GetObject over TLS', async () => {
    expect(await evaluateS3Request(policy, { action: 's3:GetObject', resource: OBJECT }, reader)).toBe('Allowed');
  });
  test('can ListBucket over TLS', async () => {
    expect(await evaluateS3Request(policy, { action: 's3:ListBucket', resource: BUCKET }, reader)).toBe('Allowed');
  });
  test('cannot GetObject without TLS', async () => {
    expect(await evaluateS3Request(policy, { action: 's3:GetObject', resource: OBJECT, secureTransport: false }, reader)).toBe('ExplicitlyDenied');
  });
  test('cannot GetObject over TLS 1.1', async () => {
    expect(await evaluateS3Request(policy, { action: 's3:GetObject', resource: OBJECT, tlsVersion: '1.1' }, reader)).toBe('ExplicitlyDenied');
  });
  test('cannot PutObject (read only)', async () => {
    expect(await evaluateS3Request(policy, put(correctHeaders(mode)), reader)).toBe('ImplicitlyDenied');
  });
  test('cannot read another bucket', async () => {
    expect(await evaluateS3Request(policy, { action: 's3:GetObject', resource: 'arn:aws:s3:::another-bucket/key' }, reader)).toBe('ImplicitlyDenied');
  });
});

// ---------------------------------------------------------------------------
// Meta-tests: the case table pins down every statement, condition and resource
// ---------------------------------------------------------------------------

interface Mutation {
  readonly name: string;
  /** Sid of the statement the mutation touches. */
  readonly sid?: string;
  /** Whether the mutation makes the statement apply to fewer requests (removal, narrower Principal). */
  readonly narrows: boolean;
  readonly apply: (policy: any) => void;
}

/**
 * Statements that IAM semantics make redundant with another statement of the same policy, so
 * removing (or narrowing) them alone cannot change any decision. Such mutations are checked
 * with the covering statement removed as well.
 */
const REDUNDANT: Partial<Record<Mode, Record<string, { coveredBy: string; why: string }>>> = {
  // None today: each statement refuses something no other statement does
  // (SSE-C's single RequireSseC statement refuses both a missing and a wrong algorithm header).
};

function statementLabel(s: any, i: number): string {
  return s.Sid ? `${s.Sid} (#${i})` : `#${i}`;
}

/** Removing / loosening each part of each Deny statement. */
function mutationsOf(policy: any): Mutation[] {
  const statements: any[] = policy.Statement;
  const mutations: Mutation[] = [];
  statements.forEach((s, i) => {
    if (s.Effect !== 'Deny') return;
    const label = statementLabel(s, i);
    const sid: string | undefined = s.Sid;
    mutations.push({ name: `remove statement ${label}`, sid, narrows: true, apply: (p) => p.Statement.splice(i, 1) });
    for (const [op, keys] of Object.entries<Record<string, unknown>>(s.Condition ?? {})) {
      for (const key of Object.keys(keys)) {
        mutations.push({
          name: `${label}: drop condition ${op} ${key}`,
          sid,
          narrows: false,
          apply: (p) => {
            const cond = p.Statement[i].Condition;
            delete cond[op][key];
            if (Object.keys(cond[op]).length === 0) delete cond[op];
          },
        });
      }
    }
    const resources = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
    if (resources.length > 1) {
      resources.forEach((r: string, j: number) => mutations.push({
        name: `${label}: drop resource ${r}`,
        sid,
        narrows: true,
        apply: (p) => p.Statement[i].Resource.splice(j, 1),
      }));
    }
    mutations.push({
      name: `${label}: narrow Principal to the app role`,
      sid,
      narrows: true,
      apply: (p) => { p.Statement[i].Principal = { AWS: `arn:aws:iam::${ACCOUNT}:role/app` }; },
    });
  });
  return mutations;
}

async function flippedCases(mode: Mode, policy: unknown): Promise<string[]> {
  const cases = casesFor(mode);
  const decisions = await Promise.all(cases.map((c) => evaluateCase(policy, mode, c)));
  return cases
    .map((c, i) => (decisions[i] === c.expected[mode] ? undefined : `${c.name}: ${c.expected[mode]} -> ${decisions[i]}`))
    .filter((x): x is string => x !== undefined);
}

describe.each(MODES)('%s: every Deny statement is load-bearing', (mode) => {
  const original = subjects[mode].bucketPolicy as any;
  const mutations = mutationsOf(original);

  test('the policy has the Deny statements the spec requires', () => {
    const denies = original.Statement.filter((s: any) => s.Effect === 'Deny');
    expect(denies.length).toBe({ 'SSE-S3': 5, 'SSE-KMS': 8, 'DSSE-KMS': 7, 'SSE-C': 5 }[mode]);
    for (const s of denies) expect(s.Principal).toEqual({ AWS: '*' });
  });

  test('the unmutated policy meets every expectation', async () => {
    expect(await flippedCases(mode, original)).toEqual([]);
  });

  test.each(mutations.map((m) => [m.name, m] as const))('%s flips at least one case', async (_name, mutation) => {
    const mutated = JSON.parse(JSON.stringify(original));
    mutation.apply(mutated);
    expect(mutated).not.toEqual(original);
    const redundancy = mutation.sid && mutation.narrows ? REDUNDANT[mode]?.[mutation.sid] : undefined;
    if (redundancy) {
      mutated.Statement = mutated.Statement.filter((s: any) => s.Sid !== redundancy.coveredBy);
    }
    expect(await flippedCases(mode, mutated)).not.toEqual([]);
  });

  const redundant = Object.entries(REDUNDANT[mode] ?? {});
  if (redundant.length > 0) {
    test.each(redundant.map(([sid, r]) => [sid, r.coveredBy, r.why] as const))(
      '%s is redundant with %s (%s): removing it alone changes no decision', async (sid) => {
        const mutated = JSON.parse(JSON.stringify(original));
        mutated.Statement = mutated.Statement.filter((s: any) => s.Sid !== sid);
        expect(mutated.Statement.length).toBe(original.Statement.length - 1);
        // If this fails, the statement has become load-bearing: remove it from REDUNDANT.
        expect(await flippedCases(mode, mutated)).toEqual([]);
      },
    );
  }
});
