/**
 * Shared set-up of the S3 integration suites: s3rver + the loopback KMS, real
 * SDK clients for both, a KmsKeyring and V2/V3 ciphers, and deterministic data.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { KMS } from '@aws-sdk/client-kms';
import { S3 } from '@aws-sdk/client-s3';
import { KmsServer, startKmsServer } from '../../../test/fixtures/kms-server';
import { S3Server, startS3Server } from '../../../test/fixtures/s3-server';
import { EnvelopeCipher } from '../src/cipher/envelope-cipher';
import { KmsKeyring } from '../src/keyring/kms-keyring';
import { S3ClientLike } from '../src/s3/s3-client';

export const BUCKET = 'crypto-bucket';
export const MiB = 1024 * 1024;

export interface S3TestEnv {
  readonly s3: S3Server;
  readonly kms: KmsServer;
  /** Real S3 client, typed as the structural interface (compile-time proof that it fits). */
  readonly client: S3ClientLike;
  readonly sdkClient: S3;
  readonly kmsClient: KMS;
  readonly keyring: KmsKeyring;
  readonly v3: EnvelopeCipher;
  readonly v2: EnvelopeCipher;
  stop(): Promise<void>;
}

export async function startS3TestEnv(): Promise<S3TestEnv> {
  const s3 = await startS3Server({ buckets: [BUCKET] });
  const kms = await startKmsServer();
  const sdkClient = s3.client();
  const kmsClient = kms.client();
  const keyring = new KmsKeyring({ client: kmsClient, keyId: kms.keyArn });
  return {
    s3,
    kms,
    client: sdkClient,
    sdkClient,
    kmsClient,
    keyring,
    v3: new EnvelopeCipher({ keyring }),
    v2: new EnvelopeCipher({ keyring, formatVersion: 'V2' }),
    stop: async () => {
      await s3.stop();
      await kms.stop();
    },
  };
}

/** Deterministic pseudo-random bytes (AES-128-CTR keystream of a seed). */
export function deterministicBytes(seed: string, size: number): Buffer {
  return keystream(seed).update(Buffer.alloc(size));
}

function keystream(seed: string) {
  const key = createHash('sha256').update(seed).digest().subarray(0, 16);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
}

/**
 * A deterministic stream of `size` bytes produced lazily in `chunkSize` chunks
 * (never held in memory). `digest()` gives the SHA-256 of what was emitted.
 */
export function deterministicStream(seed: string, size: number, chunkSize = MiB): Readable & { digest(): string; emitted(): number } {
  const cipher = keystream(seed);
  const hash = createHash('sha256');
  const zeros = Buffer.alloc(chunkSize);
  let emitted = 0;
  const stream = new Readable({
    read() {
      if (emitted >= size) {
        this.push(null);
        return;
      }
      const n = Math.min(chunkSize, size - emitted);
      const chunk = cipher.update(zeros.subarray(0, n));
      hash.update(chunk);
      emitted += n;
      this.push(chunk);
    },
  });
  let final: string | undefined;
  return Object.assign(stream, {
    digest: () => (final ??= hash.digest('hex')),
    emitted: () => emitted,
  });
}

/** A stream that emits `okBytes` of data and then fails with `error`. */
export function failingStream(okBytes: number, error: Error, chunkSize = MiB): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= okBytes) {
        this.destroy(error);
        return;
      }
      const n = Math.min(chunkSize, okBytes - sent);
      sent += n;
      this.push(Buffer.alloc(n, 0x61));
    },
  });
}

/** SHA-256 (hex) and length of a stream, consuming it. */
export async function digestStream(stream: Readable): Promise<{ sha256: string; length: number }> {
  const hash = createHash('sha256');
  let length = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    length += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), length };
}

/** Samples a memory gauge every `intervalMs`; stop() returns the peak seen. */
export function memorySampler(gauge: () => number, intervalMs: number): { stop(): number } {
  let peak = gauge();
  const timer = setInterval(() => {
    peak = Math.max(peak, gauge());
  }, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, gauge());
    },
  };
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the promise to reject');
}
