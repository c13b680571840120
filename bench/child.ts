/**
 * Runs a benchmark child: plain `node` on a transpiled script (see test/fixtures/transpiled-copy.ts),
 * started through `/bin/sh` without `exec`, because Linux carries ru_maxrss (and the forked copy's
 * high-water mark) across fork+exec: a child exec'd straight from a large benchmark process would report
 * that process's peak, while the shell's own child starts clean. Returns the last line of its stdout,
 * parsed as JSON.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../test/fixtures/transpiled-copy';

export interface NodeChildOptions {
  /** Options for node itself, e.g. `--expose-gc`. */
  readonly nodeArgs?: readonly string[];
  /** Show the child's stderr (progress) as it runs; otherwise it is kept for the error message. @default false */
  readonly inheritStderr?: boolean;
  /** Names the child in errors. */
  readonly what: string;
}

export function runNodeChild(script: string, args: readonly string[], o: NodeChildOptions): unknown {
  const res = spawnSync('/bin/sh', ['-c', '"$0" "$@"; exit $?', process.execPath, ...(o.nodeArgs ?? []), script, ...args], {
    encoding: 'utf8',
    // Modules resolve from the repository; nothing (ts-node, loaders) comes in through NODE_OPTIONS.
    env: { ...process.env, NODE_PATH: join(REPO_ROOT, 'node_modules'), NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', o.inheritStderr ? 'inherit' : 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (res.status !== 0) {
    throw new Error(`${o.what} failed (status ${res.status})${o.inheritStderr ? '' : `: ${res.stderr}`}`);
  }
  return JSON.parse(res.stdout.trim().split('\n').pop()!);
}
