/**
 * `cdk-secure-bucket/crypto` is `@cdk-secure-bucket/crypto` under its old name: it exports exactly what the
 * package exports, values and types, and the very same values (one copy of each class, so `instanceof` holds
 * across the two names).
 */
import * as path from 'node:path';
import * as pkg from '@cdk-secure-bucket/crypto';
import * as ts from 'typescript';
import * as reexport from '../../src/crypto';

const ROOT = path.resolve(__dirname, '..', '..');

/** Every name a module exports, values and types, as the compiler sees it (the package's name mapped to its sources). */
function exportedNames(file: string): string[] {
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    types: ['node'],
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    paths: { '@cdk-secure-bucket/crypto': [path.join(ROOT, 'packages', 'crypto', 'src', 'index.ts')] },
  });
  const checker = program.getTypeChecker();
  const symbol = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
  return checker.getExportsOfModule(symbol).map((s) => s.getName()).sort();
}

test('the runtime exports are the package\'s, the same objects', () => {
  expect(Object.keys(reexport).sort()).toEqual(Object.keys(pkg).sort());
  for (const name of Object.keys(pkg)) expect((reexport as Record<string, unknown>)[name]).toBe((pkg as Record<string, unknown>)[name]);
});

test('the re-export has exactly the package\'s values and types', () => {
  const names = exportedNames(path.join(ROOT, 'src', 'crypto', 'index.ts'));
  expect(names).toEqual(exportedNames(path.join(ROOT, 'packages', 'crypto', 'src', 'index.ts')));
  expect(names).toContain('EnvelopeCipher');
  expect(names).toContain('KmsClientLike');
}, 60_000);
