/**
 * Minimal structural view of the Amazon S3 client.
 *
 * `new S3({})` (the aggregated client of @aws-sdk/client-s3) satisfies
 * {@link S3ClientLike}; each helper asks only for the methods it calls
 * (`Pick<S3ClientLike, ...>`), so tests can pass plain objects. There is no
 * SDK import here, not even `import type`: the SDK is a dev dependency.
 *
 * Metadata maps use keys WITHOUT the `x-amz-meta-` prefix, as the SDK does.
 */
import type { Readable } from 'node:stream';

/** The SSE-C request fields (see `sseCustomerParams`). */
export interface SseCustomerFields {
  SSECustomerAlgorithm?: string;
  SSECustomerKey?: string;
  SSECustomerKeyMD5?: string;
}

/** The SSE-C fields naming the key of a copy SOURCE (see `sseCopySourceParams`). */
export interface SseCopySourceCustomerFields {
  CopySourceSSECustomerAlgorithm?: string;
  CopySourceSSECustomerKey?: string;
  CopySourceSSECustomerKeyMD5?: string;
}

export interface S3PutObjectInput extends SseCustomerFields {
  Bucket: string;
  Key: string;
  Body?: Uint8Array | Readable;
  ContentLength?: number;
  ContentType?: string;
  Metadata?: Record<string, string>;
  /** Write only if the stored object has this ETag (S3: 412 otherwise, 404 when there is none). */
  IfMatch?: string;
  /** `*`: write only if there is no object under the key (S3: 412 otherwise). */
  IfNoneMatch?: string;
}

export interface S3PutObjectOutput {
  ETag?: string;
  VersionId?: string;
}

export interface S3GetObjectInput extends SseCustomerFields {
  Bucket: string;
  Key: string;
  /** HTTP range, e.g. `bytes=0-99` (inclusive end). */
  Range?: string;
  VersionId?: string;
}

export interface S3GetObjectOutput {
  /**
   * The body. With the SDK in Node.js it is a `Readable` (an `SdkStream`);
   * the helpers accept anything async-iterable over bytes, or a `Uint8Array`.
   */
  Body?: unknown;
  Metadata?: Record<string, string>;
  ContentLength?: number;
  ContentRange?: string;
  ETag?: string;
}

export interface S3HeadObjectInput extends SseCustomerFields {
  Bucket: string;
  Key: string;
  VersionId?: string;
  /** `ENABLED`: return the object's checksum (rewrapObject restates its algorithm). */
  ChecksumMode?: 'ENABLED';
}

/** S3 Object Lock retention modes. */
export type S3ObjectLockMode = 'GOVERNANCE' | 'COMPLIANCE';
/** Checksum algorithms S3 computes for an object. */
export type S3ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'SHA1' | 'SHA256' | 'CRC64NVME';

/** Headers a rewritten object restates from its HeadObject (rewrapObject). */
export interface S3RestatedHeaders {
  ContentType?: string;
  ContentEncoding?: string;
  ContentDisposition?: string;
  ContentLanguage?: string;
  CacheControl?: string;
  Expires?: Date;
  WebsiteRedirectLocation?: string;
  StorageClass?: S3StorageClass;
  ServerSideEncryption?: S3ServerSideEncryption;
  SSEKMSKeyId?: string;
  /** Base64 of the JSON SSE-KMS encryption context (S3 does not return it on HeadObject; the caller gives it). */
  SSEKMSEncryptionContext?: string;
  BucketKeyEnabled?: boolean;
  ChecksumAlgorithm?: S3ChecksumAlgorithm;
  ObjectLockMode?: S3ObjectLockMode;
  ObjectLockRetainUntilDate?: Date;
  ObjectLockLegalHoldStatus?: 'ON' | 'OFF';
}

export interface S3HeadObjectOutput {
  Metadata?: Record<string, string>;
  ContentLength?: number;
  ETag?: string;
  VersionId?: string;
  ContentType?: string;
  ContentEncoding?: string;
  ContentDisposition?: string;
  ContentLanguage?: string;
  CacheControl?: string;
  StorageClass?: string;
  ServerSideEncryption?: string;
  SSEKMSKeyId?: string;
  BucketKeyEnabled?: boolean;
  SSECustomerAlgorithm?: string;
  SSECustomerKeyMD5?: string;
  Expires?: Date;
  WebsiteRedirectLocation?: string;
  ChecksumCRC32?: string;
  ChecksumCRC32C?: string;
  ChecksumCRC64NVME?: string;
  ChecksumSHA1?: string;
  ChecksumSHA256?: string;
  ObjectLockMode?: string;
  ObjectLockRetainUntilDate?: Date;
  ObjectLockLegalHoldStatus?: string;
}

export interface S3CreateMultipartUploadInput extends SseCustomerFields, Omit<S3RestatedHeaders, 'ContentType'> {
  Bucket: string;
  Key: string;
  ContentType?: string;
  Metadata?: Record<string, string>;
  /** URL-encoded `key=value&...` tags of the new object. */
  Tagging?: string;
}

export interface S3UploadPartCopyInput {
  Bucket: string;
  Key: string;
  UploadId: string;
  PartNumber: number;
  /** `bucket/key` with the key URL-encoded. */
  CopySource: string;
  /** `bytes=first-last`, inclusive. */
  CopySourceRange?: string;
  CopySourceIfMatch?: string;
}

export interface S3UploadPartCopyOutput {
  CopyPartResult?: { ETag?: string };
}

export interface S3GetObjectTaggingInput {
  Bucket: string;
  Key: string;
}

export interface S3GetObjectTaggingOutput {
  TagSet?: Array<{ Key?: string; Value?: string }>;
}

export interface S3CreateMultipartUploadOutput {
  UploadId?: string;
}

export interface S3UploadPartInput extends SseCustomerFields {
  Bucket: string;
  Key: string;
  UploadId: string;
  PartNumber: number;
  Body?: Uint8Array;
  ContentLength?: number;
}

export interface S3UploadPartOutput {
  ETag?: string;
}

export interface S3CompletedPart {
  ETag?: string;
  PartNumber?: number;
}

export interface S3CompleteMultipartUploadInput extends SseCustomerFields {
  Bucket: string;
  Key: string;
  UploadId: string;
  MultipartUpload?: { Parts?: S3CompletedPart[] };
  /** Complete only if the stored object has this ETag (S3: 412 otherwise, 404 when there is none). */
  IfMatch?: string;
  IfNoneMatch?: string;
}

export interface S3CompleteMultipartUploadOutput {
  ETag?: string;
  VersionId?: string;
}

export interface S3AbortMultipartUploadInput {
  Bucket: string;
  Key: string;
  UploadId: string;
}

/** Server-side encryption a copy can restate. */
export type S3ServerSideEncryption = 'AES256' | 'aws:kms' | 'aws:kms:dsse';
/** Storage classes a copy can restate (the ones an object can be written in directly). */
export type S3StorageClass = 'STANDARD' | 'REDUCED_REDUNDANCY' | 'STANDARD_IA' | 'ONEZONE_IA' | 'INTELLIGENT_TIERING'
| 'GLACIER' | 'DEEP_ARCHIVE' | 'GLACIER_IR';

export interface S3CopyObjectInput extends SseCustomerFields, SseCopySourceCustomerFields, S3RestatedHeaders {
  Bucket: string;
  Key: string;
  /** `bucket/key` with the key URL-encoded. */
  CopySource: string;
  MetadataDirective?: 'COPY' | 'REPLACE';
  /** The new user metadata, with `MetadataDirective: 'REPLACE'`. */
  Metadata?: Record<string, string>;
  /** Copy only if the source still has this ETag (no re-wrap of an object replaced meanwhile). */
  CopySourceIfMatch?: string;
  /** Write only if the destination has this ETag (S3: 412 otherwise, 404 when there is none). */
  IfMatch?: string;
  /** `*`: write only if there is no destination object. */
  IfNoneMatch?: string;
  /** Tags are copied unless this says otherwise (S3's default is COPY). */
  TaggingDirective?: 'COPY' | 'REPLACE';
}

export interface S3CopyObjectOutput {
  CopyObjectResult?: { ETag?: string; LastModified?: Date };
  VersionId?: string;
}

/** Every S3 method some helper of this module calls. */
export interface S3ClientLike {
  putObject(input: S3PutObjectInput): Promise<S3PutObjectOutput>;
  getObject(input: S3GetObjectInput): Promise<S3GetObjectOutput>;
  headObject(input: S3HeadObjectInput): Promise<S3HeadObjectOutput>;
  createMultipartUpload(input: S3CreateMultipartUploadInput): Promise<S3CreateMultipartUploadOutput>;
  uploadPart(input: S3UploadPartInput): Promise<S3UploadPartOutput>;
  completeMultipartUpload(input: S3CompleteMultipartUploadInput): Promise<S3CompleteMultipartUploadOutput>;
  abortMultipartUpload(input: S3AbortMultipartUploadInput): Promise<unknown>;
  copyObject(input: S3CopyObjectInput): Promise<S3CopyObjectOutput>;
  /** Only for a multipart copy (rewrapObject of objects over 5 GiB). */
  uploadPartCopy?(input: S3UploadPartCopyInput): Promise<S3UploadPartCopyOutput>;
  /** Only for a multipart copy (its tags are restated on the new upload). */
  getObjectTagging?(input: S3GetObjectTaggingInput): Promise<S3GetObjectTaggingOutput>;
}
