import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { BOUNDED_CHILD } from '../fixtures/bounded-child';
import { buildInventory, writeInventory } from '../inventory/inventory-fixture';

const ROOT = path.join(__dirname, '..', '..');
const SRC = path.join(ROOT, 'src');

/**
 * Compiles the CLI (src/cli/bin.ts and every file it imports) with the project's tsconfig, as
 * lib/ is built, into a fresh folder laid out like the package: <dir>/lib/cli/bin.js beside
 * <dir>/package.json.
 */
function buildCli(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'layering-'));
  const config = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const program = ts.createProgram([path.join(SRC, 'cli', 'bin.ts')], {
    ...options, rootDir: SRC, outDir: path.join(dir, 'lib'), declaration: false, inlineSourceMap: false, inlineSources: false,
  });
  const result = program.emit();
  const errors = ts.getPreEmitDiagnostics(program).concat(result.diagnostics)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  if (errors.length > 0 || result.emitSkipped) throw new Error(`src/cli does not compile:\n${errors.join('\n')}`);
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  return dir;
}

/** Runs node on `args` with the repository's node_modules on NODE_PATH (the build is outside the repository). */
function node(args: string[]) {
  return spawnSync(process.execPath, args, { ...BOUNDED_CHILD, encoding: 'utf8', env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules') } });
}

describe('the CLI at run time', () => {
  let dir: string;
  beforeAll(() => { dir = buildCli(); }, 120_000);

  test('loading the bin (lib/cli/bin.js) loads neither aws-cdk-lib, cdk-nag, constructs nor the construct layer', () => {
    const bin = path.join(dir, 'lib', 'cli', 'bin.js');
    const r = node(['-e', `require(${JSON.stringify(bin)});process.stdout.write(JSON.stringify(Object.keys(require.cache)));`]);
    expect(r.stderr).toBe('');
    const loaded: string[] = JSON.parse(r.stdout);
    expect(loaded).toContain(bin);
    expect(loaded).toContain(path.join(dir, 'lib', 'nag', 'engine', 'evaluate.js'));
    const packages = [...new Set(loaded.map((f) => /[\\/]node_modules[\\/]((@[^\\/]+[\\/])?[^\\/]+)/.exec(f)?.[1]).filter((p) => p !== undefined))];
    expect(packages).toEqual(['yaml']);
    // Files of the CLI and its libraries one by one; the engine, the rules and the mode table (shared with the constructs) as folders.
    const layers = [...new Set(loaded.filter((f) => f.startsWith(path.join(dir, 'lib')))
      .map((f) => path.relative(path.join(dir, 'lib'), f).split(path.sep))
      .map((p) => (p[0] === 'encryption-modes' ? p.slice(0, 1) : p.slice(0, 2)).join('/')))].sort();
    expect(layers).toEqual(['check/acknowledgements.js', 'check/check.js', 'check/load.js', 'check/package-info.js', 'check/report.js',
      'cli-input/input-error.js', 'cli/arg-reader.js', 'cli/audit-inventory-command.js', 'cli/bin.js', 'cli/check-command.js', 'cli/main.js',
      'encryption-modes', 'inventory/audit-counts.js', 'inventory/audit-run.js', 'inventory/audit.js', 'inventory/batch-manifest.js', 'inventory/bounded-stream.js', 'inventory/create-job.js',
      'inventory/csv.js', 'inventory/inventory-object.js', 'inventory/inventory-reader.js', 'inventory/key-lookup.js', 'inventory/limits.js',
      'inventory/manifest.js', 'inventory/object-judge.js', 'inventory/parquet.js', 'inventory/progress.js', 'inventory/remediation.js', 'inventory/report.js',
      'inventory/sdk.js', 'inventory/storage-location.js', 'inventory/terminal-text.js', 'nag/engine', 'nag/rules']);
  });

  test('the built bin runs: --version and a check (start-up printed for the record)', () => {
    const cli = path.join(dir, 'lib', 'cli', 'bin.js');
    const started = process.hrtime.bigint();
    const version = node([cli, '--version']);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect([version.status, version.stdout, version.stderr]).toEqual([0, `${JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version}\n`, '']);
    const check = node([cli, 'check', path.join(__dirname, '..', 'fixtures', 'templates', 'compliant-sse-kms.json')]);
    expect([check.status, check.stdout]).toEqual([0, '✓ 1 template(s), 2 bucket(s) checked: compliant.\n']);
    process.stderr.write(`check --version: ${ms.toFixed(0)} ms (one run, node start-up included)\n`);
  });

  test('audit-inventory of local files runs with the AWS SDK unresolvable; an s3:// input says which package to install', () => {
    // A preload that makes every @aws-sdk/* package unresolvable, as in an install without them.
    const block = path.join(dir, 'no-aws-sdk.js');
    fs.writeFileSync(block, "const M = require('module'); const r = M._resolveFilename; M._resolveFilename = function (req, ...rest) {"
      + " if (req.startsWith('@aws-sdk/')) { const e = new Error(`Cannot find module '${req}'`); e.code = 'MODULE_NOT_FOUND'; throw e; } return r.call(this, req, ...rest); };");
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'layering-inventory-'));
    const manifest = writeInventory(root, buildInventory({ files: [[{ key: 'a', status: 'SSE-KMS' }], [{ key: 'b', status: 'NOT-SSE' }]], destinationBucket: 'inv' }));
    const cli = path.join(dir, 'lib', 'cli', 'bin.js');
    const local = node(['-r', block, cli, 'audit-inventory', manifest, '--expect-mode', 'SSE-KMS', '--format', 'json']);
    expect([local.status, local.stderr]).toEqual([1, '']);
    expect(JSON.parse(local.stdout)).toMatchObject({ objects: 2, nonCompliant: 1 });
    const remote = node(['-r', block, cli, 'audit-inventory', 's3://inv/m/manifest.json', '--expect-mode', 'SSE-KMS']);
    expect([remote.status, remote.stdout]).toEqual([2, '']);
    expect(remote.stderr).toMatch(/needs the AWS SDK package @aws-sdk\/client-s3, which is not installed: run 'npm install @aws-sdk\/client-s3@\^3'/);
    expect(remote.stderr.split('\n').filter((l) => l !== '')).toHaveLength(1);
    fs.rmSync(root, { recursive: true, force: true });
  });
});

/** The module specifiers a source file imports, exports from or requires. */
function importsOf(file: string): string[] {
  return ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true).importedFiles.map((f) => f.fileName);
}

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []);
}

/** `<file>: <specifier>` for each import of `files` that `allowed` refuses. */
function badImports(files: string[], allowed: (target: string) => boolean): string[] {
  return files.flatMap((file) => importsOf(file)
    .filter((spec) => !(spec.startsWith('.') ? allowed(path.resolve(path.dirname(file), spec)) : allowed(spec)))
    .map((spec) => `${path.relative(ROOT, file)}: ${spec}`));
}

const within = (...dirs: string[]) => (target: string) => dirs.some((d) => target === d || target.startsWith(d + path.sep));

/**
 * Which folders each folder of the command line and the rule engine may import (its own subfolders
 * included), and which packages: every import points down. The CLI dispatches to the `check` and
 * `inventory` libraries; `check` runs the rules over templates; `inventory` audits objects; both
 * throw the leaf InputError. The engine imports nothing but itself and the table of encryption
 * modes (the bottom layer), the rules only the engine and that table, and the renderer of a
 * stack's template (stack-template) only aws-cdk-lib.
 */
const NODE = ['crypto', 'fs', 'os', 'path', 'stream', 'stream/promises', 'string_decoder', 'url', 'zlib'];
const LAYERS: ReadonlyArray<{ folder: string; folders: string[]; packages: string[] }> = [
  { folder: 'cli', folders: ['cli', 'check', 'inventory', 'cli-input', 'nag/engine', 'encryption-modes'], packages: ['fs'] },
  { folder: 'check', folders: ['check', 'nag/rules', 'nag/engine', 'encryption-modes', 'cli-input'], packages: ['fs', 'path', 'yaml'] },
  { folder: 'inventory', folders: ['inventory', 'encryption-modes', 'cli-input'], packages: NODE },
  { folder: 'cli-input', folders: ['cli-input'], packages: [] },
  { folder: 'nag/rules', folders: ['nag/rules', 'nag/engine', 'encryption-modes'], packages: [] },
  { folder: 'nag/engine', folders: ['nag/engine', 'encryption-modes'], packages: [] },
  { folder: 'encryption-modes', folders: ['encryption-modes'], packages: [] },
  { folder: 'stack-template', folders: ['stack-template'], packages: ['aws-cdk-lib'] },
  // The cdk-nag pack: the engine, the rules and the renderer, none of the constructs' internals (src/private).
  { folder: 'nag', folders: ['nag', 'encryption-modes', 'stack-template'], packages: ['aws-cdk-lib', 'cdk-nag', 'constructs'] },
];

describe('layering of the sources', () => {
  test.each(LAYERS)('src/$folder imports only $folders and $packages', ({ folder, folders, packages }) => {
    const files = tsFiles(path.join(SRC, ...folder.split('/')));
    expect(files.length).toBeGreaterThan(0);
    const allowed = within(...folders.map((f) => path.join(SRC, ...f.split('/'))));
    expect(badImports(files, (t) => packages.includes(t) || allowed(t))).toEqual([]);
  });

  test('the inventory library requires the AWS SDK only lazily, by name, inside a function', () => {
    // Loading the bin loads no @aws-sdk package: see above.
    expect(fs.readFileSync(path.join(SRC, 'inventory', 'sdk.ts'), 'utf8')).toMatch(/export type SdkPackage = '@aws-sdk\/client-s3' \| '@aws-sdk\/client-s3-control';/);
  });

  test('the scan sees what it must refuse', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'layering-')), 'x.ts');
    fs.writeFileSync(file, "import { Stack } from 'aws-cdk-lib';\nexport * from '../secure-bucket';\nconst n = require('cdk-nag');\n");
    expect(badImports([file], within(path.dirname(file)))).toEqual([`${path.relative(ROOT, file)}: aws-cdk-lib`, `${path.relative(ROOT, file)}: ../secure-bucket`, `${path.relative(ROOT, file)}: cdk-nag`]);
  });
});
