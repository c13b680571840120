// Rotate the key that wraps stored objects' data keys, without re-encrypting or reading their content:
// one object with rewrapObject (raw AES generation 1 to 2), then a batch with rewrapObjects (raw AES to KMS).
// ES module. Run: BUCKET=my-bucket KMS_KEY_ID=arn:aws:kms:... node key-rotation.mjs
// Region, credentials and endpoints come from the AWS SDK's usual settings (AWS_REGION, AWS_ENDPOINT_URL_S3, ...).
import { randomBytes } from 'node:crypto';
import { KMS } from '@aws-sdk/client-kms';
import { S3 } from '@aws-sdk/client-s3';
import {
  EnvelopeCipher, KmsKeyring, RawAesKeyring, getDecryptedObject, putEncryptedObject, rewrapObject, rewrapObjects,
} from '@cdk-secure-bucket/crypto';

const bucket = process.env.BUCKET;
const keyId = process.env.KMS_KEY_ID;
if (!bucket || !keyId) throw new Error('set BUCKET and KMS_KEY_ID');
const s3 = new S3({});
// Old and new master keys come from your secret store; random ones make this a self-contained demo.
const oldKey = randomBytes(32);
const newKey = randomBytes(32);
const source = new RawAesKeyring({ wrappingKey: oldKey, materialDescription: { generation: '1' } });
const target = new RawAesKeyring({ wrappingKey: newKey, materialDescription: { generation: '2' } });

// Objects written under generation 1: metadata on the object, and in an instruction file.
const keys = ['ledger/2025.csv', 'ledger/2026.csv', 'ledger/index.json'];
for (const key of keys) {
  await putEncryptedObject({
    client: s3, cipher: new EnvelopeCipher({ keyring: source }), bucket, key, body: Buffer.from(`contents of ${key}`), instructionFile: key.endsWith('.json'),
  });
}

// One object: a CopyObject onto itself with the new metadata (or a new instruction file). The content is untouched.
const one = await rewrapObject({ client: s3, bucket, key: keys[0], sourceKeyring: source, targetKeyring: target, enforceRotation: true });

// Readers during the rotation: one keyring that reads both generations.
const reader = new RawAesKeyring({
  wrappingKey: newKey, materialDescription: { generation: '2' },
  additionalDecryptionKeys: [{ materialDescription: { generation: '1' }, wrappingKey: oldKey }],
});
for (const key of keys) await getDecryptedObject({ client: s3, cipher: new EnvelopeCipher({ keyring: reader }), bucket, key });

// Many objects, to a KMS key: bounded concurrency, progress, a checkpoint to resume from, one outcome per key.
let savedCheckpoint; // persist it (JSON) in a real run, and pass it back as `checkpoint` to resume
const kmsTarget = new KmsKeyring({ client: new KMS({}), keyId });
const run = await rewrapObjects({
  client: s3, bucket, keys: keys.slice(1), sourceKeyring: source, targetKeyring: kmsTarget,
  concurrency: 8, checkpoint: savedCheckpoint, onCheckpoint: (c) => { savedCheckpoint = c; },
  onProgress: (p) => console.log(`${p.finished} done, ${p.failed} failed`),
});
for (const o of run.outcomes.filter((x) => x.status === 'failed')) console.error(o.key, o.error);
if (run.failed !== 0 || run.rewrapped !== 2) throw new Error(`batch: ${run.rewrapped} re-wrapped, ${run.failed} failed`);

// The old key reads nothing any more; the KMS key reads the batch.
const old = new EnvelopeCipher({ keyring: source });
const stale = await Promise.all(keys.map((key) => getDecryptedObject({ client: s3, cipher: old, bucket, key }).then(() => key, () => null)));
if (stale.some(Boolean)) throw new Error(`still readable with the old key: ${stale.filter(Boolean).join(', ')}`);
for (const key of keys.slice(1)) {
  const text = (await getDecryptedObject({ client: s3, cipher: new EnvelopeCipher({ keyring: kmsTarget }), bucket, key })).toString();
  if (text !== `contents of ${key}`) throw new Error(`${key} changed in the rotation`);
}
console.log(`key-rotation: ${one.key} re-wrapped (${one.mode}, ${one.formatVersion}); ${run.rewrapped} objects moved to KMS; old key refused`);
