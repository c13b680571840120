import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { encryptionProps } from './encryption-props';
import { SecureBucketConfigError } from './errors';
import { SECURE_BASELINE } from './secure-baseline';
import { EncryptionModeKind } from '../encryption-modes/encryption-mode-kind';
import { modeRow } from '../encryption-modes/mode-lookup';

/**
 * What a bucket an AWS service delivers into (S3 server access logs, S3 Inventory reports) is
 * built from: the library's stack-wide helper buckets share everything else.
 */
export interface DeliveryBucketOptions {
  readonly bucketName?: string;
  readonly removalPolicy?: RemovalPolicy;
  /** The id of the lifecycle rule that expires what was delivered. */
  readonly lifecycleRuleId: string;
  readonly retention: Duration;
  readonly noncurrentVersionRetention: Duration;
  /** Whether S3 Object Lock is enabled (without a default retention). */
  readonly objectLockEnabled: boolean;
}

/**
 * A delivery destination secured like a SecureBucket in SSE-S3 mode: all public access blocked,
 * TLS 1.2+ only, no ACLs (the service is authorized by the bucket policy), SSE-S3 (what S3 log
 * and inventory delivery write with, and no key grant to a service principal), SSE-C blocked,
 * versioned, retained on delete by default, and expiring what it holds.
 */
export function deliveryBucketProps(o: DeliveryBucketOptions): s3.BucketProps {
  return {
    bucketName: o.bucketName,
    ...SECURE_BASELINE,
    ...encryptionProps(modeRow(EncryptionModeKind.SSE_S3)),
    versioned: true,
    // Object Lock without a default retention: nothing is locked unless a writer asks for it,
    // lifecycle expiry works as before, and AWS Control Tower's CT.S3.PR.9 passes.
    objectLockEnabled: o.objectLockEnabled ? true : undefined,
    removalPolicy: o.removalPolicy ?? RemovalPolicy.RETAIN,
    lifecycleRules: [{
      id: o.lifecycleRuleId,
      expiration: o.retention,
      noncurrentVersionExpiration: o.noncurrentVersionRetention,
      abortIncompleteMultipartUploadAfter: Duration.days(7),
    }],
  };
}

/** Refuses a retention of less than a day (S3 lifecycle rules count whole days). */
export function requireWholeDays(scope: IConstruct, d: Duration, prop: string): void {
  if (!d.isUnresolved() && d.toHours() < 24) {
    throw new SecureBucketConfigError(scope, prop, `must be at least 1 day (got ${d.toHumanString()})`,
      'pass Duration.days(n) with n >= 1');
  }
}
