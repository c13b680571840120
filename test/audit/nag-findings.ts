import { App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { IConstruct } from 'constructs';

/** The four cdk-nag packs the library must be clean against. */
export const NAG_PACKS = ['AwsSolutions', 'HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'] as const;
export type NagPackName = typeof NAG_PACKS[number];

/**
 * Run one cdk-nag pack over `scope` and return its findings as sorted
 * `<ruleId> @ <construct path>` strings, restricted to paths under `pathPrefix`.
 */
export function nagFindings(app: App, pack: NagPackName, scope: IConstruct, pathPrefix: string): string[] {
  const checks = pack === 'AwsSolutions' ? new AwsSolutionsChecks(app)
    : pack === 'HIPAA.Security' ? new HIPAASecurityChecks(app)
      : pack === 'NIST.800.53.R5' ? new NIST80053R5Checks(app)
        : new PCIDSS321Checks(app);
  const report = checks.validateScope(scope);
  const out: string[] = [];
  for (const v of report.violations) {
    for (const r of v.violatingResources) {
      if ((r.constructPath ?? '').startsWith(pathPrefix)) {
        out.push(`${v.ruleName} @ ${r.constructPath}`);
      }
    }
  }
  return out.sort();
}
