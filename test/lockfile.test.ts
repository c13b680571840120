/**
 * The committed lockfile must install with `npm ci` on the stock npm of a fresh machine.
 *
 * A lockfile once held `node_modules/unrs-resolver/node_modules/@unrs/resolver-binding-*`
 * entries with no `version`: npm's arborist stops `npm ci` on them with "Invalid Version:",
 * so no new user could install the project. This checks the lockfile's shape offline.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

type Entry = { version?: string; link?: boolean; resolved?: string; integrity?: string };
const entries = Object.entries(lock.packages as Record<string, Entry>).filter(([p]) => p !== '');

test('the lockfile is npm 7+ format and names this package', () => {
  expect(lock.lockfileVersion).toBeGreaterThanOrEqual(2);
  expect(lock.name).toBe(pkg.name);
  expect(entries.length).toBeGreaterThan(100);
});

test('every installed package entry has a valid version', () => {
  const semver = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
  const bad = entries.filter(([, e]) => !e.link && !semver.test(e.version ?? '')).map(([p, e]) => `${p}: ${JSON.stringify(e.version)}`);
  expect(bad).toEqual([]);
});

test('every registry package entry is pinned by integrity', () => {
  // A `file:` entry is a folder of this repository (packages/crypto), not a registry download: it has no integrity.
  const bad = entries.filter(([, e]) => !e.link && e.resolved !== undefined && !e.resolved.startsWith('file:') && !e.integrity).map(([p]) => p);
  expect(bad).toEqual([]);
});

test('the lockfile records the dependencies package.json declares', () => {
  const root = lock.packages[''];
  for (const field of ['dependencies', 'devDependencies', 'peerDependencies'] as const) {
    expect(root[field] ?? {}).toEqual(pkg[field] ?? {});
  }
});
