// SSE-C: S3 encrypts with a key you supply on every request and never stores. Write, read, check, rotate.
// Plain CommonJS (no top-level await). Run: BUCKET=my-bucket node sse-c.cjs
// Region, credentials and the S3 endpoint come from the AWS SDK's usual settings (AWS_REGION, AWS_ENDPOINT_URL_S3, ...).
const { S3 } = require('@aws-sdk/client-s3');
const {
  generateCustomerKey, rotateCustomerKey, sseCustomerParams, verifyObjectEncryption,
} = require('@cdk-secure-bucket/crypto');

async function main() {
  const bucket = requiredEnv('BUCKET');
  const s3 = new S3({});
  const key = generateCustomerKey(); // 32 random bytes: store it yourself, S3 never does
  await s3.putObject({ Bucket: bucket, Key: 'vault/k', Body: 'secret', ...sseCustomerParams(key) });
  const got = await s3.getObject({ Bucket: bucket, Key: 'vault/k', ...sseCustomerParams(key) });
  if (await got.Body.transformToString() !== 'secret') throw new Error('read back something else');
  // Multipart: pass the same parameters to CreateMultipartUpload, every UploadPart AND CompleteMultipartUpload.

  // S3 reports the algorithm and the key's MD5; this checks the object is under exactly this key.
  const head = await s3.headObject({ Bucket: bucket, Key: 'vault/k', ...sseCustomerParams(key) });
  const check = verifyObjectEncryption(head, { mode: 'SSE_C', customerKey: key });
  if (!check.ok) throw new Error(`not encrypted as expected: ${check.findings.map((f) => f.code).join(', ')}`);

  // Rotation: a CopyObject onto itself, read with the old key and written with the new one.
  const newKey = generateCustomerKey();
  await rotateCustomerKey({ client: s3, bucket, key: 'vault/k', oldKey: key, newKey });
  const oldKeyRefused = await s3.headObject({ Bucket: bucket, Key: 'vault/k', ...sseCustomerParams(key) }).then(() => false, () => true);
  const rotated = verifyObjectEncryption(await s3.headObject({ Bucket: bucket, Key: 'vault/k', ...sseCustomerParams(newKey) }), { mode: 'SSE_C', customerKey: newKey });
  if (!oldKeyRefused || !rotated.ok) throw new Error('the rotation did not take effect');
  console.log('sse-c: s3://' + bucket + '/vault/k written, read and verified under a customer key; rotated, old key refused');
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
