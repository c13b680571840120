/**
 * The engine is closed-world at the template level: a template feature it does
 * not understand (a Transform, Fn::Transform, a module, a SAM application, a
 * StackSet...), a role granted by a resource that may not exist, and a bucket
 * type it does not judge are "not proven", never a pass, through the pack,
 * `check` on a file and `check` on a cloud assembly alike.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, NestedStack, Stack } from 'aws-cdk-lib';
import { asApp, compliantKms, threeWays } from './closed-world-helpers';
import { cliFindings, packFindings, runCli, templateFindings } from './helpers';
import { EncryptionMode, EncryptionModeKind, SecureBucket } from '../../src';
import { DEFAULT_POLICY, EnginePolicy } from '../../src/nag/engine/policy';
import { EVALUATED_INTRINSICS, OPAQUE_INTRINSICS, UNDERSTOOD_RESOURCE_ATTRIBUTES, UNDERSTOOD_SECTIONS, unknownTemplateFeatures } from '../../src/nag/engine/understood-template';

const P = 'S3Encryption-';
const UNDERSTOOD = `${P}S3TemplateUnderstood`;

test('the base template passes the three ways in (so each failure below is the mutation)', async () => {
  expect(await threeWays(compliantKms())).toEqual([]);
});

describe('the deployed template is not the one checked', () => {
  test.each([
    ['a macro', 'MyMacro', /the Transform MyMacro \(a macro/],
    ['AWS::LanguageExtensions', 'AWS::LanguageExtensions', /the Transform AWS::LanguageExtensions \(language extensions/],
    ['AWS::Include', 'AWS::Include', /the Transform AWS::Include/],
    ['SAM', 'AWS::Serverless-2016-10-31', /the Transform AWS::Serverless-2016-10-31 \(SAM/],
  ])('a Transform (%s): every bucket is not proven, naming the Transform', async (_n, transform, named) => {
    const t = compliantKms();
    t.Transform = transform;
    const f = await threeWays(t);
    expect(f).toEqual([`${UNDERSTOOD} @ Data`, `${UNDERSTOOD} @ TrailBucket`]);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cw-')), 't.json');
    fs.writeFileSync(file, JSON.stringify(t));
    const j = JSON.parse((await runCli(['check', file, '--format', 'json'])).stdout);
    expect(j.compliant).toBe(false);
    const detail = j.findings.find((x: any) => x.logicalId === 'Data' && x.ruleId === UNDERSTOOD).detail;
    expect(detail).toMatch(/^not proven: the deployed template is not the one checked: /);
    expect(detail).toMatch(named);
  });

  test('a Transform on a template with no bucket still fails (on its first resource)', async () => {
    const t = { Transform: 'AWS::Serverless-2016-10-31', Resources: { Fn: { Type: 'AWS::Lambda::Function', Properties: { Handler: 'x' } } } };
    expect(await threeWays(t)).toEqual([`${UNDERSTOOD} @ Fn`]);
  });

  test.each([
    ['Fn::Transform in a bucket property', (t: any) => { t.Resources.Data.Properties.Tags = { 'Fn::Transform': { Name: 'AddTags' } }; }, ['Data', 'TrailBucket']],
    ['Fn::Transform in another resource', (t: any) => { t.Resources.Trail.Properties.Tags = { 'Fn::Transform': { Name: 'AddTags' } }; }, ['Data', 'Trail', 'TrailBucket']],
    ['a module', (t: any) => { t.Resources.Mod = { Type: 'My::Org::Policy::MODULE', Properties: { BucketName: { Ref: 'Data' } } }; }, ['Data', 'Mod', 'TrailBucket']],
    ['an AWS::Serverless::Application', (t: any) => {
      t.Resources.App = { Type: 'AWS::Serverless::Application', Properties: { Location: 'https://example.com/app.yaml' } };
    }, ['App', 'Data', 'TrailBucket']],
    ['a StackSet with an inline TemplateBody', (t: any) => {
      t.Resources.Set = { Type: 'AWS::CloudFormation::StackSet', Properties: { StackSetName: 's', PermissionModel: 'SELF_MANAGED', TemplateBody: '{"Resources":{}}' } };
    }, ['Data', 'Set', 'TrailBucket']],
    ['an intrinsic function the engine does not know', (t: any) => { t.Resources.Trail.Properties.Tags = [{ Key: 'k', Value: { 'Fn::Length': [1] } }]; }, ['Data', 'Trail', 'TrailBucket']],
  ])('%s', async (_n, mutate, on) => {
    const t = compliantKms();
    mutate(t);
    expect(await threeWays(t)).toEqual(on.map((id) => `${UNDERSTOOD} @ ${id}`));
  });

  test('Fn::ForEach (AWS::LanguageExtensions) resources, on a file (CDK renders no Fn::ForEach)', async () => {
    const t = compliantKms();
    t.Transform = 'AWS::LanguageExtensions';
    t.Resources['Fn::ForEach::Buckets'] = ['Name', ['A', 'B'], { 'Bucket${Name}': { Type: 'AWS::S3::BucketPolicy', Properties: { Bucket: { Ref: 'Data' } } } }];
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cw-')), 't.json');
    fs.writeFileSync(file, JSON.stringify(t));
    const f = await cliFindings(['check', file]);
    expect(f).toEqual(expect.arrayContaining([`${UNDERSTOOD}[Unresolved] @ Data`, `${UNDERSTOOD}[Unresolved] @ Fn::ForEach::Buckets`]));
    expect(unknownTemplateFeatures(t).map((x) => x.where)).toEqual(['Transform', 'Resources.Fn::ForEach::Buckets']);
  });

  test('an unknown section or resource attribute is not understood', () => {
    expect(unknownTemplateFeatures({ Hooks: {}, Resources: { B: { Type: 'AWS::S3::Bucket', Foo: 1 } } }).map((f) => f.where)).toEqual(['Hooks', 'Resources.B.Foo']);
  });

  test('the lists name their meaning; what CDK renders is understood', () => {
    for (const list of [UNDERSTOOD_SECTIONS, UNDERSTOOD_RESOURCE_ATTRIBUTES, EVALUATED_INTRINSICS, OPAQUE_INTRINSICS]) {
      for (const meaning of Object.values(list)) expect(meaning.length).toBeGreaterThan(5);
    }
    expect(unknownTemplateFeatures(compliantKms())).toEqual([]);
  });
});

describe('a role is granted only by a resource that certainly exists', () => {
  /** A bucket `Src` logging to `Logs` (SSE-S3, no policy); the policy allows only SSE-KMS. */
  function accessLogs() {
    const t = compliantKms();
    t.Resources.Logs = { Type: 'AWS::S3::Bucket', Properties: { BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } } };
    t.Resources.Data.Properties.LoggingConfiguration = { DestinationBucketName: { Ref: 'Logs' } };
    return t;
  }
  // The rules an access-log destination is exempt from (it still needs TLS and an SSE-C block).
  const onLogs = (f: string[]) => f.filter((x) => x.endsWith('@ Logs') && /DefaultEncryptionMode|EncryptionEnforcementPolicy/.test(x));
  const KMS_ONLY = ['--allowed-modes', 'SSE-KMS'];

  test('an access-log destination is exempt when the source always exists', async () => {
    expect(onLogs(await threeWays(accessLogs(), KMS_ONLY))).toEqual([]);
  });

  test('not when the source bucket is under a Condition the destination does not share', async () => {
    const t = accessLogs();
    t.Conditions = { IsProd: { 'Fn::Equals': ['a', 'b'] } };
    t.Resources.Data.Condition = 'IsProd';
    expect(onLogs(await threeWays(t, KMS_ONLY))).toEqual([`${P}S3DefaultEncryptionMode @ Logs`, `${P}S3EncryptionEnforcementPolicy @ Logs`]);
  });

  test('but when both share the Condition', async () => {
    const t = accessLogs();
    t.Conditions = { IsProd: { 'Fn::Equals': ['a', 'b'] } };
    t.Resources.Data.Condition = 'IsProd';
    t.Resources.Logs.Condition = 'IsProd';
    expect(onLogs(await threeWays(t, KMS_ONLY))).toEqual([]);
  });

  test('a trail under a Condition does not make its bucket a trail-log bucket', async () => {
    const t = compliantKms();
    t.Conditions = { IsProd: { 'Fn::Equals': ['a', 'b'] } };
    t.Resources.Trail.Condition = 'IsProd';
    const f = await threeWays(t);
    // Held to what any bucket needs: an enforcement policy and an SSE-C block.
    expect(f.filter((x) => x.endsWith('@ TrailBucket'))).toEqual([`${P}S3EncryptionEnforcementPolicy @ TrailBucket`, `${P}S3SseCBlocked @ TrailBucket`]);
  });

  const inventory = (enabled: unknown, condition?: string) => {
    const enc = (a: string) => ({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: a } }] });
    return {
      Conditions: { IsProd: { 'Fn::Equals': ['a', 'b'] } },
      Resources: {
        Source: {
          Type: 'AWS::S3::Bucket',
          ...(condition ? { Condition: condition } : {}),
          Properties: {
            BucketEncryption: enc('aws:kms:dsse'),
            InventoryConfigurations: [{ Id: 'A', Enabled: enabled, IncludedObjectVersions: 'Current', ScheduleFrequency: 'Daily', Destination: { BucketArn: { 'Fn::GetAtt': ['Dest', 'Arn'] }, Format: 'CSV' } }],
          },
        },
        Dest: { Type: 'AWS::S3::Bucket', Properties: { BucketEncryption: enc('AES256') } },
      },
    };
  };
  const DSSE_ONLY: EnginePolicy = { ...DEFAULT_POLICY, allowedModes: [EncryptionModeKind.DSSE_KMS] };
  const destMode = (t: unknown) => templateFindings(t, DSSE_ONLY).filter((f) => f === `${P}S3DefaultEncryptionMode @ Dest`);

  test.each([
    ['Enabled: true', true, undefined, []],
    ['Enabled: "true"', 'true', undefined, []],
    ['Enabled: false', false, undefined, [`${P}S3DefaultEncryptionMode @ Dest`]],
    ['Enabled from a parameter', { Ref: 'P' }, undefined, [`${P}S3DefaultEncryptionMode @ Dest`]],
    ['Enabled: true, the source under a Condition', true, 'IsProd', [`${P}S3DefaultEncryptionMode @ Dest`]],
  ])('an inventory destination: %s', async (_n, enabled, condition, expected) => {
    const t = inventory(enabled, condition);
    expect(destMode(t)).toEqual(expected);
    if (typeof enabled === 'boolean') {
      const f = (await threeWays(t, ['--allowed-modes', 'DSSE-KMS'])).filter((x) => x === `${P}S3DefaultEncryptionMode @ Dest`);
      expect(f).toEqual(expected);
    }
  });
});

describe('every bucket type is judged or reported, never "0 buckets, compliant"', () => {
  test.each([
    ['AWS::S3Vectors::VectorBucket', /a vector bucket/],
    ['AWS::S3Outposts::Bucket', /an S3 on Outposts bucket/],
    ['AWS::S3Tables::TableBucket', /a table bucket/],
    ['AWS::S3Express::DirectoryBucket', /a directory bucket/],
    ['AWS::S3Future::ColdBucket', /a bucket of type AWS::S3Future::ColdBucket, which the engine does not know/],
  ])('%s', async (type, detail) => {
    const t = { Resources: { Only: { Type: type, Properties: {} } } };
    const f = (await threeWays(t)).filter((x) => x.includes('S3BucketTypeSupported'));
    expect(f).toEqual([`${P}S3BucketTypeSupported @ Only`]);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cw-')), 't.json');
    fs.writeFileSync(file, JSON.stringify(t));
    const r = await runCli(['check', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(detail);
    expect(r.stdout).toMatch(/\(1 bucket\(s\) checked\)\.\n$/);
  });

  test('a bucket policy or access point is not a bucket', () => {
    expect(packFindings(asApp({ Resources: { P: { Type: 'AWS::S3::BucketPolicy', Properties: { Bucket: 'x', PolicyDocument: {} } } } }))).toEqual([]);
  });
});

describe('a nested stack whose TemplateURL was overridden away from the asset CDK wrote', () => {
  function app(context: Record<string, unknown>, override: boolean) {
    const a = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cw-nested-')), context });
    const parent = new Stack(a, 'Parent');
    const child = new NestedStack(parent, 'Child');
    new SecureBucket(child, 'B', { mode: EncryptionMode.sseS3() });
    if (override) child.nestedStackResource!.addPropertyOverride('TemplateURL', 'https://example-bucket.s3.amazonaws.com/other.template.json');
    return a;
  }
  const nestedFindings = (f: string[]) => f.filter((x) => x.startsWith(`${P}S3NestedStackTemplate`));

  test.each([
    ['asset metadata on', { 'aws:cdk:enable-asset-metadata': true }],
    ['asset metadata off', { 'aws:cdk:enable-asset-metadata': false }],
  ])('is not proven through the pack and `check` on the assembly (%s)', async (_n, context) => {
    expect(nestedFindings(packFindings(app(context, false)))).toEqual([]);
    expect(await cliFindings(['check', app(context, false).synth().directory])).toEqual([]);

    const overridden = app(context, true);
    expect(nestedFindings(packFindings(overridden))).toEqual([expect.stringMatching(/^S3Encryption-S3NestedStackTemplate\[Unresolved\] @ /)]);
    const dir = overridden.synth().directory;
    expect(nestedFindings(await cliFindings(['check', dir]))).toEqual([expect.stringMatching(/^S3Encryption-S3NestedStackTemplate\[Unresolved\] @ /)]);
    const j = JSON.parse((await runCli(['check', dir, '--format', 'json'])).stdout);
    expect(j.compliant).toBe(false);
    if (context['aws:cdk:enable-asset-metadata']) {
      expect(j.findings[0].detail).toMatch(/^not proven: the deployed template is not the one checked: the nested stack's TemplateURL .*other\.template\.json was overridden/);
    }
  });
});
