/**
 * The `cdk-secure-bucket` command line: dispatches to `check` (templates, before deploy) and
 * `audit-inventory` (every object, after deploy), and turns bad input into exit status 2.
 */
import { auditInventoryCommand, AUDIT_USAGE } from './audit-inventory-command';
import { CHECK_USAGE, checkCommand } from './check-command';
import { CliIo } from './cli-io';
import { VERSION } from '../check/package-info';
import { InputError } from '../cli-input/input-error';

/** Both commands' usage: `check` before deploy (templates), `audit-inventory` after deploy (every object, from S3 Inventory). */
export const USAGE = `${CHECK_USAGE}\n${AUDIT_USAGE}`;

/**
 * Runs the command. Returns the exit code: 0 compliant, 1 findings, 2 bad input.
 */
export async function main(argv: string[], io: CliIo = process): Promise<number> {
  try {
    return await run(argv, io);
  } catch (e) {
    if (e instanceof InputError) {
      io.stderr.write(`cdk-secure-bucket: ${e.message}\n`);
      return 2;
    }
    io.stderr.write(`cdk-secure-bucket: internal error: ${(e as Error).stack ?? e}\n`);
    return 2;
  }
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const args = [...argv];
  if (args.length === 0 || args[0] === '-h' || args[0] === '--help') {
    (args.length === 0 ? io.stderr : io.stdout).write(USAGE);
    return args.length === 0 ? 2 : 0;
  }
  if (args[0] === '--version') {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const command = args.shift()!;
  if (command === 'audit-inventory') return auditInventoryCommand(args, io);
  if (command === 'check') return checkCommand(args, io);
  throw new InputError(`unknown command '${command}' (the commands are 'check' and 'audit-inventory'; see --help)`);
}
