/**
 * `cdk-secure-bucket audit-inventory`: the command line of the object-level encryption audit
 * (src/inventory/audit-run.ts): its usage, options and their consistency checks.
 */
import { ArgReader } from './arg-reader';
import { InputError } from '../cli-input/input-error';
import { findModeRowByLabel, modeLabels } from '../encryption-modes/mode-lookup';
import { AuditIo, AuditRunOptions, runInventoryAudit } from '../inventory/audit-run';
import { DEFAULT_CONCURRENCY } from '../inventory/key-lookup';
import { DEFAULT_LIMITS, formatBytes, formatDuration, Limits, parseByteSize, parseCount, parseDuration } from '../inventory/limits';
import { EXPECTED_MODES, ExpectedMode } from '../inventory/remediation';
import { escapeForTerminal } from '../inventory/terminal-text';

export const AUDIT_USAGE = `Usage: cdk-secure-bucket audit-inventory <manifest.json: s3://bucket/key or a path> --expect-mode <mode> [options]
       cdk-secure-bucket audit-inventory <export.parquet ...> --source-bucket <name> --expect-mode <mode> [options]

Reads an S3 Inventory (CSV or Parquet, with the EncryptionStatus field): checks every data file's
size and MD5 against the manifest, streams its rows and reports objects and bytes by encryption
status. Or reads local Parquet exports of an S3 Metadata live inventory table, which also hold
each object's KMS key (kms_key_arn). S3 Inventory lists current versions only, unless the
inventory is configured with all versions.

Options:
  --expect-mode <${EXPECTED_MODES.join('|')}>   the mode every object must have (required)
  --expect-bucket-key         SSE-KMS objects must also use an S3 Bucket Key (needs BucketKeyStatus)
  --expect-kms-key <arn,...>  SSE-KMS / DSSE-KMS objects must be under one of these KMS key ARNs (repeatable;
                              aliases are refused: an alias can be repointed). Needs a live inventory export
                              or --verify-kms-keys
  --verify-kms-keys           with an S3 Inventory: read each SSE-KMS object's key with HeadObject (one
                              GET-class request per SSE-KMS object; needs s3:GetObject on the objects)
  --concurrency <n>           HeadObject requests in flight for --verify-kms-keys (default: ${DEFAULT_CONCURRENCY})
  --source-bucket <name>      the bucket a live inventory export is of (required with .parquet exports)
  --format <text|json>        output format (default: text)
  --batch-manifest <s3://bucket/name.csv | path.csv>
                              write the non-compliant objects as S3 Batch Operations CSV manifests,
                              one per operation: <name>-update-encryption.csv (S3UpdateObjectEncryption)
                              and <name>-copy.csv (S3PutObjectCopy)
  --create-job                create the Batch Operations job(s) for those manifests (needs an
                              s3:// --batch-manifest, --role-arn and --account-id; the jobs wait for confirmation)
  --role-arn <arn>            the IAM role Batch Operations assumes
  --account-id <id>           the account that owns the jobs
  --kms-key-arn <arn>         the KMS key objects are brought to (SSE-KMS jobs)
  --report-bucket <name>      where the jobs' completion reports go (default: the batch manifest's bucket)
  --region <region>           AWS region (default: the SDK's, e.g. AWS_REGION)
  --endpoint-url <url>        an S3-compatible endpoint (path-style addressing)
  --control-endpoint-url <url>   the S3 Control endpoint for --create-job (default: --endpoint-url, else AWS)
  --max-age <duration>        refuse a manifest older than this (creationTimestamp), e.g. 36h, 8d (default: any age)
  -h, --help                  show this help

Limits (every overrun is exit 2; the defaults are far above what S3 delivers):
  --max-manifest-bytes <size> the largest manifest.json read (default: ${formatBytes(DEFAULT_LIMITS.maxManifestBytes)})
  --max-row-length <chars>    the longest CSV row (default: ${DEFAULT_LIMITS.maxRowLength})
  --max-expansion <ratio>     a data file may decompress to this many times its declared size, plus 1 MiB (default: ${DEFAULT_LIMITS.maxExpansion})
  --request-timeout <duration>   how long a request may wait for a response (default: ${formatDuration(DEFAULT_LIMITS.requestTimeoutMs).replace(' ', '')})
  --idle-timeout <duration>   how long a response body may stall (default: ${formatDuration(DEFAULT_LIMITS.idleTimeoutMs).replace(' ', '')})

s3:// locations need @aws-sdk/client-s3, --create-job needs @aws-sdk/client-s3-control.
Exit status: 0 compliant, 1 non-compliant objects found, 2 bad input.
`;

const FLAGS = ['-h', '--help', '--expect-bucket-key', '--create-job', '--verify-kms-keys'];
const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
/** The options as read, before they are checked (the mode may be missing; the jobs' key is filled in by the check). */
type Args = Omit<{ -readonly [K in keyof AuditRunOptions]: AuditRunOptions[K] }, 'mode'> & { mode?: ExpectedMode };

function parseArgs(argv: string[]): Args | 'help' {
  const out: Args = {
    bucketKey: false,
    format: 'text',
    createJob: false,
    client: {},
    limits: { ...DEFAULT_LIMITS },
    exports: [],
    verifyKmsKeys: false,
    concurrency: DEFAULT_CONCURRENCY,
  };
  const limits = out.limits as { -readonly [K in keyof Limits]: Limits[K] };
  const reader = new ArgReader(argv, FLAGS);
  const value = (opt: string): string => reader.value(opt);
  for (let arg = reader.next(); arg !== undefined; arg = reader.next()) {
    switch (arg) {
      case '-h': case '--help': return 'help';
      case '--expect-mode': {
        const m = value(arg).toUpperCase().replace(/_/g, '-');
        if (!(EXPECTED_MODES as readonly string[]).includes(m)) throw new InputError(`--expect-mode: unknown mode '${m}' (use ${EXPECTED_MODES.join(', ')})`);
        out.mode = m as ExpectedMode;
        break;
      }
      case '--expect-bucket-key': out.bucketKey = true; break;
      case '--format': {
        const f = value(arg);
        if (f !== 'text' && f !== 'json') throw new InputError(`--format: unknown format '${f}' (use text, json)`);
        out.format = f;
        break;
      }
      case '--batch-manifest': out.batchManifest = value(arg); break;
      case '--create-job': out.createJob = true; break;
      case '--role-arn': out.roleArn = value(arg); break;
      case '--account-id': out.accountId = value(arg); break;
      case '--kms-key-arn': out.kmsKeyArn = value(arg); break;
      case '--report-bucket': out.reportBucket = value(arg); break;
      case '--region': out.client.region = value(arg); break;
      case '--endpoint-url': out.client.endpointUrl = value(arg); break;
      case '--control-endpoint-url': out.controlEndpointUrl = value(arg); break;
      case '--expect-kms-key': case '--expect-kms-key-arn':
        out.kmsKeys = [...(out.kmsKeys ?? []), ...value(arg).split(',').map((k) => k.trim()).filter((k) => k !== '').map((k) => keyArn(k, arg))];
        break;
      case '--verify-kms-keys': out.verifyKmsKeys = true; break;
      case '--concurrency': out.concurrency = parseCount(value(arg), arg); break;
      case '--source-bucket': out.sourceBucket = value(arg); break;
      case '--max-age': out.maxAgeMs = parseDuration(value(arg), arg); break;
      case '--max-manifest-bytes': limits.maxManifestBytes = parseByteSize(value(arg), arg); break;
      case '--max-row-length': limits.maxRowLength = parseCount(value(arg), arg); break;
      case '--max-expansion': limits.maxExpansion = parseCount(value(arg), arg); break;
      case '--request-timeout': limits.requestTimeoutMs = parseDuration(value(arg), arg); break;
      case '--idle-timeout': limits.idleTimeoutMs = parseDuration(value(arg), arg); break;
      default:
        if (arg.startsWith('-')) throw new InputError(`unknown option '${arg}' (see audit-inventory --help)`);
        if (/\.parquet$/i.test(arg)) {
          out.exports.push(arg);
          break;
        }
        if (out.manifest !== undefined) throw new InputError(`one manifest at a time (got '${out.manifest}' and '${arg}')`);
        out.manifest = arg;
    }
  }
  return out;
}

/** A KMS key ARN; an alias (name or ARN), a bare key id or anything else is refused. */
function keyArn(text: string, option: string): string {
  if (/(^|:)alias\//.test(text)) {
    throw new InputError(`${option}: '${text}' is an alias; give the key ARN (arn:aws:kms:<region>:<account>:key/<id>): `
      + 'an alias can be repointed to another key, and S3 records the key ARN on each object');
  }
  if (!KEY_ARN.test(text)) throw new InputError(`${option}: '${text}' is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)`);
  return text;
}

function check(a: Args): asserts a is Args & { mode: ExpectedMode } {
  if (a.manifest === undefined && a.exports.length === 0) {
    throw new InputError('no manifest: pass the inventory\'s manifest.json (s3://bucket/key or a path) or live inventory .parquet exports');
  }
  if (a.manifest !== undefined && a.exports.length > 0) throw new InputError(`a manifest or .parquet exports, not both (got '${a.manifest}' and '${a.exports[0]}')`);
  if (a.exports.length > 0) {
    if (a.sourceBucket === undefined) throw new InputError('--source-bucket is required with .parquet exports (the bucket the live inventory table is of)');
    const remote = a.exports.find((e) => e.startsWith('s3://'));
    if (remote) throw new InputError(`${remote}: .parquet exports are read from local files; download them first`);
    if (a.verifyKmsKeys) throw new InputError('--verify-kms-keys applies to S3 Inventory; a live inventory export has each object\'s kms_key_arn');
    if (a.maxAgeMs !== undefined) throw new InputError('--max-age applies to an S3 Inventory manifest (its creationTimestamp)');
  } else if (a.sourceBucket !== undefined) {
    throw new InputError('--source-bucket applies to .parquet exports; an S3 Inventory manifest names its source bucket');
  }
  if (a.mode === undefined) throw new InputError(`--expect-mode is required (${modeLabels()})`);
  const row = findModeRowByLabel(a.mode)!;
  if (a.kmsKeys !== undefined) {
    if (!row.usesKms) throw new InputError(`--expect-kms-key applies to ${modeLabels((r) => r.usesKms, 'and')} (not ${a.mode})`);
    if (a.exports.length === 0 && !a.verifyKmsKeys) {
      throw new InputError('--expect-kms-key: S3 Inventory has no KMS key field; add --verify-kms-keys (one HeadObject per SSE-KMS object) '
        + 'or audit an S3 Metadata live inventory table export');
    }
    if (a.kmsKeyArn !== undefined && !a.kmsKeys.includes(a.kmsKeyArn)) {
      throw new InputError(`--kms-key-arn ${a.kmsKeyArn} is not one of the --expect-kms-key keys: the jobs would bring objects to a key the audit refuses`);
    }
    a.kmsKeyArn ??= a.kmsKeys.length === 1 ? a.kmsKeys[0] : undefined;
  } else if (a.verifyKmsKeys) {
    throw new InputError('--verify-kms-keys needs --expect-kms-key (the keys objects must be under)');
  }
  if (a.bucketKey && !row.defaultEncryption.bucketKey) {
    throw new InputError(`--expect-bucket-key applies to ${modeLabels((r) => r.defaultEncryption.bucketKey, 'and')} only (S3 Bucket Keys do not apply to ${a.mode})`);
  }
  if (a.createJob) {
    const missing = [a.batchManifest ? undefined : '--batch-manifest', a.roleArn ? undefined : '--role-arn', a.accountId ? undefined : '--account-id']
      .filter((m): m is string => m !== undefined);
    if (missing.length > 0) throw new InputError(`--create-job needs ${missing.join(', ')}`);
    if (!a.batchManifest!.startsWith('s3://')) throw new InputError('--create-job needs an s3:// --batch-manifest (Batch Operations reads the manifest from S3)');
    const jobs = row.remediation;
    if (jobs.notWritableByJobs !== undefined) throw new InputError(`--create-job: Batch Operations cannot write ${a.mode} objects (${jobs.notWritableByJobs})`);
    const withKey = jobs.updateInPlaceTarget || jobs.copyAlgorithm === 'KMS';
    if (withKey && !a.kmsKeyArn) throw new InputError(`--create-job with --expect-mode ${a.mode} needs --kms-key-arn (the key objects are brought to)`);
    if (!/^\d{12}$/.test(a.accountId!)) throw new InputError(`--account-id: '${a.accountId}' is not a 12-digit account id`);
    if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/.+/.test(a.roleArn!)) throw new InputError(`--role-arn: '${a.roleArn}' is not an IAM role ARN`);
  }
}

/** Runs the command (argv after `audit-inventory`). Returns the exit code; throws InputError on bad input. */
export async function auditInventoryCommand(argv: string[], io: AuditIo): Promise<number> {
  try {
    const a = parseArgs(argv);
    if (a === 'help') {
      io.stdout.write(AUDIT_USAGE);
      return 0;
    }
    check(a);
    return await runInventoryAudit(a, io);
  } catch (e) {
    // Messages name keys and paths read from the input: escaped like the text report.
    if (e instanceof InputError) throw new InputError(escapeForTerminal(e.message));
    throw e;
  }
}
