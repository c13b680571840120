/**
 * README examples stay true to the code: every ```ts block that imports
 * something is type-checked against the sources, with `cdk-secure-bucket`
 * and `cdk-secure-bucket/crypto` mapped to src/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '..');

/** README.md and the guides under docs/. */
const DOCS = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

function snippets(): Array<{ doc: string; line: number; code: string }> {
  const out: Array<{ doc: string; line: number; code: string }> = [];
  for (const doc of DOCS) {
    const text = fs.readFileSync(path.join(ROOT, doc), 'utf8');
    const re = /```ts\n([\s\S]*?)```/g;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      if (/^import /m.test(m[1])) {
        out.push({ doc, line: text.slice(0, m.index).split('\n').length + 1, code: m[1] });
      }
    }
  }
  return out;
}

test('README and docs have type-checkable examples for the constructs', () => {
  const all = snippets().map((s) => s.code).join('\n');
  expect(snippets().length).toBeGreaterThanOrEqual(6);
  expect(all).toContain("from 'cdk-secure-bucket'");
  // The crypto module's examples are JavaScript: docs/crypto.md shows examples/crypto/*.cjs|mjs verbatim,
  // and packages/crypto/test/examples.test.ts runs them against the packed package.
});

/**
 * An example that uses `this` stands in a stack, as in `rosetta/default.ts-fixture`: its imports
 * and `declare`s stay at the top, the rest goes into the stack's constructor.
 */
function inStack(code: string): string {
  if (!/\bthis\b/.test(code)) return code;
  const lines = code.split('\n');
  const top = lines.filter((l) => /^(import |declare )/.test(l));
  const body = lines.filter((l) => !/^(import |declare )/.test(l));
  return [...top, "import * as fixtureCdk from 'aws-cdk-lib';",
    'export class ReadmeFixture extends fixtureCdk.Stack {', '  constructor() {', '    super();', ...body, '  }', '}'].join('\n');
}

test('every README and docs example with imports type-checks against the sources', () => {
  const dir = fs.mkdtempSync(path.join(ROOT, 'test', '.readme-'));
  try {
    const files = snippets().map((s) => {
      const file = path.join(dir, `${s.doc.replace(/[/.]/g, '-')}-line-${s.line}.ts`);
      fs.writeFileSync(file, `${inStack(s.code)}\nexport {};\n`);
      return file;
    });
    const program = ts.createProgram(files, {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2022.d.ts'],
      types: ['node'],
      skipLibCheck: true,
      baseUrl: ROOT,
      paths: {
        'cdk-secure-bucket': ['src/index.ts'],
        'cdk-secure-bucket/crypto': ['src/crypto/index.ts'],
        '@cdk-secure-bucket/crypto': ['packages/crypto/src/index.ts'],
      },
    });
    const problems = ts.getPreEmitDiagnostics(program)
      .filter((d) => d.file && files.includes(path.resolve(d.file.fileName)))
      .map((d) => `${path.basename(d.file!.fileName)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(problems).toEqual([]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

test('relative links between README.md and docs/ point at files and headings that exist', () => {
  const slug = (h: string) => h.trim().toLowerCase().replace(/[^a-z0-9 _-]/g, '').replace(/ /g, '-');
  const anchors = (doc: string) => {
    const text = fs.readFileSync(path.join(ROOT, doc), 'utf8');
    // GitHub numbers repeated headings: x, x-1, x-2, ...
    const seen = new Map<string, number>();
    const headings = [...text.matchAll(/^#+ (.*)$/gm)].map((m) => {
      const base = slug(m[1]);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      return n === 0 ? base : `${base}-${n}`;
    });
    return new Set([...headings, ...[...text.matchAll(/<a id="([^"]+)">/g)].map((m) => m[1])]);
  };
  const broken: string[] = [];
  // docs/crypto-api.md is TypeDoc's output: its own anchors are TypeDoc's business.
  for (const doc of DOCS.filter((d) => d !== 'docs/crypto-api.md')) {
    const text = fs.readFileSync(path.join(ROOT, doc), 'utf8');
    for (const m of text.matchAll(/\]\(([^)#\s]*)(?:#([^)\s]+))?\)/g)) {
      const [target, anchor] = [m[1], m[2]];
      if (/^[a-z]+:/.test(target)) continue; // an external URL
      const file = target === '' ? doc : path.normalize(path.join(path.dirname(doc), target));
      if (!fs.existsSync(path.join(ROOT, file))) { broken.push(`${doc}: ${m[0]} (no file ${file})`); continue; }
      if (anchor && file.endsWith('.md') && !anchors(file).has(anchor)) broken.push(`${doc}: ${m[0]} (no heading #${anchor} in ${file})`);
    }
  }
  expect(broken).toEqual([]);
});

test('the README is short, with a contents list', () => {
  const text = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  expect(text.split('\n').length).toBeLessThanOrEqual(210);
  expect(text).toMatch(/^## Contents$/m);
});
