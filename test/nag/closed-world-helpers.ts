import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnCondition, CfnResource, Fn, Stack } from 'aws-cdk-lib';
import { FIXTURES, cliFindings, packFindings } from './helpers';
import { EncryptionModeKind } from '../../src';

/** The compliant SSE-KMS template (bucket `Data`, its policy, key, trail and trail bucket), fresh. */
export const compliantKms = (): any => JSON.parse(fs.readFileSync(path.join(FIXTURES, 'compliant-sse-kms.json'), 'utf8'));

/**
 * The template as CfnResources of a CDK stack `S` (logical ids, conditions and
 * Transforms kept), in an app that synthesizes to `outdir` (a fresh temp
 * directory by default).
 */
export function asApp(template: any, outdir: string = fs.mkdtempSync(path.join(os.tmpdir(), 'closed-world-'))): App {
  const app = new App({ outdir });
  const stack = new Stack(app, 'S');
  const transforms = template.Transform === undefined ? [] : Array.isArray(template.Transform) ? template.Transform : [template.Transform];
  for (const t of transforms) stack.addTransform(t);
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

/**
 * `<ruleId> @ <logicalId>` findings (`[Unresolved]` dropped) through the three
 * ways in: `check` on a template file, the S3EncryptionChecks pack on the
 * same resources in a CDK stack, and `check` on that app's cloud assembly.
 * The three must agree; the list is returned.
 */
export async function threeWays(template: any, extraArgs: string[] = []): Promise<string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closed-world-file-'));
  try {
    const file = path.join(dir, 'template.json');
    fs.writeFileSync(file, JSON.stringify(template));
    const strip = (fs_: string[]) => fs_.map((f) => f.replace('[Unresolved]', '')).filter((f) => !f.includes('@ CDKMetadata')).sort();
    const onFile = strip(await cliFindings(['check', file, ...extraArgs]));
    const app = asApp(template);
    const modes = extraArgs.includes('--allowed-modes') ? extraArgs[extraArgs.indexOf('--allowed-modes') + 1].split(',')
      .map((m) => m.replace(/-/g, '_') as EncryptionModeKind) : undefined;
    const pack = strip(packFindings(app, { allowedModes: modes }));
    const onAssembly = strip(await cliFindings(['check', app.synth().directory, ...extraArgs]));
    expect(pack).toEqual(onFile);
    expect(onAssembly).toEqual(onFile);
    return onFile;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
