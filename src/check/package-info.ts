import * as fs from 'fs';
import * as path from 'path';

// The package's own package.json: two folders up from src/check (ts-node,
// jest) and from lib/check (the published package, whose bin lib/cli loads it) alike.
const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: string; repository?: { url?: string } };

/** The package version. */
export const VERSION: string = pkg.version ?? '0.0.0';

/** The project's home page (its README): the repository URL, as https. */
export const HOMEPAGE: string = (pkg.repository?.url ?? 'https://github.com/cdk-secure-bucket/cdk-secure-bucket')
  .replace(/^git\+/, '').replace(/\.git$/, '');

/** The guide that explains the rules (docs/compliance.md). */
export const RULES_DOC = 'docs/compliance.md';

/** Where a rule is explained: its row in the rule table of docs/compliance.md (an `<a id>` anchor there). */
export function helpUri(ruleId: string): string {
  return `${HOMEPAGE}/blob/main/${RULES_DOC}#${ruleId.toLowerCase()}`;
}
