import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

// The layers of docs/contributing.md, checked against every import of src/ and packages/crypto/src/:
// the table is the rule, so the map contributors read cannot drift from the code.

const ROOT = path.join(__dirname, '..');

interface Row {
  readonly layer: number;
  /** Folders (ending in '/') or files, relative to the repository root. */
  readonly paths: string[];
}

/** The rows of the table under '## The layers' in the contributor map. */
function layerTable(markdown: string): Row[] {
  const section = markdown.split(/^## /m).find((s) => s.startsWith('The layers'));
  if (section === undefined) throw new Error('docs/contributing.md has no "## The layers" section');
  return section.split('\n')
    .map((line) => /^\| (\d+) \| ([^|]+) \|/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ layer: Number(m[1]), paths: [...m[2].matchAll(/`([^`]+)`/g)].map((p) => p[1]) }));
}

/** The table path (and its layer) a file falls under: the longest matching folder, or the file itself. */
function rowOf(file: string, rows: Row[]): { path: string; layer: number } | undefined {
  let best: { path: string; layer: number } | undefined;
  for (const row of rows) {
    for (const p of row.paths) {
      const matches = p.endsWith('/') ? file.startsWith(p) : file === p;
      if (matches && (best === undefined || p.length > best.path.length)) best = { path: p, layer: row.layer };
    }
  }
  return best;
}

/** Every relative import (static, type-only, re-export, require, dynamic import) of each file, resolved to a repository path. */
function relativeImports(files: Map<string, string>): Array<{ from: string; to: string }> {
  const edges: Array<{ from: string; to: string }> = [];
  for (const [file, text] of files) {
    for (const imported of ts.preProcessFile(text, true, true).importedFiles) {
      if (!imported.fileName.startsWith('.')) continue;
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), imported.fileName));
      const to = files.has(`${target}.ts`) ? `${target}.ts` : files.has(`${target}/index.ts`) ? `${target}/index.ts` : target;
      edges.push({ from: file, to });
    }
  }
  return edges;
}

/** What breaks the layering: files in no row, and imports that reach another row on the same or a higher layer. */
function layerViolations(files: Map<string, string>, rows: Row[]): string[] {
  const problems: string[] = [];
  for (const file of files.keys()) {
    if (rowOf(file, rows) === undefined) problems.push(`${file} is in no row of the layer table`);
  }
  for (const { from, to } of relativeImports(files)) {
    const a = rowOf(from, rows);
    const b = rowOf(to, rows);
    if (a === undefined) continue;
    if (b === undefined) {
      problems.push(`${from} imports ${to}, which is in no row of the layer table`);
    } else if (a.path !== b.path && b.layer >= a.layer) {
      problems.push(`${from} (layer ${a.layer}, ${a.path}) imports ${to} (layer ${b.layer}, ${b.path})`);
    }
  }
  return problems;
}

function sources(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(path.join(ROOT, d), { withFileTypes: true })) {
      const rel = path.posix.join(d, e.name);
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.ts')) files.set(rel, fs.readFileSync(path.join(ROOT, rel), 'utf8'));
    }
  };
  walk(dir);
  return files;
}

const rows = layerTable(fs.readFileSync(path.join(ROOT, 'docs', 'contributing.md'), 'utf8'));

describe('the layer table of docs/contributing.md', () => {
  test('names every layer from 0 up and each path once', () => {
    expect([...new Set(rows.map((r) => r.layer))]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const paths = rows.flatMap((r) => r.paths);
    expect(new Set(paths).size).toBe(paths.length);
    for (const p of paths) expect(fs.existsSync(path.join(ROOT, p))).toBe(true);
  });

  test('every import in src/ and packages/crypto/src/ stays in its row or goes down a layer', () => {
    const files = new Map([...sources('src'), ...sources('packages/crypto/src')]);
    expect(files.size).toBeGreaterThan(100);
    expect(layerViolations(files, rows)).toEqual([]);
  });

  test('the check finds an upward import, an import between rows of one layer, and a file in no row', () => {
    const table: Row[] = [
      { layer: 0, paths: ['src/low/'] },
      { layer: 1, paths: ['src/high/', 'src/high.ts'] },
      { layer: 1, paths: ['src/side/'] },
      { layer: 2, paths: ['src/high/inner/'] },
    ];
    const files = new Map([
      ['src/low/a.ts', "import { b } from '../high/b';"],
      ['src/high/b.ts', "import type { a } from '../low/a';\nexport * from './c';"],
      ['src/high/c.ts', "const s = require('../side/d');"],
      ['src/high/inner/e.ts', "import { b } from '../b';"],
      ['src/high.ts', "export * from './high/inner/e';"],
      ['src/side/d.ts', 'export const d = 1;'],
      ['src/stray/f.ts', "import('../low/a');"],
    ]);
    expect(layerViolations(files, table)).toEqual([
      'src/stray/f.ts is in no row of the layer table',
      'src/low/a.ts (layer 0, src/low/) imports src/high/b.ts (layer 1, src/high/)',
      'src/high/c.ts (layer 1, src/high/) imports src/side/d.ts (layer 1, src/side/)',
      'src/high.ts (layer 1, src/high.ts) imports src/high/inner/e.ts (layer 2, src/high/inner/)',
    ]);
  });
});
