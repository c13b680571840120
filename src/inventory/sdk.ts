/**
 * The AWS SDK, loaded only when a command needs it: an `s3://` input or output needs
 * `@aws-sdk/client-s3`, `--create-job` needs `@aws-sdk/client-s3-control`. The package does not
 * depend on either (jsii accepts only jsii modules as peer dependencies, see .projenrc.ts), so a
 * local-file audit runs without the SDK and the user installs it to reach S3.
 */
import { InputError } from '../cli-input/input-error';

export type SdkPackage = '@aws-sdk/client-s3' | '@aws-sdk/client-s3-control';

/** Options for an S3 or S3 Control client: region and an S3-compatible endpoint (path style). */
export interface ClientOptions {
  readonly region?: string;
  readonly endpointUrl?: string;
}

export function loadSdk(pkg: SdkPackage, why: string): any {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(pkg);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'MODULE_NOT_FOUND' && err.message.includes(pkg)) {
      throw new InputError(`${why} needs the AWS SDK package ${pkg}, which is not installed: run 'npm install ${pkg}@^3' `
        + 'beside cdk-secure-bucket (local files need no SDK)');
    }
    throw e;
  }
}

/** An S3 client: default credential chain; with an endpoint, path-style addressing (S3-compatible servers). */
export function s3Client(options: ClientOptions, why: string): any {
  const { S3 } = loadSdk('@aws-sdk/client-s3', why);
  return new S3({
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpointUrl ? { endpoint: options.endpointUrl, forcePathStyle: true } : {}),
    // Checksums only where an operation requires one: S3-compatible servers may not speak the
    // flexible-checksum trailers the SDK sends by default since 2025.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** A message for an SDK error: its name, its message and, for a missing region or credentials, the fix. */
export function sdkProblem(e: unknown): string {
  const err = e as { name?: string; message?: string; Code?: string };
  const name = err.Code ?? err.name ?? 'Error';
  const message = err.message ?? String(e);
  if (/region is missing/i.test(message)) return `${message}: pass --region or set AWS_REGION`;
  if (/could not load credentials/i.test(message)) return `${message}: configure AWS credentials (the default credential chain)`;
  return message && message !== name ? `${name}: ${message}` : name;
}
