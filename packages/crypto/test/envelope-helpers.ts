/**
 * Test helpers for the envelope-encryption suites: deterministic randomness and an
 * in-process fake AWS KMS with deterministic output.
 */
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type {
  KmsClientLike, KmsDecryptInput, KmsDecryptOutput, KmsGenerateDataKeyInput, KmsGenerateDataKeyOutput,
} from '../src';

/** A randomBytes replacement that hands out the given buffers in order and checks the requested sizes. */
export function queuedRandom(...values: Buffer[]): (size: number) => Buffer {
  const queue = [...values];
  return (size: number) => {
    const next = queue.shift();
    if (next === undefined) {
      throw new Error(`queuedRandom exhausted (asked for ${size} bytes)`);
    }
    if (next.length !== size) {
      throw new Error(`queuedRandom: next value has ${next.length} bytes, ${size} requested`);
    }
    return Buffer.from(next);
  };
}

/** Deterministic bytes: SHA-256 counter mode over a label. */
export function detBytes(label: string, size: number): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; out.length * 32 < size; i++) {
    out.push(createHash('sha256').update(`${label}/${i}`).digest());
  }
  return Buffer.concat(out).subarray(0, size);
}

/** Canonical (sorted) JSON of an encryption context; the fake KMS binds ciphertexts to it. */
function canonical(ec: Record<string, string> | undefined): Buffer {
  const sorted: Record<string, string> = {};
  for (const k of Object.keys(ec ?? {}).sort()) {
    sorted[k] = (ec ?? {})[k];
  }
  return Buffer.from(JSON.stringify(sorted), 'utf8');
}

export class FakeKmsError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/**
 * In-process fake KMS. CiphertextBlob = 'FKMS' || keyIdHash(8) || iv(12) || AES-GCM(master, iv, AAD = keyId || EC)(32) || tag(16).
 * Data keys and IVs come from a deterministic counter, so outputs are reproducible.
 */
export class FakeKms implements KmsClientLike {
  public readonly generateCalls: KmsGenerateDataKeyInput[] = [];
  public readonly decryptCalls: KmsDecryptInput[] = [];
  public failNext?: Error;
  private counter = 0;

  constructor(public readonly keyId: string, private readonly master: Buffer = detBytes('fake-kms-master', 32),
    private readonly dataKeys: Buffer[] = []) {}

  public async generateDataKey(input: KmsGenerateDataKeyInput): Promise<KmsGenerateDataKeyOutput> {
    this.generateCalls.push(JSON.parse(JSON.stringify(input)));
    this.maybeFail();
    if (input.KeyId !== this.keyId) {
      throw new FakeKmsError('NotFoundException', `key ${input.KeyId} not found`);
    }
    if (input.KeySpec !== 'AES_256') {
      throw new FakeKmsError('ValidationException', 'KeySpec must be AES_256');
    }
    const n = this.counter++;
    const plaintext = this.dataKeys.shift() ?? detBytes(`fake-kms-dk/${n}`, 32);
    const iv = detBytes(`fake-kms-iv/${n}`, 12);
    return { Plaintext: Buffer.from(plaintext), CiphertextBlob: this.wrap(plaintext, iv, input.EncryptionContext), KeyId: this.arn() };
  }

  public async decrypt(input: KmsDecryptInput): Promise<KmsDecryptOutput> {
    this.decryptCalls.push({ ...input, CiphertextBlob: Buffer.from(input.CiphertextBlob) });
    this.maybeFail();
    const blob = Buffer.from(input.CiphertextBlob);
    if (input.KeyId !== undefined && input.KeyId !== this.keyId) {
      throw new FakeKmsError('IncorrectKeyException', 'the key id does not match the ciphertext');
    }
    if (blob.length !== 72 || blob.subarray(0, 4).toString('latin1') !== 'FKMS' || !blob.subarray(4, 12).equals(this.keyHash())) {
      throw new FakeKmsError('InvalidCiphertextException', 'invalid ciphertext');
    }
    try {
      const d = createDecipheriv('aes-256-gcm', this.master, blob.subarray(12, 24));
      d.setAAD(Buffer.concat([Buffer.from(this.keyId), canonical(input.EncryptionContext)]));
      d.setAuthTag(blob.subarray(56, 72));
      const pt = Buffer.concat([d.update(blob.subarray(24, 56)), d.final()]);
      return { Plaintext: pt, KeyId: this.arn() };
    } catch {
      throw new FakeKmsError('InvalidCiphertextException', 'invalid ciphertext');
    }
  }

  public wrap(plaintext: Buffer, iv: Buffer, ec: Record<string, string> | undefined): Buffer {
    const c = createCipheriv('aes-256-gcm', this.master, iv);
    c.setAAD(Buffer.concat([Buffer.from(this.keyId), canonical(ec)]));
    const ct = Buffer.concat([c.update(plaintext), c.final()]);
    return Buffer.concat([Buffer.from('FKMS', 'latin1'), this.keyHash(), iv, ct, c.getAuthTag()]);
  }

  private keyHash(): Buffer {
    return createHash('sha256').update(this.keyId).digest().subarray(0, 8);
  }

  private arn(): string {
    return this.keyId.startsWith('arn:') ? this.keyId : `arn:aws:kms:us-east-1:111122223333:key/${this.keyId}`;
  }

  private maybeFail(): void {
    const e = this.failNext;
    if (e) {
      this.failNext = undefined;
      throw e;
    }
  }
}

/** A Readable emitting the given chunks (Buffers, not object mode). */
export function chunkedReadable(data: Buffer, sizes: number[]): Readable {
  const chunks: Buffer[] = [];
  let off = 0;
  let i = 0;
  while (off < data.length) {
    const size = Math.max(1, sizes.length ? sizes[i++ % sizes.length] : data.length);
    chunks.push(data.subarray(off, off + size));
    off += size;
  }
  return Readable.from(chunks, { objectMode: false });
}

/** Collect a stream; records whether any 'data' event happened before an error. */
export async function collect(stream: Readable): Promise<{ data: Buffer; error?: unknown; dataEvents: number }> {
  const parts: Buffer[] = [];
  let dataEvents = 0;
  return new Promise((resolve) => {
    stream.on('data', (c: Buffer) => {
      dataEvents++;
      parts.push(c);
    });
    stream.on('error', (error) => resolve({ data: Buffer.concat(parts), error, dataEvents }));
    stream.on('end', () => resolve({ data: Buffer.concat(parts), dataEvents }));
  });
}

/**
 * Poll `condition` until it holds; fail naming `what` after `timeoutMs`. For states a stream reaches
 * asynchronously (a spool file appearing): waiting on the state itself, not on a fixed delay, keeps the
 * test independent of how loaded the machine is.
 */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Resolves on the stream's 'close' event (at once if it already closed). */
export async function closed(stream: Readable): Promise<void> {
  if (stream.closed) {
    return;
  }
  await new Promise((r) => stream.once('close', r));
}
