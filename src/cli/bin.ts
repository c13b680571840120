#!/usr/bin/env node
// The package's bin: `npx cdk-secure-bucket check ...`. The commands live in ./main.
import { main } from './main';

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
