import { awscdk, javascript, JsonFile } from 'projen';

/**
 * Toolchain pins.
 *
 * - aws-cdk-lib >= 2.258: cdk-nag 3 declares ^2.257, but only from 2.258 does
 *   the policy-validation context carry `appConstruct`, without which cdk-nag 3
 *   packs fail inside `cdk synth`. (>= 2.245 brings `blockedEncryptionTypes`.)
 *   It is the *minimum* peer version we support, and what we test against.
 * - jsii 6.0 compiles with TypeScript ~6.0; ts-jest accepts TypeScript < 7.
 */
const CDK_MIN_VERSION = '2.258.0';
const CONSTRUCTS_MIN_VERSION = '10.5.1';
const TYPESCRIPT_VERSION = '~6.0.3';
/** A hung step fails `npm run verify` after this long (a quiet run takes about 9 min; CI allows 90). */
const VERIFY_DEADLINE_MINUTES = 45;
/** Test files that run serially in `test:heavy` instead of in the default jest run. */
const HEAVY_SUITES = '\\.heavy\\.test\\.ts$';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-secure-bucket',
  description:
    'Amazon S3 buckets provisioned for one encryption mode (SSE-S3, SSE-KMS, DSSE-KMS, SSE-C), correct by construction, plus a runtime client-side envelope encryption module in the S3 Encryption Client format.',
  author: 'cdk-secure-bucket maintainers',
  authorAddress: 'maintainers@cdk-secure-bucket.dev',
  repositoryUrl: 'https://github.com/cdk-secure-bucket/cdk-secure-bucket.git',
  keywords: ['cdk', 'awscdk', 's3', 'encryption', 'kms', 'sse-kms', 'dsse-kms', 'sse-c', 'cloudtrail', 'cdk-nag', 'compliance'],
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  minNodeVersion: '20.0.0',

  cdkVersion: CDK_MIN_VERSION,
  constructsVersion: CONSTRUCTS_MIN_VERSION,
  jsiiVersion: '~6.0.0',
  typescriptVersion: TYPESCRIPT_VERSION,

  // Publishing is not run here, but the jsii targets are declared.
  publishToPypi: { distName: 'cdk-secure-bucket', module: 'cdk_secure_bucket' },
  publishToMaven: {
    javaPackage: 'dev.cdksecurebucket',
    mavenGroupId: 'dev.cdk-secure-bucket',
    mavenArtifactId: 'cdk-secure-bucket',
  },
  publishToNuget: { dotNetNamespace: 'CdkSecureBucket', packageId: 'CdkSecureBucket' },
  publishToGo: { moduleName: 'github.com/cdk-secure-bucket/cdk-secure-bucket-go' },

  // cdk-nag is the plugin framework our NagPack extends: the user's copy must be the one we use.
  peerDeps: ['cdk-nag@^3.0.2'],
  // The `cdk-secure-bucket check` CLI reads YAML templates (short-form intrinsics).
  // `audit-inventory` reads Parquet (S3 Inventory in Parquet format, S3 Metadata live inventory
  // exports) with hyparquet (pure JavaScript, no dependencies) and its decompressors (gzip, zstd,
  // brotli, lz4); both are ES modules, loaded with import() only when a Parquet file is read.
  // The runtime crypto is its own package, @cdk-secure-bucket/crypto (packages/crypto, zero dependencies):
  // `cdk-secure-bucket/crypto` re-exports it and the rotation function's asset carries it, so the
  // tarball bundles it. `install-links` (.npmrc) makes `npm ci` copy it into node_modules instead of
  // linking it (npm pack does not bundle a linked package); `crypto:build` refreshes that copy.
  bundledDeps: ['yaml@^2.9.1', 'hyparquet@^1.33.0', 'hyparquet-compressors@^1.1.2', '@cdk-secure-bucket/crypto@file:packages/crypto'],
  bin: { 'cdk-secure-bucket': 'lib/cli/bin.js' },

  devDeps: [
    'aws-cdk@^2.1148.1',
    '@cloud-copilot/iam-simulate@^0.1.173',
    '@aws-sdk/client-kms@^3',
    '@aws-sdk/client-s3@^3',
    // `audit-inventory` loads the two S3 clients lazily at run time (s3:// inputs, --create-job).
    // They cannot be optional peer dependencies: jsii resolves every peerDependency as a jsii
    // assembly (jsii/lib/project-info.js, discoverDependencyTree: "Unable to locate jsii assembly
    // ... If this module is not jsii-enabled, it must also be declared under bundledDependencies"),
    // and bundling them would put the AWS SDK into every construct user's install. So they stay
    // devDependencies here, and the README and the command's error tell users to install them.
    '@aws-sdk/client-s3-control@^3',
    's3rver@^3.7.1',
    // Parquet test data for audit-inventory (tests only).
    'hyparquet-writer@^0.17.0',
    'fast-check@^4',
    // Benchmark baseline (bench/ only).
    '@aws-crypto/client-node@^5',
    // SARIF 2.1.0 schema validation of the checker's output (tests only): the official
    // 2.1.0 (rtm.5) schema ships in @microsoft/jest-sarif; it is draft-04, hence ajv-draft-04.
    'ajv@^8',
    'ajv-draft-04@^1',
    '@microsoft/jest-sarif@1.0.0-beta.0',
    // docs/crypto-api.md: the crypto module is not jsii, so API.md cannot document it.
    'typedoc@^0.28.20',
    'typedoc-plugin-markdown@^4.14.1',
    // The Athena key-audit SQL runs on generated S3 Metadata live-inventory data in DuckDB
    // (tests only); the engine ships in @duckdb/node-bindings-linux-x64, nothing is downloaded.
    '@duckdb/node-api@^1.5.6-r.1',
    // The AWS Control Tower proactive controls (cfn-guard binary and rules bundled, offline):
    // test/secure-bucket/control-tower.test.ts and the example app run them as a validation plugin.
    '@cdklabs/cdk-validator-cfnguard@^0.0.62',
  ],

  jestOptions: {
    // Snapshots are never rewritten by a test run; update them on purpose.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      // packages/crypto's suites run here too (and on their own: `crypto:test`).
      testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/packages/crypto/test/**/*.test.ts'],
      // Tests use the crypto package's sources, as packages/crypto's own tests do (one copy of its classes).
      moduleNameMapper: {
        '^@cdk-secure-bucket/crypto$': '<rootDir>/packages/crypto/src/index.ts',
        '^@cdk-secure-bucket/crypto/internal$': '<rootDir>/packages/crypto/src/internal.ts',
      },
      // A test's timeout guards against a hang; it is not a performance bound. jest's 5 s failed
      // tests on a busy 2-core machine, and a timed-out test's requests then ran on into the next.
      testTimeout: 60_000,
      // jest's default on 2 cores is 1 worker (cores - 1): the gate's jest step then kept one core
      // idle (load ~1.3) while suites waited on loopback servers and child processes.
      maxWorkers: 2,
      // `*.heavy.test.ts` suites move hundreds of MiB and measure memory: they run on their own,
      // one at a time, in `test:heavy` (part of `verify`), not beside the other suites.
      testPathIgnorePatterns: ['/node_modules/', '/lib/', '/cdk.out/', HEAVY_SUITES],
    },
  },

  gitignore: ['cdk.out/', '*.tgz', '.jsii.tabl.json', 'test-reports/'],

  githubOptions: { mergify: false },
  buildWorkflow: false,
  release: false,
  depsUpgrade: false,
  pullRequestTemplate: false,
});

project.addPackageIgnore('/examples/');
project.addPackageIgnore('/bench/');
project.addPackageIgnore('/build-tools/');
// The crypto package's sources and tests (its built files reach the tarball as the bundled dependency).
project.addPackageIgnore('/packages/');
project.addPackageIgnore('/.npmrc');
project.addPackageIgnore('/cdk.json');
project.addPackageIgnore('/.ci/');
project.addPackageIgnore('/BENCHMARKS.md');
// `npx cdk synth` (the README's first command) writes the example app's output here.
project.addPackageIgnore('/cdk.out/');
project.addPackageIgnore('/rosetta/');
// jsii-rosetta's translation tablet: written by `verify`, of no use to npm users.
project.addPackageIgnore('/.jsii.tabl.json');

// `cdk-secure-bucket/crypto` (the re-export of the bundled @cdk-secure-bucket/crypto, for existing users) is a
// subpath export outside the jsii surface.
project.package.addField('exports', {
  '.': './lib/index.js',
  './crypto': './lib/crypto/index.js',
  './package.json': './package.json',
  './.jsii': './.jsii',
});
// `exports` is read only under moduleResolution node16, nodenext and bundler. Most
// CDK apps still compile with `"moduleResolution": "node"` (node10), which ignores
// it and would fail on `cdk-secure-bucket/crypto` with TS2307: `typesVersions`
// maps that subpath to its declarations there. The root entry keeps `types`.
project.package.addField('typesVersions', {
  '*': {
    crypto: ['lib/crypto/index.d.ts'],
  },
});

// The example app, benches and build tools are type-checked with the tests (not compiled by jsii).
project.tsconfigDev.addInclude('../examples/**/*.ts');
// So are the crypto package and its tests; there, `@cdk-secure-bucket/crypto` means its sources (as in jest).
project.tsconfigDev.addInclude('../packages/crypto/src/**/*.ts');
project.tsconfigDev.addInclude('../packages/crypto/test/**/*.ts');
project.tsconfigDev.file.addOverride('compilerOptions.paths', {
  '@cdk-secure-bucket/crypto': ['../packages/crypto/src/index.ts'],
  '@cdk-secure-bucket/crypto/internal': ['../packages/crypto/src/internal.ts'],
});
project.tsconfigDev.addInclude('../bench/**/*.ts');
project.tsconfigDev.addInclude('../build-tools/**/*.ts');
project.eslint?.addLintPattern('examples');
project.eslint?.addLintPattern('bench');
project.eslint?.addLintPattern('packages/crypto/src');
project.eslint?.addLintPattern('packages/crypto/test');
// The crypto package has no dependency: its sources may import Node.js built-ins only (its package.json is the one
// consulted); its tests use the repository's devDependencies (the AWS SDK, s3rver, fast-check).
project.eslint?.addOverride({
  files: ['packages/crypto/src/**'],
  rules: { 'import/no-extraneous-dependencies': ['error', { packageDir: ['packages/crypto'], devDependencies: false, optionalDependencies: false, peerDependencies: false }] },
});
project.eslint?.addOverride({
  files: ['packages/crypto/test/**'],
  rules: { 'import/no-extraneous-dependencies': ['error', { packageDir: ['.', 'packages/crypto'], devDependencies: true, optionalDependencies: false, peerDependencies: true }] },
});
project.eslint?.allowDevDeps('examples/**');
project.eslint?.allowDevDeps('bench/**');
// examples/, bench/ and build-tools/ get a tsconfig of their own (the root one is jsii's, src only), so
// eslint's project service type-checks them as a project rather than file by file.
for (const dir of ['examples', 'bench', 'build-tools']) {
  new JsonFile(project, `${dir}/tsconfig.json`, {
    obj: { extends: '../test/tsconfig.json', include: ['**/*.ts'] },
    marker: false,
  });
}

// @cdk-secure-bucket/crypto (packages/crypto): built first, since jsii compiles src/crypto/index.ts (its re-export)
// against the installed copy and the rotation function's asset takes it from there.
const cryptoBuild = project.addTask('crypto:build', {
  description: 'Builds packages/crypto (tsc, CommonJS and declarations) and installs it into node_modules/@cdk-secure-bucket/crypto',
  steps: [
    { exec: 'tsc -p packages/crypto/tsconfig.json' },
    { exec: 'ts-node --transpile-only build-tools/install-crypto-package.ts' },
  ],
});
project.compileTask.prependSpawn(cryptoBuild);
project.addTask('crypto:test', {
  description: 'The tests of packages/crypto on their own (the default jest run includes them)',
  exec: 'jest --config packages/crypto/jest.config.json',
  receiveArgs: true,
});
project.npmrc.addConfig('install-links', 'true');

// Benchmarks (not tests): `npm run bench` (full) or `npm run bench -- --quick`.
project.addTask('bench', {
  description: 'Crypto throughput, streaming memory, KMS requests and synth time against their baselines',
  exec: 'ts-node --transpile-only bench/run.ts',
  receiveArgs: true,
});

// One command for CI: jsii compile (enforces the jsii rules), API.md must be
// current, README examples must compile, then the tests and the linter.
const verify = project.addTask('verify', {
  description: 'Everything CI checks: jsii compile, API.md current, tests, lint',
});
verify.spawn(project.compileTask);
verify.spawn(project.tasks.tryFind('docgen')!);
verify.exec('git diff --ignore-space-at-eol --exit-code -- API.md || (echo "API.md is stale: run npx projen compile && npx projen docgen and commit it" && exit 1)', {
  condition: 'git rev-parse --is-inside-work-tree',
});
// The crypto package is not jsii, so API.md cannot document it: TypeDoc writes docs/crypto-api.md from its index.
const cryptoDocs = project.addTask('docgen:crypto', {
  description: 'docs/crypto-api.md: the API reference of @cdk-secure-bucket/crypto (TypeDoc, markdown)',
  exec: [
    'typedoc --plugin typedoc-plugin-markdown --entryPoints packages/crypto/src/index.ts --tsconfig packages/crypto/tsconfig.json',
    '--name @cdk-secure-bucket/crypto --out docs --entryFileName crypto-api.md --cleanOutputDir false --router module',
    '--readme none --disableSources --excludePrivate --excludeInternal --hidePageHeader --hideBreadcrumbs --logLevel Warn',
  ].join(' '),
});
verify.spawn(cryptoDocs);
verify.exec('git diff --ignore-space-at-eol --exit-code -- docs/crypto-api.md || (echo "docs/crypto-api.md is stale: run npx projen docgen:crypto and commit it" && exit 1)', {
  condition: 'git rev-parse --is-inside-work-tree',
});
// Every TypeScript example in README.md and the API docs must compile for Construct Hub's
// translations (rosetta/default.ts-fixture gives the examples that use `this` a stack).
verify.exec('jsii-rosetta extract --strict --fail');
// ts-jest transpiles without type checking (isolatedModules): type-check tests, examples and benches here.
verify.exec('tsc --noEmit -p test/tsconfig.json');
verify.spawn(project.testTask);
// The heavy suites, alone and in band: under load beside other suites they time out, and a
// timed-out suite's teardown used to hang jest.
const heavyTests = project.addTask('test:heavy', {
  description: 'The suites that move hundreds of MiB and measure memory (*.heavy.test.ts), one at a time',
  steps: [{
    exec: 'jest --ci --runInBand --coverage=false --testMatch \'<rootDir>/test/**/*.heavy.test.ts\' \'<rootDir>/packages/crypto/test/**/*.heavy.test.ts\' --testPathIgnorePatterns /node_modules/ /lib/ /cdk.out/',
    receiveArgs: true,
  }],
});
verify.spawn(heavyTests);
// eslint runs with --fix: a fix it had to make means unlinted code was committed.
// Name what changed: eslint --fix, docgen or a test may have written it.
verify.exec('git diff --ignore-space-at-eol --quiet || (echo "verify changed these tracked files (eslint --fix, docgen or a test wrote them); review and commit the result:" && git diff --ignore-space-at-eol --stat && exit 1)', {
  condition: 'git rev-parse --is-inside-work-tree',
});

// projen's task runner counts a step killed by a signal as a success (its shell resolves a child
// that exited by a signal it did not send with code 0), so a jest killed under load let `verify`
// exit 0. `npm run verify` runs the same task definition through build-tools/run-task.ts, which
// fails on any signal, non-zero status or step it cannot run, and gives the run a deadline.
project.package.setScript('verify', `ts-node --transpile-only build-tools/run-task.ts --deadline-minutes ${VERIFY_DEADLINE_MINUTES} verify`);

project.synth();
