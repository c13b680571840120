/**
 * Soundness of the template-level closed world, as properties over generated
 * templates (fast-check). The oracle is the generator's own record of what it
 * did, decided from the CloudFormation semantics stated beside each case, not
 * from the engine:
 *
 * - Template features: a compliant template with understood, inert additions
 *   stays compliant; once any feature the deployed template would be rewritten
 *   by (a Transform, Fn::Transform, a module, SAM, a StackSet body) or that the
 *   engine does not know (a section, attribute or intrinsic) is added, the
 *   bucket is never compliant, and S3TemplateUnderstood says why.
 * - Roles: a bucket is exempted as an access-log, CloudTrail or inventory
 *   destination only when the resource granting the role certainly exists
 *   with it: it has no Condition, or the bucket's own, and (inventory) it is
 *   enabled with the boolean true.
 *
 * Mutations never overwrite each other (each writes its own property or
 * appends), so the record of what was added stays true.
 *
 * CI runs TEMPLATE_SOUNDNESS_RUNS (default 200) cases per property; set it higher to search longer.
 */
import * as fc from 'fast-check';
import { compliantKms } from './closed-world-helpers';
import { templateFindings } from './helpers';
import { EncryptionModeKind } from '../../src';
import { DEFAULT_POLICY, EnginePolicy } from '../../src/nag/engine/policy';

const RUNS = Number(process.env.TEMPLATE_SOUNDNESS_RUNS ?? 200);
const P = 'S3Encryption-';
const UNDERSTOOD = `${P}S3TemplateUnderstood`;
const RESOURCE_IDS = ['Key', 'Data', 'DataPolicy', 'TrailBucket', 'TrailBucketPolicy', 'Trail'];

type Mutation = { readonly understood: boolean; readonly label: string; readonly apply: (t: any) => void };

/** Additions CloudFormation deploys without changing any resource's configuration. */
const inert: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constantFrom(...RESOURCE_IDS).map((id) => ({ understood: true, label: `Metadata on ${id}`, apply: (t: any) => { t.Resources[id].Metadata = { note: 'x' }; } })),
  fc.constantFrom(...RESOURCE_IDS).map((id) => ({ understood: true, label: `DeletionPolicy on ${id}`, apply: (t: any) => { t.Resources[id].DeletionPolicy = 'Retain'; } })),
  fc.tuple(fc.constantFrom('Data', 'TrailBucket'), fc.constantFrom('Key', 'Trail')).map(([id, on]) => ({
    understood: true, label: `${id} DependsOn ${on}`, apply: (t: any) => { t.Resources[id].DependsOn = on; },
  })),
  fc.constantFrom<[string, unknown]>(
    ['Description', 'a stack'],
    ['AWSTemplateFormatVersion', '2010-09-09'],
    ['Parameters', { Stage: { Type: 'String', Default: 'prod' } }],
    ['Mappings', { M: { a: { b: 'c' } } }],
    ['Outputs', { BucketName: { Value: { Ref: 'Data' }, Export: { Name: 'data-bucket' } } }],
    ['Metadata', { 'AWS::CloudFormation::Interface': {} }],
  ).map(([section, value]) => ({ understood: true, label: `section ${section}`, apply: (t: any) => { t[section] = value; } })),
  fc.tuple(fc.constantFrom('Data', 'TrailBucket'), fc.constantFrom<unknown>({ 'Fn::Sub': 'team-${AWS::Region}' }, { 'Fn::Join': ['-', ['a', { Ref: 'AWS::AccountId' }]] }, 'plain'))
    .map(([id, value]) => ({ understood: true, label: `a tag on ${id}`, apply: (t: any) => { (t.Resources[id].Properties.Tags ??= []).push({ Key: 'team', Value: value }); } })),
);

/** Features that make the deployed template differ from the checked text, or that the engine does not know. */
const notUnderstood: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constantFrom('MyMacro', 'AWS::LanguageExtensions', 'AWS::Include', 'AWS::Serverless-2016-10-31')
    .map((name) => ({ understood: false, label: `Transform ${name}`, apply: (t: any) => { t.Transform = name; } })),
  fc.constantFrom(...RESOURCE_IDS).map((id) => ({
    understood: false, label: `Fn::Transform in ${id}`, apply: (t: any) => { t.Resources[id].Properties.Notes = { 'Fn::Transform': { Name: 'AddNotes' } }; },
  })),
  fc.constant({ understood: false, label: 'a module', apply: (t: any) => { t.Resources.Mod = { Type: 'Org::Storage::Policy::MODULE', Properties: { Bucket: { Ref: 'Data' } } }; } }),
  fc.constant({ understood: false, label: 'a SAM application', apply: (t: any) => { t.Resources.App = { Type: 'AWS::Serverless::Application', Properties: { Location: 'https://example.com/a.yaml' } }; } }),
  fc.constant({
    understood: false,
    label: 'a StackSet body',
    apply: (t: any) => { t.Resources.Set = { Type: 'AWS::CloudFormation::StackSet', Properties: { StackSetName: 's', PermissionModel: 'SELF_MANAGED', TemplateBody: '{}' } }; },
  }),
  fc.constantFrom('Hooks', 'Globals', 'Macros').map((section) => ({ understood: false, label: `section ${section}`, apply: (t: any) => { t[section] = {}; } })),
  fc.constantFrom(...RESOURCE_IDS).map((id) => ({ understood: false, label: `attribute Foo on ${id}`, apply: (t: any) => { t.Resources[id].Foo = 1; } })),
  fc.tuple(fc.constantFrom(...RESOURCE_IDS), fc.constantFrom('Fn::Length', 'Fn::ToJsonString', 'Fn::Whatever')).map(([id, fn]) => ({
    understood: false, label: `${fn} in ${id}`, apply: (t: any) => { t.Resources[id].Properties.Label = { [fn]: ['a'] }; },
  })),
);

test('understood additions keep a compliant template compliant; any feature outside the list makes it not proven', () => {
  let seenUnderstood = 0;
  let seenNot = 0;
  fc.assert(fc.property(fc.array(fc.oneof(inert, inert, notUnderstood), { minLength: 0, maxLength: 4 }), (mutations) => {
    const t = compliantKms();
    for (const m of mutations) m.apply(t);
    const onData = templateFindings(t).filter((f) => f.endsWith('@ Data'));
    const anyUnknown = mutations.some((m) => !m.understood);
    if (anyUnknown) {
      seenNot++;
      // Never compliant, and the closed-world rule is among the reasons.
      expect(onData.map((f) => f.replace('[Unresolved]', ''))).toContain(`${UNDERSTOOD} @ Data`);
    } else {
      seenUnderstood++;
      expect(onData).toEqual([]);
    }
  }), { numRuns: RUNS });
  expect(seenUnderstood).toBeGreaterThan(0);
  expect(seenNot).toBeGreaterThan(0);
});

/** The Condition a resource may carry: none, or one of two named conditions that can each be false. */
const condition = fc.constantFrom<string | undefined>(undefined, 'IsProd', 'IsDev');
const CONDITIONS = { IsProd: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] }, IsDev: { 'Fn::Equals': [{ Ref: 'Stage' }, 'dev'] } };
const PARAMETERS = { Stage: { Type: 'String' } };

/** CloudFormation: the granting resource exists whenever the bucket does only when it has no Condition or the same one. */
const certainWith = (granting: string | undefined, bucket: string | undefined) => granting === undefined || granting === bucket;
const withCondition = (r: any, c: string | undefined) => { if (c !== undefined) r.Condition = c; };

test('an access-log destination is exempt only when the logging bucket certainly exists with it', () => {
  const KMS_ONLY: EnginePolicy = { ...DEFAULT_POLICY, allowedModes: [EncryptionModeKind.SSE_KMS] };
  fc.assert(fc.property(condition, condition, (source, logs) => {
    const t = compliantKms();
    t.Parameters = PARAMETERS;
    t.Conditions = CONDITIONS;
    // Logs is SSE-S3 with no policy: outside an SSE-KMS-only policy unless it is an access-log destination.
    t.Resources.Logs = { Type: 'AWS::S3::Bucket', Properties: { BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } } };
    withCondition(t.Resources.Logs, logs);
    t.Resources.Data.Properties.LoggingConfiguration = { DestinationBucketName: { Ref: 'Logs' } };
    for (const id of ['Data', 'DataPolicy', 'Key']) withCondition(t.Resources[id], source);
    const exempt = certainWith(source, logs);
    const modeFindings = templateFindings(t, KMS_ONLY).filter((f) => f.endsWith('@ Logs') && /DefaultEncryptionMode|EncryptionEnforcementPolicy/.test(f));
    expect(modeFindings.length === 0).toBe(exempt);
  }), { numRuns: Math.min(RUNS, 50) });
});

test('a trail makes its bucket a trail-log bucket only when the trail certainly exists with it', () => {
  fc.assert(fc.property(condition, condition, (trail, bucket) => {
    const t = compliantKms();
    t.Parameters = PARAMETERS;
    t.Conditions = CONDITIONS;
    withCondition(t.Resources.Trail, trail);
    for (const id of ['TrailBucket', 'TrailBucketPolicy']) withCondition(t.Resources[id], bucket);
    const onTrailBucket = templateFindings(t).filter((f) => f.endsWith('@ TrailBucket'));
    expect(onTrailBucket.length === 0).toBe(certainWith(trail, bucket));
  }), { numRuns: Math.min(RUNS, 50) });
});

test('an inventory destination is exempt only when the inventory is enabled (true) and certainly exists with it', () => {
  const DSSE_ONLY: EnginePolicy = { ...DEFAULT_POLICY, allowedModes: [EncryptionModeKind.DSSE_KMS] };
  const enc = (a: string) => ({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: a } }] });
  const enabledValue = fc.constantFrom<{ v: unknown; on: boolean }>(
    { v: true, on: true }, { v: 'true', on: true }, { v: false, on: false }, { v: 'false', on: false },
    { v: { Ref: 'Stage' }, on: false }, { v: undefined, on: false },
  );
  fc.assert(fc.property(enabledValue, condition, condition, (enabled, source, dest) => {
    const configuration: Record<string, unknown> = {
      Id: 'A', IncludedObjectVersions: 'Current', ScheduleFrequency: 'Daily', Destination: { BucketArn: { 'Fn::GetAtt': ['Dest', 'Arn'] }, Format: 'CSV' },
    };
    if (enabled.v !== undefined) configuration.Enabled = enabled.v;
    const t: any = {
      Parameters: PARAMETERS,
      Conditions: CONDITIONS,
      Resources: {
        Source: { Type: 'AWS::S3::Bucket', Properties: { BucketEncryption: enc('aws:kms:dsse'), InventoryConfigurations: [configuration] } },
        Dest: { Type: 'AWS::S3::Bucket', Properties: { BucketEncryption: enc('AES256') } },
      },
    };
    withCondition(t.Resources.Source, source);
    withCondition(t.Resources.Dest, dest);
    const exempt = enabled.on && certainWith(source, dest);
    const destMode = templateFindings(t, DSSE_ONLY).filter((f) => f === `${P}S3DefaultEncryptionMode @ Dest`);
    expect(destMode.length === 0).toBe(exempt);
  }), { numRuns: Math.min(RUNS, 100) });
});
