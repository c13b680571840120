/**
 * README examples stay true to the code: every ```ts block that imports
 * something is type-checked against the sources, with `cdk-secure-bucket`
 * and `cdk-secure-bucket/crypto` mapped to src/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '..');

function snippets(): Array<{ line: number; code: string }> {
  const text = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const out: Array<{ line: number; code: string }> = [];
  const re = /```ts\n([\s\S]*?)```/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (/^import /m.test(m[1])) {
      out.push({ line: text.slice(0, m.index).split('\n').length + 1, code: m[1] });
    }
  }
  return out;
}

test('README has type-checkable examples for the constructs and the crypto module', () => {
  const all = snippets().map((s) => s.code).join('\n');
  expect(snippets().length).toBeGreaterThanOrEqual(6);
  expect(all).toContain("from 'cdk-secure-bucket'");
  expect(all).toContain("from 'cdk-secure-bucket/crypto'");
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

test('every README example with imports type-checks against the sources', () => {
  const dir = fs.mkdtempSync(path.join(ROOT, 'test', '.readme-'));
  try {
    const files = snippets().map((s) => {
      const file = path.join(dir, `readme-line-${s.line}.ts`);
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
