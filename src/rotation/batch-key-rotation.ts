import { ArnFormat, CfnOutput, Duration, Fn, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { rotationHandlerCode } from './handler-code';
import { acknowledgeWildcardResources } from './wildcard-acknowledgement';
import { SecureBucketConfigError } from '../private/errors';

/** The `aws:x-amz-cek-alg` entry the S3 Encryption Client puts in every KMS encryption context (V2, V3). */
const S3EC_CEK_ALG_CONTEXT = 'kms:EncryptionContext:aws:x-amz-cek-alg';
const S3EC_CEK_ALGS = ['AES/GCM/NoPadding', '115'];
const BATCH_OPERATIONS_SERVICE = 'batchoperations.s3.amazonaws.com';

/**
 * Properties of `BatchKeyRotation`.
 */
export interface BatchKeyRotationProps {
  /** The bucket whose client-side encrypted objects are rewrapped. The function reads and writes its objects only. */
  readonly bucket: s3.IBucket;

  /**
   * The old KMS keys: the data keys they wrap are rewrapped under `targetKey`. The function may only
   * `kms:Decrypt` with them. Key ARNs (not aliases): KMS pins the key on Decrypt.
   */
  readonly sourceKeys: kms.IKey[];

  /** The new KMS key. The function may `kms:Encrypt` (wrap) and `kms:Decrypt` (check the new wrap) with it. */
  readonly targetKey: kms.IKey;

  /**
   * Where the Batch Operations manifests are read from and the completion reports written to
   * (under `manifestPrefix` and `reportPrefix`). Not the rotated bucket's objects.
   */
  readonly jobBucket: s3.IBucket;

  /**
   * Key prefix of the manifests in `jobBucket`: the job role may read objects under it only.
   *
   * @default 'key-rotation/manifests/'
   */
  readonly manifestPrefix?: string;

  /**
   * Key prefix of the completion reports in `jobBucket`: the job role may write objects under it only.
   *
   * @default 'key-rotation/reports/'
   */
  readonly reportPrefix?: string;

  /** The VPC the function runs in; it needs routes to S3 and KMS (gateway / interface endpoints, or NAT). */
  readonly vpc: ec2.IVpc;

  /**
   * Subnets of `vpc` for the function.
   *
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Also allow the function to read and restate S3 Object Lock retention and legal hold
   * (`s3:GetObjectRetention`, `s3:GetObjectLegalHold`, `s3:PutObjectRetention`, `s3:PutObjectLegalHold`).
   * Leave it off for a bucket without Object Lock; on one with it, objects under a lock the function cannot
   * restate are refused, not rewritten.
   *
   * @default false
   */
  readonly objectLock?: boolean;

  /**
   * Reserved concurrency of the function: at most this many objects are rewrapped at once, which bounds the
   * request rate on S3 and KMS.
   *
   * @default 50
   */
  readonly reservedConcurrency?: number;

  /**
   * Retention of the function's log group.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Rotates the KMS key that wraps the data keys of a bucket's client-side encrypted (S3 Encryption Client
 * format) objects, on S3 Batch Operations: a Lambda function for the "Invoke AWS Lambda function" operation
 * (invocation schema 2.0) that rewraps one object per task without re-encrypting its content, the role the
 * job runs as, and the `aws s3control create-job` input for a manifest.
 *
 * Least privilege, by construction: the function may `kms:Decrypt` with the old keys and `kms:Encrypt` /
 * `kms:Decrypt` with the new one, each only for S3 Encryption Client data keys (their encryption context
 * names the content algorithm), and read and write the bucket's objects only; the job role may invoke this
 * function, read the manifests and write the reports, nothing else.
 *
 * CloudFormation has no resource for Batch Operations jobs: create the job with the `CreateJobCommand`
 * output (or `createJobCommand()`), as docs/after-deploy.md shows.
 */
export class BatchKeyRotation extends Construct {
  /** The rewrap function. */
  public readonly rewrapFunction: lambda.Function;
  /** The role S3 Batch Operations assumes to run the job. */
  public readonly jobRole: iam.Role;
  /** Key prefix of the manifests in the job bucket. */
  public readonly manifestPrefix: string;
  /** Key prefix of the completion reports in the job bucket. */
  public readonly reportPrefix: string;
  private readonly jobBucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: BatchKeyRotationProps) {
    super(scope, id);
    if (props.sourceKeys.length === 0) {
      throw new SecureBucketConfigError(this, 'sourceKeys', 'names no key', 'pass the KMS key(s) whose data keys are rewrapped');
    }
    if (props.sourceKeys.includes(props.targetKey)) {
      throw new SecureBucketConfigError(this, 'targetKey', 'is also a source key, so nothing would rotate', 'pass the new key as targetKey and only old keys as sourceKeys');
    }
    this.manifestPrefix = checkPrefix(this, 'manifestPrefix', props.manifestPrefix ?? 'key-rotation/manifests/');
    this.reportPrefix = checkPrefix(this, 'reportPrefix', props.reportPrefix ?? 'key-rotation/reports/');
    const concurrency = props.reservedConcurrency ?? 50;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000) {
      throw new SecureBucketConfigError(this, 'reservedConcurrency', `must be a whole number from 1 to 1000, got ${concurrency}`, 'pass e.g. 50');
    }
    this.jobBucket = props.jobBucket;

    const logKey = new kms.Key(this, 'LogKey', {
      description: `Encrypts the logs of ${this.node.path}`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const stack = Stack.of(this);
    logKey.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) } },
    }));
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: logKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const role = new iam.Role(this, 'FunctionRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Rewraps client-side encrypted objects for S3 Batch Operations',
    });
    this.rewrapFunction = new lambda.Function(this, 'Function', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'rotation/handler/lambda.handler',
      // The handler and the crypto package it imports (the runtime provides AWS SDK v3).
      code: rotationHandlerCode(),
      role,
      memorySize: 512,
      timeout: Duration.minutes(5),
      reservedConcurrentExecutions: concurrency,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      environment: {
        BUCKET_NAME: props.bucket.bucketName,
        SOURCE_KMS_KEY_ARNS: Fn.join(',', props.sourceKeys.map((k) => k.keyArn)),
        TARGET_KMS_KEY_ARN: props.targetKey.keyArn,
      },
    });

    const s3ecDataKeys = { StringEquals: { [S3EC_CEK_ALG_CONTEXT]: S3EC_CEK_ALGS } };
    const keysPolicy = new iam.ManagedPolicy(this, 'KeysPolicy', {
      description: `Lets ${this.node.path} unwrap with the old keys and wrap with the new one`,
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          sid: 'DecryptWithTheOldKeys',
          actions: ['kms:Decrypt'],
          resources: props.sourceKeys.map((k) => k.keyArn),
          conditions: s3ecDataKeys,
        }),
        new iam.PolicyStatement({
          sid: 'WrapAndCheckWithTheNewKey',
          actions: ['kms:Encrypt', 'kms:Decrypt'],
          resources: [props.targetKey.keyArn],
          conditions: s3ecDataKeys,
        }),
      ],
    });
    if (props.bucket.encryptionKey) {
      // Copying an SSE-KMS object onto itself decrypts and re-encrypts it server side, through S3 only.
      keysPolicy.addStatements(new iam.PolicyStatement({
        sid: 'BucketKeyThroughS3',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [props.bucket.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
      }));
    }
    const objectActions = ['s3:GetObject', 's3:PutObject', 's3:GetObjectTagging', 's3:PutObjectTagging', 's3:AbortMultipartUpload'];
    if (props.objectLock === true) {
      objectActions.push('s3:GetObjectRetention', 's3:GetObjectLegalHold', 's3:PutObjectRetention', 's3:PutObjectLegalHold');
    }
    const objectsPolicy = new iam.ManagedPolicy(this, 'ObjectsPolicy', {
      description: `Lets ${this.node.path} rewrap the objects of its bucket`,
      roles: [role],
      statements: [new iam.PolicyStatement({
        sid: 'RewrapTheBucketsObjects',
        actions: objectActions,
        resources: [props.bucket.arnForObjects('*')],
      })],
    });
    acknowledgeWildcardResources(objectsPolicy, [props.bucket.arnForObjects('*')], 'the objects of the rotated bucket: every object a manifest '
      + 'lists is a rotation target, and object keys are only known when the job runs');
    const runtimePolicy = new iam.ManagedPolicy(this, 'RuntimePolicy', {
      description: `Lets the Lambda service run ${this.node.path} in its VPC and write its logs`,
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          sid: 'WriteItsOwnLogs',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [logGroup.logGroupArn],
        }),
        // The actions of the AWS managed AWSLambdaVPCAccessExecutionRole: Lambda creates the function's network interfaces.
        new iam.PolicyStatement({
          sid: 'FunctionNetworkInterfaces',
          actions: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
          resources: ['*'],
        }),
      ],
    });
    acknowledgeWildcardResources(runtimePolicy, ['*'], 'the EC2 network-interface actions are those of AWSLambdaVPCAccessExecutionRole, which Lambda needs '
      + 'to attach the function to its VPC, and ec2:Describe* supports no resource-level permissions');
    const synchronousOnly = 'S3 Batch Operations invokes this function synchronously and records every task\'s result in the job\'s '
      + 'completion report; a dead-letter queue only receives failed asynchronous invocations, and only the job role may invoke it';
    Validations.of(this.rewrapFunction).acknowledge(
      { id: 'HIPAA.Security-LambdaDLQ', reason: synchronousOnly },
      { id: 'NIST.800.53.R5-LambdaDLQ', reason: synchronousOnly },
    );
    for (const policy of [keysPolicy, objectsPolicy, runtimePolicy]) {
      this.rewrapFunction.node.addDependency(policy);
    }

    this.jobRole = new iam.Role(this, 'JobRole', {
      assumedBy: new iam.ServicePrincipal(BATCH_OPERATIONS_SERVICE, {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: 'Runs the S3 Batch Operations key-rotation job',
    });
    const jobPolicy = new iam.ManagedPolicy(this, 'JobPolicy', {
      description: `Lets S3 Batch Operations run ${this.node.path}: invoke the function, read manifests, write reports`,
      roles: [this.jobRole],
      statements: [
        new iam.PolicyStatement({
          sid: 'InvokeTheRewrapFunction',
          actions: ['lambda:InvokeFunction'],
          resources: [this.rewrapFunction.functionArn],
        }),
        new iam.PolicyStatement({
          sid: 'ReadTheManifests',
          actions: ['s3:GetObject', 's3:GetObjectVersion'],
          resources: [props.jobBucket.arnForObjects(`${this.manifestPrefix}*`)],
        }),
        new iam.PolicyStatement({
          sid: 'WriteTheReports',
          actions: ['s3:PutObject'],
          resources: [props.jobBucket.arnForObjects(`${this.reportPrefix}*`)],
        }),
      ],
    });
    if (props.jobBucket.encryptionKey) {
      jobPolicy.addStatements(new iam.PolicyStatement({
        sid: 'JobBucketKey',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [props.jobBucket.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
      }));
    }
    acknowledgeWildcardResources(jobPolicy, [
      props.jobBucket.arnForObjects(`${this.manifestPrefix}*`), props.jobBucket.arnForObjects(`${this.reportPrefix}*`),
    ], 'the manifests and reports are objects under the two prefixes of the job bucket, named when a job '
      + 'is created (manifests) or run (reports)');

    new CfnOutput(this, 'CreateJobCommand', {
      description: 'aws s3control create-job for this rotation; replace MANIFEST_KEY and MANIFEST_ETAG',
      value: this.createJobCommand('MANIFEST_KEY', 'MANIFEST_ETAG'),
    });
  }

  /**
   * The `aws s3control create-job` command that runs this rotation over a CSV manifest
   * (`S3BatchOperations_CSV_20180820`, lines `bucket,key`) stored in the job bucket under the manifest prefix.
   * The job waits for confirmation (`aws s3control update-job-status --requested-job-status Ready`).
   *
   * @param manifestKey the manifest's key in the job bucket (under `manifestPrefix`)
   * @param manifestEtag the manifest object's ETag (`aws s3api head-object`)
   * @param withVersionIds whether the manifest's lines are `bucket,key,versionId` (a versioned bucket's
   *   inventory); only current versions are rewrapped, a task naming an older one is a PermanentFailure
   */
  public createJobCommand(manifestKey: string, manifestEtag: string, withVersionIds?: boolean): string {
    if (!Token.isUnresolved(manifestKey) && manifestKey !== 'MANIFEST_KEY' && !manifestKey.startsWith(this.manifestPrefix)) {
      throw new SecureBucketConfigError(this, 'manifestKey', `'${manifestKey}' is not under the manifest prefix '${this.manifestPrefix}', which is all the job role may read`,
        `put the manifest under s3://<job bucket>/${this.manifestPrefix}`);
    }
    const stack = Stack.of(this);
    const json = (value: unknown) => `'${stack.toJsonString(value)}'`;
    return Fn.join(' ', [
      'aws s3control create-job',
      '--account-id', stack.account,
      '--confirmation-required',
      '--priority 10',
      '--role-arn', this.jobRole.roleArn,
      '--operation', json({ LambdaInvoke: { FunctionArn: this.rewrapFunction.functionArn, InvocationSchemaVersion: '2.0' } }),
      '--manifest', json({
        Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: withVersionIds === true ? ['Bucket', 'Key', 'VersionId'] : ['Bucket', 'Key'] },
        Location: { ObjectArn: this.jobBucket.arnForObjects(manifestKey), ETag: manifestEtag },
      }),
      '--report', json({
        Bucket: this.jobBucket.bucketArn, Prefix: this.reportPrefix.replace(/\/$/, ''), Format: 'Report_CSV_20180820', Enabled: true, ReportScope: 'AllTasks',
      }),
      '--description', `'Key rotation by ${this.node.path}'`,
    ]);
  }
}

function checkPrefix(scope: Construct, prop: string, prefix: string): string {
  if (Token.isUnresolved(prefix) || !/^[A-Za-z0-9!_.*'()\/-]+\/$/.test(prefix) || prefix.startsWith('/')) {
    throw new SecureBucketConfigError(scope, prop, `'${prefix}' is not a literal key prefix ending in '/'`, "pass e.g. 'key-rotation/manifests/'");
  }
  return prefix;
}
