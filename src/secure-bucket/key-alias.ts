import { Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';

/**
 * The alias a key reference is, if it is one (a kms.Alias, an imported alias, or an alias ARN),
 * named for messages; undefined for a key.
 */
export function aliasOf(key: kms.IKey): string | undefined {
  if ('aliasTargetKey' in key && 'aliasName' in key) {
    const cfn = key.node.defaultChild as kms.CfnAlias | undefined;
    const name = [cfn?.aliasName, (key as kms.IAlias).aliasName].find((n) => n !== undefined && !Token.isUnresolved(n));
    return `${key.node.path} (${name ?? 'an alias'})`;
  }
  // An ARN or id of the form arn:...:alias/name or alias/name; tokens elsewhere in the string do not matter.
  if (/(^|:)alias\//.test(key.keyArn)) return `${key.node.path} (${key.keyArn})`;
  return undefined;
}
