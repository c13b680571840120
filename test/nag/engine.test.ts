import { App, CfnResource, Lazy, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { packFindings, templateFindings } from './helpers';
import { ABSENT, SSE_KEY, anyExcept, conditionHoldsForAll, denyStatements, exact, proveDenied } from '../../src/nag/engine/policy-statements';
import { isTemplateReference, resolveString } from '../../src/nag/engine/symbolic-values';
import { TemplateIndex } from '../../src/nag/engine/template-index';
import { notUnderstoodCondition, policyVariables } from '../../src/nag/engine/understood-policy';
import { mayMatch } from '../../src/nag/engine/wildcard-matching';

const index = new TemplateIndex({ Parameters: { P: {} }, Resources: { B: { Type: 'AWS::S3::Bucket' } } });

describe('symbolic resolution', () => {
  test.each([
    [{ Ref: 'B' }, '${B}'],
    [{ 'Fn::GetAtt': 'B.Arn' }, '${B.Arn}'],
    [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { Ref: 'B' }]] }, 'arn:${AWS::Partition}:s3:::${B}'],
    [{ 'Fn::Sub': '${B.Arn}/*' }, '${B.Arn}/*'],
    [{ 'Fn::Sub': ['${X}/${!Literal}', { X: { Ref: 'B' } }] }, '${B}/${Literal}'],
  ])('%j resolves to %s', (v, expected) => {
    expect(resolveString(v, index)).toEqual({ ok: true, value: expected, reason: '' });
  });

  test.each([
    [{ Ref: 'P' }, /template parameter/],
    [{ Ref: 'Nope' }, /not a resource or parameter/],
    [{ 'Fn::ImportValue': 'x' }, /cannot resolve Fn::ImportValue/],
    [{ 'Fn::Sub': '${P}-x' }, /template parameter/],
    [{ 'Fn::If': ['C', 'a', 'b'] }, /cannot resolve Fn::If/],
  ])('%j is unresolved', (v, reason) => {
    const r = resolveString(v, index);
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(reason);
  });
});

describe('condition evaluation (IAM semantics)', () => {
  const st = (Condition: object) => denyStatements({ Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: '*', Condition }] }, index)[0];

  /** Whether every condition of the statement holds for an upload whose SSE header is `kv` (other keys absent). */
  const holds = (condition: Record<string, Record<string, string | string[]>>, kv: ReturnType<typeof exact>) =>
    Object.entries(condition).every(([op, keys]) => Object.entries(keys).every(([k, v]) =>
      conditionHoldsForAll(op, k.toLowerCase(), ([] as string[]).concat(v), k.toLowerCase() === SSE_KEY ? kv : ABSENT) === true));

  test.each([
    ['Null false + StringNotEquals', { Null: { [SSE_KEY]: 'false' }, StringNotEquals: { [SSE_KEY]: 'aws:kms' } }, false],
    ['StringNotEquals alone (absent key matches)', { StringNotEquals: { [SSE_KEY]: 'aws:kms' } }, true],
    ['StringNotEqualsIfExists', { StringNotEqualsIfExists: { [SSE_KEY]: 'aws:kms' } }, true],
    ['StringEquals on an absent key', { StringEquals: { [SSE_KEY]: 'AES256' } }, false],
    ['ForAnyValue is not evaluated', { 'ForAnyValue:StringEquals': { [SSE_KEY]: 'AES256' } }, false],
  ])('%s, request without SSE headers', (_name, condition, expected) => {
    expect(holds(condition as any, ABSENT)).toBe(expected);
  });

  test('a negated operator holds for "any value but X" only when it exempts nothing else, taken literally', () => {
    const key = 's3:x-amz-server-side-encryption-aws-kms-key-id';
    expect(conditionHoldsForAll('StringNotEquals', key, ['arn:k'], anyExcept('arn:k'))).toBe(true);
    expect(conditionHoldsForAll('StringNotEquals', key, ['arn:k', 'arn:other'], anyExcept('arn:k'))).not.toBe(true);
    expect(conditionHoldsForAll('StringNotLike', key, ['arn:*'], anyExcept('arn:k'))).not.toBe(true);
    expect(conditionHoldsForAll('StringNotEqualsIgnoreCase', key, ['arn:k'], anyExcept('arn:k'))).not.toBe(true);
    expect(conditionHoldsForAll('StringEquals', key, ['arn:x'], anyExcept('arn:k'))).not.toBe(true);
    expect(conditionHoldsForAll('Null', key, ['false'], anyExcept('arn:k'))).toBe(true);
  });

  test('a header with another algorithm is denied by each equivalent form', () => {
    const cls = (v: string) => ({ description: '', action: 's3:PutObject', target: 'objects' as const, keys: { [SSE_KEY]: [exact(v)] } });
    for (const c of [
      { Null: { [SSE_KEY]: 'false' }, StringNotEquals: { [SSE_KEY]: 'aws:kms' } },
      { StringNotEquals: { [SSE_KEY]: 'aws:kms' } },
      { StringNotEqualsIfExists: { [SSE_KEY]: ['aws:kms'] } },
      { StringNotLike: { [SSE_KEY]: 'aws:kms' } },
    ]) {
      expect(proveDenied([st(c)], cls('AES256'), ['arn:x']).proven).toBe(true);
      expect(proveDenied([st(c)], cls('aws:kms'), ['arn:x']).proven).toBe(false);
    }
  });

  test('Allow statements and Denies for named principals are not enforcement', () => {
    const doc = {
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: 's3:PutObject', Resource: '*' },
        { Effect: 'Deny', Principal: { AWS: 'arn:aws:iam::1:root' }, Action: 's3:PutObject', Resource: '*' },
      ],
    };
    expect(denyStatements(doc, index)).toEqual([]);
  });

  test('a NotAction Deny covers the actions it does not name; a NotPrincipal Deny is kept as an exemption, never proof', () => {
    const cls = { description: '', action: 's3:PutObject', target: 'objects' as const, keys: { [SSE_KEY]: [exact('AES256')] } };
    const [notAction, notPrincipal] = denyStatements({
      Statement: [
        { Sid: 'NA', Effect: 'Deny', Principal: '*', NotAction: 's3:GetObject', Resource: '*' },
        { Sid: 'NP', Effect: 'Deny', NotPrincipal: { AWS: 'arn:aws:iam::1:root' }, Action: 's3:PutObject', Resource: '*' },
      ],
    }, index);
    expect(proveDenied([notAction], cls, ['arn:x']).proven).toBe(true);
    expect(proveDenied([notAction], { ...cls, action: 's3:GetObject' }, ['arn:x']).proven).toBe(false);
    const p = proveDenied([notPrincipal], cls, ['arn:x']);
    expect(p.proven).toBe(false);
    expect(p.gaps.join()).toContain('NotPrincipal');
  });
});

test('a bucket whose properties cannot be resolved in the construct tree is reported [Unresolved]', () => {
  const app = new App();
  const stack = new Stack(app, 'S');
  // A token that fails to resolve (as a third-party construct's lazy value might).
  new CfnResource(stack, 'B', { type: 'AWS::S3::Bucket', properties: { BucketName: Lazy.string({ produce: () => { throw new Error('not yet'); } }) } });
  new s3.Bucket(stack, 'Fine', { encryption: s3.BucketEncryption.S3_MANAGED });
  const f = packFindings(app, {}, stack);
  expect(f).toContain('S3Encryption-S3DefaultEncryptionMode[Unresolved] @ B');
  expect(f).toContain('S3Encryption-S3TlsOnly[Unresolved] @ B');
  expect(f.filter((x) => x.endsWith('@ B'))).toHaveLength(8); // every rule, none passed
});

test('a bucket with several SSE rules or an unresolvable algorithm is not passed', () => {
  expect(templateFindings({
    Parameters: { Alg: {} },
    Resources: {
      B: {
        Type: 'AWS::S3::Bucket',
        Properties: {
          BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: { Ref: 'Alg' } } }] },
        },
      },
    },
  })).toEqual([
    'S3Encryption-S3DefaultEncryptionMode[Unresolved] @ B',
    'S3Encryption-S3EncryptionEnforcementPolicy[Unresolved] @ B',
    'S3Encryption-S3KmsBucketKeyEnabled[Unresolved] @ B',
    'S3Encryption-S3KmsCustomerManagedKey[Unresolved] @ B',
    'S3Encryption-S3KmsDataEventsTrail[Unresolved] @ B',
    'S3Encryption-S3KmsKeyRotation[Unresolved] @ B',
    'S3Encryption-S3SseCBlocked[Unresolved] @ B',
    'S3Encryption-S3TlsOnly @ B',
  ]);
});

test('basic event selectors covering all buckets, and advanced selectors for writes only, count', () => {
  const bucket = (id: string) => ({
    Type: 'AWS::S3::Bucket',
    Properties: { BucketEncryption: { ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { Ref: 'K' } } }] } },
    id,
  });
  const trail = (props: object) => ({ Type: 'AWS::CloudTrail::Trail', Properties: { IsLogging: true, EnableLogFileValidation: true, KMSKeyId: { Ref: 'K' }, S3BucketName: 'logs', ...props } });
  const only = (t: object) => templateFindings({ Resources: { K: { Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: 'true' } }, B: bucket('B'), T: trail(t) } })
    .filter((f) => f.includes('DataEventsTrail'));
  expect(only({ EventSelectors: [{ DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3'] }] }] })).toEqual([]);
  expect(only({ EventSelectors: [{ ReadWriteType: 'ReadOnly', DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3'] }] }] }))
    .toEqual(['S3Encryption-S3KmsDataEventsTrail @ B']);
  expect(only({
    AdvancedEventSelectors: [{
      FieldSelectors: [
        { Field: 'eventCategory', Equals: ['Data'] }, { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
        { Field: 'readOnly', Equals: ['false'] }, { Field: 'resources.ARN', StartsWith: [{ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${B}/' }] },
      ],
    }],
  })).toEqual([]);
  expect(only({
    AdvancedEventSelectors: [{
      FieldSelectors: [
        { Field: 'eventCategory', Equals: ['Data'] }, { Field: 'resources.type', Equals: ['AWS::S3::Object'] }, { Field: 'eventName', Equals: ['GetObject'] },
      ],
    }],
  })).toEqual(['S3Encryption-S3KmsDataEventsTrail @ B']);
  expect(only({ KMSKeyId: undefined, EventSelectors: [{ DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::'] }] }] }))
    .toEqual(['S3Encryption-S3KmsDataEventsTrail @ B']);
});

describe('closed-world helpers', () => {
  test('mayMatch over-approximates: false only when no value can match', () => {
    expect(mayMatch('iam:*', 's3:', true)).toBe(false);
    expect(mayMatch('s3:get*', 's3:', true)).toBe(true);
    expect(mayMatch('*', 's3:', true)).toBe(true);
    expect(mayMatch('s?:*', 's3:', true)).toBe(true);
    expect(mayMatch('s3:getobject', 's3:putobject', false)).toBe(false);
    expect(mayMatch('arn:aws:s3:::other/*', 'arn:aws:s3:::data/', true)).toBe(false);
    // A token may stand for anything: it answers "may".
    expect(mayMatch('arn:aws:s3:::other/*', '${B.Arn}/', true)).toBe(true);
    expect(mayMatch('${aws:username}', 'anything', false)).toBe(true);
  });

  test('policy variables are told from the template\'s references and from the escapes', () => {
    const isRef = (t: string) => isTemplateReference(t, index);
    expect(policyVariables('${B.Arn}/${aws:username}', isRef)).toEqual({ variables: ['${aws:username}'], literal: '${B.Arn}/${aws:username}', escapedWildcard: false });
    expect(policyVariables('a${*}b${$}', isRef)).toEqual({ variables: [], literal: 'a*b$', escapedWildcard: true });
    expect(policyVariables('${$}{B}', isRef).escapedWildcard).toBe(true);
  });

  test('literal text that reads like a reference is marked, never the reference', () => {
    expect(resolveString('${B.Arn}/*', index).value).toBe('${!B.Arn}/*');
    expect(resolveString({ 'Fn::Sub': '${!B}' }, index).value).toBe('${!B}');
    expect(resolveString('${aws:username}', index).value).toBe('${aws:username}');
  });

  test.each([
    ['ArnNotEquals', 's3:x-amz-server-side-encryption-aws-kms-key-id', /alias/],
    ['StringNotEqualsIgnoreCase', 's3:x-amz-server-side-encryption-aws-kms-key-id', /not modelled/],
    ['StringEquals', 'aws:securetransport', /not modelled/],
    ['ArnLikeIfExists', 'aws:sourcevpce', /kind of value/],
    ['DateLessThan', 'aws:currenttime', /does not model/],
    ['StringFoo', 'aws:currenttime', /does not evaluate/],
    ['NullIfExists', 's3:x-amz-server-side-encryption', /does not evaluate/],
    ['ForAnyValue:StringEquals', 's3:x-amz-server-side-encryption', /set operator/],
  ])('%s on %s is outside the allow-list', (op, key, why) => {
    expect(notUnderstoodCondition(op, key)).toMatch(why);
  });

  test.each([
    ['StringNotEquals', 's3:x-amz-server-side-encryption-aws-kms-key-id'],
    ['StringNotEqualsIfExists', 's3:x-amz-server-side-encryption'],
    ['Bool', 'aws:securetransport'],
    ['NumericLessThan', 's3:tlsversion'],
    ['StringLikeIfExists', 'aws:principalarn'],
    ['Null', 'aws:sourcevpce'],
  ])('%s on %s is understood', (op, key) => {
    expect(notUnderstoodCondition(op, key)).toBeUndefined();
  });
});
