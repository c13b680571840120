// Many small objects with fewer KMS calls: a CachingKeyring reuses a data key within limits you set.
// Plain CommonJS (no top-level await). Run: BUCKET=my-bucket KMS_KEY_ID=arn:aws:kms:... node caching-keyring.cjs
// Region, credentials and endpoints come from the AWS SDK's usual settings (AWS_REGION, AWS_ENDPOINT_URL_S3, ...).
const { KMS } = require('@aws-sdk/client-kms');
const { S3 } = require('@aws-sdk/client-s3');
const {
  CachingKeyring, EnvelopeCipher, KmsKeyring, getDecryptedObject, putEncryptedObject,
} = require('@cdk-secure-bucket/crypto');

async function main() {
  const bucket = requiredEnv('BUCKET');
  const s3 = new S3({});
  const kmsKeyring = new KmsKeyring({ client: new KMS({}), keyId: requiredEnv('KMS_KEY_ID') });
  // A data key serves at most 60 s, 1,000 objects and 1 GiB; then KMS is asked again.
  const cache = new CachingKeyring({ keyring: kmsKeyring, maxAgeMs: 60_000, maxMessagesEncrypted: 1_000, maxBytesEncrypted: 2 ** 30 });
  const cipher = new EnvelopeCipher({ keyring: cache });

  const count = 20;
  for (let i = 0; i < count; i++) {
    await putEncryptedObject({ client: s3, cipher, bucket, key: `events/${i}.json`, body: Buffer.from(JSON.stringify({ i })), context: { app: 'events' } });
  }
  for (let i = 0; i < count; i++) {
    const event = JSON.parse((await getDecryptedObject({ client: s3, cipher, bucket, key: `events/${i}.json`, context: { app: 'events' } })).toString());
    if (event.i !== i) throw new Error(`events/${i}.json decrypted to ${JSON.stringify(event)}`);
  }

  const { hits, misses, keyringCalls } = cache.stats; // also bypasses, evictions, size
  if (keyringCalls >= 2 * count) throw new Error(`the cache saved no KMS call (${keyringCalls} keyring calls)`);
  console.log(`caching-keyring: ${count} objects written and read with ${keyringCalls} KMS calls (${hits} hits, ${misses} misses)`);
}

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name}`);
  return value;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
