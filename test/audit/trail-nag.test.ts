import { Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { NAG_PACKS, nagFindings } from './nag-findings';
import { newStack } from './trail-helpers';
import { DataEvents, EncryptionAuditTrail, EncryptionAuditTrailProps } from '../../src';

function stackWithTrail(props?: EncryptionAuditTrailProps) {
  const { app, stack } = newStack();
  const data = new s3.Bucket(stack, 'Data');
  const trail = EncryptionAuditTrail.of(stack, props);
  trail.recordDataEvents(data, DataEvents.ALL);
  return { app, stack, trail };
}

function acknowledgementsUnder(root: IConstruct): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const c of root.node.findAll()) {
    for (const m of c.node.metadata) {
      if (m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY) {
        const ids = Object.keys(m.data as object).map(k => k.replace(/^annotation::/i, ''));
        out[c.node.path] = [...new Set([...(out[c.node.path] ?? []), ...ids])].sort();
      }
    }
  }
  return out;
}

describe('cdk-nag 3 findings on the trail and its resources', () => {
  test.each(NAG_PACKS)('%s: no finding on the trail, key, log bucket, log group, role, policies or access-log bucket', (pack) => {
    const { app } = stackWithTrail();
    expect(nagFindings(app, pack, app, 'S/SecureBucketAuditTrail')).toEqual([]);
    expect(nagFindings(app, pack, app, 'S/SecureBucketAccessLogs')).toEqual([]);
  });

  test.each(NAG_PACKS)('%s: no finding with a named, multi-Region trail either', (pack) => {
    const { app } = stackWithTrail({ trailName: 'audit', isMultiRegionTrail: true });
    expect(nagFindings(app, pack, app, 'S/SecureBucketAuditTrail')).toEqual([]);
  });

  test('the packs do run: the user\'s own plain bucket keeps its findings (nothing is acknowledged on it)', () => {
    const { app } = stackWithTrail();
    expect(nagFindings(app, 'AwsSolutions', app, 'S/Data/')).toEqual(expect.arrayContaining([
      'AwsSolutions-S1 @ S/Data/Resource',
      'AwsSolutions-S10 @ S/Data/Resource',
    ]));
    expect(nagFindings(app, 'HIPAA.Security', app, 'S/Data/')).toContain('HIPAA.Security-S3BucketReplicationEnabled @ S/Data/Resource');
  });

  test('the only acknowledgements are S3BucketReplicationEnabled on the trail\'s own log bucket', () => {
    const { stack, trail } = stackWithTrail();
    const acks = acknowledgementsUnder(trail);
    expect(acks).toEqual({
      'S/SecureBucketAuditTrail/LogBucket': [
        'HIPAA.Security-S3BucketReplicationEnabled',
        'NIST.800.53.R5-S3BucketReplicationEnabled',
        'PCI.DSS.321-S3BucketReplicationEnabled',
      ],
    });
    const data = stack.node.findChild('Data');
    expect(acknowledgementsUnder(data)).toEqual({});
    const reasons = trail.logBucket.node.metadata.find(m => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)!.data;
    for (const reason of Object.values(reasons)) {
      expect(reason).toMatch(/cannot create by construction/);
    }
  });

  test('without the acknowledgements the replication rule would fire on the log bucket (they are load-bearing)', () => {
    const { app, stack } = newStack();
    // A bucket configured like the log bucket but without the acknowledgement.
    const trail = new EncryptionAuditTrail(stack, 'T');
    const twin = new s3.Bucket(stack, 'Twin', { versioned: true, encryptionKey: trail.encryptionKey, enforceSSL: true });
    expect(nagFindings(app, 'NIST.800.53.R5', stack, 'S/Twin/'))
      .toContain('NIST.800.53.R5-S3BucketReplicationEnabled @ S/Twin/Resource');
    expect(nagFindings(app, 'NIST.800.53.R5', stack, 'S/T/')).toEqual([]);
    expect(twin).toBeDefined();
  });

  test('cloudWatchLogs: false leaves exactly the CloudTrailCloudWatchLogsEnabled findings, for the user to decide', () => {
    const { app } = stackWithTrail({ cloudWatchLogs: false });
    expect(nagFindings(app, 'AwsSolutions', app, 'S/SecureBucketAuditTrail')).toEqual([]);
    expect(nagFindings(app, 'HIPAA.Security', app, 'S/SecureBucketAuditTrail'))
      .toEqual(['HIPAA.Security-CloudTrailCloudWatchLogsEnabled @ S/SecureBucketAuditTrail/Resource']);
    expect(nagFindings(app, 'NIST.800.53.R5', app, 'S/SecureBucketAuditTrail'))
      .toEqual(['NIST.800.53.R5-CloudTrailCloudWatchLogsEnabled @ S/SecureBucketAuditTrail/Resource']);
    expect(nagFindings(app, 'PCI.DSS.321', app, 'S/SecureBucketAuditTrail'))
      .toEqual(['PCI.DSS.321-CloudTrailCloudWatchLogsEnabled @ S/SecureBucketAuditTrail/Resource']);
  });
});
