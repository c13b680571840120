import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GateFailure, KNOWN_STEP_KEYS, parseArgs, TaskRunner } from '../../build-tools/run-task';

/**
 * The gate must fail whenever a step does not end with status 0: killed by a
 * signal (its own or one sent from outside, as a busy machine or an impatient
 * user does to jest), a non-zero status, a deadline, or a step it cannot run.
 * projen's own runner counts a step killed by a signal as a success.
 */
const ROOT = join(__dirname, '..', '..');
const RUNNER = join(ROOT, 'build-tools', 'run-task.ts');

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gate-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes `.projen/tasks.json` with `tasks` (name -> steps) into the temp project. */
function manifest(tasks: Record<string, { steps: object[]; env?: Record<string, string>; condition?: string }>, env?: Record<string, string>): void {
  mkdirSync(join(dir, '.projen'), { recursive: true });
  const all = Object.fromEntries(Object.entries(tasks).map(([name, t]) => [name, { name, ...t }]));
  writeFileSync(join(dir, '.projen', 'tasks.json'), JSON.stringify({ tasks: all, env }));
}

/** A step that appends `word` to the file `log` of the temp project. */
const mark = (word: string) => ({ exec: `echo ${word} >> log` });
const logged = () => (existsSync(join(dir, 'log')) ? readFileSync(join(dir, 'log'), 'utf8').split('\n').filter(Boolean) : []);

async function run(task: string, options: { args?: string[]; deadlineMs?: number } = {}): Promise<GateFailure | undefined> {
  const lines: string[] = [];
  try {
    await new TaskRunner({ root: dir, log: (l) => lines.push(l), ...options }).run(task);
    return undefined;
  } catch (e) {
    if (e instanceof GateFailure) return e;
    throw e;
  }
}

/** Whether `pid` ends (or is a zombie waiting for init to reap it) within 5 s. */
async function ended(pid: number): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    if (/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

const selfKill = (signal: string) => ['node', '-e', `process.kill(process.pid, '${signal}')`];

describe('a step ended by a signal fails the run', () => {
  test.each(['SIGTERM', 'SIGKILL', 'SIGINT'])('%s sent by the step to itself (execArgs)', async (signal) => {
    manifest({ verify: { steps: [mark('before'), { execArgs: selfKill(signal) }, mark('after')] } });
    const failure = await run('verify');
    expect(failure?.message).toMatch(new RegExp(`#2 was killed by ${signal}`));
    expect(failure?.exitCode).toBeGreaterThan(128);
    expect(logged()).toEqual(['before']);
  });

  test('SIGTERM from another process to a running step (exec), as to a jest under load', async () => {
    // A sibling sends SIGTERM to the step's process while it runs.
    manifest({ verify: { steps: [{ exec: '(sleep 0.3; kill -TERM $$) & exec sleep 30' }, mark('lint')] } });
    const failure = await run('verify');
    expect(failure?.message).toMatch(/#1 was killed by SIGTERM/);
    expect(logged()).toEqual([]);
  });

  test('a step of a spawned task killed by a signal stops the spawning task', async () => {
    manifest({
      verify: { steps: [{ spawn: 'test' }, mark('after-test')] },
      test: { steps: [{ execArgs: selfKill('SIGKILL') }, { spawn: 'eslint' }] },
      eslint: { steps: [mark('eslint')] },
    });
    const failure = await run('verify');
    expect(failure?.message).toMatch(/^verify » test #1 was killed by SIGKILL/);
    expect(logged()).toEqual([]);
  });

  test('a signal inside a shell pipeline (exec) fails through the shell status', async () => {
    manifest({ verify: { steps: [{ exec: 'node -e "process.kill(process.pid, \'SIGTERM\')" | cat' }, mark('after')] } });
    const failure = await run('verify');
    expect(failure?.message).toMatch(/#1 failed with exit status 143/);
    expect(logged()).toEqual([]);
  });
});

describe('other failures', () => {
  test('a non-zero status fails the run with that status', async () => {
    manifest({ verify: { steps: [{ exec: 'exit 3' }, mark('after')] } });
    const failure = await run('verify');
    expect(failure?.message).toBe('verify #1 failed with exit status 3');
    expect(failure?.exitCode).toBe(3);
    expect(logged()).toEqual([]);
  });

  test('a step past the deadline is killed with its process group and fails the run', async () => {
    manifest({ verify: { steps: [{ exec: 'sleep 30 & echo $! > child.pid; wait' }, mark('after')] } });
    const started = Date.now();
    const failure = await run('verify', { deadlineMs: 500 });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(failure?.message).toMatch(/^deadline of 1 s passed; step "verify #1" had run for \d+ s$/);
    expect(failure?.exitCode).toBe(124);
    // The step's own child went with it.
    const pid = Number(readFileSync(join(dir, 'child.pid'), 'utf8'));
    expect(await ended(pid)).toBe(true);
    expect(logged()).toEqual([]);
  });

  test('a step this runner does not implement fails instead of passing', async () => {
    manifest({ verify: { steps: [{ builtin: 'release/bump-version' }, mark('after')] } });
    expect((await run('verify'))?.message).toBe('verify #1: step uses builtin, which this runner does not implement');
    expect(logged()).toEqual([]);
  });

  test('an unknown or self-spawning task fails', async () => {
    manifest({ verify: { steps: [{ spawn: 'missing' }] }, loop: { steps: [{ spawn: 'loop' }] } });
    expect((await run('verify'))?.message).toBe('no task "missing" in .projen/tasks.json');
    expect((await run('loop'))?.message).toBe('task "loop" spawns itself (loop » loop)');
  });

  test('a step that cannot start fails', async () => {
    manifest({ verify: { steps: [{ execArgs: ['no-such-command-anywhere'] }] } });
    expect((await run('verify'))?.message).toMatch(/^verify #1: could not start no-such-command-anywhere/);
  });
});

describe('what passes runs as projen runs it', () => {
  test('steps in order, spawned tasks, conditions, env, received arguments and node_modules/.bin on PATH', async () => {
    mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', '.bin', 'local-tool'), '#!/bin/sh\necho "tool $*" >> log\n', { mode: 0o755 });
    manifest({
      verify: { steps: [mark('one'), { spawn: 'test' }, { exec: 'echo skipped >> log', condition: 'false' }, { say: 'hello' }] },
      test: {
        env: { WORD: 'from-env', COMPUTED: '$(echo computed)' },
        steps: [{ execArgs: ['local-tool', '--ci'], receiveArgs: true }, { exec: 'echo $WORD $COMPUTED $GLOBAL >> log' }],
      },
    }, { GLOBAL: 'global' });
    expect(await run('verify', { args: ['a b', 'c'] })).toBeUndefined();
    expect(logged()).toEqual(['one', 'tool --ci a b c', 'from-env computed global']);
  });

  test('a task whose condition is false is skipped; a killed condition fails', async () => {
    manifest({
      verify: { steps: [{ spawn: 'maybe' }, mark('end')] },
      maybe: { condition: 'exit 1', steps: [mark('maybe')] },
      killed: { steps: [{ exec: 'echo x >> log', condition: 'kill -KILL $$' }] },
    });
    expect(await run('verify')).toBeUndefined();
    expect(logged()).toEqual(['end']);
    expect((await run('killed'))?.message).toBe('killed #1: its condition was killed by SIGKILL');
  });
});

describe('the command line', () => {
  test('parses the deadline, the task and the arguments after --', () => {
    expect(parseArgs(['--deadline-minutes', '45', 'verify', '--', '-t', 'x'])).toEqual({ task: 'verify', deadlineMs: 2_700_000, args: ['-t', 'x'] });
    expect(() => parseArgs(['--deadline-minutes', '0', 'verify'])).toThrow('--deadline-minutes needs a positive number, got "0"');
    expect(() => parseArgs(['verify', 'test'])).toThrow(/one task at a time/);
    expect(() => parseArgs([])).toThrow(/usage/);
  });

  /** Runs the runner as `npm run verify` does, in a temp project. */
  function npmRunVerify(): { status: number | null; stderr: string } {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({
      name: 'gate-test',
      version: '1.0.0',
      scripts: { verify: `"${process.execPath}" -r "${require.resolve('ts-node/register/transpile-only')}" "${RUNNER}" verify` },
    }));
    const r = spawnSync('npm', ['run', '--silent', 'verify'], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, npm_config_update_notifier: 'false', TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') } });
    return { status: r.status, stderr: r.stderr };
  }

  test('npm run verify exits non-zero when a step is killed, and 0 only when every step passed', () => {
    manifest({ verify: { steps: [mark('one'), { exec: 'node -e "process.kill(process.pid, \'SIGKILL\')"' }, mark('two')] } });
    const killed = npmRunVerify();
    expect(killed.status).not.toBe(0);
    expect(killed.stderr).toMatch(/\[gate\] FAILED: verify #2 (was killed by SIGKILL|failed with exit status 137)/);
    expect(logged()).toEqual(['one']);

    rmSync(join(dir, 'log'));
    manifest({ verify: { steps: [mark('one'), mark('two')] } });
    const passed = npmRunVerify();
    expect(passed.stderr).toMatch(/\[gate\] verify: every step exited 0/);
    expect(passed.status).toBe(0);
    expect(logged()).toEqual(['one', 'two']);
  }, 120_000);

  test('the runner itself killed (SIGTERM passed on to the step, or SIGKILL) fails npm run verify', () => {
    // $PPID of the step's shell is the runner.
    manifest({ verify: { steps: [{ exec: 'kill -TERM $PPID; sleep 20' }, mark('after')] } });
    const terminated = npmRunVerify();
    expect(terminated.status).not.toBe(0);
    expect(terminated.stderr).toMatch(/FAILED: the gate received SIGTERM/);
    expect(logged()).toEqual([]);

    manifest({ verify: { steps: [{ exec: 'kill -KILL $PPID; sleep 1' }, mark('after')] } });
    expect(npmRunVerify().status).not.toBe(0);
    expect(logged()).toEqual([]);
  }, 120_000);
});

describe('this repository', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

  test('npm run verify goes through this runner, with a deadline', () => {
    expect(pkg.scripts.verify).toMatch(/^ts-node --transpile-only build-tools\/run-task\.ts --deadline-minutes \d+ verify$/);
  });

  test('.ci/run runs the README test command, and fails on the first failing command', () => {
    const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const command = /Run everything CI runs[^]*?```sh\n(.+)\n```/.exec(readme)?.[1];
    expect(command).toBe('npm ci && npm run verify');
    expect(ci).toMatch(/^set -euo pipefail$/m);
    expect(ci.trim().split('\n').pop()).toBe(command);
  });

  test('every task verify runs is one this runner can run (no step kind it would refuse)', () => {
    const tasks = JSON.parse(readFileSync(join(ROOT, '.projen', 'tasks.json'), 'utf8')).tasks as Record<string, { steps?: Array<Record<string, unknown>> }>;
    const seen = new Set<string>();
    const visit = (name: string) => {
      if (seen.has(name)) return;
      seen.add(name);
      for (const step of tasks[name]?.steps ?? []) {
        expect(Object.keys(step).filter((k) => !KNOWN_STEP_KEYS.has(k))).toEqual([]);
        if (typeof step.spawn === 'string') visit(step.spawn);
      }
    };
    visit('verify');
    expect([...seen]).toEqual(expect.arrayContaining(['verify', 'compile', 'test', 'eslint']));
  });
});
