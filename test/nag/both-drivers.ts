/**
 * Runs one template through both drivers: the `check` command on a template
 * file and on a cloud assembly, and the in-app S3EncryptionChecks pack, on the
 * same resources as CfnResources of a CDK stack. Their findings must agree.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnCondition, CfnResource, Fn, Stack } from 'aws-cdk-lib';
import { cliFindings, packFindings, runCli } from './helpers';

/** The same template as CfnResources of a CDK stack (logical ids and conditions kept), for the pack. */
export function asStack(template: any, outdir?: string): App {
  const app = new App(outdir === undefined ? {} : { outdir });
  const stack = new Stack(app, 'S');
  for (const name of Object.keys(template.Conditions ?? {})) {
    new CfnCondition(stack, name, { expression: Fn.conditionEquals('a', 'b') }).overrideLogicalId(name);
  }
  for (const [id, r] of Object.entries(template.Resources as Record<string, any>)) {
    const res = new CfnResource(stack, id, { type: r.Type, properties: r.Properties });
    res.overrideLogicalId(id);
    if (r.Condition) res.addOverride('Condition', r.Condition);
  }
  return app;
}

/** A temp directory for template files, removed with `dispose`. */
export class TemplateFiles {
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'both-drivers-'));
  private n = 0;

  public write(template: unknown): string {
    const file = path.join(this.dir, `t-${this.n++}.json`);
    fs.writeFileSync(file, JSON.stringify(template));
    return file;
  }

  /** Rule ids (with `[Unresolved]`) failing on `logicalId` through the command and the pack; they must agree. */
  public async bothDrivers(template: unknown, logicalId = 'Data'): Promise<string[]> {
    const on = (f: string) => f.endsWith(`@ ${logicalId}`);
    const cli = (await cliFindings(['check', this.write(template)])).filter(on).map((f) => f.split(' @ ')[0]);
    const assembly = asStack(template, path.join(this.dir, `asm-${this.n++}`)).synth().directory;
    const fromAssembly = (await cliFindings(['check', assembly])).filter(on).map((f) => f.split(' @ ')[0]);
    expect(fromAssembly).toEqual(cli);
    const pack = packFindings(asStack(template)).filter(on).map((f) => f.split(' @ ')[0]);
    expect(pack.map((f) => f.replace(/\[Unresolved\]$/, ''))).toEqual(cli.map((f) => f.replace(/\[Unresolved\]$/, '')));
    return cli;
  }

  /** The detail the command gives for `ruleId` on `logicalId` ('' when it passes). */
  public async detail(template: unknown, ruleId: string, logicalId = 'Data'): Promise<string> {
    const r = await runCli(['check', this.write(template), '--format', 'json']);
    return JSON.parse(r.stdout).findings.find((f: any) => f.logicalId === logicalId && f.ruleId === ruleId)?.detail ?? '';
  }

  public dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
