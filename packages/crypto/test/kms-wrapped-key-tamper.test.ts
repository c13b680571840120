/**
 * Changing any byte of a KMS-wrapped data key fails with KmsError (KMS's
 * InvalidCiphertextException as the cause) and no plaintext, through the real
 * @aws-sdk/client-kms against the loopback KMS server. (The in-process fake
 * used by the property tests does not authenticate its blobs, so this case is
 * proven here, byte by byte.)
 */
import { randomBytes } from 'node:crypto';
import { KmsServer, startKmsServer } from '../../../test/fixtures/kms-server';
import { EnvelopeCipher, KmsError, KmsKeyring } from '../src';

let kms: KmsServer;

beforeAll(async () => {
  kms = await startKmsServer();
});

afterAll(async () => {
  await kms.stop();
});

describe.each([['V3', 'x-amz-3'], ['V2', 'x-amz-key-v2']] as const)('%s', (formatVersion, keyName) => {
  test('every byte of the wrapped key, flipped, is a KmsError with the KMS cause and no plaintext', async () => {
    const cipher = new EnvelopeCipher({ keyring: new KmsKeyring({ client: kms.client(), keyId: kms.keyArn }), formatVersion });
    const context = { tenant: 'acme' };
    const pt = randomBytes(1000);
    const { ciphertext, metadata } = await cipher.encrypt(pt, { context });
    // Untouched, it decrypts: the failures below are caused by the flips.
    expect((await cipher.decrypt(ciphertext, metadata, { context })).equals(pt)).toBe(true);

    const wrapped = Buffer.from(metadata[keyName], 'base64');
    expect(wrapped.length).toBeGreaterThan(32);
    const causes = new Set<string>();
    for (let i = 0; i < wrapped.length; i++) {
      const flipped = Buffer.from(wrapped);
      flipped[i] = (flipped[i] + 1) % 256;
      let result: Buffer | undefined;
      let error: unknown;
      try {
        result = await cipher.decrypt(ciphertext, { ...metadata, [keyName]: flipped.toString('base64') }, { context });
      } catch (e) {
        error = e;
      }
      expect(result).toBeUndefined();
      expect(error).toBeInstanceOf(KmsError);
      causes.add(((error as KmsError).cause as Error).name);
    }
    expect([...causes].every((c) => /InvalidCiphertextException|IncorrectKeyException|NotFoundException/.test(c))).toBe(true);
    expect(causes.has('InvalidCiphertextException')).toBe(true);
  }, 60_000);
});
