import * as fs from 'fs';
import * as path from 'path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { FIXTURES, packFindings, templateFindings } from './helpers';
import { DataEvents, EncryptionAuditTrail, EncryptionMode, EncryptionModeKind, SecureBucket } from '../../src';
import { parseTemplate } from '../../src/check/load';
import { S3EncryptionChecks, S3EncryptionChecksProps } from '../../src/nag';
import { DEFAULT_POLICY } from '../../src/nag/engine/policy';
import { enforcementStatements } from '../../src/secure-bucket/enforcement-statements';

const P = 'S3Encryption-';

function load(name: string): unknown {
  const file = path.join(FIXTURES, name);
  return parseTemplate(file, fs.readFileSync(file, 'utf8'));
}

/** Findings the pack reports on the bucket `id` of a one-stack app built by `build`. */
function onBucket(build: (stack: Stack) => s3.IBucket, props: S3EncryptionChecksProps = {}): string[] {
  const app = new App();
  const stack = new Stack(app, 'S');
  const bucket = build(stack);
  const logicalId = stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
  return packFindings(app, props).filter((f) => f.endsWith(` @ ${logicalId}`)).map((f) => f.split(' @ ')[0]);
}

const cfn = (b: s3.Bucket) => b.node.defaultChild as s3.CfnBucket;
const ENC = 'BucketEncryption.ServerSideEncryptionConfiguration.0';

/** Per rule: a CDK-built compliant and non-compliant bucket, and the hand-written fixtures. */
const CASES: Array<{ rule: string; compliant: (s: Stack) => s3.IBucket; nonCompliant: (s: Stack) => s3.IBucket; props?: S3EncryptionChecksProps }> = [
  {
    rule: 'S3DefaultEncryptionMode',
    compliant: (s) => new SecureBucket(s, 'B', { mode: EncryptionMode.dsseKms() }),
    nonCompliant: (s) => new SecureBucket(s, 'B', { mode: EncryptionMode.dsseKms() }),
    props: { allowedModes: [EncryptionModeKind.SSE_S3, EncryptionModeKind.SSE_KMS] },
  },
  {
    rule: 'S3KmsCustomerManagedKey',
    compliant: (s) => new SecureBucket(s, 'B', { mode: EncryptionMode.sseKms() }),
    nonCompliant: (s) => {
      const b = new SecureBucket(s, 'B', { mode: EncryptionMode.sseKms() });
      cfn(b).addPropertyOverride(`${ENC}.ServerSideEncryptionByDefault.KMSMasterKeyID`, 'alias/aws/s3');
      return b;
    },
  },
  {
    rule: 'S3KmsBucketKeyEnabled',
    compliant: (s) => new SecureBucket(s, 'B', { mode: EncryptionMode.sseKms() }),
    nonCompliant: (s) => {
      const b = new SecureBucket(s, 'B', { mode: EncryptionMode.sseKms() });
      cfn(b).addPropertyOverride(`${ENC}.BucketKeyEnabled`, false);
      return b;
    },
  },
  {
    rule: 'S3KmsKeyRotation',
    compliant: (s) => new SecureBucket(s, 'B', { mode: EncryptionMode.dsseKms() }),
    nonCompliant: (s) => {
      const b = new SecureBucket(s, 'B', { mode: EncryptionMode.dsseKms() });
      (b.encryptionKey!.node.defaultChild as kms.CfnKey).enableKeyRotation = false;
      return b;
    },
  },
  {
    rule: 'S3EncryptionEnforcementPolicy',
    compliant: (s) => {
      const b = new s3.Bucket(s, 'B', { encryption: s3.BucketEncryption.S3_MANAGED, enforceSSL: true, minimumTLSVersion: 1.2, blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C] });
      enforcementStatements(EncryptionModeKind.SSE_S3, { objectsArn: b.arnForObjects('*') }).forEach((st) => b.addToResourcePolicy(st));
      return b;
    },
    nonCompliant: (s) => {
      const key = new kms.Key(s, 'Key', { enableKeyRotation: true });
      const b = new s3.Bucket(s, 'B', {
        encryption: s3.BucketEncryption.KMS,
        encryptionKey: key,
        bucketKeyEnabled: true,
        enforceSSL: true,
        minimumTLSVersion: 1.2,
        blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C],
      });
      EncryptionAuditTrail.of(s).recordDataEvents(b, DataEvents.ALL);
      return b;
    },
  },
  {
    rule: 'S3SseCBlocked',
    compliant: (s) => new SecureBucket(s, 'B', { mode: EncryptionMode.sseC() }),
    nonCompliant: (s) => {
      const b = new SecureBucket(s, 'B', { mode: EncryptionMode.sseC() });
      cfn(b).addPropertyDeletionOverride(`${ENC}.BlockedEncryptionTypes`);
      return b;
    },
  },
  {
    rule: 'S3TlsOnly',
    compliant: (s) => new SecureBucket(s, 'B', { mode: EncryptionMode.sseS3() }),
    nonCompliant: (s) => {
      const b = new s3.Bucket(s, 'B', { encryption: s3.BucketEncryption.S3_MANAGED, blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C] });
      enforcementStatements(EncryptionModeKind.SSE_S3, { objectsArn: b.arnForObjects('*') }).forEach((st) => b.addToResourcePolicy(st));
      return b;
    },
  },
  {
    rule: 'S3KmsDataEventsTrail',
    compliant: (s) => new SecureBucket(s, 'B', { mode: EncryptionMode.sseKms({ dataEvents: DataEvents.WRITE_ONLY }) }),
    nonCompliant: (s) => new SecureBucket(s, 'B', { mode: EncryptionMode.sseKms({ dataEvents: DataEvents.NONE }) }),
  },
];

describe.each(CASES)('$rule', ({ rule, compliant, nonCompliant, props }) => {
  test('CDK-built compliant bucket: no finding at all', () => {
    expect(onBucket(compliant, props?.allowedModes ? {} : props)).toEqual([]);
  });

  test('CDK-built non-compliant bucket: exactly this rule', () => {
    expect(onBucket(nonCompliant, props)).toEqual([`${P}${rule}`]);
  });

  test('hand-written non-compliant template: exactly this rule', () => {
    expect(templateFindings(load(`noncompliant-${rule}.json`))).toEqual([`${P}${rule} @ Data`]);
  });
});

describe('hand-written compliant templates', () => {
  test.each(['compliant-sse-kms.json', 'compliant-sse-c.json', 'compliant-sse-s3.yaml'])('%s passes every rule', (name) => {
    expect(templateFindings(load(name))).toEqual([]);
  });

  test('the mode rule follows the policy on a template', () => {
    expect(templateFindings(load('compliant-sse-c.json'), { ...DEFAULT_POLICY, allowedModes: [EncryptionModeKind.SSE_KMS] }))
      .toEqual([`${P}S3DefaultEncryptionMode @ Uploads`]);
  });

  test('YAML short forms (!Ref, !GetAtt, !Sub, !Join) resolve; a TLS gap in YAML is found', () => {
    expect(templateFindings(load('noncompliant-S3TlsOnly.yaml'))).toEqual([`${P}S3TlsOnly @ Data`]);
    const t = load('compliant-sse-s3.yaml') as any;
    expect(t.Resources.DataPolicy.Properties.Bucket).toEqual({ Ref: 'Data' });
    expect(t.Resources.DataPolicy.Properties.PolicyDocument.Statement[0].Resource)
      .toEqual([{ 'Fn::GetAtt': ['Data', 'Arn'] }, { 'Fn::Sub': '${Data.Arn}/*' }]);
  });
});

describe('values the rules cannot resolve are findings, never passes', () => {
  test('an imported key and a policy on a parameter bucket', () => {
    expect(templateFindings(load('unresolved.json'))).toEqual([
      `${P}S3EncryptionEnforcementPolicy[Unresolved] @ Data`,
      `${P}S3KmsCustomerManagedKey[Unresolved] @ Data`,
      `${P}S3KmsDataEventsTrail @ Data`,
      `${P}S3KmsKeyRotation[Unresolved] @ Data`,
      `${P}S3TlsOnly[Unresolved] @ Data`,
    ]);
  });

  test('the pack reports a key from another stack as [Unresolved], acknowledgeable by that id', () => {
    const app = new App();
    const bucket = new SecureBucket(new Stack(app, 'S'), 'B', {
      mode: EncryptionMode.sseKms({ encryptionKey: kms.Key.fromKeyArn(new Stack(app, 'K'), 'Imported', 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab') }),
    });
    const logicalId = Stack.of(bucket).getLogicalId(cfn(bucket));
    expect(packFindings(app)).toEqual([
      `${P}S3KmsCustomerManagedKey[Unresolved] @ ${logicalId}`,
      `${P}S3KmsKeyRotation[Unresolved] @ ${logicalId}`,
    ]);
    // The policy can vouch for the key; rotation of a key outside the app still needs a person.
    expect(packFindings(app, { allowedKmsKeyArns: ['arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'] }))
      .toEqual([`${P}S3KmsKeyRotation[Unresolved] @ ${logicalId}`]);
    Validations.of(bucket).acknowledge({ id: `${P}S3KmsKeyRotation[Unresolved]`, reason: 'Rotation of the shared key is confirmed in the key account.' });
    expect(packFindings(app, { allowedKmsKeyArns: ['arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'] })).toEqual([]);
  });

  test('allowedKmsKeyArns rejects a key created in the template', () => {
    expect(onBucket((s) => new SecureBucket(s, 'B', { mode: EncryptionMode.sseKms() }), { allowedKmsKeyArns: ['arn:aws:kms:us-east-1:111122223333:key/x'] }))
      .toEqual([`${P}S3KmsCustomerManagedKey`]);
  });
});

test('acknowledgements via Validations.of(scope).acknowledge silence exactly the acknowledged rule', () => {
  const app = new App();
  const stack = new Stack(app, 'S');
  const b = new SecureBucket(stack, 'B', { mode: EncryptionMode.sseKms({ dataEvents: DataEvents.NONE }) });
  Validations.of(b).acknowledge({ id: `${P}S3KmsDataEventsTrail`, reason: 'Recorded by the organisation trail in the audit account.' });
  expect(packFindings(app)).toEqual([]);
});

test('the pack\'s rule ids are pinned', () => {
  expect(S3EncryptionChecks.RULE_IDS).toEqual([
    'S3Encryption-S3DefaultEncryptionMode',
    'S3Encryption-S3KmsCustomerManagedKey',
    'S3Encryption-S3KmsBucketKeyEnabled',
    'S3Encryption-S3KmsKeyRotation',
    'S3Encryption-S3EncryptionEnforcementPolicy',
    'S3Encryption-S3SseCBlocked',
    'S3Encryption-S3TlsOnly',
    'S3Encryption-S3KmsDataEventsTrail',
    'S3Encryption-S3DirectoryBucketEncryption',
    'S3Encryption-S3BucketTypeSupported',
    'S3Encryption-S3NestedStackTemplate',
    'S3Encryption-S3TemplateUnderstood',
    'S3Encryption-S3BucketChangedElsewhere',
  ]);
  expect(new S3EncryptionChecks().name).toBe('S3Encryption');
});

test('a policy with no or unknown modes is refused', () => {
  expect(() => new S3EncryptionChecks(undefined, { allowedModes: [] })).toThrow(/is empty/);
  expect(() => new S3EncryptionChecks(undefined, { allowedModes: ['AES' as EncryptionModeKind] })).toThrow(/unknown mode 'AES'/);
});
