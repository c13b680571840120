/**
 * What a Lambda function that only encrypts gets: `npm pack` of this package, installed with the stock npm into
 * a fresh directory under the OS temp directory, offline (the package has no dependency, so nothing is fetched).
 * The install is small, holds no aws-cdk-lib, constructs or cdk-nag, and encrypts and decrypts, through
 * `require` and `import`; the packed package.json declares no dependency of any kind.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BOUNDED_CHILD } from '../../../test/fixtures/bounded-child';

const PACKAGE = path.resolve(__dirname, '..');
/** The install must stay well inside Lambda's 250 MB for a zipped function with its node_modules. */
const MAX_INSTALL_BYTES = 10 * 1024 * 1024;

let scratch: string;
let tarball: string;
let packed: Record<string, any>;

beforeAll(() => {
  // `npm run verify` builds the package (crypto:build) before the tests; build it when run alone.
  if (!fs.existsSync(path.join(PACKAGE, 'lib', 'index.js'))) {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { ...BOUNDED_CHILD, cwd: PACKAGE, stdio: 'pipe' });
  }
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'csb-crypto-install-'));
  const packOut = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', scratch], {
    ...BOUNDED_CHILD, cwd: PACKAGE, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
  tarball = path.join(scratch, JSON.parse(packOut)[0].filename);
  packed = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { ...BOUNDED_CHILD, encoding: 'utf8' }));

  const app = path.join(scratch, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'encrypt-only-function', version: '1.0.0', private: true }));
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--cache', path.join(scratch, 'npm-cache'), tarball], {
    ...BOUNDED_CHILD, cwd: app, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
}, 120_000);

afterAll(() => {
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

test('the packed package.json declares no dependency of any kind, no side effects, CommonJS with types', () => {
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies', 'bundledDependencies', 'bundleDependencies']) {
    expect(Object.keys(packed[field] ?? {})).toEqual([]);
  }
  expect(packed.name).toBe('@cdk-secure-bucket/crypto');
  expect(packed.sideEffects).toBe(false);
  expect(packed.type ?? 'commonjs').toBe('commonjs');
  expect(packed.engines).toEqual({ node: '>=18' });
  expect(Object.keys(packed.exports).sort()).toEqual(['.', './internal', './package.json']);
});

test('a fresh install is the package alone, under 10 MB, without aws-cdk-lib, constructs or cdk-nag', () => {
  const modules = path.join(scratch, 'app', 'node_modules');
  const installed = fs.readdirSync(modules).filter((n) => !n.startsWith('.'))
    .flatMap((n) => (n.startsWith('@') ? fs.readdirSync(path.join(modules, n)).map((m) => `${n}/${m}`) : [n]));
  expect(installed).toEqual(['@cdk-secure-bucket/crypto']);
  expect(installed.filter((n) => ['aws-cdk-lib', 'constructs', 'cdk-nag'].includes(n))).toEqual([]);
  const bytes = fs.readdirSync(modules, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile()).reduce((sum, e) => sum + fs.statSync(path.join(e.parentPath, e.name)).size, 0);
  expect(bytes).toBeLessThan(MAX_INSTALL_BYTES);
});

const ROUND_TRIP = `
  const { EnvelopeCipher, RawAesKeyring, TamperedCiphertextError } = crypto;
  const keyring = new RawAesKeyring({ wrappingKey: randomBytes(32) });
  const cipher = new EnvelopeCipher({ keyring });
  const { ciphertext, metadata } = await cipher.encrypt(Buffer.from('encrypt-only function'), { context: { app: 'lambda' } });
  const plaintext = (await cipher.decrypt(ciphertext, metadata, { context: { app: 'lambda' } })).toString();
  ciphertext[ciphertext.length - 1] ^= 1;
  const tampered = await cipher.decrypt(ciphertext, metadata, { context: { app: 'lambda' } }).then(() => 'accepted', (e) => e instanceof TamperedCiphertextError ? 'refused' : String(e));
  console.log(JSON.stringify({ plaintext, version: metadata['x-amz-c'], tampered }));
`;

test.each([
  ['require (CommonJS)', 'round-trip.cjs', `const crypto = require('@cdk-secure-bucket/crypto'); const { randomBytes } = require('node:crypto');
    (async () => { ${ROUND_TRIP} })().catch((e) => { console.error(e); process.exit(1); });`],
  ['import (ES module)', 'round-trip.mjs', `import * as crypto from '@cdk-secure-bucket/crypto'; import { randomBytes } from 'node:crypto'; ${ROUND_TRIP}`],
])('%s: the installed package encrypts and decrypts, and refuses a modified ciphertext', (_how, file, source) => {
  const app = path.join(scratch, 'app');
  fs.writeFileSync(path.join(app, file), source);
  const out = execFileSync(process.execPath, [file], { ...BOUNDED_CHILD, cwd: app, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', NODE_PATH: '' } });
  expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ plaintext: 'encrypt-only function', version: '115', tampered: 'refused' });
});
