import { main } from '../../src/cli/main';

/** Runs the CLI in-process; `tty` makes standard error a terminal (progress line). */
export async function run(argv: string[], options: { tty?: boolean } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => { stdout += s; } },
    stderr: { write: (s: string) => { stderr += s; }, isTTY: options.tty === true },
  });
  return { code, stdout, stderr };
}
