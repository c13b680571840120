/**
 * `cdk-secure-bucket/crypto` from the packed package, in a scratch project:
 * loading it must not load aws-cdk-lib or constructs (it has no runtime
 * dependency), through both `require` and `import`.
 *
 * The scratch project lives under the OS temp directory, where neither
 * aws-cdk-lib nor constructs can be resolved: an import of either would fail
 * loudly, and the module cache is inspected as well.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

let scratch: string;

beforeAll(() => {
  // `npm run verify` compiles lib/ before the tests; build it when run alone.
  if (!fs.existsSync(path.join(ROOT, 'lib', 'crypto', 'index.js'))) {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'pipe' });
  }
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'csb-packed-'));
  const packOut = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', scratch], {
    cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tarball = path.join(scratch, JSON.parse(packOut)[0].filename);
  const pkgDir = path.join(scratch, 'node_modules', 'cdk-secure-bucket');
  fs.mkdirSync(pkgDir, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', pkgDir, '--strip-components=1']);
  fs.writeFileSync(path.join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', private: true }));
}, 120_000);

afterAll(() => {
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

function runNode(file: string, source: string): any {
  fs.writeFileSync(path.join(scratch, file), source);
  const out = execFileSync(process.execPath, [file], { cwd: scratch, encoding: 'utf8', env: { ...process.env, NODE_PATH: '' } });
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
  }));
`;

test('the packed package has the crypto entry point and no TypeScript sources', () => {
  const pkgDir = path.join(scratch, 'node_modules', 'cdk-secure-bucket');
  expect(fs.existsSync(path.join(pkgDir, 'lib', 'crypto', 'index.js'))).toBe(true);
  expect(fs.existsSync(path.join(pkgDir, 'src'))).toBe(false);
  expect(fs.existsSync(path.join(pkgDir, 'test'))).toBe(false);
  expect(JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).exports['./crypto']).toBe('./lib/crypto/index.js');
});

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
  expect(result.cdkLoaded).toEqual([]);
  expect(result.resolvable).toEqual([]);
});

test('the construct entry point, by contrast, needs aws-cdk-lib (the probe can tell)', () => {
  fs.writeFileSync(path.join(scratch, 'main.cjs'), `
    try { require('cdk-secure-bucket'); console.log(JSON.stringify({ loaded: true })); }
    catch (e) { console.log(JSON.stringify({ loaded: false, code: e.code, message: String(e.message).split('\\n')[0] })); }`);
  const out = JSON.parse(execFileSync(process.execPath, ['main.cjs'], { cwd: scratch, encoding: 'utf8' }).trim());
  expect(out.loaded).toBe(false);
  expect(out.code).toBe('MODULE_NOT_FOUND');
  expect(out.message).toMatch(/aws-cdk-lib|constructs/);
});
