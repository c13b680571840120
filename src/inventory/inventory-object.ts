/**
 * One object (or version, or delete marker) of an inventory, whatever the source: a CSV or
 * Parquet S3 Inventory, or an export of the S3 Metadata live inventory table.
 */
export interface InventoryObject {
  readonly bucket: string;
  /** The key, URL-encoded as a Batch Operations manifest needs it. */
  readonly encodedKey: string;
  /**
   * The key as stored, when the source has it decoded (Parquet); otherwise {@link objectKey}
   * decodes `encodedKey` when it is needed (a sample line, a HeadObject), not for every row.
   */
  readonly key?: string;
  readonly versionId?: string;
  /** False only for a noncurrent version. */
  readonly isLatest: boolean;
  readonly isDeleteMarker: boolean;
  /** Bytes; undefined when the source has no size. */
  readonly size?: number;
  /** NOT-SSE, SSE-S3, SSE-KMS, DSSE-KMS or SSE-C; '' when the source has none. */
  readonly status: string;
  /** ENABLED or DISABLED; undefined when the source has no bucket-key column. */
  readonly bucketKey?: string;
  /**
   * The KMS key ARN of an SSE-KMS / DSSE-KMS object: a string, or null when the source has the
   * column but no value; undefined when the source has no key column (S3 Inventory).
   */
  readonly kmsKeyArn?: string | null;
  readonly storageClass?: string;
  readonly intelligentTieringTier?: string;
}

/** The object's key as stored. */
export function objectKey(o: InventoryObject): string {
  return o.key ?? decodeKey(o.encodedKey);
}

/** A key as S3 Inventory's CSV encodes it (and a Batch Operations manifest wants it): URL-encoded, '/' kept. */
export function encodeKey(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/');
}

/** A URL-encoded key decoded; the text itself when it does not decode. */
export function decodeKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}
