import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Ajv04 from 'ajv-draft-04';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { EncryptionMode, EncryptionModeKind, SecureBucket } from '../../src';
import { S3EncryptionChecks } from '../../src/nag';
import { FIXTURES, runCli } from '../nag/helpers';

/** The official SARIF 2.1.0 (rtm.5) JSON schema, as shipped by @microsoft/jest-sarif. */
const SARIF_SCHEMA = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');

/**
 * A validator for the official schema (draft-04; formats checked loosely but not ignored).
 * `unicodeRegExp: false`: the schema's `language` pattern has a lone `]`, valid only without the `u` flag.
 */
function sarifValidator() {
  const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false });
  ajv.addFormat('uri', /^[a-z][a-z0-9+.-]*:[^\s]*$/i);
  ajv.addFormat('uri-reference', /^[^\s]*$/);
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
  return ajv.compile(JSON.parse(fs.readFileSync(SARIF_SCHEMA, 'utf8')));
}

const fixture = (name: string) => path.join(FIXTURES, name);
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'check-'));

describe('exit codes', () => {
  test('0 when compliant, with a one-line summary', async () => {
    const r = await runCli(['check', fixture('compliant-sse-kms.json'), fixture('compliant-sse-s3.yaml')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^✓ 2 template\(s\), 3 bucket\(s\) checked: compliant\.\n$/);
  });

  test('1 on findings', async () => {
    expect((await runCli(['check', fixture('noncompliant-S3TlsOnly.json')])).code).toBe(1);
  });

  test('1 when the policy excludes a mode (flags or a policy file)', async () => {
    expect((await runCli(['check', fixture('compliant-sse-c.json'), '--allowed-modes', 'SSE-KMS,DSSE-KMS'])).code).toBe(1);
    expect((await runCli(['check', fixture('compliant-sse-c.json'), '--allowed-modes=sse_c'])).code).toBe(0);
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'policy.json'), JSON.stringify({ allowedModes: ['SSE_KMS'], allowedKmsKeyArns: ['arn:aws:kms:us-east-1:111122223333:key/x'] }));
    const r = await runCli(['check', fixture('compliant-sse-kms.json'), '--policy', path.join(dir, 'policy.json')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('the policy allows only arn:aws:kms:us-east-1:111122223333:key/x');
  });

  test.each([
    [['check', '/nonexistent/t.json'], /\/nonexistent\/t.json: cannot read \(ENOENT\)/],
    [['check', SARIF_SCHEMA], /not a CloudFormation template \(no Resources section\)/],
    [['check', fixture('compliant-sse-c.json'), '--bogus'], /unknown option '--bogus'/],
    [['check', fixture('compliant-sse-c.json'), '--format', 'xml'], /--format: unknown format 'xml'/],
    [['check', fixture('compliant-sse-c.json'), '--allowed-modes', 'AES'], /unknown encryption mode 'AES'/],
    [['check', fixture('compliant-sse-c.json'), '--policy', '/nonexistent/p.json'], /--policy \/nonexistent\/p.json: cannot read/],
    [['check'], /no input/],
    [['verify', 'x'], /unknown command 'verify'/],
    [['check', __dirname], /not a cloud assembly \(no manifest.json\)/],
  ])('2 on bad input: %j', async (argv, message) => {
    const r = await runCli(argv as string[]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message as RegExp);
  });

  test('2 on a broken template file and a bad policy file', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'broken.json'), '{ "Resources": ');
    fs.writeFileSync(path.join(dir, 'broken.yaml'), 'Resources:\n  - a\n b: [');
    fs.writeFileSync(path.join(dir, 'policy.json'), JSON.stringify({ allowedMode: ['SSE_KMS'] }));
    expect((await runCli(['check', path.join(dir, 'broken.json')])).stderr).toMatch(/broken.json: not valid JSON/);
    expect((await runCli(['check', path.join(dir, 'broken.yaml')])).stderr).toMatch(/broken.yaml: not valid YAML/);
    const r = await runCli(['check', fixture('compliant-sse-c.json'), '--policy', path.join(dir, 'policy.json')]);
    expect([r.code, r.stderr]).toEqual([2, expect.stringMatching(/unknown policy field\(s\) allowedMode/)]);
  });

  test('--help prints usage and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: cdk-secure-bucket check');
  });
});

describe('formats', () => {
  const inputs = () => ['check', fixture('noncompliant-S3KmsKeyRotation.json'), fixture('noncompliant-S3TlsOnly.yaml'), fixture('compliant-sse-c.json')];

  test('text: grouped by stack and resource, with the fix', async () => {
    const r = await runCli(inputs());
    expect(r.code).toBe(1);
    expect(r.stdout).toContain([
      `noncompliant-S3KmsKeyRotation  (${fixture('noncompliant-S3KmsKeyRotation.json')})`,
      '  Data (AWS::S3::Bucket)',
      '    ✗ S3Encryption-S3KmsKeyRotation: The KMS key of the S3 bucket does not rotate automatically.',
      '      the key Key does not have EnableKeyRotation: true',
      '      Fix: Set EnableKeyRotation: true',
    ].join('\n'));
    expect(r.stdout).toContain('noncompliant-S3TlsOnly  (');
    expect(r.stdout).not.toContain('compliant-sse-c  (');
    expect(r.stdout).toMatch(/✗ 2 finding\(s\) on 2 resource\(s\) in 2 of 3 template\(s\) \(4 bucket\(s\) checked\)\.\n$/);
  });

  test('text: an unresolved value is marked as such', async () => {
    const r = await runCli(['check', fixture('unresolved.json')]);
    expect(r.stdout).toContain('✗ S3Encryption-S3KmsKeyRotation [Unresolved]');
    expect(r.stdout).toContain('cannot resolve: the KMS key {"Fn::ImportValue":"shared-key-arn"}');
  });

  test('json', async () => {
    const r = await runCli([...inputs(), '--format', 'json']);
    const j = JSON.parse(r.stdout);
    expect(j.compliant).toBe(false);
    expect(j.templates).toHaveLength(3);
    expect(j.findings.map((f: any) => [f.stack, f.logicalId, f.ruleId, f.status])).toEqual([
      ['noncompliant-S3KmsKeyRotation', 'Data', 'S3Encryption-S3KmsKeyRotation', 'NON_COMPLIANT'],
      ['noncompliant-S3TlsOnly', 'Data', 'S3Encryption-S3TlsOnly', 'NON_COMPLIANT'],
    ]);
    expect(j.findings[0].fix).toMatch(/^Set EnableKeyRotation: true/);
  });

  test('sarif: valid SARIF 2.1.0, one result per finding, located in the template', async () => {
    const r = await runCli([...inputs(), '--format', 'sarif']);
    const sarif = JSON.parse(r.stdout);
    const validate = sarifValidator();
    expect(validate(sarif) ? [] : validate.errors).toEqual([]);
    expect(sarif.runs[0].tool.driver.rules.map((x: any) => x.id)).toEqual(S3EncryptionChecks.RULE_IDS);
    const [first] = sarif.runs[0].results;
    expect(first.ruleId).toBe('S3Encryption-S3KmsKeyRotation');
    expect(sarif.runs[0].tool.driver.rules[first.ruleIndex].id).toBe(first.ruleId);
    expect(first.locations[0].physicalLocation.artifactLocation.uri).toBe('test/fixtures/templates/noncompliant-S3KmsKeyRotation.json');
    const line = fs.readFileSync(fixture('noncompliant-S3KmsKeyRotation.json'), 'utf8').split('\n').findIndex((l) => l.includes('"Data":')) + 1;
    expect(first.locations[0].physicalLocation.region.startLine).toBe(line);
    expect(sarif.runs[0].results).toHaveLength(2);
  });

  test('sarif: a non-conforming document fails the schema (the schema is not vacuous)', () => {
    const validate = sarifValidator();
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: {} } }] })).toBe(false);
    expect(validate({ version: '2.0.0', runs: [] })).toBe(false);
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, level: 'fatal' }] }] })).toBe(false);
  });

  test('junit: a suite per template, a case per (bucket, rule), failures with the fix', async () => {
    const r = await runCli([...inputs(), '--format', 'junit']);
    const out = r.stdout;
    expect(out).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="cdk-secure-bucket check" tests="\d+" failures="2">/);
    expect(out.match(/<testsuite /g)).toHaveLength(3);
    expect(out.match(/<failure /g)).toHaveLength(2);
    expect(out).toContain('<testcase classname="noncompliant-S3KmsKeyRotation" name="Data S3Encryption-S3KmsKeyRotation">');
    expect(out).toContain('<failure type="NON_COMPLIANT" message="The KMS key of the S3 bucket does not rotate automatically. The key Key does not have EnableKeyRotation: true.">Fix: Set EnableKeyRotation: true');
    expect(out.match(/<testcase /g)!.length).toBe(Number(/tests="(\d+)"/.exec(out)![1]));
    expect(out).not.toMatch(/&(?!(lt|gt|amp|quot|apos);)/);
  });

  test('--output writes the report to a file', async () => {
    const file = path.join(tmp(), 'report.sarif');
    const r = await runCli([...inputs(), '--format', 'sarif', '--output', file]);
    expect([r.code, r.stdout]).toEqual([1, '']);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).version).toBe('2.1.0');
  });
});

describe('cloud assemblies', () => {
  test('reads nested assemblies (stages)', async () => {
    const app = new App({ outdir: tmp() });
    const { Stage } = jest.requireActual('aws-cdk-lib');
    const stage = new Stage(app, 'Prod');
    new SecureBucket(new Stack(stage, 'Data'), 'B', { mode: EncryptionMode.sseKms() });
    new SecureBucket(new Stack(app, 'Top'), 'B', { mode: EncryptionMode.sseS3() });
    const dir = app.synth().directory;
    const r = await runCli(['check', dir, '--format', 'json', '--allowed-modes', 'SSE-KMS']);
    const j = JSON.parse(r.stdout);
    expect(j.templates.map((t: any) => t.stack).sort()).toEqual(['Prod/Data', 'Top']);
    expect(j.findings.map((f: any) => `${f.stack} ${f.ruleId}`)).toEqual(['Top S3Encryption-S3DefaultEncryptionMode']);
  });

  test('a cdk.out of 100 stacks is checked', async () => {
    const app = new App({ outdir: tmp() });
    const modes = [EncryptionMode.sseS3, EncryptionMode.sseKms, EncryptionMode.dsseKms, EncryptionMode.sseC];
    for (let i = 0; i < 100; i++) {
      const stack = new Stack(app, `Stack${i}`);
      for (let j = 0; j < 4; j++) new SecureBucket(stack, `B${j}`, { mode: modes[(i + j) % 4]() });
    }
    const dir = app.synth().directory;
    const started = Date.now();
    const r = await runCli(['check', dir, '--format', 'json']);
    const elapsed = Date.now() - started;
    const j = JSON.parse(r.stdout);
    expect(r.code).toBe(0);
    expect(j.templates).toHaveLength(100);
    process.stderr.write(`100-stack cdk.out (${j.templates.reduce((n: number, t: any) => n + t.results, 0)} rule results) checked in ${elapsed} ms\n`);
    // Synthesizing 100 stacks and running the CLI takes ~6 s here: jest's 5 s default would fail it on a slower machine.
  }, 60_000);
});

test('the pack works as a policy-validation plugin during synth', () => {
  const app = new App({ outdir: tmp() });
  new SecureBucket(new Stack(app, 'S'), 'B', { mode: EncryptionMode.sseC() });
  Validations.of(app).addPlugins(new S3EncryptionChecks(app, { allowedModes: [EncryptionModeKind.SSE_KMS] }));
  const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  const exitCode = process.exitCode;
  try {
    app.synth();
    const printed = spy.mock.calls.flat().join('\n');
    expect(printed).toContain('S3Encryption-S3DefaultEncryptionMode');
    expect(printed).toContain('Validation failed');
    expect(process.exitCode).toBe(1);
  } finally {
    process.exitCode = exitCode;
    spy.mockRestore();
  }
});
