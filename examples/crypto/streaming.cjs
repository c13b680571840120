// Stream a large object: encrypt a file to S3 as a multipart upload, stream it back decrypted,
// read a range, and encrypt / decrypt a local file with encryptStream / decryptStream.
// Plain CommonJS (no top-level await). Run: BUCKET=my-bucket KMS_KEY_ID=arn:aws:kms:... node streaming.cjs
// Region, credentials and endpoints come from the AWS SDK's usual settings (AWS_REGION, AWS_ENDPOINT_URL_S3, ...).
const { createHash, randomBytes } = require('node:crypto');
const { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { pipeline } = require('node:stream/promises');
const { KMS } = require('@aws-sdk/client-kms');
const { S3 } = require('@aws-sdk/client-s3');
const {
  EnvelopeCipher, KmsKeyring, getDecryptedObjectStream, getObjectRange, putEncryptedObject,
} = require('@cdk-secure-bucket/crypto');

const MiB = 1024 * 1024;

async function main() {
  const bucket = requiredEnv('BUCKET');
  const s3 = new S3({});
  const cipher = new EnvelopeCipher({ keyring: new KmsKeyring({ client: new KMS({}), keyId: requiredEnv('KMS_KEY_ID') }) });
  const dir = mkdtempSync(join(tmpdir(), 'crypto-example-'));
  try {
    const file = join(dir, 'scan.dcm');
    writeFileSync(file, randomBytes(20 * MiB)); // stands in for a large file of yours
    const original = await sha256(createReadStream(file));

    // A ciphertext of 8 MiB or more goes up as a multipart upload (8 MiB parts); a failure aborts it.
    const key = 'scans/scan.dcm';
    const put = await putEncryptedObject({ client: s3, cipher, bucket, key, body: createReadStream(file), context: { study: '42' } });

    // No plaintext is released before the GCM tag is verified; past 64 MiB the ciphertext spools to a private temp file.
    const downloaded = await sha256(await getDecryptedObjectStream({ client: s3, cipher, bucket, key, context: { study: '42' } }));
    if (downloaded !== original) throw new Error('the object streamed back differs from the file');

    // Ranged reads are unauthenticated (GCM is CTR underneath): an explicit opt-in.
    const header = await getObjectRange({
      client: s3, cipher, bucket, key, range: [0, 131], context: { study: '42' }, allowUnauthenticatedRangedReads: true,
    });
    const expectedHeader = await new Promise((resolve, reject) => {
      const chunks = [];
      createReadStream(file, { start: 0, end: 131 }).on('data', (c) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
    });
    if (!header.equals(expectedHeader)) throw new Error('the ranged read differs from the file');

    // Without S3: encryptStream returns the metadata before any byte flows; keep it beside the ciphertext.
    const encrypted = await cipher.encryptStream(createReadStream(file));
    await pipeline(encrypted.stream, createWriteStream(join(dir, 'scan.dcm.enc')));
    // Declaring the length lets a file above maxInMemoryBytes (64 MiB) go to the temp file from its first byte.
    const encFile = join(dir, 'scan.dcm.enc');
    const decrypted = await cipher.decryptStream(createReadStream(encFile), encrypted.metadata, { ciphertextLength: statSync(encFile).size });
    if (await sha256(decrypted) !== original) throw new Error('the file decrypted differs from the original');

    console.log(`streaming: ${put.ciphertextLength} bytes of ciphertext in ${put.parts} parts, `
      + `streamed back and decrypted (sha256 ${original.slice(0, 12)}…), range of ${header.length} bytes, local file round-tripped`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function sha256(stream) {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest('hex');
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
