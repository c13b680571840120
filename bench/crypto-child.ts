/**
 * Child process of the throughput benchmark: runs bench/crypto-throughput.ts's cases and prints the results
 * as one JSON line. Started by bench/run.ts as plain `node --expose-gc` on a transpiled copy of src/ and
 * bench/, so neither TypeScript nor ts-node (tens of MiB of live heap that change V8's GC decisions) is in the
 * measured process. Usage: crypto-child [--quick]; progress goes to stderr.
 */
import { runCrypto } from './crypto-throughput';

runCrypto({ quick: process.argv.includes('--quick') }, (s) => process.stderr.write(`${s}\n`))
  .then((results) => process.stdout.write(`${JSON.stringify(results)}\n`))
  .catch((e: unknown) => {
    process.stderr.write(`${String((e as Error)?.stack ?? e)}\n`);
    process.exitCode = 1;
  });
