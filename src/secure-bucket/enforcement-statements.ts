import * as iam from 'aws-cdk-lib/aws-iam';
import { EncryptionModeKind } from '../encryption-modes/encryption-mode-kind';
import { enforcementDenials } from '../encryption-modes/enforcement-denials';
import { modeRow } from '../encryption-modes/mode-lookup';

/** What the enforcement statements need to know about the bucket. */
export interface EnforcementTarget {
  /** `arn:...:s3:::bucket/*` */
  readonly objectsArn: string;
  /** ARN of the bucket's KMS key (KMS modes only). */
  readonly keyArn?: string;
}

/**
 * The bucket-policy statements that refuse uploads in any mode other than `mode`,
 * and in-place encryption changes to anything but the mode's own encryption:
 * the Deny statements of `enforcementDenials` (which says why each is there) on
 * the bucket's objects, for any principal.
 */
export function enforcementStatements(mode: EncryptionModeKind, target: EnforcementTarget): iam.PolicyStatement[] {
  return enforcementDenials(modeRow(mode), target.keyArn).map((d) => new iam.PolicyStatement({
    sid: d.sid,
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: [d.action],
    resources: [target.objectsArn],
    conditions: d.conditions,
  }));
}
