/**
 * Child process of the inventory benchmark: runs `audit-inventory` on a local inventory (the
 * real command, with a batch manifest) and prints one JSON line: rows, time, peak RSS.
 *
 * Run by bench/inventory.ts as plain `node` on a transpiled copy of src/ (TypeScript is not in
 * the measured process). Usage: inventory-child <manifest.json> <batch-manifest.csv>
 */
import { main } from '../src/cli/main';

async function run(): Promise<void> {
  const [manifest, batch] = process.argv.slice(2);
  let stdout = '';
  const baselineRssBytes = process.memoryUsage().rss;
  let peakSampled = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peakSampled = Math.max(peakSampled, process.memoryUsage().rss);
  }, 20);
  const t0 = process.hrtime.bigint();
  const code = await main(['audit-inventory', manifest, '--expect-mode', 'SSE-KMS', '--format', 'json', '--batch-manifest', batch], {
    stdout: { write: (s: string) => { stdout += s; } },
    stderr: { write: (s: string) => process.stderr.write(s) },
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  clearInterval(timer);
  const report = JSON.parse(stdout);
  process.stdout.write(JSON.stringify({
    code,
    rows: report.objects,
    nonCompliant: report.nonCompliant,
    ms,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    peakSampledRssBytes: peakSampled,
    baselineRssBytes,
  }) + '\n');
}

run().catch((e) => {
  process.stderr.write(String(e?.stack ?? e) + '\n');
  process.exit(3);
});
