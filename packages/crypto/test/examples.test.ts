/**
 * The crypto examples (`examples/crypto/*.cjs`, `*.mjs`) run as a user runs
 * them: plain `node` scripts in a scratch project where `@cdk-secure-bucket/crypto`
 * is the packed package (`npm pack`, unpacked), against s3rver and the loopback
 * KMS, configured through environment variables only (BUCKET, KMS_KEY_ID and the
 * AWS SDK's standard ones).
 * Every code block of `docs/crypto.md` is one of these files, verbatim, so the
 * guide cannot drift from code that runs.
 *
 * The scratch project lives under the OS temp directory: `@aws-sdk` is linked
 * in from the repository, aws-cdk-lib and constructs are not resolvable.
 *
 * s3rver ignores SSE headers and refuses CopyObject onto the same key with
 * `MetadataDirective: COPY` (see test/fixtures/s3-server.ts), so the scripts
 * talk to it through {@link startSseFront}, which adds what S3 does: the
 * bucket's default SSE-S3, and SSE-C (key MD5 remembered per object, a wrong
 * or missing key refused, the algorithm and MD5 echoed, rotation by copy).
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { BOUNDED_CHILD } from '../../../test/fixtures/bounded-child';
import { KmsServer, startKmsServer } from '../../../test/fixtures/kms-server';
import { closeServer, listenOnLoopback } from '../../../test/fixtures/loopback';
import { S3RVER_CREDENTIALS, S3Server, startS3Server } from '../../../test/fixtures/s3-server';

const PACKAGE = path.resolve(__dirname, '..');
const ROOT = path.resolve(PACKAGE, '..', '..');
const EXAMPLES = path.join(ROOT, 'examples', 'crypto');
const GUIDE = path.join(ROOT, 'docs', 'crypto.md');

/** What each example prints when it succeeds (its last line). A new example needs an entry here. */
const EXPECTED_OUTPUT: Record<string, RegExp> = {
  'kms-keyring.cjs': /^kms-keyring: patient record; s3:\/\/[\w-]+\/records\/patient-1\.json round-tripped \(format 115\); wrong context refused$/,
  'raw-aes-keyring.mjs': /^raw-aes-keyring: s3:\/\/[\w-]+\/reports\/2026-q1\.csv round-tripped, metadata in reports\/2026-q1\.csv\.instruction; other key refused$/,
  'streaming.cjs': /^streaming: 20971536 bytes of ciphertext in 3 parts, streamed back and decrypted \(sha256 [0-9a-f]{12}…\), range of 132 bytes, local file round-tripped$/,
  'caching-keyring.cjs': /^caching-keyring: 20 objects written and read with 2 KMS calls \(38 hits, 2 misses\)$/,
  'verification.mjs': /^verification: 2 objects audited against V3 \+ tenant context \+ SSE_S3; the V2 object was flagged$/,
  'key-rotation.mjs': /^key-rotation: ledger\/2025\.csv re-wrapped \(metadata, V3\); 2 objects moved to KMS; old key refused$/,
  'sse-c.cjs': /^sse-c: s3:\/\/[\w-]+\/vault\/k written, read and verified under a customer key; rotated, old key refused$/,
};

const exampleFiles = fs.readdirSync(EXAMPLES).filter((f) => /\.(cjs|mjs)$/.test(f)).sort();
const bucketOf = (file: string) => `ex-${file.replace(/\.(cjs|mjs)$/, '')}`;

let scratch: string;
let s3: S3Server;
let front: { endpoint: string; stop(): Promise<void> };
let kms: KmsServer;

beforeAll(async () => {
  // `npm run verify` builds the package (crypto:build) before the tests; build it when run alone.
  if (!fs.existsSync(path.join(PACKAGE, 'lib', 'index.js'))) {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { ...BOUNDED_CHILD, cwd: PACKAGE, stdio: 'pipe' });
  }
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'csb-examples-'));
  const packOut = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', scratch], {
    ...BOUNDED_CHILD, cwd: PACKAGE, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tarball = path.join(scratch, JSON.parse(packOut)[0].filename);
  const pkgDir = path.join(scratch, 'node_modules', '@cdk-secure-bucket', 'crypto');
  fs.mkdirSync(pkgDir, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', pkgDir, '--strip-components=1'], BOUNDED_CHILD);
  fs.rmSync(tarball);
  // The AWS SDK as the user installs it beside the package; nothing else of the repository's node_modules.
  fs.symlinkSync(path.join(ROOT, 'node_modules', '@aws-sdk'), path.join(scratch, 'node_modules', '@aws-sdk'), 'dir');
  fs.writeFileSync(path.join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', private: true }));
  for (const file of exampleFiles) fs.copyFileSync(path.join(EXAMPLES, file), path.join(scratch, file));

  s3 = await startS3Server({ buckets: exampleFiles.map(bucketOf) });
  front = await startSseFront(s3.endpoint);
  kms = await startKmsServer();
}, 180_000);

afterAll(async () => {
  await front?.stop();
  await s3?.stop();
  await kms?.stop();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

interface Run { code: number | null; stdout: string; stderr: string }

/**
 * stderr without the AWS SDK's warning that its releases after January 2027 need Node 22 (printed on Node 20,
 * which this repository tests; see the README's Node.js support). Anything else on stderr fails a run.
 */
function withoutNodeVersionWarning(stderr: string): string {
  return stderr
    .replace(/\(node:\d+\) Warning: NodeVersionSupportWarning: [\s\S]*?https:\/\/\S+\n/, '')
    .replace(/\(Use `node --trace-warnings \.\.\.` to show where the warning was created\)\n/, '');
}

/** Runs a script of the scratch project with `node`, configured by environment variables only. */
function runExample(file: string, env: Record<string, string> = {}): Promise<Run> {
  const childEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: scratch,
    NODE_PATH: '',
    // The AWS SDK's standard settings: nothing in the scripts is specific to this test.
    AWS_REGION: s3.region,
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_S3: front.endpoint,
    AWS_ENDPOINT_URL_KMS: kms.endpoint,
    // s3rver stores an aws-chunked (flexible checksum) body verbatim: checksums only where S3 requires them.
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    AWS_CONFIG_FILE: path.join(scratch, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(scratch, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    BUCKET: bucketOf(file),
    KMS_KEY_ID: kms.keyArn,
    ...env,
  };
  return new Promise((resolve) => {
    // Asynchronous: the servers answering the script run in this process.
    execFile(process.execPath, [file], { cwd: scratch, env: childEnv, encoding: 'utf8', timeout: 90_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

test('there are CommonJS and ES module examples, each with an expected output', () => {
  expect(exampleFiles.filter((f) => f.endsWith('.cjs')).length).toBeGreaterThanOrEqual(3);
  expect(exampleFiles.filter((f) => f.endsWith('.mjs')).length).toBeGreaterThanOrEqual(3);
  expect(exampleFiles).toEqual(Object.keys(EXPECTED_OUTPUT).sort());
});

test('in the scratch project the package resolves to the unpacked tarball, the AWS SDK resolves, aws-cdk-lib does not', () => {
  const probe = `console.log(JSON.stringify(['@cdk-secure-bucket/crypto', '@aws-sdk/client-s3', '@aws-sdk/client-kms', 'aws-cdk-lib', 'constructs']
    .map((m) => { try { return require.resolve(m); } catch { return null; } })));`;
  const out = execFileSync(process.execPath, ['-e', probe], { ...BOUNDED_CHILD, cwd: scratch, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', NODE_PATH: '' } });
  const [crypto, s3Sdk, kmsSdk, cdk, constructs] = JSON.parse(out);
  expect(crypto).toBe(path.join(scratch, 'node_modules', '@cdk-secure-bucket', 'crypto', 'lib', 'index.js'));
  expect(s3Sdk).toEqual(expect.any(String));
  expect(kmsSdk).toEqual(expect.any(String));
  expect({ cdk, constructs }).toEqual({ cdk: null, constructs: null });
});

test.each(exampleFiles)('%s runs against s3rver and the loopback KMS from the packed package', async (file) => {
  kms.reset();
  const run = await runExample(file);
  expect({ code: run.code, stderr: withoutNodeVersionWarning(run.stderr) }).toEqual({ code: 0, stderr: '' });
  const last = run.stdout.trim().split('\n').pop();
  expect(last).toMatch(EXPECTED_OUTPUT[file]);
  if (file.startsWith('kms') || file.startsWith('streaming') || file.startsWith('caching') || file.startsWith('verification')) {
    // The KMS keyring really went to KMS (the loopback one, through AWS_ENDPOINT_URL_KMS).
    expect(kms.counts.GenerateDataKey).toBeGreaterThan(0);
  }
  if (file === 'caching-keyring.cjs') expect(kms.counts).toMatchObject({ GenerateDataKey: 1, Decrypt: 1 });
  if (file === 'key-rotation.mjs') expect(kms.counts.Encrypt).toBe(2);
  if (file === 'verification.mjs') {
    expect(run.stdout).toContain('audit-demo/v2.json: FORMAT_VERSION_NOT_ALLOWED\n');
    expect(run.stdout).toContain('audit-demo/v3.json: ok\n');
  }
}, 120_000);

test('an example exits non-zero and says why when its task fails (a disabled KMS key)', async () => {
  const disabled = kms.addKey({ enabled: false });
  const run = await runExample('kms-keyring.cjs', { KMS_KEY_ID: disabled, BUCKET: bucketOf('kms-keyring.cjs') });
  expect(run.code).toBe(1);
  expect(run.stdout).toBe('');
  expect(run.stderr).toMatch(/KmsError|DisabledException/);
}, 60_000);

test.each(exampleFiles)('%s needs its settings: without BUCKET it exits non-zero', async (file) => {
  const run = await runExample(file, { BUCKET: '' });
  expect(run.code).not.toBe(0);
  expect(run.stderr).toMatch(/set BUCKET/);
}, 60_000);

describe('the examples are plain JavaScript for their module system', () => {
  test.each(exampleFiles)('%s parses with node --check', (file) => {
    execFileSync(process.execPath, ['--check', path.join(EXAMPLES, file)], { ...BOUNDED_CHILD, stdio: 'pipe' });
  });

  test('eslint (recommended rules, no undefined or unused names; .cjs as CommonJS without await at top level) finds nothing', () => {
    const config = path.join(scratch, 'eslint.config.cjs');
    const req = (m: string) => JSON.stringify(require.resolve(m, { paths: [ROOT] }));
    fs.writeFileSync(config, `
      const js = require(${req('@eslint/js')});
      const globals = require(${req('globals')});
      module.exports = [
        js.configs.recommended,
        { files: ['**/*.cjs'], languageOptions: { ecmaVersion: 2022, sourceType: 'commonjs', globals: globals.node } },
        { files: ['**/*.mjs'], languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: globals.node } },
        { rules: { 'no-unused-vars': 'error', 'no-undef': 'error', 'prefer-const': 'error', 'no-var': 'error', eqeqeq: 'error' } },
      ];`);
    const eslint = path.join(path.dirname(require.resolve('eslint/package.json', { paths: [ROOT] })), 'bin', 'eslint.js');
    const files = exampleFiles.map((f) => path.join(EXAMPLES, f));
    let output = '';
    try {
      execFileSync(process.execPath, [eslint, '--config', config, '--max-warnings', '0', ...files], {
        ...BOUNDED_CHILD, cwd: ROOT, encoding: 'utf8', stdio: 'pipe', env: { ...process.env, ESLINT_USE_FLAT_CONFIG: 'true' },
      });
    } catch (e) {
      output = `${(e as { stdout?: string }).stdout ?? ''}${(e as { stderr?: string }).stderr ?? ''}` || String(e);
    }
    expect(output).toBe('');
  }, 60_000);

  test('TypeScript (checkJs) finds no misuse of the package or the AWS SDK: option names, argument and result types', () => {
    // Against the packed .d.ts, as an editor checks a user's script; a misspelt option would run silently.
    fs.writeFileSync(path.join(scratch, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        allowJs: true,
        checkJs: true,
        noEmit: true,
        strict: false,
        skipLibCheck: true,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'ES2022',
        typeRoots: [path.join(ROOT, 'node_modules', '@types')],
        types: ['node'],
      },
      files: exampleFiles,
    }));
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const run = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { ...BOUNDED_CHILD, cwd: scratch, encoding: 'utf8' });
    expect(`${run.stdout}${run.stderr}`.split('\n').filter((l) => /error TS/.test(l))).toEqual([]);
    expect(run.status).toBe(0);
  }, 120_000);

  test.each(exampleFiles.filter((f) => f.endsWith('.cjs')))('%s uses require only (no import statement, no import())', (file) => {
    const source = fs.readFileSync(path.join(EXAMPLES, file), 'utf8');
    expect(source).not.toMatch(/^\s*import\s/m);
    expect(source).not.toMatch(/\bimport\s*\(/);
  });
});

describe('docs/crypto.md shows the examples verbatim', () => {
  const guide = fs.readFileSync(GUIDE, 'utf8');
  /** Every fenced code block, with the `<!-- example: path -->` marker on the line before it, if any. */
  const blocks = [...guide.matchAll(/(?:<!-- example: (\S+) -->\n)?```(\w*)\n([\s\S]*?)```\n/g)]
    .map((m) => ({ example: m[1], lang: m[2], body: m[3] }));

  test('every code block but shell commands is marked with the example it shows', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(exampleFiles.length);
    expect(blocks.filter((b) => b.example === undefined && b.lang !== 'sh').map((b) => `${b.lang}: ${b.body.split('\n')[0]}`)).toEqual([]);
  });

  test('every example appears in the guide exactly once', () => {
    const shown = blocks.map((b) => b.example).sort();
    expect(shown).toEqual(exampleFiles.map((f) => `examples/crypto/${f}`));
  });

  test.each(exampleFiles)('the block of %s equals the file', (file) => {
    const block = blocks.find((b) => b.example === `examples/crypto/${file}`);
    expect(block?.lang).toBe('js');
    expect(block?.body).toBe(fs.readFileSync(path.join(EXAMPLES, file), 'utf8'));
  });
});

/**
 * An HTTP front for s3rver that adds the server-side encryption S3 reports
 * (see the file comment). Requests are forwarded unchanged (their signatures
 * stay valid); only object reads and writes without a sub-resource are looked at.
 */
async function startSseFront(target: string): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const H_ALG = 'x-amz-server-side-encryption-customer-algorithm';
  const H_MD5 = 'x-amz-server-side-encryption-customer-key-md5';
  const H_COPY_MD5 = 'x-amz-copy-source-server-side-encryption-customer-key-md5';
  /** Object path (`/bucket/key`) to the MD5 of the SSE-C key it is encrypted with. */
  const customerKeys = new Map<string, string>();

  const fail = (res: ServerResponse, status: number, code: string, head: boolean) => {
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${code}</Message></Error>`;
    res.writeHead(status, { 'content-type': 'application/xml', 'content-length': head ? 0 : Buffer.byteLength(body) });
    res.end(head ? undefined : body);
  };
  const sseHeaders = (md5: string | undefined): Record<string, string> =>
    (md5 !== undefined ? { [H_ALG]: 'AES256', [H_MD5]: md5 } : { 'x-amz-server-side-encryption': 'AES256' });

  function forward(req: IncomingMessage, res: ServerResponse, onOk?: () => Record<string, string>): void {
    const upstream = request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (up) => {
      const ok = (up.statusCode ?? 500) < 300;
      res.writeHead(up.statusCode ?? 502, { ...up.headers, ...(ok && onOk ? onOk() : {}) });
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const objectPath = decodeURIComponent(url.pathname);
    const isObject = objectPath.split('/').filter(Boolean).length >= 2 && [...url.searchParams.keys()].every((k) => k === 'x-id');
    if (!isObject) return forward(req, res);
    const md5 = req.headers[H_MD5] as string | undefined;
    const stored = customerKeys.get(objectPath);
    const method = req.method ?? 'GET';
    if (method === 'GET' || method === 'HEAD') {
      if (stored !== md5) {
        req.resume();
        // S3: 400 for SSE-C parameters on an object without (or without them on an object with), 403 for another key.
        return fail(res, stored !== undefined && md5 !== undefined ? 403 : 400, stored !== undefined && md5 !== undefined ? 'AccessDenied' : 'InvalidRequest', method === 'HEAD');
      }
      return forward(req, res, () => sseHeaders(stored));
    }
    if (method !== 'PUT') return forward(req, res, () => { customerKeys.delete(objectPath); return {}; });
    const copySource = req.headers['x-amz-copy-source'] as string | undefined;
    const sourcePath = copySource !== undefined ? `/${decodeURIComponent(copySource.replace(/^\//, '').split('?')[0])}` : undefined;
    if (sourcePath !== undefined && customerKeys.get(sourcePath) !== req.headers[H_COPY_MD5]) {
      req.resume();
      return fail(res, 403, 'AccessDenied', false);
    }
    if (sourcePath === objectPath && req.headers['x-amz-metadata-directive'] !== 'REPLACE') {
      // S3 accepts a copy onto itself that changes the encryption; s3rver does not. The bytes stay as they are.
      req.resume();
      if (md5 === undefined) return fail(res, 400, 'InvalidRequest', false);
      customerKeys.set(objectPath, md5);
      const body = '<?xml version="1.0" encoding="UTF-8"?>\n<CopyObjectResult><ETag>"rotated"</ETag>'
        + `<LastModified>${new Date().toISOString()}</LastModified></CopyObjectResult>`;
      res.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), ...sseHeaders(md5) });
      res.end(body);
      return;
    }
    return forward(req, res, () => {
      if (md5 !== undefined) customerKeys.set(objectPath, md5);
      else customerKeys.delete(objectPath);
      return sseHeaders(md5);
    });
  });
  const endpoint = await listenOnLoopback(server);
  return {
    endpoint,
    stop: () => closeServer(server),
  };
}
