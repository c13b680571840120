/**
 * Runs one template through both drivers: the `check` command on a template
 * file and on a cloud assembly, and the in-app S3EncryptionChecks pack, on the
 * same resources as CfnResources of a CDK stack. Their findings must agree.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { asApp } from './closed-world-helpers';
import { cliFindings, packFindings, runCli } from './helpers';

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
    const assembly = asApp(template, path.join(this.dir, `asm-${this.n++}`)).synth().directory;
    const fromAssembly = (await cliFindings(['check', assembly])).filter(on).map((f) => f.split(' @ ')[0]);
    expect(fromAssembly).toEqual(cli);
    const pack = packFindings(asApp(template, path.join(this.dir, `pack-${this.n++}`))).filter(on).map((f) => f.split(' @ ')[0]);
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
