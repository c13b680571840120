import { Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { aliasOf } from './key-alias';
import type { SecureBucketProps } from './secure-bucket';
import { SecureBucketConfigError } from '../private/errors';

/** Replication rules that do not fit the mode, or go to another account without the needed settings. */
export function replicationProblems(scope: Construct, at: Construct, props: SecureBucketProps): SecureBucketConfigError[] {
  const problems: SecureBucketConfigError[] = [];
  const usesKms = props.mode.usesKms;
  const sourceAccount = Stack.of(scope).account;
  (props.replicationRules ?? []).forEach((rule, i) => {
    const prop = `replicationRules[${i}]`;
    // The same comparison aws-cdk-lib makes to decide that a rule is cross-account.
    const destinationAccount = rule.destination.env.account;
    const crossAccount = sourceAccount !== destinationAccount;
    if (usesKms && rule.kmsKey === undefined) {
      problems.push(new SecureBucketConfigError(at, `${prop}.kmsKey`,
        `every object of a ${props.mode.kind} bucket is KMS-encrypted, and S3 replicates KMS-encrypted objects only to a replica key it is given`,
        'set kmsKey to the customer-managed key in the destination Region (and account) that encrypts the replicas'));
    }
    if (usesKms && rule.sseKmsEncryptedObjects !== true) {
      problems.push(new SecureBucketConfigError(at, `${prop}.sseKmsEncryptedObjects`,
        `is not true, so S3 would skip every KMS-encrypted object, which in ${props.mode.kind} mode is every object`,
        'set sseKmsEncryptedObjects: true (and kmsKey)'));
    }
    if (crossAccount && rule.accessControlTransition !== true) {
      problems.push(new SecureBucketConfigError(at, `${prop}.accessControlTransition`,
        `replicates to the bucket ${rule.destination.node.path} of another account (${destinationAccount}) without an explicit owner override`,
        'set accessControlTransition: true so the destination account owns the replicas (and give a kmsKey of that account), or replicate within this account'));
    }
    if (crossAccount && !usesKms && rule.kmsKey === undefined) {
      problems.push(new SecureBucketConfigError(at, `${prop}.kmsKey`,
        `replicates to the bucket ${rule.destination.node.path} of another account (${destinationAccount}) without a replica key`,
        'set kmsKey to a customer-managed key of the destination account that encrypts the replicas'));
    }
    const alias = rule.kmsKey !== undefined ? aliasOf(rule.kmsKey) : undefined;
    if (alias !== undefined) {
      problems.push(new SecureBucketConfigError(at, `${prop}.kmsKey`, `${alias} is a KMS alias, not a key`,
        'pass the replica key itself (its key ARN)'));
    }
  });
  return problems;
}
