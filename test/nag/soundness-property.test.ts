/**
 * Soundness of the rule engine as a property, against an independent IAM
 * evaluator (`@cloud-copilot/iam-simulate`):
 *
 *   whenever the engine calls a bucket policy COMPLIANT for a rule, the
 *   evaluator refuses every request of a generated set of requests that rule
 *   promises are refused (another algorithm, another key, no key id, SSE-C,
 *   plain HTTP, TLS 1.1), whatever the principal, account, source VPC
 *   endpoint and object key.
 *
 * Policies are generated from the statements SecureBucket writes, mutated
 * (conditions added on modelled and unmodelled keys, with operators of the
 * wrong kind for the key and values holding policy variables or escapes;
 * resources narrowed or widened; actions, principals, effects changed;
 * NotAction, NotResource, NotPrincipal; statements dropped, Allow statements
 * added), under Version 2012-10-17 or 2008-10-17, so that both verdicts
 * occur often. Requests come from principals whose tags the variables read,
 * and name other keys by ARN, bare key id and alias. The number of cases
 * is fixed in CI (SOUNDNESS_RUNS, default 1500); set it higher to search more.
 * A counterexample fast-check finds is shrunk; keep it as a case in
 * `soundness.test.ts`.
 */
import fc from 'fast-check';
import { runRule } from '../../src/nag/engine/evaluate';
import { RuleStatus } from '../../src/nag/engine/rule';
import { TemplateIndex } from '../../src/nag/engine/template-index';
import { S3EncryptionEnforcementPolicy, S3SseCBlocked, S3TlsOnly } from '../../src/nag/rules/s3';
import { Decision, evaluateRequest } from '../support/policy-evaluator';

const RUNS = Number(process.env.SOUNDNESS_RUNS ?? 1500);
const BUCKET = 'data-bucket';
const ARN = `arn:aws:s3:::${BUCKET}`;
const OWN_KEY = 'arn:aws:kms:eu-west-1:111111111111:key/own-key';
const OTHER_KEY = 'arn:aws:kms:eu-west-1:111111111111:key/other-key';
/** Another key as a bare key id and as an alias: the key-id header takes either. */
const OTHER_KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const OTHER_ALIAS = 'alias/other';
const SSE = 's3:x-amz-server-side-encryption';
const KEY_ID = 's3:x-amz-server-side-encryption-aws-kms-key-id';
const SSE_C = 's3:x-amz-server-side-encryption-customer-algorithm';

type Statement = Record<string, any>;

/** The statements SecureBucket writes in SSE-KMS mode (plus TLS), on literal ARNs. */
const BASE: Statement[] = [
  { Sid: 'Tls', Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Resource: [ARN, `${ARN}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
  { Sid: 'Tls12', Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Resource: [ARN, `${ARN}/*`], Condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } } },
  { Sid: 'OtherAlg', Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:PutObject', Resource: `${ARN}/*`, Condition: { Null: { [SSE]: 'false' }, StringNotEquals: { [SSE]: 'aws:kms' } } },
  { Sid: 'OtherKey', Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:PutObject', Resource: `${ARN}/*`, Condition: { Null: { [KEY_ID]: 'false' }, StringNotEquals: { [KEY_ID]: OWN_KEY } } },
  { Sid: 'NoKeyId', Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:PutObject', Resource: `${ARN}/*`, Condition: { Null: { [SSE]: 'false', [KEY_ID]: 'true' } } },
  { Sid: 'SseC', Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:PutObject', Resource: `${ARN}/*`, Condition: { Null: { [SSE_C]: 'false' } } },
  { Sid: 'UpdateAlg', Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:UpdateObjectEncryption', Resource: `${ARN}/*`, Condition: { StringNotEquals: { [SSE]: 'aws:kms' } } },
  { Sid: 'UpdateKey', Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:UpdateObjectEncryption', Resource: `${ARN}/*`, Condition: { StringNotEquals: { [KEY_ID]: OWN_KEY } } },
];

const KEYS = ['aws:PrincipalArn', 'aws:SourceVpce', 'aws:PrincipalAccount', 'aws:SecureTransport', 's3:TlsVersion', SSE, KEY_ID, SSE_C];
/** Values read from the requester's tags (aws:PrincipalTag/...) under 2012-10-17, or literal text under 2008-10-17. */
const SSE_VARIABLE = '${aws:PrincipalTag/sse}';
const KEY_VARIABLE = '${aws:PrincipalTag/key}';
const VALUES: Record<string, string[]> = {
  'aws:PrincipalArn': ['arn:aws:iam::*:role/backdoor-*', 'arn:aws:iam::111111111111:role/app', '*'],
  'aws:SourceVpce': ['vpce-1234', '*'],
  'aws:PrincipalAccount': ['111111111111', '222222222222'],
  'aws:SecureTransport': ['true', 'false'],
  's3:TlsVersion': ['1.2', '1.3'],
  [SSE]: ['aws:kms', 'AES256', 'aws:kms:dsse', 'aws:*', SSE_VARIABLE, 'aws:kms${*}', '${aws:username}'],
  [KEY_ID]: [OWN_KEY, OTHER_KEY, 'arn:aws:kms:*', KEY_VARIABLE, OTHER_ALIAS, '*'],
  [SSE_C]: ['AES256', SSE_VARIABLE],
};
const OPS = ['StringEquals', 'StringNotEquals', 'StringLike', 'StringNotLike', 'StringEqualsIfExists', 'StringNotEqualsIfExists',
  'StringNotLikeIfExists', 'Null', 'Bool', 'ForAnyValue:StringEquals', 'NumericLessThan',
  // of the wrong kind for some keys (an ARN operator on the key-id header or a VPC endpoint id), or case-folding
  'ArnNotEquals', 'ArnNotLike', 'ArnLikeIfExists', 'StringNotEqualsIgnoreCase', 'StringLikeIfExists'];

const condition = fc.record({
  op: fc.constantFrom(...OPS),
  key: fc.constantFrom(...KEYS),
  pick: fc.nat(),
  null: fc.constantFrom('true', 'false'),
}).map(({ op, key, pick, null: n }) => {
  const pool = op === 'Null' ? [n] : op === 'NumericLessThan' ? ['1.2'] : VALUES[key];
  return { op, key, value: pool[pick % pool.length] };
});

const mutation = fc.oneof(
  { weight: 10, arbitrary: fc.constant({ kind: 'keep' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'drop' as const }) },
  { weight: 3, arbitrary: condition.map((c) => ({ kind: 'condition' as const, c })) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(`${ARN}/p*`, `${ARN}/*`, [ARN, `${ARN}/*`], 'arn:aws:s3:::*', '*', `${ARN}/?*`, 'arn:aws:s3:::data*', ARN)
      .map((r) => ({ kind: 'resource' as const, r })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<any>('s3:PutObject', 's3:Put*', 's3:*', '*', 's3:GetObject', 's3:UpdateObjectEncryption', ['s3:PutObject', 's3:UpdateObjectEncryption'])
      .map((a) => ({ kind: 'action' as const, a })),
  },
  { weight: 1, arbitrary: fc.constantFrom<any>('*', { AWS: 'arn:aws:iam::111111111111:root' }).map((p) => ({ kind: 'principal' as const, p })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'allow' as const }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<any>('iam:*', ['iam:*', 'sts:*'], 's3:GetObject', 's3:Get*', '*', 's3:Put*')
      .map((a) => ({ kind: 'notAction' as const, a })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<any>('arn:aws:iam::*:role/*', `${ARN}/p*`, 'arn:aws:s3:::other/*', 'arn:aws:s3:::*/q*', ARN)
      .map((r) => ({ kind: 'notResource' as const, r })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'notPrincipal' as const }) },
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function apply(st: Statement, m: Mutation): Statement | undefined {
  const s = JSON.parse(JSON.stringify(st));
  switch (m.kind) {
    case 'keep': return s;
    case 'drop': return undefined;
    case 'condition': {
      s.Condition = s.Condition ?? {};
      const block = s.Condition[m.c.op] ?? {};
      block[m.c.key] = m.c.value; // replaces a value of the same key: an op's keys stay unique
      s.Condition[m.c.op] = block;
      return s;
    }
    // Each element replaces its Not- twin: IAM refuses a statement with both.
    case 'resource': delete s.NotResource; s.Resource = m.r; return s;
    case 'action': delete s.NotAction; s.Action = m.a; return s;
    case 'principal': delete s.NotPrincipal; s.Principal = m.p; return s;
    case 'allow': delete s.NotPrincipal; s.Principal = s.Principal ?? '*'; s.Effect = 'Allow'; return s;
    case 'notAction': delete s.Action; s.NotAction = m.a; return s;
    case 'notResource': delete s.Resource; s.NotResource = m.r; return s;
    case 'notPrincipal':
      if (s.Effect !== 'Deny') return s; // NotPrincipal with Allow is refused by IAM
      delete s.Principal; s.NotPrincipal = { AWS: 'arn:aws:iam::111111111111:role/backdoor-x' }; return s;
  }
}

const policyArb = fc.record({
  mutations: fc.array(fc.array(mutation, { minLength: 1, maxLength: 2 }), { minLength: BASE.length, maxLength: BASE.length }),
  extraAllow: fc.boolean(),
  version: fc.constantFrom('2012-10-17', '2012-10-17', '2008-10-17'),
}).map(({ mutations, extraAllow, version }) => {
  const Statement: Statement[] = [];
  BASE.forEach((st, i) => {
    let s: Statement | undefined = st;
    for (const m of mutations[i]) s = s && apply(s, m);
    if (s) Statement.push(s);
  });
  if (extraAllow) {
    Statement.push({ Sid: 'CrossAccountPut', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::222222222222:root' }, Action: 's3:*', Resource: [ARN, `${ARN}/*`] });
  }
  return { Version: version, Statement };
});

/**
 * The policy as the evaluator must read it. iam-simulate substitutes policy
 * variables whatever the Version; under 2008-10-17 IAM reads `${...}` as
 * literal text, which 2012-10-17 spells with the escape `${$}`: so a 2008
 * policy is given to the evaluator as 2012 with every `${` escaped.
 */
function forEvaluator(policy: { Version: string; Statement: Statement[] }): unknown {
  if (policy.Version !== '2008-10-17') return policy;
  const escaped = JSON.parse(JSON.stringify(policy.Statement).replace(/\$\{/g, '$${$}{'));
  return { Version: '2012-10-17', Statement: escaped };
}

/** Who sends a request, from where, to which object. */
const requester = fc.record({
  principal: fc.constantFrom('arn:aws:iam::111111111111:role/app', 'arn:aws:iam::111111111111:role/backdoor-x', 'arn:aws:iam::222222222222:role/app'),
  vpce: fc.constantFrom(undefined, 'vpce-1234'),
  objectKey: fc.constantFrom('a', 'p1', 'q/x.csv'),
  tls: fc.constantFrom('1.2', '1.3'),
  /** The principal's tags that `${aws:PrincipalTag/...}` reads (none: the variable has no value and matches nothing). */
  tags: fc.constantFrom<Record<string, string> | undefined>(undefined, { sse: 'AES256', key: OTHER_KEY }, { sse: 'aws:kms:dsse', key: OTHER_ALIAS }),
});
type Requester = typeof requester extends fc.Arbitrary<infer T> ? T : never;

function template(policy: unknown) {
  return {
    Resources: {
      Data: {
        Type: 'AWS::S3::Bucket',
        Properties: {
          BucketName: BUCKET,
          BucketEncryption: { ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: OWN_KEY } }] },
        },
      },
      DataPolicy: { Type: 'AWS::S3::BucketPolicy', Properties: { Bucket: BUCKET, PolicyDocument: policy } },
    },
  };
}

/** A request a passing rule promises is refused. */
interface Promised {
  readonly what: string;
  readonly action: string;
  readonly resource: string;
  readonly context: Record<string, string>;
  readonly secure?: boolean;
  readonly tls?: string;
}

async function decide(policy: unknown, who: Requester, r: Promised): Promise<Decision> {
  const { action, resource, context } = r;
  const secure = r.secure ?? true;
  const tls = r.tls;
  const account = who.principal.split(':')[4];
  const ctx: Record<string, string> = {
    'aws:SecureTransport': String(secure),
    'aws:PrincipalArn': who.principal,
    'aws:PrincipalAccount': account,
    ...(secure ? { 's3:TlsVersion': tls ?? who.tls } : {}),
    ...(who.vpce ? { 'aws:SourceVpce': who.vpce } : {}),
    ...Object.fromEntries(Object.entries(who.tags ?? {}).map(([k, v]) => [`aws:PrincipalTag/${k}`, v])),
    ...context,
  };
  return evaluateRequest(policy, { action, resource, context: ctx }, { principal: who.principal, resourceAccount: '111111111111' });
}

/** The requests each rule promises are refused when it passes. */
function promised(rule: string, who: Requester): Promised[] {
  const object = `${ARN}/${who.objectKey}`;
  switch (rule) {
    case 'S3EncryptionEnforcementPolicy': return [
      { what: 'SSE-S3 upload', action: 's3:PutObject', resource: object, context: { [SSE]: 'AES256' } },
      { what: 'DSSE-KMS upload', action: 's3:PutObject', resource: object, context: { [SSE]: 'aws:kms:dsse', [KEY_ID]: OWN_KEY } },
      { what: 'another key', action: 's3:PutObject', resource: object, context: { [SSE]: 'aws:kms', [KEY_ID]: OTHER_KEY } },
      { what: 'another key by key id', action: 's3:PutObject', resource: object, context: { [SSE]: 'aws:kms', [KEY_ID]: OTHER_KEY_ID } },
      { what: 'another key by alias', action: 's3:PutObject', resource: object, context: { [SSE]: 'aws:kms', [KEY_ID]: OTHER_ALIAS } },
      { what: 'no key id', action: 's3:PutObject', resource: object, context: { [SSE]: 'aws:kms' } },
      { what: 'SSE-S3 over HTTP', action: 's3:PutObject', resource: object, context: { [SSE]: 'AES256' }, secure: false },
      { what: 'UpdateObjectEncryption to SSE-S3', action: 's3:UpdateObjectEncryption', resource: object, context: { [SSE]: 'AES256' } },
      { what: 'UpdateObjectEncryption to another key', action: 's3:UpdateObjectEncryption', resource: object, context: { [SSE]: 'aws:kms', [KEY_ID]: OTHER_KEY } },
      { what: 'UpdateObjectEncryption without a key id', action: 's3:UpdateObjectEncryption', resource: object, context: { [SSE]: 'aws:kms' } },
    ];
    case 'S3TlsOnly': return [
      { what: 'GetObject over HTTP', action: 's3:GetObject', resource: object, context: {}, secure: false },
      { what: 'PutObject over TLS 1.1', action: 's3:PutObject', resource: object, context: {}, tls: '1.1' },
      { what: 'ListBucket over HTTP', action: 's3:ListBucket', resource: ARN, context: {}, secure: false },
    ];
    case 'S3SseCBlocked': return [
      { what: 'SSE-C upload', action: 's3:PutObject', resource: object, context: { [SSE_C]: 'AES256' } },
    ];
  }
  return [];
}

const RULES = [S3EncryptionEnforcementPolicy, S3TlsOnly, S3SseCBlocked];

test(`whenever the engine says COMPLIANT, the IAM evaluator refuses every promised request (${RUNS} policies)`, async () => {
  const verdicts: Record<string, number> = {};
  /** Policies some rule passed, by the new dimensions they hold: each must be checked against the evaluator, not only refused. */
  const passedWith: Record<string, number> = {};
  await fc.assert(
    fc.asyncProperty(policyArb, requester, async (policy, who) => {
      const index = new TemplateIndex(template(policy));
      const bucket = index.resources.get('Data')!;
      for (const rule of RULES) {
        const status = runRule(rule, bucket, index).status;
        verdicts[`${rule.name}:${status}`] = (verdicts[`${rule.name}:${status}`] ?? 0) + 1;
        if (status !== RuleStatus.COMPLIANT) continue;
        const text = JSON.stringify(policy);
        for (const [dim, present] of Object.entries({
          notAction: text.includes('"NotAction"'),
          notResource: text.includes('"NotResource"'),
          literalVariable2008: policy.Version === '2008-10-17' && text.includes('${aws:'),
          escape2012: policy.Version === '2012-10-17' && text.includes('${*}'),
        })) if (present) passedWith[dim] = (passedWith[dim] ?? 0) + 1;
        for (const r of promised(rule.name, who)) {
          const d = await decide(forEvaluator(policy), who, r);
          if (d === 'Allowed') throw new Error(`${rule.name} said COMPLIANT, but ${r.what} by ${who.principal} (vpce ${who.vpce}) on ${r.resource} is allowed`);
        }
      }
    }),
    { numRuns: RUNS, seed: process.env.SOUNDNESS_SEED ? Number(process.env.SOUNDNESS_SEED) : undefined },
  );
  for (const dim of ['notAction', 'notResource', 'literalVariable2008', 'escape2012']) expect([dim, passedWith[dim] ?? 0]).not.toEqual([dim, 0]);
  // The generator must exercise both verdicts, or the property proves little.
  for (const rule of RULES) {
    expect(verdicts[`${rule.name}:COMPLIANT`] ?? 0).toBeGreaterThan(RUNS / 20);
    expect((verdicts[`${rule.name}:NON_COMPLIANT`] ?? 0) + (verdicts[`${rule.name}:UNKNOWN`] ?? 0)).toBeGreaterThan(RUNS / 20);
  }
}, 300_000);

test('the compliant forms the library writes, and documented equivalents, pass every rule', () => {
  const equivalents: Statement[][] = [
    BASE,
    BASE.map((s) => s.Sid === 'OtherAlg' ? { ...s, Condition: { StringNotEqualsIfExists: { [SSE]: 'aws:kms' }, Null: { [SSE]: 'false' } } } : s),
    BASE.map((s) => s.Sid === 'OtherKey' ? { ...s, Condition: { StringNotEqualsIfExists: { [KEY_ID]: OWN_KEY } } } : s),
    BASE.map((s) => s.Sid === 'OtherKey' ? { ...s, Condition: { Null: { [KEY_ID]: 'false' }, StringNotLike: { [KEY_ID]: OWN_KEY } } } : s),
    BASE.map((s) => ({ ...s, Principal: '*' })),
  ];
  for (const Statement of equivalents) {
    const index = new TemplateIndex(template({ Version: '2012-10-17', Statement }));
    for (const rule of RULES) expect([rule.name, runRule(rule, index.resources.get('Data')!, index).status]).toEqual([rule.name, RuleStatus.COMPLIANT]);
  }
});

/** Counterexamples the property found (shrunk), kept: the engine must not pass them again. */
const FOUND: Array<{ name: string; rule: typeof RULES[number]; change: (sts: Statement[]) => Statement[] }> = [
  {
    // Bool on a string key never matches in IAM; the engine compared the strings.
    name: 'Bool on the SSE header key (seed 120723707)',
    rule: S3EncryptionEnforcementPolicy,
    change: (sts) => sts.map((s) => s.Sid === 'NoKeyId' ? { ...s, Condition: { ...s.Condition, Bool: { [SSE]: 'aws:kms' } } } : s),
  },
  // Found by the generators for variables and operator kinds, run against the engine before understood-policy.ts.
  {
    // IAM's ARN operators do not match every value with `*`; the engine read ArnLike like StringLike.
    name: 'ArnLikeIfExists aws:PrincipalArn * on the UpdateKey statement (seed 807589769)',
    rule: S3EncryptionEnforcementPolicy,
    change: (sts) => sts.map((s) => s.Sid === 'UpdateKey' ? { ...s, Condition: { ...s.Condition, ArnLikeIfExists: { 'aws:PrincipalArn': '*' } } } : s),
  },
  {
    name: 'ArnLikeIfExists aws:SourceVpce * on the TLS 1.2 statement (seed 5)',
    rule: S3TlsOnly,
    change: (sts) => sts.map((s) => s.Sid === 'Tls12' ? { ...s, Condition: { ...s.Condition, ArnLikeIfExists: { 'aws:SourceVpce': '*' } } } : s),
  },
  {
    // A policy variable is substituted per request (here: no tag, so the condition matches nothing); the engine read it as text.
    name: 'ArnNotLike on the SSE header with ${aws:PrincipalTag/sse} (seeds 1 and 3)',
    rule: S3EncryptionEnforcementPolicy,
    change: (sts) => sts.map((s) => s.Sid === 'OtherKey' ? { ...s, Condition: { ...s.Condition, ArnNotLike: { [SSE]: SSE_VARIABLE } } } : s),
  },
];

test.each(FOUND)('a found counterexample stays refused: $name', async ({ rule, change }) => {
  const policy = { Version: '2012-10-17', Statement: change(BASE) };
  const index = new TemplateIndex(template(policy));
  expect(runRule(rule, index.resources.get('Data')!, index).status).not.toBe(RuleStatus.COMPLIANT);
});
