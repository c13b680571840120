/**
 * How the rewrap function ships: compiled as lib/ is (outside the repository, as in a packed install), the
 * construct's asset holds only the handler's JavaScript and the @cdk-secure-bucket/crypto package it imports
 * (package.json and JavaScript, in the asset's node_modules), and the handler loads and answers from that asset
 * alone, with aws-cdk-lib and constructs unresolvable (the Lambda runtime has only AWS SDK v3) and every crypto
 * file loaded from the asset.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..', '..');
const SRC = path.join(ROOT, 'src');

function compile(dir: string): void {
  const config = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const program = ts.createProgram([path.join(SRC, 'rotation', 'index.ts'), path.join(SRC, 'rotation', 'handler', 'lambda.ts')], {
    ...options, rootDir: SRC, outDir: path.join(dir, 'lib'), declaration: false, inlineSourceMap: false, inlineSources: false,
  });
  const result = program.emit();
  const errors = ts.getPreEmitDiagnostics(program).concat(result.diagnostics).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  if (errors.length > 0 || result.emitSkipped) throw new Error(`src/rotation does not compile:\n${errors.join('\n')}`);
}

function node(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules'), ...env } });
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/')).sort();
}

let dir: string;
beforeAll(() => {
  // `npm run verify` builds and installs the crypto package (crypto:build) before the tests; do it when run alone.
  if (!fs.existsSync(path.join(ROOT, 'node_modules', '@cdk-secure-bucket', 'crypto', 'lib', 'index.js'))) {
    execFileSync('npx', ['projen', 'crypto:build'], { cwd: ROOT, stdio: 'pipe', timeout: 240_000, killSignal: 'SIGKILL' });
  }
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rotation-asset-'));
  compile(dir);
}, 120_000);
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A node script that synthesizes a BatchKeyRotation from the compiled `lib` of `build` into `out`. */
function synthScript(build: string, out: string): string {
  return [
    "const { App, Stack } = require('aws-cdk-lib'); const ec2 = require('aws-cdk-lib/aws-ec2');",
    "const kms = require('aws-cdk-lib/aws-kms'); const s3 = require('aws-cdk-lib/aws-s3');",
    `const { BatchKeyRotation } = require(${JSON.stringify(path.join(build, 'lib', 'rotation'))});`,
    `const app = new App({ outdir: ${JSON.stringify(out)} });`,
    "const stack = new Stack(app, 'S', { env: { account: '111122223333', region: 'eu-west-1' } });",
    "const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });",
    "new BatchKeyRotation(stack, 'R', { bucket: s3.Bucket.fromBucketName(stack, 'D', 'data-bucket'), jobBucket: s3.Bucket.fromBucketName(stack, 'J', 'jobs'),",
    "  sourceKeys: [kms.Key.fromKeyArn(stack, 'O', 'arn:aws:kms:eu-west-1:111122223333:key/1')],",
    "  targetKey: kms.Key.fromKeyArn(stack, 'N', 'arn:aws:kms:eu-west-1:111122223333:key/2'), vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } });",
    'app.synth();',
  ].join('\n');
}

test('the synthesized asset holds the handler and the crypto package\'s JavaScript, nothing else; the handler runs from it alone', () => {
  const out = path.join(dir, 'cdk.out');
  const s = node(['-e', synthScript(dir, out)]);
  // The one line local bundling prints.
  expect(s.stderr.replace(/\(node:\d+\) Warning[\s\S]*$/, '').replace(/^Bundling asset S\/R\/Function\/Code\/Stage\.\.\.\n/m, '')).toBe('');
  const assets = fs.readdirSync(out).filter((f) => f.startsWith('asset.'));
  expect(assets).toHaveLength(1);
  const asset = path.join(out, assets[0]);
  const files = filesUnder(asset);
  const CRYPTO = 'node_modules/@cdk-secure-bucket/crypto/';
  expect(files).toContain('rotation/handler/lambda.js');
  expect(files).toContain(`${CRYPTO}package.json`);
  expect(files).toContain(`${CRYPTO}lib/s3/rewrap-object.js`);
  expect(files).toContain(`${CRYPTO}lib/internal.js`);
  expect(files.filter((f) => !(/^rotation\/handler\/[^/]+\.js$/.test(f) || f === `${CRYPTO}package.json`
    || (f.startsWith(`${CRYPTO}lib/`) && f.endsWith('.js'))))).toEqual([]);

  // The handler from the asset, with aws-cdk-lib and constructs unresolvable; @aws-sdk/* resolve, as in the Lambda runtime.
  const block = path.join(dir, 'no-cdk.js');
  fs.writeFileSync(block, "const M = require('module'); const r = M._resolveFilename; M._resolveFilename = function (req, ...rest) {"
    + " if (req === 'aws-cdk-lib' || req.startsWith('aws-cdk-lib/') || req === 'constructs') { const e = new Error(`Cannot find module '${req}'`);"
    + " e.code = 'MODULE_NOT_FOUND'; throw e; } return r.call(this, req, ...rest); };");
  const run = node(['-r', block, '-e', [
    `const { handler } = require(${JSON.stringify(path.join(asset, 'rotation', 'handler', 'lambda.js'))});`,
    "handler({ invocationSchemaVersion: '2.0', invocationId: 'inv', job: { id: 'j' }, tasks: [{ taskId: 't1', s3Bucket: 'other', s3Key: 'k' }] })",
    "  .then((r) => process.stdout.write(JSON.stringify({ r, crypto: Object.keys(require.cache).filter((p) => p.includes('@cdk-secure-bucket')) })));",
  ].join('\n')], {
    BUCKET_NAME: 'data-bucket',
    SOURCE_KMS_KEY_ARNS: 'arn:aws:kms:eu-west-1:111122223333:key/1',
    TARGET_KMS_KEY_ARN: 'arn:aws:kms:eu-west-1:111122223333:key/2',
    AWS_REGION: 'eu-west-1',
  });
  const { r, crypto } = JSON.parse(run.stdout);
  expect(crypto.length).toBeGreaterThan(0);
  expect(crypto.filter((p: string) => !p.startsWith(asset + path.sep))).toEqual([]);
  expect(r).toEqual({
    invocationSchemaVersion: '2.0',
    treatMissingKeysAs: 'PermanentFailure',
    invocationId: 'inv',
    results: [{ taskId: 't1', resultCode: 'PermanentFailure', resultString: 'task is for bucket other; this function rotates data-bucket only' }],
  });
}, 120_000);

test('a compiled handler beside a crypto package without lib/ fails the synth, saying what to do, rather than ship a function that cannot load', () => {
  const unbuilt = fs.mkdtempSync(path.join(os.tmpdir(), 'rotation-asset-unbuilt-'));
  try {
    compile(unbuilt);
    // Found before NODE_PATH: an installed copy of the package with its package.json only.
    const pkg = path.join(unbuilt, 'node_modules', '@cdk-secure-bucket', 'crypto');
    fs.mkdirSync(pkg, { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'packages', 'crypto', 'package.json'), path.join(pkg, 'package.json'));
    const s = node(['-e', synthScript(unbuilt, path.join(unbuilt, 'cdk.out'))]);
    expect(s.status).not.toBe(0);
    expect(s.stderr).toContain(`BatchKeyRotation: the function's asset needs the built @cdk-secure-bucket/crypto package, but ${pkg} has no lib/index.js.`);
    expect(s.stderr).toContain('Fix: reinstall cdk-secure-bucket');
  } finally {
    fs.rmSync(unbuilt, { recursive: true, force: true });
  }
}, 120_000);
