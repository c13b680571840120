import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Ajv04 from 'ajv-draft-04';
import { App, NestedStack, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { EncryptionMode, EncryptionModeKind, SecureBucket } from '../../src';
import { CliIo } from '../../src/cli/cli-io';
import { main } from '../../src/cli/main';
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
const PACKAGE = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));

/** Runs the command with `chunks` on its standard input. */
async function runWithStdin(argv: string[], chunks: Array<string | Buffer>) {
  let stdout = '';
  let stderr = '';
  const stdin = (async function* () { yield* chunks; })();
  const io: CliIo = { stdout: { write: (s: string) => { stdout += s; } }, stderr: { write: (s: string) => { stderr += s; } }, stdin };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

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

  test('--output writes the report to a file and prints the one-line summary', async () => {
    const file = path.join(tmp(), 'report.sarif');
    const r = await runCli([...inputs(), '--format', 'sarif', '--output', file]);
    expect([r.code, r.stdout]).toEqual([1, `✗ 2 finding(s) on 2 resource(s) in 2 of 3 template(s) (4 bucket(s) checked). Report: ${file}\n`]);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).version).toBe('2.1.0');
    const ok = await runCli(['check', fixture('compliant-sse-c.json'), '--output', path.join(tmp(), 'report.txt')]);
    expect(ok.stdout).toMatch(/^✓ 1 template\(s\), 1 bucket\(s\) checked: compliant\. Report: .*report\.txt\n$/);
  });

  test('sarif: the tool version, an informationUri and a helpUri per rule, each pointing at an anchor of docs/compliance.md', async () => {
    const sarif = JSON.parse((await runCli([...inputs(), '--format', 'sarif'])).stdout);
    const driver = sarif.runs[0].tool.driver;
    expect(driver.version).toBe(PACKAGE.version);
    expect(driver.semanticVersion).toBe(PACKAGE.version);
    const home = `${PACKAGE.repository.url.replace(/^git\+/, '').replace(/\.git$/, '')}/blob/main/docs/compliance.md`;
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'compliance.md'), 'utf8');
    const headingSlugs = readme.split('\n').filter((l) => /^#+ /.test(l))
      .map((l) => l.replace(/^#+ /, '').toLowerCase().replace(/[^a-z0-9 _-]/g, '').replace(/ /g, '-'));
    const [infoBase, infoAnchor] = driver.informationUri.split('#');
    expect(infoBase).toBe(home);
    expect(headingSlugs).toContain(infoAnchor);
    for (const rule of driver.rules) {
      const [base, anchor] = rule.helpUri.split('#');
      expect([rule.id, base]).toEqual([rule.id, home]);
      expect(readme).toContain(`<a id="${anchor}"></a>\`${rule.id}\``);
    }
    expect(new Set(driver.rules.map((r: any) => r.helpUri)).size).toBe(driver.rules.length);
  });

  test('a policy-evaluation detail reads in one line, with no placeholder key ARN', async () => {
    const r = await runCli(['check', fixture('noncompliant-S3EncryptionEnforcementPolicy.json'), '--format', 'json']);
    const [finding] = JSON.parse(r.stdout).findings;
    expect(finding.ruleId).toBe('S3Encryption-S3EncryptionEnforcementPolicy');
    expect(finding.detail).toBe('the bucket policy does not deny: an SSE-KMS upload naming another KMS key; an UpdateObjectEncryption to SSE-KMS naming another KMS key (SSE-KMS mode)');
    const text = (await runCli(['check', fixture('noncompliant-S3EncryptionEnforcementPolicy.json')])).stdout;
    expect(text).not.toMatch(/arn:aws:kms:[^ ]*:key\/0000|x-amz-server-side-encryption-aws-kms-key-id=/);
  });
});

describe('command line', () => {
  test('--version prints the package version, alone or after check', async () => {
    expect(await runCli(['--version'])).toEqual({ code: 0, stdout: `${PACKAGE.version}\n`, stderr: '' });
    expect(await runCli(['check', '--version'])).toEqual({ code: 0, stdout: `${PACKAGE.version}\n`, stderr: '' });
  });

  test('- reads a template from stdin', async () => {
    const text = fs.readFileSync(fixture('noncompliant-S3TlsOnly.yaml'), 'utf8');
    const r = await runWithStdin(['check', '-', '--format', 'json'], [text.slice(0, 40), Buffer.from(text.slice(40))]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.templates.map((t: any) => [t.stack, t.file])).toEqual([['stdin', '-']]);
    expect(j.findings.map((f: any) => `${f.ruleId} @ ${f.logicalId}`)).toEqual(['S3Encryption-S3TlsOnly @ Data']);
    const sarif = JSON.parse((await runWithStdin(['check', '-', '--format', 'sarif'], [text])).stdout);
    const validate = sarifValidator();
    expect(validate(sarif) ? [] : validate.errors).toEqual([]);
  });

  test.each([
    [['check', '-'], [''], /stdin: not a CloudFormation template/],
    [['check', '-', '-'], ['{}'], /'-' \(standard input\) can be given only once/],
  ])('stdin, bad input: %j', async (argv, chunks, message) => {
    const r = await runWithStdin(argv, chunks);
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toMatch(message);
  });

  test.each([
    '--no-exempt-log-buckets=false', '--help=yes', '--version=1',
  ])('%s: a flag given a value is an error, not a path (exit 2)', async (flag) => {
    const r = await runCli(['check', fixture('compliant-sse-c.json'), flag]);
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toBe(`cdk-secure-bucket: ${flag.split('=')[0]} takes no value (got '${flag}')\n`);
  });
});

describe('cloud assemblies', () => {
  /** Parent: a SecureBucket, and a NestedStack Child with a bare CfnBucket and a NestedStack Grand with another. */
  function nestedApp(context: Record<string, unknown> = {}) {
    const app = new App({ outdir: tmp(), context });
    const parent = new Stack(app, 'Parent');
    new SecureBucket(parent, 'Top', { mode: EncryptionMode.sseKms() });
    const child = new NestedStack(parent, 'Child');
    new s3.CfnBucket(child, 'Bare');
    new s3.CfnBucket(new NestedStack(child, 'Grand'), 'Bare2');
    return { app, child };
  }

  test.each([
    ['asset metadata on, as `cdk synth` writes it', { 'aws:cdk:enable-asset-metadata': true }],
    ['asset metadata off: found through the asset manifest', { 'aws:cdk:enable-asset-metadata': false }],
  ])('follows nested stacks into their templates (%s)', async (_, context) => {
    const dir = nestedApp(context).app.synth().directory;
    const parent = JSON.parse(fs.readFileSync(path.join(dir, 'Parent.template.json'), 'utf8'));
    const stackResource = Object.values(parent.Resources).find((r: any) => r.Type === 'AWS::CloudFormation::Stack') as any;
    expect(stackResource.Metadata?.['aws:asset:path'] !== undefined).toBe(context['aws:cdk:enable-asset-metadata']);
    const r = await runCli(['check', dir, '--format', 'json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.templates.map((t: any) => t.stack)).toEqual(['Parent', 'Parent/Child', 'Parent/Child/Grand']);
    expect(j.findings.map((f: any) => `${f.stack} ${f.logicalId} ${f.ruleId}`)).toEqual([
      'Parent/Child Bare S3Encryption-S3DefaultEncryptionMode',
      'Parent/Child Bare S3Encryption-S3TlsOnly',
      'Parent/Child/Grand Bare2 S3Encryption-S3DefaultEncryptionMode',
      'Parent/Child/Grand Bare2 S3Encryption-S3TlsOnly',
    ]);
    // Top, its access-log, trail log and inventory buckets, Bare, Bare2:
    expect((await runCli(['check', dir])).stdout).toMatch(/\(6 bucket\(s\) checked\)\.\n$/);
    // A parent template from cdk.out given as a file: its nested templates are looked up beside it.
    const file = await runCli(['check', path.join(dir, 'Parent.template.json'), '--format', 'json']);
    expect(JSON.parse(file.stdout).findings).toHaveLength(4);
  });

  test('a compliant bucket in a nested stack passes, and is counted', async () => {
    const app = new App({ outdir: tmp() });
    new SecureBucket(new NestedStack(new Stack(app, 'Parent'), 'Child'), 'B', { mode: EncryptionMode.sseKms() });
    const r = await runCli(['check', app.synth().directory]);
    // B, its access-log, trail log and inventory buckets, all in the nested template:
    expect([r.code, r.stdout]).toEqual([0, '✓ 2 template(s), 4 bucket(s) checked: compliant.\n']);
  });

  test('a nested stack whose template is missing is a finding, never a pass', async () => {
    const dir = nestedApp().app.synth().directory;
    const nested = fs.readdirSync(dir).filter((f) => f.endsWith('.nested.template.json'));
    expect(nested).toHaveLength(2);
    for (const f of nested) fs.rmSync(path.join(dir, f));
    const r = await runCli(['check', dir, '--format', 'json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.findings.map((f: any) => [f.stack, f.resourceType, f.ruleId, f.status])).toEqual([
      ['Parent', 'AWS::CloudFormation::Stack', 'S3Encryption-S3NestedStackTemplate', 'UNKNOWN'],
    ]);
    expect(j.findings[0].detail).toMatch(/^cannot resolve: the nested stack's template \(TemplateURL .*\) is not available to the checker$/);
  });

  test('a template with a nested stack in S3 only: a finding, exit 1', async () => {
    const r = await runCli(['check', fixture('nested-stack-external.json')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain([
      '  Child (AWS::CloudFormation::Stack)',
      '    ✗ S3Encryption-S3NestedStackTemplate [Unresolved]: The template of a nested stack (AWS::CloudFormation::Stack) was not checked, so the buckets in it are not judged.',
      '      cannot resolve: the nested stack\'s template (TemplateURL https://s3.amazonaws.com/example-templates/child.template.json) is not available to the checker',
    ].join('\n'));
    const stdin = await runWithStdin(['check', '-', '--format', 'json'], [fs.readFileSync(fixture('nested-stack-external.json'), 'utf8')]);
    expect(JSON.parse(stdin.stdout).findings.map((f: any) => f.ruleId)).toEqual(['S3Encryption-S3NestedStackTemplate']);
  });

  const EXTERNAL_KEY = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  test.each([
    ['an AWS managed key', { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/aws/s3' }, [], 'NON_COMPLIANT the directory bucket uses the AWS managed key alias/aws/s3'],
    ['no key id', { SSEAlgorithm: 'aws:kms' }, [], 'NON_COMPLIANT SSE-KMS without KMSMasterKeyID; a directory bucket needs a customer-managed key'],
    ['a key outside the template', { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: EXTERNAL_KEY }, [],
      `UNKNOWN cannot resolve: the KMS key ${EXTERNAL_KEY} is defined outside this template, so it cannot be confirmed to be customer-managed (name it in allowedKmsKeyArns)`],
    ['an allowed key', { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: EXTERNAL_KEY }, ['--allowed-kms-key', EXTERNAL_KEY], undefined],
    ['a template key when the policy names keys', { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': ['Key', 'Arn'] } }, ['--allowed-kms-key', EXTERNAL_KEY],
      `NON_COMPLIANT the directory bucket uses the key Key created in this template; the policy allows only ${EXTERNAL_KEY}`],
    ['DSSE-KMS, which directory buckets do not support', { SSEAlgorithm: 'aws:kms:dsse' }, [],
      'NON_COMPLIANT default encryption algorithm \'aws:kms:dsse\' is not AES256 (SSE-S3) or aws:kms (SSE-KMS)'],
    ['an algorithm from a parameter', { SSEAlgorithm: { Ref: 'Alg' } }, [], /^UNKNOWN cannot resolve: SSEAlgorithm: /],
    ['SSE-S3', { SSEAlgorithm: 'AES256' }, [], undefined],
  ])('a directory bucket with %s (read from stdin)', async (_, byDefault, flags, expected) => {
    const template = {
      Parameters: { Alg: { Type: 'String' } },
      Resources: {
        Key: { Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: true } },
        Dir: { Type: 'AWS::S3Express::DirectoryBucket', Properties: { BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: byDefault }] } } },
      },
    };
    const r = await runWithStdin(['check', '-', '--format', 'json', ...flags as string[]], [JSON.stringify(template)]);
    const found = JSON.parse(r.stdout).findings.filter((f: any) => f.ruleId === 'S3Encryption-S3DirectoryBucketEncryption').map((f: any) => `${f.status} ${f.detail}`);
    if (expected === undefined) expect(found).toEqual([]);
    else expect(found).toEqual([expected instanceof RegExp ? expect.stringMatching(expected) : expected]);
    expect(r.code).toBe(1); // S3BucketTypeSupported fails every directory bucket
  });

  test('directory and table buckets are reported, never skipped; a directory bucket\'s default encryption is judged', async () => {
    const r = await runCli(['check', fixture('other-bucket-types.json'), '--format', 'json']);
    expect(r.code).toBe(1);
    const findings = (j: any) => j.findings.map((f: any) => `${f.ruleId} @ ${f.logicalId}`);
    expect(findings(JSON.parse(r.stdout))).toEqual([
      'S3Encryption-S3BucketTypeSupported @ DirKms',
      'S3Encryption-S3DirectoryBucketEncryption @ DirNone',
      'S3Encryption-S3BucketTypeSupported @ DirNone',
      'S3Encryption-S3BucketTypeSupported @ Table',
    ]);
    const sseS3Only = JSON.parse((await runCli(['check', fixture('other-bucket-types.json'), '--format', 'json', '--allowed-modes', 'SSE-S3'])).stdout);
    expect(sseS3Only.findings.find((f: any) => f.logicalId === 'DirKms' && f.ruleId === 'S3Encryption-S3DirectoryBucketEncryption').detail)
      .toBe('the directory bucket uses SSE-KMS; the policy allows SSE-S3');
    expect((await runCli(['check', fixture('other-bucket-types.json')])).stdout).toMatch(/\(3 bucket\(s\) checked\)\.\n$/);
  });

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
