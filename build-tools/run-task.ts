/**
 * The gate's task runner: runs a task of `.projen/tasks.json` the way projen
 * does (spawn, exec, execArgs, say, conditions, task env, received arguments),
 * except that it fails closed.
 *
 * Why not `projen <task>`: projen's task shell (a port of dax, projen 0.103,
 * `lib/run-task.cjs` `spawnCommand`) resolves a child that ended by a signal it
 * did not send itself with exit code 0 (`child.on('exit', code => code ?? 0)`),
 * so a jest killed by SIGTERM or SIGKILL let `verify` go on to eslint and exit 0.
 * Here a step passes only when it exits with status 0: a signal, a non-zero
 * status, a spawn error, an unknown step kind or the deadline all fail the run,
 * with a line saying which step and why. Received signals are passed on to the
 * running step's whole process group, and the run then fails.
 *
 * Usage: `ts-node --transpile-only build-tools/run-task.ts [--deadline-minutes N] <task> [-- args]`
 * (run from the project root; `npm run verify` does this). The task definitions
 * stay in `.projenrc.ts`: this file only executes them.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

interface TaskStep {
  readonly name?: string;
  readonly exec?: string;
  readonly execArgs?: readonly string[];
  readonly spawn?: string;
  readonly say?: string;
  readonly builtin?: string;
  readonly condition?: string;
  readonly cwd?: string;
  readonly env?: Record<string, string>;
  readonly receiveArgs?: boolean;
  readonly args?: readonly string[];
}

interface TaskSpec {
  readonly name: string;
  readonly steps?: readonly TaskStep[];
  readonly env?: Record<string, string>;
  readonly condition?: string;
  readonly cwd?: string;
  readonly requiredEnv?: readonly string[];
}

interface TasksManifest {
  readonly tasks: Record<string, TaskSpec>;
  readonly env?: Record<string, string>;
}

/** Why a run stopped: the gate prints it and exits non-zero. */
export class GateFailure extends Error {
  constructor(message: string, public readonly exitCode: number = 1) {
    super(message);
    this.name = 'GateFailure';
  }
}

/** Step keys this runner understands; any other key fails the run (a step it cannot run is not a step that passed). */
export const KNOWN_STEP_KEYS: ReadonlySet<string> = new Set(['name', 'exec', 'execArgs', 'spawn', 'say', 'condition', 'cwd', 'env', 'receiveArgs', 'args']);
const KNOWN_TASK_KEYS = new Set(['name', 'description', 'steps', 'env', 'condition', 'cwd', 'requiredEnv']);

const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };

export interface RunOptions {
  readonly root: string;
  /** Arguments after `--`, for steps with `receiveArgs`. */
  readonly args?: readonly string[];
  /** Wall-clock limit for the whole run; the running step's process group is killed when it passes. */
  readonly deadlineMs?: number;
  readonly log?: (line: string) => void;
}

/** Outcome of one child process. */
interface ChildEnd {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class TaskRunner {
  private readonly manifest: TasksManifest;
  private readonly log: (line: string) => void;
  private readonly deadline?: number;
  private current?: { pid: number; label: string; started: number };
  private stopping?: { reason: string; exitCode: number };
  private readonly baseEnv: NodeJS.ProcessEnv;

  constructor(private readonly options: RunOptions) {
    const file = join(options.root, '.projen', 'tasks.json');
    this.manifest = JSON.parse(readFileSync(file, 'utf8')) as TasksManifest;
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.deadline = options.deadlineMs === undefined ? undefined : Date.now() + options.deadlineMs;
    const bin = join(options.root, 'node_modules', '.bin');
    this.baseEnv = { ...process.env, PATH: [bin, process.env.PATH ?? ''].join(delimiter) };
    for (const [k, v] of Object.entries(this.manifest.env ?? {})) {
      // The manifest's own PATH entry (`$(npx -c "node --print process.env.PATH")`) computes the
      // npm PATH; node_modules/.bin first does the same without starting npx.
      if (k === 'PATH') continue;
      this.baseEnv[k] = this.expand(v, this.baseEnv, `env ${k}`);
    }
  }

  /** Stops the run: kills the running step's process group; `run` then rejects with `reason`. */
  public stop(reason: string, exitCode: number, signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.stopping) return;
    this.stopping = { reason, exitCode };
    this.killCurrent(signal);
  }

  public async run(taskName: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    if (this.deadline !== undefined) {
      const ms = Math.max(0, this.deadline - Date.now());
      timer = setTimeout(() => {
        const running = this.current ? `; step "${this.current.label}" had run for ${Math.round((Date.now() - this.current.started) / 1000)} s` : '';
        this.stop(`deadline of ${duration(this.options.deadlineMs ?? 0)} passed${running}`, 124, 'SIGTERM');
      }, ms);
      timer.unref();
    }
    try {
      await this.runTask(taskName, [], this.baseEnv);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  private async runTask(name: string, chain: readonly string[], inherited: NodeJS.ProcessEnv): Promise<void> {
    const task = this.manifest.tasks[name];
    if (!task) throw new GateFailure(`no task "${name}" in .projen/tasks.json`);
    if (chain.includes(name)) throw new GateFailure(`task "${name}" spawns itself (${[...chain, name].join(' » ')})`);
    const unknown = Object.keys(task).filter((k) => !KNOWN_TASK_KEYS.has(k));
    if (unknown.length > 0) throw new GateFailure(`task "${name}" uses ${unknown.join(', ')}, which this runner does not implement`);
    const path = [...chain, name];
    const env: NodeJS.ProcessEnv = { ...inherited };
    for (const [k, v] of Object.entries(task.env ?? {})) env[k] = this.expand(v, env, `task ${name} env ${k}`);
    for (const k of task.requiredEnv ?? []) {
      if (env[k] === undefined) throw new GateFailure(`task "${name}" requires the environment variable ${k}`);
    }
    const cwd = task.cwd ? resolve(this.options.root, task.cwd) : this.options.root;
    if (task.condition !== undefined && !(await this.condition(task.condition, env, cwd, path.join(' » ')))) {
      this.log(`[gate] ${path.join(' » ')}: condition false, skipped`);
      return;
    }
    for (const [i, step] of (task.steps ?? []).entries()) {
      await this.runStep(step, path, i, env, cwd);
    }
  }

  private async runStep(step: TaskStep, path: readonly string[], index: number, taskEnv: NodeJS.ProcessEnv, taskCwd: string): Promise<void> {
    this.checkStopping();
    const label = `${path.join(' » ')} #${index + 1}${step.name ? ` (${step.name})` : ''}`;
    const unknown = Object.keys(step).filter((k) => !KNOWN_STEP_KEYS.has(k));
    if (unknown.length > 0) throw new GateFailure(`${label}: step uses ${unknown.join(', ')}, which this runner does not implement`);
    const env: NodeJS.ProcessEnv = { ...taskEnv };
    for (const [k, v] of Object.entries(step.env ?? {})) env[k] = this.expand(v, env, `${label} env ${k}`);
    const cwd = step.cwd ? resolve(taskCwd, step.cwd) : taskCwd;
    if (step.condition !== undefined && !(await this.condition(step.condition, env, cwd, label))) return;

    const received = step.receiveArgs ? [...(this.options.args ?? [])] : [];
    if (step.spawn !== undefined) {
      await this.runTask(step.spawn, path, env);
      return;
    }
    if (step.say !== undefined) {
      this.log(`[gate] ${step.say}`);
      return;
    }
    let command: string;
    let argv: string[];
    if (step.execArgs !== undefined) {
      // projen substitutes "$@" in execArgs with the received arguments, and appends them otherwise.
      const hasPlaceholder = step.execArgs.includes('$@');
      const expanded = step.execArgs.flatMap((a) => (a === '$@' ? received : [a]));
      const [file, ...rest] = [...expanded, ...(hasPlaceholder ? [] : received), ...(step.args ?? [])];
      command = file;
      argv = rest;
    } else if (step.exec !== undefined) {
      const extra = [...received, ...(step.args ?? [])].map(shellQuote).join(' ');
      command = 'bash';
      // `set -o pipefail`: a pipeline fails when any part fails.
      argv = ['-o', 'pipefail', '-c', extra ? `${step.exec} ${extra}` : step.exec];
    } else {
      throw new GateFailure(`${label}: a step with neither exec, execArgs, spawn nor say`);
    }
    this.log(`[gate] ${label}: ${step.exec ?? [command, ...argv].join(' ')}`);
    const end = await this.child(command, argv, env, cwd, label);
    this.checkStopping();
    if (end.signal !== null) {
      throw new GateFailure(`${label} was killed by ${end.signal}: a step ended by a signal fails the run`, 128 + (SIGNAL_NUMBERS[end.signal] ?? 0));
    }
    if (end.code !== 0) throw new GateFailure(`${label} failed with exit status ${end.code}`, end.code ?? 1);
  }

  /** A condition passes on status 0, is false on another status, and fails the run when it ends by a signal. */
  private async condition(condition: string, env: NodeJS.ProcessEnv, cwd: string, label: string): Promise<boolean> {
    const end = await this.child('bash', ['-c', condition], env, cwd, `${label} condition`, 'ignore');
    this.checkStopping();
    if (end.signal !== null) throw new GateFailure(`${label}: its condition was killed by ${end.signal}`);
    return end.code === 0;
  }

  private child(command: string, argv: string[], env: NodeJS.ProcessEnv, cwd: string, label: string, stdout: 'inherit' | 'ignore' = 'inherit'): Promise<ChildEnd> {
    return new Promise<ChildEnd>((resolveEnd, reject) => {
      // A process group of its own, so a deadline or a received signal reaches everything the step started.
      const child = spawn(command, argv, { cwd, env, stdio: ['ignore', stdout, 'inherit'], detached: true });
      child.once('error', (e) => {
        this.current = undefined;
        reject(new GateFailure(`${label}: could not start ${command}: ${e.message}`, 127));
      });
      child.once('spawn', () => {
        this.current = { pid: child.pid!, label, started: Date.now() };
        if (this.stopping) this.killCurrent('SIGTERM');
      });
      child.once('exit', (code, signal) => {
        // Whatever the step left running in its group goes with it.
        try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* the group is already gone */ }
        this.current = undefined;
        resolveEnd({ code, signal });
      });
    });
  }

  private killCurrent(signal: NodeJS.Signals): void {
    const current = this.current;
    if (!current) return;
    try { process.kill(-current.pid, signal); } catch { return; }
    // A step that ignores the signal is killed outright after a grace period.
    const grace = setTimeout(() => {
      try { process.kill(-current.pid, 'SIGKILL'); } catch { /* gone */ }
    }, 10_000);
    grace.unref();
  }

  private checkStopping(): void {
    if (this.stopping) throw new GateFailure(this.stopping.reason, this.stopping.exitCode);
  }

  /** projen's `$(command)` env values are evaluated by a shell; a failing evaluation fails the run. */
  private expand(value: string, env: NodeJS.ProcessEnv, label: string): string {
    const m = /^\$\((.*)\)$/s.exec(value);
    if (!m) return value;
    const r = spawnSync('bash', ['-c', m[1]], { cwd: this.options.root, env, encoding: 'utf8' });
    if (r.status !== 0) throw new GateFailure(`${label}: $(${m[1]}) ${r.signal ? `was killed by ${r.signal}` : `failed with exit status ${r.status}`}`);
    return r.stdout.trim();
  }
}

function duration(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

/** Parses `[--deadline-minutes N] <task> [-- args...]`. */
export function parseArgs(argv: readonly string[]): { task: string; deadlineMs?: number; args: string[] } {
  const dash = argv.indexOf('--');
  const own = dash < 0 ? [...argv] : argv.slice(0, dash);
  const args = dash < 0 ? [] : argv.slice(dash + 1);
  let deadlineMs: number | undefined;
  let task: string | undefined;
  for (let i = 0; i < own.length; i++) {
    const a = own[i];
    if (a === '--deadline-minutes') {
      const n = Number(own[++i]);
      if (!Number.isFinite(n) || n <= 0) throw new GateFailure(`--deadline-minutes needs a positive number, got ${JSON.stringify(own[i])}`, 2);
      deadlineMs = n * 60_000;
    } else if (a.startsWith('-')) {
      throw new GateFailure(`unknown option ${a}`, 2);
    } else if (task === undefined) {
      task = a;
    } else {
      throw new GateFailure(`one task at a time (got "${task}" and "${a}"); pass arguments for the task after --`, 2);
    }
  }
  if (task === undefined) throw new GateFailure('usage: run-task [--deadline-minutes N] <task> [-- args]', 2);
  return { task, deadlineMs, args };
}

async function main(): Promise<void> {
  let runner: TaskRunner | undefined;
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(process.argv.slice(2));
    runner = new TaskRunner({ root: process.cwd(), args: parsed.args, deadlineMs: parsed.deadlineMs });
  } catch (e) {
    fail(e);
    return;
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => runner!.stop(`the gate received ${signal}`, 128 + SIGNAL_NUMBERS[signal], signal));
  }
  const started = Date.now();
  try {
    await runner.run(parsed.task);
  } catch (e) {
    fail(e);
    return;
  }
  process.stderr.write(`[gate] ${parsed.task}: every step exited 0 (${Math.round((Date.now() - started) / 1000)} s)\n`);
}

function fail(e: unknown): void {
  const failure = e instanceof GateFailure ? e : new GateFailure(e instanceof Error ? e.stack ?? e.message : String(e));
  process.stderr.write(`[gate] FAILED: ${failure.message}\n`);
  process.exitCode = failure.exitCode === 0 ? 1 : failure.exitCode;
}

if (require.main === module) {
  void main();
}
