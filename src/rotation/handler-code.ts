import * as fs from 'fs';
import * as path from 'path';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/** The handler's folder: compiled JavaScript in lib/; TypeScript sources in src/ when run by ts-node or ts-jest. */
const HANDLER_DIR = path.join(__dirname, 'handler');
/** The package the handler imports, as Node.js resolves it from here (bundled with cdk-secure-bucket, or hoisted). */
const CRYPTO_PACKAGE = '@cdk-secure-bucket/crypto';

/**
 * The code of the key-rotation function: `rotation/handler/*.js` (handler `rotation/handler/lambda.handler`) and
 * `node_modules/@cdk-secure-bucket/crypto` (its package.json and JavaScript), copied by local bundling, so no
 * Docker. The Lambda Node.js runtime provides AWS SDK for JavaScript v3. The asset hash is the output's.
 */
export function rotationHandlerCode(): lambda.Code {
  return lambda.Code.fromAsset(HANDLER_DIR, {
    bundling: {
      // Only used if local bundling could not run, which it always can.
      image: lambda.Runtime.NODEJS_24_X.bundlingImage,
      local: {
        tryBundle(outputDir: string): boolean {
          const compiled = copyHandler(path.join(outputDir, 'rotation', 'handler'));
          copyCryptoPackage(path.join(outputDir, 'node_modules', ...CRYPTO_PACKAGE.split('/')), compiled);
          return true;
        },
      },
    },
  });
}

/**
 * Copies the compiled handler files; run from sources (tests), the sources themselves, which only a
 * synth reads. Returns whether the handler was compiled (the asset is meant to run).
 */
function copyHandler(to: string): boolean {
  const files = fs.readdirSync(HANDLER_DIR);
  const compiled = files.filter((f) => f.endsWith('.js'));
  const shipped = compiled.length > 0 ? compiled : files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  fs.mkdirSync(to, { recursive: true });
  for (const file of shipped) fs.copyFileSync(path.join(HANDLER_DIR, file), path.join(to, file));
  return compiled.length > 0;
}

/**
 * package.json and the JavaScript of lib/ (no declarations): what `require` needs. A compiled handler
 * (`runnable`) with a crypto package that has no lib/ would deploy a function that cannot load: refused.
 */
function copyCryptoPackage(to: string, runnable: boolean): void {
  const from = path.dirname(require.resolve(`${CRYPTO_PACKAGE}/package.json`));
  fs.mkdirSync(to, { recursive: true });
  fs.copyFileSync(path.join(from, 'package.json'), path.join(to, 'package.json'));
  const lib = path.join(from, 'lib');
  if (!fs.existsSync(path.join(lib, 'index.js'))) {
    if (!runnable) return;
    throw new Error(`BatchKeyRotation: the function's asset needs the built ${CRYPTO_PACKAGE} package, but ${from} has no lib/index.js. `
      + 'Fix: reinstall cdk-secure-bucket (it bundles the built package); in this repository, run npx projen crypto:build.');
  }
  for (const entry of fs.readdirSync(lib, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.js')) continue;
    const target = path.join(to, 'lib', path.relative(lib, path.join(entry.parentPath, entry.name)));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(path.join(entry.parentPath, entry.name), target);
  }
}
