/**
 * Runs the `cdk-secure-bucket` CLI in a child process, to assert what a hostile input costs it:
 * exit code, output, wall time and peak resident memory. The child is plain `node` on a CommonJS
 * copy of src/ (test/fixtures/transpiled-copy.ts: the CLI loads only its own layers of it); a preload
 * script writes the child's VmHWM (peak RSS, from /proc/self/status) to a file when it exits.
 * The servers a test points the child at run in the test's process, so their memory is not counted.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, tsFilesUnder, writeTranspiledCopy } from '../fixtures/transpiled-copy';

export interface ChildResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Peak resident set size of the child, bytes. */
  readonly peakRss: number;
  readonly ms: number;
}

export interface CliChild {
  run(argv: string[], options?: { timeoutMs?: number; env?: Record<string, string> }): Promise<ChildResult>;
  /** Kills children still running and removes the transpiled copy. */
  dispose(): void;
}

const PRELOAD = `
const fs = require('fs');
process.on('exit', () => {
  const m = /VmHWM:\\s+(\\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  fs.writeFileSync(process.env.CLI_CHILD_HWM_FILE, m ? String(Number(m[1]) * 1024) : '0');
});
`;

export function buildCliChild(): CliChild {
  const dir = mkdtempSync(join(tmpdir(), 'cli-child-'));
  const running = new Set<ReturnType<typeof spawn>>();
  let n = 0;
  try {
    writeTranspiledCopy(tsFilesUnder(join(REPO_ROOT, 'src')), dir);
    writeFileSync(join(dir, 'preload.js'), PRELOAD);
    // src/check/package-info reads the version from the package root.
    copyFileSync(join(REPO_ROOT, 'package.json'), join(dir, 'package.json'));
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const cli = join(dir, 'src', 'cli', 'bin.js');

  const run: CliChild['run'] = (argv, options = {}) => new Promise((resolve, reject) => {
    const hwmFile = join(dir, `hwm-${n++}`);
    const started = Date.now();
    const child = spawn(process.execPath, ['--require', join(dir, 'preload.js'), cli, ...argv], {
      env: {
        ...process.env,
        NODE_PATH: join(REPO_ROOT, 'node_modules'),
        NODE_OPTIONS: '',
        CLI_CHILD_HWM_FILE: hwmFile,
        // The AWS SDK's warning that its 2027 releases need node 22: not the CLI's output.
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    const timeoutMs = options.timeoutMs ?? 60_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the CLI did not finish in ${timeoutMs} ms: ${argv.join(' ')}\n${stderr}`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      running.delete(child);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      running.delete(child);
      let peakRss = 0;
      try {
        peakRss = Number(readFileSync(hwmFile, 'utf8'));
      } catch {
        // killed before its exit handler ran
      }
      resolve({ code, stdout, stderr, peakRss, ms: Date.now() - started });
    });
  });

  return {
    run,
    dispose: () => {
      for (const child of running) child.kill('SIGKILL');
      running.clear();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
