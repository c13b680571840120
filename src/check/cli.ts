#!/usr/bin/env node
// The package's bin: `npx cdk-secure-bucket check ...`. The command lives in ./main.
import { main } from './main';

export { main, CliIo } from './main';

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
