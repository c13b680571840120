/**
 * Installs the built @cdk-secure-bucket/crypto (packages/crypto) into node_modules/@cdk-secure-bucket/crypto,
 * the copy that jsii compiles against, the rotation handler's asset takes and `npm pack` bundles.
 *
 * Why: the root depends on `file:packages/crypto` with `install-links=true` (.npmrc), so `npm ci` installs a copy
 * of the package as packed at that moment (on a fresh clone: without lib/, which is build output). After
 * `crypto:build` this script refreshes that copy with what the package publishes: the files npm would pack
 * (package.json, README.md, LICENSE and its `files` globs, here lib/**\/*.js and lib/**\/*.d.ts).
 *
 * Usage: `ts-node --transpile-only build-tools/install-crypto-package.ts` from the project root (`crypto:build` runs it).
 */
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

const ROOT = join(__dirname, '..');
const PACKAGE = join(ROOT, 'packages', 'crypto');
const INSTALLED = join(ROOT, 'node_modules', '@cdk-secure-bucket', 'crypto');

/** The files of the package a registry install would hold, relative to its folder. */
export function publishedFiles(packageDir: string): string[] {
  const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { files?: string[] };
  const always = ['package.json', 'README.md', 'LICENSE'].filter((f) => existsSync(join(packageDir, f)));
  const lib = join(packageDir, 'lib');
  if (!existsSync(lib)) throw new Error(`${relative(ROOT, lib)} is missing: build the package first (npx projen crypto:build)`);
  const patterns = (pkg.files ?? []).map(globToRegExp);
  const built = readdirSync(lib, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(packageDir, join(e.parentPath, e.name)).split(sep).join('/'))
    .filter((f) => patterns.some((p) => p.test(f)));
  return [...always, ...built].sort();
}

/** A `files` glob of package.json (`**` any folders, `*` any characters within one name) as a RegExp. */
function globToRegExp(glob: string): RegExp {
  const parts = glob.split('/').map((part) => (part === '**'
    ? '(?:[^/]+/)*'
    : `${part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}/`));
  return new RegExp(`^${parts.join('').replace(/\/$/, '')}$`);
}

function main(): void {
  if (existsSync(INSTALLED) && lstatSync(INSTALLED).isSymbolicLink()) {
    // Installed as a link (install-links=false): node_modules already sees packages/crypto itself.
    return;
  }
  const files = publishedFiles(PACKAGE);
  rmSync(INSTALLED, { recursive: true, force: true });
  for (const file of files) {
    mkdirSync(dirname(join(INSTALLED, file)), { recursive: true });
    copyFileSync(join(PACKAGE, file), join(INSTALLED, file));
  }
  process.stdout.write(`installed ${files.length} files of packages/crypto into ${relative(ROOT, INSTALLED)}\n`);
}

if (require.main === module) main();
