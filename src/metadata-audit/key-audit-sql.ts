// The key audit at scale: SQL over the S3 Metadata live inventory table.
//
// Columns used, as the S3 User Guide documents them ("S3 Metadata live inventory tables
// schema", https://docs.aws.amazon.com/AmazonS3/latest/userguide/metadata-tables-inventory-schema.html):
// bucket, key, version_id (null for objects stored before versioning), is_delete_marker,
// encryption_status ('SSE-S3' | 'SSE-KMS' | 'DSSE-KMS' | 'SSE-C' | null when unencrypted),
// is_bucket_key_enabled, kms_key_arn (the key ARN for SSE-KMS and DSSE-KMS rows; null otherwise,
// and also null for a version that no longer existed when S3 Metadata processed its event).
//
// The SQL is plain ANSI apart from one expression, the URL-encoding of object keys for a Batch
// Operations manifest, which is written per dialect (`SqlDialect`). Athena (Trino) is what is
// deployed; DuckDB is the embedded engine the tests run the same text on.

import { allModeLabels, findModeRowByLabel, modeLabels } from '../encryption-modes/mode-lookup';

/** The engine a query is rendered for. */
export enum SqlDialect {
  /** Amazon Athena (Trino). */
  ATHENA = 'athena',
  /** DuckDB (tests: the same SQL on generated live-inventory data). */
  DUCKDB = 'duckdb',
}

/** What every object of the bucket must be under. */
export interface ExpectedEncryption {
  /** `encryption_status` every object must have: 'SSE-S3', 'SSE-KMS', 'DSSE-KMS' or 'SSE-C'. */
  readonly status: string;
  /** The key ARN every object must be under (KMS modes). */
  readonly kmsKeyArn?: string;
  /** Whether every object must have `is_bucket_key_enabled` true (SSE-KMS with an S3 Bucket Key). */
  readonly bucketKeyEnabled?: boolean;
}

/** Where the live inventory table is, and what its rows must say. */
export interface KeyAuditSqlInput {
  /** The table, as SQL: a quoted, qualified name such as `"s3tablescatalog/aws-s3"."b_my-bucket"."inventory"`. */
  readonly table: string;
  /** The general purpose bucket the rows must belong to. */
  readonly bucketName: string;
  readonly expected: ExpectedEncryption;
}

/** A SQL string literal. Token strings (CDK) contain no quote, so they pass through intact. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A quoted SQL identifier. */
export function sqlIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Why a row is not under the expected encryption, as a SQL CASE expression;
 * NULL when it is. Every comparison is null-safe (`IS DISTINCT FROM`): a
 * missing value is a finding, never a pass.
 */
function findingExpression(e: ExpectedEncryption): string {
  const whens = [
    "WHEN encryption_status IS NULL THEN 'not encrypted'",
    `WHEN encryption_status IS DISTINCT FROM ${sqlString(e.status)} THEN 'other mode'`,
  ];
  if (e.kmsKeyArn !== undefined) {
    whens.push("WHEN kms_key_arn IS NULL THEN 'key unknown'");
    whens.push(`WHEN kms_key_arn IS DISTINCT FROM ${sqlString(e.kmsKeyArn)} THEN 'other key'`);
  }
  if (e.bucketKeyEnabled === true) {
    whens.push("WHEN is_bucket_key_enabled IS DISTINCT FROM TRUE THEN 'bucket key off'");
  }
  return `CASE\n    ${whens.join('\n    ')}\n  END`;
}

function validate(input: KeyAuditSqlInput): void {
  const e = input.expected;
  const row = findModeRowByLabel(e.status);
  if (row === undefined) {
    throw new Error(`expected.status must be one of ${allModeLabels().join(', ')} (got ${e.status})`);
  }
  const kms = row.usesKms;
  if (kms !== (e.kmsKeyArn !== undefined)) {
    throw new Error(kms ? `a ${e.status} audit needs the key ARN (expected.kmsKeyArn)` : `${e.status} objects have no KMS key: drop expected.kmsKeyArn`);
  }
  if (e.bucketKeyEnabled === true && !row.defaultEncryption.bucketKey) {
    throw new Error(`S3 Bucket Keys apply to ${modeLabels((r) => r.defaultEncryption.bucketKey, 'and')} only, not ${e.status}`);
  }
}

/**
 * Every object and version of the bucket whose encryption is not the
 * expected mode, key and bucket-key setting, with the reason (`finding`):
 * `not encrypted`, `other mode`, `key unknown` (an SSE-KMS or DSSE-KMS row
 * without a recorded key: not proven, so listed), `other key`,
 * `bucket key off`. `is_latest` is true for the row that is the key's
 * current object: of all rows of a key (delete markers included), the one
 * with the greatest `sequence_number`, which the S3 User Guide defines as the
 * most recent. Delete markers hold no data and are never listed.
 */
export function keyAuditFindingsSql(input: KeyAuditSqlInput): string {
  validate(input);
  return [
    'SELECT bucket, key, version_id, is_latest, size, encryption_status, kms_key_arn, is_bucket_key_enabled, finding',
    'FROM (',
    '  SELECT bucket, key, version_id, is_delete_marker, size, encryption_status, kms_key_arn, is_bucket_key_enabled,',
    '    row_number() OVER (PARTITION BY key ORDER BY sequence_number DESC) = 1 AS is_latest,',
    `    ${findingExpression(input.expected).replace(/\n/g, '\n  ')} AS finding`,
    `  FROM ${input.table}`,
    `  WHERE bucket = ${sqlString(input.bucketName)}`,
    ') AS audited',
    'WHERE finding IS NOT NULL AND is_delete_marker IS NOT TRUE',
    'ORDER BY key, version_id',
  ].join('\n');
}

/**
 * The findings counted: objects and bytes per reason, mode, key and whether
 * they are current, most objects first. What to read first on a bucket of
 * billions of objects, where the findings themselves may be millions of rows.
 */
export function keyAuditSummarySql(input: KeyAuditSqlInput): string {
  return [
    'SELECT finding, encryption_status, kms_key_arn, is_latest, count(*) AS objects, sum(size) AS bytes',
    `FROM (\n${keyAuditFindingsSql(input)}\n) AS findings`,
    'GROUP BY finding, encryption_status, kms_key_arn, is_latest',
    'ORDER BY objects DESC, finding, encryption_status, kms_key_arn, is_latest',
  ].join('\n');
}

/**
 * The object key URL-encoded for a Batch Operations CSV manifest ("Object
 * keys must be URL-encoded"): every UTF-8 byte percent-encoded except
 * `A-Z a-z 0-9 . - _ *`, a space as `%20`. Trino's `url_encode` encodes
 * that set but writes a space as `+`; a `+` in its output can only come from
 * a space (a literal `+` becomes `%2B`), so it is replaced. DuckDB's
 * `url_encode` follows RFC 3986 instead (`~` kept, `*` encoded), so those two
 * are swapped to give the same bytes.
 */
export function encodedKeyExpression(dialect: SqlDialect): string {
  switch (dialect) {
    case SqlDialect.ATHENA: return "replace(url_encode(key), '+', '%20')";
    case SqlDialect.DUCKDB: return "replace(replace(url_encode(key), '%2A', '*'), '~', '%7E')";
  }
}

/**
 * The rows of a Batch Operations CSV manifest, `bucket,key` with the key
 * URL-encoded, for every key whose current object is a finding of
 * `keyAuditFindingsSql`.
 *
 * No version ids, on purpose: the manifest feeds an in-place copy, which
 * makes what it copies the new current version. A line naming a version
 * would copy that version over anything written since the table was last
 * updated (up to about an hour), and a line naming a noncurrent version
 * would bring old data back as current. Without a version id the copy
 * re-encrypts whatever is current when the job runs. Noncurrent versions with
 * findings are listed by the findings query; they are not fixed by copying.
 */
export function keyAuditManifestSelectSql(input: KeyAuditSqlInput, dialect: SqlDialect): string {
  return `SELECT bucket, ${encodedKeyExpression(dialect)} AS key\nFROM (\n${keyAuditFindingsSql(input)}\n) AS findings\nWHERE is_latest`;
}

/**
 * An Athena `UNLOAD` of the manifest rows to `destination` (an `s3://`
 * prefix, empty before the run: UNLOAD refuses to write where objects are) as
 * uncompressed comma-separated text without a header: each file it writes is
 * a Batch Operations CSV manifest. UNLOAD writes files in parallel, so there
 * may be more than one; Athena lists them in the query's data manifest file.
 */
export function keyAuditUnloadSql(input: KeyAuditSqlInput, destination: string): string {
  return `UNLOAD (\n${keyAuditManifestSelectSql(input, SqlDialect.ATHENA)}\n)\nTO ${sqlString(destination)}\n`
    + "WITH (format = 'TEXTFILE', field_delimiter = ',', compression = 'NONE')";
}
