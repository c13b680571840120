/**
 * `check` honours acknowledgements: those `Validations.of(scope).acknowledge`
 * records in a cloud assembly, and a file of them for raw templates. Each has
 * a reason; an acknowledged finding is reported apart (SARIF suppressions,
 * a count in the summary) and no longer fails the exit code.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Ajv04 from 'ajv-draft-04';
import { App, CfnStack, NestedStack, Stack, Validations } from 'aws-cdk-lib';
import * as s3express from 'aws-cdk-lib/aws-s3express';
import { parseAcknowledgements } from '../../src/check/acknowledgements';
import { FIXTURES, packFindings, runCli } from '../nag/helpers';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'acks-'));
const TYPE = 'S3Encryption-S3BucketTypeSupported';
const NESTED = 'S3Encryption-S3NestedStackTemplate[Unresolved]';

function sarifValidator() {
  const schema = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
  const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false });
  ajv.addFormat('uri', /^[a-z][a-z0-9+.-]*:[^\s]*$/i);
  ajv.addFormat('uri-reference', /^[^\s]*$/);
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
  return ajv.compile(JSON.parse(fs.readFileSync(schema, 'utf8')));
}

/** An app with two SSE-S3 directory buckets, A and B, in stack S. */
function directoryBuckets() {
  const app = new App({ outdir: tmp() });
  const stack = new Stack(app, 'S');
  const dir = (id: string) => new s3express.CfnDirectoryBucket(stack, id, {
    dataRedundancy: 'SingleAvailabilityZone',
    locationName: 'use1-az4--x-s3',
    bucketEncryption: { serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] },
  });
  return { app, stack, a: dir('A'), b: dir('B') };
}

describe('acknowledgements recorded in a cloud assembly', () => {
  test('a directory bucket makes `check` exit 1; acknowledged on it, 0, and reported apart in every format', async () => {
    const before = directoryBuckets();
    const r0 = await runCli(['check', before.app.synth().directory]);
    expect(r0.code).toBe(1);

    const { app, a, b } = directoryBuckets();
    const reason = 'Reviewed by security: only the analytics role writes, over the VPC endpoint.';
    Validations.of(a).acknowledge({ id: TYPE, reason });
    Validations.of(b).acknowledge({ id: TYPE, reason });
    expect(packFindings(app)).toEqual([]); // the pack (cdk-nag) honours the same acknowledgement
    const dir = app.synth().directory;

    const text = await runCli(['check', dir]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`  ~ S/A ${TYPE}: ${reason} (in the app at S/A (Validations.acknowledge))`);
    expect(text.stdout).toMatch(/✓ 1 template\(s\), 2 bucket\(s\) checked: compliant \(2 acknowledged finding\(s\)\)\.\n$/);

    const json = JSON.parse((await runCli(['check', dir, '--format', 'json'])).stdout);
    expect(json.compliant).toBe(true);
    expect(json.findings).toEqual([]);
    expect(json.acknowledged.map((x: any) => [x.logicalId, x.ruleId, x.reason, x.cdkPath])).toEqual([
      ['A', TYPE, reason, 'S/A'],
      ['B', TYPE, reason, 'S/B'],
    ]);

    const sarif = JSON.parse((await runCli(['check', dir, '--format', 'sarif'])).stdout);
    const validate = sarifValidator();
    expect(validate(sarif)).toBe(true);
    expect(sarif.runs[0].results.map((x: any) => [x.ruleId, x.suppressions])).toEqual([
      [TYPE, [{ kind: 'inSource', status: 'accepted', justification: reason, properties: { acknowledgedIn: 'in the app at S/A (Validations.acknowledge)' } }]],
      [TYPE, [{ kind: 'inSource', status: 'accepted', justification: reason, properties: { acknowledgedIn: 'in the app at S/B (Validations.acknowledge)' } }]],
    ]);

    const junit = (await runCli(['check', dir, '--format', 'junit'])).stdout;
    expect(junit).toContain('failures="0" skipped="2"');
    expect(junit).toContain(`<skipped message="acknowledged: ${reason}`);
  });

  test('an acknowledgement covers only its construct and what is below it', async () => {
    const { app, stack, a } = directoryBuckets();
    Validations.of(a).acknowledge({ id: TYPE, reason: 'reviewed' });
    const one = JSON.parse((await runCli(['check', app.synth().directory, '--format', 'json'])).stdout);
    expect(one.findings.map((f: any) => `${f.ruleId} @ ${f.logicalId}`)).toEqual([`${TYPE} @ B`]);
    expect(one.acknowledged).toHaveLength(1);

    const whole = directoryBuckets();
    Validations.of(whole.stack).acknowledge({ id: TYPE, reason: 'every directory bucket of this stack was reviewed' });
    expect((await runCli(['check', whole.app.synth().directory])).code).toBe(0);
    expect(stack.node.path).toBe('S');
  });

  test('another rule id, or the same id without [Unresolved] for an UNKNOWN finding, does not acknowledge', async () => {
    const { app, a, b } = directoryBuckets();
    Validations.of(a).acknowledge({ id: 'S3Encryption-S3TlsOnly', reason: 'not this rule' });
    Validations.of(b).acknowledge({ id: `${TYPE}[Unresolved]`, reason: 'the finding is not UNKNOWN' });
    const r = JSON.parse((await runCli(['check', app.synth().directory, '--format', 'json'])).stdout);
    expect(r.findings).toHaveLength(2);
    expect(r.acknowledged).toEqual([]);
  });

  test('in a NestedStack: the acknowledgement reaches the resource of the nested template, and only it', async () => {
    const build = (ack: boolean) => {
      const app = new App({ outdir: tmp() });
      const parent = new Stack(app, 'P');
      const child = new NestedStack(parent, 'Child');
      const props = {
        dataRedundancy: 'SingleAvailabilityZone',
        locationName: 'use1-az4--x-s3',
        bucketEncryption: { serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] },
      };
      const inner = new s3express.CfnDirectoryBucket(child, 'Dir', props);
      inner.overrideLogicalId('Dir');
      new s3express.CfnDirectoryBucket(parent, 'Dir', props).overrideLogicalId('Dir'); // same logical id in the parent
      if (ack) Validations.of(inner).acknowledge({ id: TYPE, reason: 'the nested one was reviewed' });
      return app;
    };
    expect(JSON.parse((await runCli(['check', build(false).synth().directory, '--format', 'json'])).stdout).findings).toHaveLength(2);
    const j = JSON.parse((await runCli(['check', build(true).synth().directory, '--format', 'json'])).stdout);
    expect(j.findings.map((f: any) => `${f.stack} ${f.logicalId} ${f.cdkPath}`)).toEqual(['P Dir P/Dir']);
    expect(j.acknowledged.map((f: any) => `${f.stack} ${f.logicalId} ${f.cdkPath}`)).toEqual(['P/Child Dir P/Child/Dir']);
  });

  test('an S3-only nested template (CfnStack) acknowledged on the stack resource', async () => {
    const build = () => {
      const app = new App({ outdir: tmp() });
      const child = new CfnStack(new Stack(app, 'P'), 'Child', { templateUrl: 'https://s3.amazonaws.com/example-templates/child.template.json' });
      return { app, child };
    };
    expect((await runCli(['check', build().app.synth().directory])).code).toBe(1);
    const { app, child } = build();
    Validations.of(child).acknowledge({ id: NESTED, reason: 'child.template.json is checked in its own pipeline' });
    const r = await runCli(['check', app.synth().directory]);
    expect([r.code, r.stdout]).toEqual([0, expect.stringContaining('compliant (1 acknowledged finding(s))')]);
  });
});

describe('an acknowledgements file for raw templates', () => {
  const nested = path.join(FIXTURES, 'nested-stack-external.json');
  function ackFile(content: unknown, ext = 'json'): string {
    const f = path.join(tmp(), `acks.${ext}`);
    fs.writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content));
    return f;
  }

  test('an S3-only nested template: exit 1, then 0 with the acknowledgement (JSON or YAML)', async () => {
    expect((await runCli(['check', nested])).code).toBe(1);
    const json = ackFile({ acknowledgements: [{ id: NESTED, resource: 'Child', reason: 'Checked in the child pipeline.' }] });
    const r = await runCli(['check', nested, '--acknowledgements', json]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`~ nested-stack-external/Child ${'S3Encryption-S3NestedStackTemplate'} [Unresolved]: Checked in the child pipeline. (${json})`);
    const yaml = ackFile([
      'acknowledgements:',
      `  - id: ${NESTED}`,
      '    resource: nested-stack-external/Child',
      '    reason: Checked in the child pipeline.',
    ].join('\n'), 'yaml');
    expect((await runCli(['check', nested, '--acknowledgements', yaml])).code).toBe(0);
    const sarif = JSON.parse((await runCli(['check', nested, '--acknowledgements', yaml, '--format', 'sarif'])).stdout);
    expect(sarif.runs[0].results[0].suppressions).toEqual([{ kind: 'external', status: 'accepted', justification: 'Checked in the child pipeline.', properties: { acknowledgedIn: yaml } }]);
  });

  test('an acknowledgement of another resource does not apply', async () => {
    const f = ackFile({ acknowledgements: [{ id: NESTED, resource: 'Other', reason: 'x' }] });
    expect((await runCli(['check', nested, '--acknowledgements', f])).code).toBe(1);
  });

  test.each([
    ['no reason', { acknowledgements: [{ id: NESTED, resource: 'Child' }] }, /entry 1: reason is required/],
    ['an empty reason', { acknowledgements: [{ id: NESTED, resource: 'Child', reason: ' ' }] }, /entry 1: reason is required/],
    ['no id', { acknowledgements: [{ resource: 'Child', reason: 'x' }] }, /entry 1: id is required/],
    ['neither resource nor path', { acknowledgements: [{ id: NESTED, reason: 'x' }] }, /exactly one of resource/],
    ['an unknown field', { acknowledgements: [{ id: NESTED, resource: 'Child', reason: 'x', until: '2027' }] }, /unknown field\(s\) until/],
    ['no list', { id: NESTED }, /expected an object with an 'acknowledgements' list/],
  ])('%s is bad input (exit 2)', async (_n, content, message) => {
    const r = await runCli(['check', nested, '--acknowledgements', ackFile(content)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  test('a path entry covers a CDK construct and what is below it', () => {
    const [ack] = parseAcknowledgements('f.yaml', 'acknowledgements:\n  - id: X\n    path: /S/Dir\n    reason: r\n');
    expect(ack).toEqual({ id: 'X', reason: 'r', path: 'S/Dir', resource: undefined, source: 'f.yaml', kind: 'external' });
  });
});
