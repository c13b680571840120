/**
 * `cdk-secure-bucket/crypto` (which re-exports the bundled `@cdk-secure-bucket/crypto`) from the packed package, in a scratch project:
 * loading it must not load aws-cdk-lib or constructs (it has no runtime
 * dependency), through both `require` and `import`; its types must resolve
 * under every TypeScript `moduleResolution` a CDK app uses; the tarball
 * must hold only what a user installs (no `cdk.out/` from `npx cdk synth`);
 * and the CLI's `check` runs there too, without the peer dependencies.
 *
 * The scratch project lives under the OS temp directory, where neither
 * aws-cdk-lib nor constructs can be resolved: an import of either would fail
 * loudly, and the module cache is inspected as well.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BOUNDED_CHILD } from '../fixtures/bounded-child';

const ROOT = path.resolve(__dirname, '..', '..');

let scratch: string;
let packedFiles: string[];
/** A `cdk.out/` this test made in the repository (to be removed again), if there was none. */
let madeCdkOut: string | undefined;

beforeAll(() => {
  // `npm run verify` compiles lib/ (and first the crypto package, which the tarball bundles) before the tests;
  // build them when run alone.
  if (!fs.existsSync(path.join(ROOT, 'node_modules', '@cdk-secure-bucket', 'crypto', 'lib', 'index.js'))) {
    execFileSync('npx', ['projen', 'crypto:build'], { ...BOUNDED_CHILD, cwd: ROOT, stdio: 'pipe' });
  }
  if (!fs.existsSync(path.join(ROOT, 'lib', 'crypto', 'index.js'))) {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { ...BOUNDED_CHILD, cwd: ROOT, stdio: 'pipe' });
  }
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'csb-packed-'));
  // Pack as a user would after the README's first command, `npx cdk synth`: with a cdk.out/ present.
  const cdkOut = path.join(ROOT, 'cdk.out');
  if (!fs.existsSync(cdkOut)) {
    fs.mkdirSync(cdkOut);
    madeCdkOut = cdkOut;
  }
  fs.writeFileSync(path.join(cdkOut, 'csb-pack-probe.template.json'), '{}');
  const packOut = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', scratch], {
    ...BOUNDED_CHILD, cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
  fs.rmSync(path.join(cdkOut, 'csb-pack-probe.template.json'));
  if (madeCdkOut) fs.rmSync(madeCdkOut, { recursive: true, force: true });
  const packed = JSON.parse(packOut)[0];
  packedFiles = packed.files.map((f: { path: string }) => f.path);
  const tarball = path.join(scratch, packed.filename);
  const pkgDir = path.join(scratch, 'node_modules', 'cdk-secure-bucket');
  fs.mkdirSync(pkgDir, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', pkgDir, '--strip-components=1'], BOUNDED_CHILD);
  fs.writeFileSync(path.join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', private: true }));
}, 120_000);

afterAll(() => {
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  if (madeCdkOut) fs.rmSync(madeCdkOut, { recursive: true, force: true });
});

function runNode(file: string, source: string): any {
  fs.writeFileSync(path.join(scratch, file), source);
  const out = execFileSync(process.execPath, [file], { ...BOUNDED_CHILD, cwd: scratch, encoding: 'utf8', env: { ...process.env, NODE_PATH: '' } });
  return JSON.parse(out.trim().split('\n').pop()!);
}

const PROBE = `
  const { EnvelopeCipher, RawAesKeyring, TamperedCiphertextError } = crypto;
  const cipher = new EnvelopeCipher({ keyring: new RawAesKeyring({ wrappingKey: require('node:crypto').randomBytes(32) }) });
  const { ciphertext, metadata } = await cipher.encrypt(Buffer.from('hello from a scratch project'), { context: { app: 'scratch' } });
  const plaintext = (await cipher.decrypt(ciphertext, metadata, { context: { app: 'scratch' } })).toString();
  const loaded = Object.keys(require.cache);
  console.log(JSON.stringify({
    plaintext,
    version: metadata['x-amz-c'],
    typedErrors: typeof TamperedCiphertextError === 'function',
    cdkLoaded: loaded.filter((p) => /[\\\\/]node_modules[\\\\/](aws-cdk-lib|constructs|cdk-nag)[\\\\/]/.test(p)),
    resolvable: ['aws-cdk-lib', 'constructs'].filter((m) => { try { require.resolve(m); return true; } catch { return false; } }),
    fromPackage: loaded.some((p) => p.includes(['node_modules', 'cdk-secure-bucket', 'lib', 'crypto'].join(require('node:path').sep))),
    fromBundled: loaded.some((p) => p.includes(['node_modules', 'cdk-secure-bucket', 'node_modules', '@cdk-secure-bucket', 'crypto', 'lib'].join(require('node:path').sep))),
  }));
`;

test('the packed package has the crypto entry point and no TypeScript sources', () => {
  const pkgDir = path.join(scratch, 'node_modules', 'cdk-secure-bucket');
  expect(fs.existsSync(path.join(pkgDir, 'lib', 'crypto', 'index.js'))).toBe(true);
  expect(fs.existsSync(path.join(pkgDir, 'src'))).toBe(false);
  expect(fs.existsSync(path.join(pkgDir, 'test'))).toBe(false);
  expect(JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).exports['./crypto']).toBe('./lib/crypto/index.js');
});

test('the tarball holds the compiled library and its docs only: no cdk.out/, sources, tests, examples or benches', () => {
  expect(packedFiles.length).toBeGreaterThan(10);
  // Bundled for the CLIs: yaml (check), hyparquet and its compressors (audit-inventory's Parquet reader), and what they need;
  // and the crypto package, which `cdk-secure-bucket/crypto` re-exports and the rotation function ships.
  const bundled = bundledClosure();
  expect([...bundled].sort()).toEqual(['@cdk-secure-bucket/crypto', 'fzstd', 'hyparquet', 'hyparquet-compressors', 'hysnappy', 'yaml']);
  const packageOf = (f: string) => f.split('/').slice(1, f.split('/')[1].startsWith('@') ? 3 : 2).join('/');
  const outside = packedFiles.filter((f) => !(
    f.startsWith('lib/') || (f.startsWith('node_modules/') && bundled.has(packageOf(f))) || /^docs\/[a-z-]+\.md$/.test(f)
    || ['package.json', 'README.md', 'API.md', 'CHANGELOG.md', 'LICENSE', '.jsii'].includes(f)
  ));
  expect(outside).toEqual([]);
  expect(packedFiles.filter((f) => f.startsWith('cdk.out'))).toEqual([]);
  expect(packedFiles).toContain('lib/crypto/index.d.ts');
  expect(packedFiles).toContain('node_modules/@cdk-secure-bucket/crypto/lib/index.js');
  expect(packedFiles).toContain('node_modules/@cdk-secure-bucket/crypto/lib/index.d.ts');
});

/** The bundled dependencies of package.json and, transitively, their own dependencies (as installed). */
function bundledClosure(): Set<string> {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const out = new Set<string>();
  const visit = (name: string) => {
    if (out.has(name)) return;
    out.add(name);
    const own = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8'));
    for (const dep of Object.keys(own.dependencies ?? {})) visit(dep);
  };
  for (const name of pkg.bundledDependencies ?? pkg.bundleDependencies ?? []) visit(name);
  return out;
}

/**
 * A consumer file type-checked with the repository's TypeScript against the unpacked
 * package, as an existing CDK app would compile it. `node` (node10) ignores `exports`:
 * `typesVersions` must carry the subpath there.
 */
const CONSUMER = `
import { EnvelopeCipher, RawAesKeyring, TamperedCiphertextError } from 'cdk-secure-bucket/crypto';
import { randomBytes } from 'node:crypto';

export async function roundTrip(): Promise<string> {
  const cipher = new EnvelopeCipher({ keyring: new RawAesKeyring({ wrappingKey: randomBytes(32) }) });
  const { ciphertext, metadata } = await cipher.encrypt(Buffer.from('typed'), { context: { app: 'consumer' } });
  const plaintext: Buffer = await cipher.decrypt(ciphertext, metadata, { context: { app: 'consumer' } });
  const isTyped: boolean = new TamperedCiphertextError('x') instanceof Error;
  return plaintext.toString() + String(isTyped);
}
// Types are checked, not erased to any: a wrong argument must be an error.
// @ts-expect-error a keyring is required
export const broken = new EnvelopeCipher({});
`;

test.each([
  ['node', 'commonjs'],
  ['node16', 'node16'],
  ['nodenext', 'nodenext'],
  ['bundler', 'esnext'],
])('types of cdk-secure-bucket/crypto resolve under moduleResolution %s', (moduleResolution, module) => {
  const dir = fs.mkdtempSync(path.join(scratch, `tsc-${moduleResolution}-`));
  fs.writeFileSync(path.join(dir, 'consumer.ts'), CONSUMER);
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      module,
      moduleResolution,
      target: 'ES2022',
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      ignoreDeprecations: '6.0',
      // The scratch project has no @types/node of its own; use the repository's.
      typeRoots: [path.join(ROOT, 'node_modules', '@types')],
      types: ['node'],
    },
    files: ['consumer.ts'],
  }));
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const run = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--traceResolution'], { ...BOUNDED_CHILD, cwd: dir, encoding: 'utf8' });
  const trace = `${run.stdout}${run.stderr}`;
  expect(trace.split('\n').filter((l) => /error TS/.test(l))).toEqual([]);
  expect(run.status).toBe(0);
  // Resolved from the unpacked tarball, not from the repository's sources.
  const resolvedTo = /Module name 'cdk-secure-bucket\/crypto' was successfully resolved to '([^']+)'/.exec(trace)?.[1];
  expect(resolvedTo).toBe(fs.realpathSync(path.join(scratch, 'node_modules', 'cdk-secure-bucket', 'lib', 'crypto', 'index.d.ts')));
}, 60_000);

test.each([
  ['require (CommonJS)', 'probe.cjs', `(async () => { const crypto = require('cdk-secure-bucket/crypto'); ${PROBE} })().catch((e) => { console.error(e); process.exit(1); });`],
  ['import (ES module)', 'probe.mjs', `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);
    const crypto = await import('cdk-secure-bucket/crypto'); ${PROBE}`],
])('%s: works without aws-cdk-lib or constructs', (_how, file, source) => {
  const result = runNode(file, source);
  expect(result.plaintext).toBe('hello from a scratch project');
  expect(result.version).toBe('115');
  expect(result.typedErrors).toBe(true);
  expect(result.fromPackage).toBe(true);
  expect(result.fromBundled).toBe(true);
  expect(result.cdkLoaded).toEqual([]);
  expect(result.resolvable).toEqual([]);
});

test('the CLI runs `check` from the packed package without aws-cdk-lib, constructs or cdk-nag (an install with --omit=peer)', () => {
  const pkgDir = path.join(scratch, 'node_modules', 'cdk-secure-bucket');
  const bin = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).bin['cdk-secure-bucket'];
  const templates = ['compliant-sse-s3.yaml', 'compliant-sse-kms.json'].map((f) => path.join(ROOT, 'test', 'fixtures', 'templates', f));
  const run = spawnSync(process.execPath, [path.join(pkgDir, bin), 'check', ...templates], {
    ...BOUNDED_CHILD, cwd: scratch, encoding: 'utf8', env: { ...process.env, NODE_PATH: '' },
  });
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/2 template\(s\).*compliant/);
});

test('the construct entry point, by contrast, needs aws-cdk-lib (the probe can tell)', () => {
  fs.writeFileSync(path.join(scratch, 'main.cjs'), `
    try { require('cdk-secure-bucket'); console.log(JSON.stringify({ loaded: true })); }
    catch (e) { console.log(JSON.stringify({ loaded: false, code: e.code, message: String(e.message).split('\\n')[0] })); }`);
  const out = JSON.parse(execFileSync(process.execPath, ['main.cjs'], { ...BOUNDED_CHILD, cwd: scratch, encoding: 'utf8' }).trim());
  expect(out.loaded).toBe(false);
  expect(out.code).toBe('MODULE_NOT_FOUND');
  expect(out.message).toMatch(/aws-cdk-lib|constructs/);
});
