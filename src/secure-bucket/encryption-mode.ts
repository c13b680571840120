import { Duration } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as kms from 'aws-cdk-lib/aws-kms';
import { IConstruct } from 'constructs';
import { assertEncryptionModeKind } from './assert-mode-kind';
import { DataEvents } from '../audit/data-events';
import { EncryptionModeKind } from '../encryption-modes/encryption-mode-kind';
import { modeRow } from '../encryption-modes/mode-lookup';

/**
 * Options for the KMS modes (SSE-KMS and DSSE-KMS).
 */
export interface KmsEncryptionOptions {
  /**
   * The KMS key that encrypts the bucket's objects.
   *
   * A key defined in this app must have rotation enabled. For an imported
   * key, rotation cannot be confirmed at synth time: SecureBucket adds the
   * warning `cdk-secure-bucket:importedKeyRotationUnconfirmed`, which you can
   * acknowledge with `Validations.of(bucket).acknowledge(...)` once you have
   * confirmed rotation yourself.
   *
   * @default - a new customer-managed key with automatic rotation every
   * `keyRotationPeriod`, retained when the stack is deleted
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * How often the key SecureBucket creates rotates. Between 90 and 2560 days.
   * Only valid when SecureBucket creates the key (no `encryptionKey`).
   *
   * @default Duration.days(365)
   */
  readonly keyRotationPeriod?: Duration;

  /**
   * The trail that records this bucket's S3 data events. Must be an
   * `EncryptionAuditTrail`.
   *
   * @default - the stack's shared trail, `EncryptionAuditTrail.of(stack)`
   */
  readonly auditTrail?: cloudtrail.ITrailRef;

  /**
   * Which S3 data events the trail records for this bucket.
   *
   * @default DataEvents.ALL
   */
  readonly dataEvents?: DataEvents;
}

/**
 * The encryption mode a SecureBucket is provisioned for.
 *
 * Use one of the static factories; `EncryptionMode.of(kind, options)` serves
 * apps that choose the mode from configuration.
 */
export class EncryptionMode {
  /** SSE-S3: S3 managed keys. Uploads naming another algorithm, and SSE-C, are refused. */
  public static sseS3(): EncryptionMode {
    return new EncryptionMode(EncryptionModeKind.SSE_S3);
  }

  /** SSE-KMS with a customer-managed key and an S3 Bucket Key; uploads naming another algorithm or key are refused. */
  public static sseKms(options: KmsEncryptionOptions = {}): EncryptionMode {
    return new EncryptionMode(EncryptionModeKind.SSE_KMS, options);
  }

  /** DSSE-KMS (dual-layer) with a customer-managed key; uploads naming another algorithm or key are refused. */
  public static dsseKms(options: KmsEncryptionOptions = {}): EncryptionMode {
    return new EncryptionMode(EncryptionModeKind.DSSE_KMS, options);
  }

  /** SSE-C: every upload, part and multipart completion must carry the SSE-C headers (AES256). */
  public static sseC(): EncryptionMode {
    return new EncryptionMode(EncryptionModeKind.SSE_C);
  }

  /**
   * The mode of the given kind. `options` apply to the KMS modes only; giving
   * KMS options with SSE-S3 or SSE-C is a synth-time error.
   *
   * @throws SecureBucketConfigError when `kind` is not an `EncryptionModeKind`
   *   (for example `'sse_kms'` read from configuration)
   */
  public static of(kind: EncryptionModeKind, options?: KmsEncryptionOptions): EncryptionMode {
    assertEncryptionModeKind(kind, { node: { path: 'EncryptionMode.of' } } as IConstruct, 'kind');
    return new EncryptionMode(kind, options);
  }

  /** Which mode this is. */
  public readonly kind: EncryptionModeKind;

  /**
   * The KMS options this mode was created with.
   *
   * @default - none (SSE-S3 and SSE-C, or a KMS mode with all defaults)
   */
  public readonly kmsOptions?: KmsEncryptionOptions;

  private constructor(kind: EncryptionModeKind, options?: KmsEncryptionOptions) {
    this.kind = kind;
    this.kmsOptions = options;
  }

  /** Whether this mode encrypts with a KMS key (SSE-KMS or DSSE-KMS). */
  public get usesKms(): boolean {
    return modeRow(this.kind).usesKms;
  }
}
