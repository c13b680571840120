/**
 * Which S3 data events (object-level API calls) an audit trail records for a bucket.
 */
export enum DataEvents {
  /** Record reads and writes (GetObject, PutObject, DeleteObject, ...). */
  ALL = 'ALL',
  /** Record writes only (PutObject, DeleteObject, CopyObject, multipart calls, ...). */
  WRITE_ONLY = 'WRITE_ONLY',
  /** Record no data events for this bucket. */
  NONE = 'NONE',
}
