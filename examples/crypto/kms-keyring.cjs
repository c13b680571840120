// Encrypt and upload, then download and decrypt, with a data key per object from AWS KMS.
// Plain CommonJS (no top-level await). Run: BUCKET=my-bucket KMS_KEY_ID=arn:aws:kms:... node kms-keyring.cjs
// Region, credentials and endpoints come from the AWS SDK's usual settings (AWS_REGION,
// AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_KMS, ...): unset, they are the real AWS ones.
const { KMS } = require('@aws-sdk/client-kms');
const { S3 } = require('@aws-sdk/client-s3');
const {
  EncryptionContextMismatchError, EnvelopeCipher, KmsKeyring, getDecryptedObject, putEncryptedObject,
} = require('@cdk-secure-bucket/crypto');

async function main() {
  const bucket = requiredEnv('BUCKET');
  const s3 = new S3({});
  // GenerateDataKey / Decrypt with the encryption context; the keyring only unwraps under this key.
  const keyring = new KmsKeyring({ client: new KMS({}), keyId: requiredEnv('KMS_KEY_ID') });
  const cipher = new EnvelopeCipher({ keyring }); // V3 (key commitment); { formatVersion: 'V2' } writes V2

  // In memory: encrypt, and keep `metadata` (the S3EC map) beside the ciphertext yourself.
  const { ciphertext, metadata } = await cipher.encrypt(Buffer.from('patient record'), { context: { tenant: 'acme' } });
  const plaintext = await cipher.decrypt(ciphertext, metadata, { context: { tenant: 'acme' } });

  // To S3: the metadata goes on the object as user metadata (x-amz-meta-x-amz-c, ...).
  const key = 'records/patient-1.json';
  const body = Buffer.from(JSON.stringify({ name: 'Ada', tenant: 'acme' }));
  await putEncryptedObject({ client: s3, cipher, bucket, key, body, context: { tenant: 'acme' } });
  const read = await getDecryptedObject({ client: s3, cipher, bucket, key, context: { tenant: 'acme' } });
  if (!read.equals(body)) throw new Error('round trip through S3 changed the object');

  // KMS authenticates the context: another tenant's context does not unwrap the data key.
  const refused = await getDecryptedObject({ client: s3, cipher, bucket, key, context: { tenant: 'globex' } })
    .then(() => false, (err) => err instanceof EncryptionContextMismatchError);
  if (!refused) throw new Error('a wrong encryption context was accepted');

  console.log(`kms-keyring: ${plaintext.toString()}; s3://${bucket}/${key} round-tripped (format ${metadata['x-amz-c']}); wrong context refused`);
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
