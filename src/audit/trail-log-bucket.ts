import { Duration, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { AccessLogsBucket } from './access-logs-bucket';
import type { EncryptionAuditTrailProps } from './encryption-audit-trail';
import { Conditions, cloudTrailBucketStatements } from './trail-policies';
import { TrailSettings } from './trail-settings';
import { EncryptionModeKind } from '../encryption-modes/encryption-mode-kind';
import { modeRow } from '../encryption-modes/mode-lookup';
import { encryptionProps } from '../private/encryption-props';
import { enableEventBridgeOnL1 } from '../private/event-bridge';
import { SECURE_BASELINE } from '../private/secure-baseline';
import { enableServerAccessLogs } from '../private/server-access-logs';

const NONCURRENT_VERSION_EXPIRY = Duration.days(30);
const ABORT_INCOMPLETE_MULTIPART_UPLOAD = Duration.days(7);

/**
 * The bucket CloudTrail writes the trail's log and digest files to, at `<trail>/LogBucket`: the
 * secure baseline, SSE-KMS with the trail key and a Bucket Key, SSE-C blocked, versioned, Object
 * Lock with `lockRetention` as the default retention, log files expiring after `logRetention`,
 * events to EventBridge, its own server access logs (by default to the stack's AccessLogsBucket,
 * under its construct path) and the bucket-policy statements CloudTrail needs.
 */
export function addTrailLogBucket(trail: Construct, key: kms.IKey, settings: TrailSettings, sourceArnCondition: Conditions,
  accessLogs: Pick<EncryptionAuditTrailProps, 'serverAccessLogsBucket' | 'serverAccessLogsPrefix'>): s3.Bucket {
  const logBucket = new s3.Bucket(trail, 'LogBucket', {
    ...SECURE_BASELINE,
    versioned: true,
    // Each log and digest file CloudTrail delivers gets the bucket's default retention; the
    // lifecycle rule below removes a version only once its lock has expired.
    objectLockEnabled: true,
    objectLockDefaultRetention: settings.lockRetention,
    // SSE-KMS with the trail's key and an S3 Bucket Key; SSE-C blocked (CloudTrail never writes with it).
    ...encryptionProps(modeRow(EncryptionModeKind.SSE_KMS), key),
    lifecycleRules: [{
      id: 'ExpireTrailLogFiles',
      expiration: settings.logRetention,
      noncurrentVersionExpiration: NONCURRENT_VERSION_EXPIRY,
      abortIncompleteMultipartUploadAfter: ABORT_INCOMPLETE_MULTIPART_UPLOAD,
    }],
    removalPolicy: settings.removalPolicy,
  });
  enableEventBridgeOnL1(logBucket);
  enableServerAccessLogs(logBucket, accessLogs.serverAccessLogsBucket ?? AccessLogsBucket.of(trail),
    accessLogs.serverAccessLogsPrefix ?? `${logBucket.node.path}/`);
  for (const statement of cloudTrailBucketStatements(logBucket.stack, logBucket, sourceArnCondition)) {
    logBucket.addToResourcePolicy(statement);
  }
  acknowledgeReplication(logBucket);
  return logBucket;
}

function acknowledgeReplication(logBucket: s3.Bucket): void {
  const reason = 'The trail log bucket is the terminal sink of this audit trail: replicating it needs a second bucket in another '
    + 'Region or account with its own key, policy and logging, which this single-stack construct cannot create by construction. '
    + 'Log integrity is protected instead by log-file validation digests, versioning, SSE-KMS, TLS-only access and RETAIN.';
  Validations.of(logBucket).acknowledge(
    { id: 'HIPAA.Security-S3BucketReplicationEnabled', reason },
    { id: 'NIST.800.53.R5-S3BucketReplicationEnabled', reason },
    { id: 'PCI.DSS.321-S3BucketReplicationEnabled', reason },
  );
}
