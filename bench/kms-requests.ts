/**
 * KMS requests per N small objects, with and without the data-key cache, counted by an
 * in-process KMS client (no network). Every object is encrypted, then every object decrypted,
 * through the same EnvelopeCipher; with the cache, one CachingKeyring (default limits) wraps
 * the KmsKeyring for both phases.
 */
import { randomBytes } from 'node:crypto';
import { fmt, table } from './report';
import { nowMs } from './stats';
import { EnvelopeCipher, EncryptResult, Keyring, KmsClientLike, KmsDecryptInput, KmsGenerateDataKeyInput, KmsKeyring } from '../packages/crypto/src';
import { CachingKeyring } from '../packages/crypto/src/cache/caching-keyring';

const KEY_ARN = 'arn:aws:kms:us-east-1:111111111111:key/00000000-0000-0000-0000-000000000000';

/** A KMS stand-in that counts requests. Blobs are random ids mapped to the data key. */
export class CountingKmsClient implements KmsClientLike {
  public generateDataKeyCalls = 0;
  public decryptCalls = 0;
  private readonly keys = new Map<string, { key: Buffer; context: string }>();

  public async generateDataKey(input: KmsGenerateDataKeyInput) {
    this.generateDataKeyCalls++;
    const key = randomBytes(32);
    const blob = randomBytes(48);
    this.keys.set(blob.toString('hex'), { key: Buffer.from(key), context: JSON.stringify(sorted(input.EncryptionContext ?? {})) });
    return { Plaintext: key, CiphertextBlob: blob, KeyId: input.KeyId };
  }

  public async decrypt(input: KmsDecryptInput) {
    this.decryptCalls++;
    const entry = this.keys.get(Buffer.from(input.CiphertextBlob).toString('hex'));
    if (!entry || entry.context !== JSON.stringify(sorted(input.EncryptionContext ?? {}))) {
      throw Object.assign(new Error('InvalidCiphertextException'), { name: 'InvalidCiphertextException' });
    }
    return { Plaintext: Buffer.from(entry.key), KeyId: KEY_ARN };
  }

  public reset(): void {
    this.generateDataKeyCalls = 0;
    this.decryptCalls = 0;
  }
}

function sorted(o: Record<string, string>): [string, string][] {
  return Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export interface KmsResult {
  readonly scenario: string;
  readonly objects: number;
  readonly objectBytes: number;
  readonly generateDataKey: number;
  readonly decrypt: number;
  readonly encryptMs: number;
  readonly decryptMs: number;
}

async function scenario(name: string, objects: number, objectBytes: number, cached: boolean): Promise<KmsResult> {
  const client = new CountingKmsClient();
  const kms = new KmsKeyring({ client, keyId: KEY_ARN });
  const keyring: Keyring = cached ? new CachingKeyring({ keyring: kms }) : kms;
  const cipher = new EnvelopeCipher({ keyring });
  const context = { tenant: 'bench' };
  const body = randomBytes(objectBytes);
  const stored: EncryptResult[] = [];
  let t0 = nowMs();
  for (let i = 0; i < objects; i++) {
    stored.push(await cipher.encrypt(body, { context }));
  }
  const encryptMs = nowMs() - t0;
  const gdk = client.generateDataKeyCalls;
  t0 = nowMs();
  for (const s of stored) {
    const pt = await cipher.decrypt(s.ciphertext, s.metadata, { context });
    if (pt.length !== objectBytes) {
      throw new Error('round trip length mismatch');
    }
  }
  const decryptMs = nowMs() - t0;
  return { scenario: name, objects, objectBytes, generateDataKey: gdk, decrypt: client.decryptCalls, encryptMs, decryptMs };
}

export async function runKms(o: { quick: boolean }, log: (s: string) => void): Promise<KmsResult[]> {
  const objects = o.quick ? 1000 : 10000;
  const size = 1024;
  // Warm-up (not reported).
  await scenario('warm-up', 200, size, false);
  await scenario('warm-up', 200, size, true);
  const out = [
    await scenario('KmsKeyring (no cache)', objects, size, false),
    await scenario('CachingKeyring(KmsKeyring), default limits', objects, size, true),
  ];
  for (const r of out) {
    log(`  kms ${r.scenario}: GenerateDataKey ${r.generateDataKey}, Decrypt ${r.decrypt}`);
  }
  return out;
}

export function kmsMarkdown(results: readonly KmsResult[]): string {
  return table(
    ['keyring', 'objects (bytes each)', 'GenerateDataKey', 'Decrypt', 'KMS requests total (encrypt + decrypt)', 'encrypt objects/s', 'decrypt objects/s'],
    results.map((r) => [
      r.scenario, `${fmt(r.objects)} (${fmt(r.objectBytes)})`, fmt(r.generateDataKey), fmt(r.decrypt),
      fmt(r.generateDataKey + r.decrypt), fmt(r.objects / (r.encryptMs / 1000)), fmt(r.objects / (r.decryptMs / 1000)),
    ]),
  );
}
