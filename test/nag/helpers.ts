import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { main } from '../../src/cli/main';
import { S3EncryptionChecks, S3EncryptionChecksProps } from '../../src/nag';
import { isFailure } from '../../src/nag/engine/evaluate';
import { DEFAULT_POLICY, EnginePolicy } from '../../src/nag/engine/policy';
import { TemplateIndex } from '../../src/nag/engine/template-index';
import { evaluateTemplate } from '../../src/nag/rules/evaluate-template';

export const FIXTURES = path.join(__dirname, '..', 'fixtures', 'templates');

/** `<ruleId> @ <logicalId>` for each violation the pack reports under `scope`. */
export function packFindings(app: App, props: S3EncryptionChecksProps = {}, scope: IConstruct = app): string[] {
  const report = new S3EncryptionChecks(app, props).validateScope(scope);
  const byPath = new Map(app.node.findAll().map((c) => [c.node.path, c]));
  const out: string[] = [];
  for (const v of report.violations) {
    for (const r of v.violatingResources) {
      const c = byPath.get(r.constructPath!)!;
      out.push(`${v.ruleName} @ ${Stack.of(c).getLogicalId(c as CfnElement)}`);
    }
  }
  return out.sort();
}

/** `<ruleId> @ <logicalId>` for each failure the engine reports on a template (UNKNOWN as `[Unresolved]`). */
export function templateFindings(template: unknown, policy: EnginePolicy = DEFAULT_POLICY): string[] {
  return evaluateTemplate(new TemplateIndex(template, policy)).filter(isFailure)
    .map((f) => `${f.ruleId}${f.status === 'UNKNOWN' ? '[Unresolved]' : ''} @ ${f.logicalId}`).sort();
}

/** Synthesizes the app into a fresh temp directory and returns it. */
export function synthToTemp(app: App): string {
  return app.synth().directory;
}

/** A fresh app whose assembly goes to a temp dir. */
export function newApp(): App {
  return new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'nag-')) });
}

/** Runs the command, capturing output. */
export async function runCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: { write: (s: string) => { stdout += s; } }, stderr: { write: (s: string) => { stderr += s; } } });
  return { code, stdout, stderr };
}

/** `<ruleId> @ <logicalId>` from the command's JSON output. */
export async function cliFindings(argv: string[]): Promise<string[]> {
  const r = await runCli([...argv, '--format', 'json']);
  if (r.code === 2) throw new Error(r.stderr);
  const json = JSON.parse(r.stdout);
  return json.findings.map((f: any) => `${f.ruleId}${f.status === 'UNKNOWN' ? '[Unresolved]' : ''} @ ${f.logicalId}`).sort();
}
