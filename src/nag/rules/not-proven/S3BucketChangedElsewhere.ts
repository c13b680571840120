import { AppTemplate, outsideChanges } from '../../engine/outside-changes';
import { GENERAL_PURPOSE_BUCKET } from '../../engine/resource-types';
import { EncryptionRule, RuleResult, RuleStatus, compliant, notApplicable } from '../../engine/rule';
import { CfnResourceView, TemplateIndex } from '../../engine/template-index';

/**
 * The rule, given how a driver learns what changes a bucket from outside
 * its template (`outsideChanges` over every template it sees: the `check`
 * command over every template it loaded, a cloud assembly's stacks and
 * nested stacks included; the pack over every stack of the app).
 */
export function bucketChangedElsewhereRule(reasons: (bucket: CfnResourceView, index: TemplateIndex) => readonly string[]): EncryptionRule {
  return {
    name: 'S3BucketChangedElsewhere',
    finding: 'Another template or a custom resource replaces or changes this bucket\'s policy or default encryption, so what deploys is not what was checked.',
    fix: 'Keep the bucket\'s one AWS::S3::BucketPolicy in the bucket\'s own template (add statements to it, e.g. bucket.addToResourcePolicy, rather than a second policy in another stack), and do not change the policy or encryption from a custom resource.',
    evaluate(bucket, index): RuleResult {
      if (bucket.type !== GENERAL_PURPOSE_BUCKET) return notApplicable();
      const rs = reasons(bucket, index);
      if (rs.length === 0) return compliant();
      return { status: RuleStatus.UNKNOWN, message: `not proven: ${rs.slice(0, 2).join('; ')}${rs.length > 2 ? `; and ${rs.length - 2} more` : ''}` };
    },
  };
}

/** On one template alone: the custom resources of that template. */
export const S3BucketChangedElsewhere: EncryptionRule = bucketChangedElsewhereRule((bucket, index) => {
  const changes = index.memo('outside-changes', () => outsideChanges([{ id: 'this', name: 'this template', index } as AppTemplate]));
  return changes.get('this')?.get(bucket.logicalId) ?? [];
});
