import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';

/** Sid of the key-policy statement every key of this library carries. */
export const DENY_GRANTS_SID = 'DenyCreateGrantUnlessForAwsResource';

/**
 * Denies `kms:CreateGrant` on `key` to every principal unless an AWS service
 * integrated with KMS creates the grant on a principal's behalf
 * (`kms:GrantIsForAWSResource`) or the caller is an AWS service principal
 * (`aws:PrincipalIsAWSService`): the form of AWS Control Tower's CT.KMS.PR.3
 * ("limit the creation of AWS KMS grants to AWS services", `BoolIfExists` on
 * both keys).
 *
 * Nothing the library's keys serve needs a grant: S3 (SSE-KMS, DSSE-KMS and
 * S3 Bucket Keys), CloudTrail, CloudWatch Logs and SNS call GenerateDataKey,
 * Decrypt and DescribeKey through the key policy and the caller's
 * permissions; services that do create grants (EBS, RDS, ...) send
 * CreateGrant with `kms:GrantIsForAWSResource` true and still pass. What the
 * statement refuses is a person or role handing out standing access to the
 * key with a grant, which the key policy would not show.
 * (AWS KMS Developer Guide, "Controlling access to grants":
 * https://docs.aws.amazon.com/kms/latest/developerguide/grant-authorization.html.)
 */
export function denyGrantsUnlessForAwsResource(key: kms.IKey): void {
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: DENY_GRANTS_SID,
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: {
      BoolIfExists: {
        'kms:GrantIsForAWSResource': 'false',
        'aws:PrincipalIsAWSService': 'false',
      },
    },
  }));
}
