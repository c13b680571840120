// Encrypt and decrypt with an AES master key you hold (no KMS), to S3 with the metadata in an instruction file.
// ES module. Run: BUCKET=my-bucket MASTER_KEY=<base64 of 16, 24 or 32 bytes> node raw-aes-keyring.mjs
// Region, credentials and the S3 endpoint come from the AWS SDK's usual settings (AWS_REGION, AWS_ENDPOINT_URL_S3, ...).
import { randomBytes } from 'node:crypto';
import { S3 } from '@aws-sdk/client-s3';
import {
  EnvelopeCipher, RawAesKeyring, WrongKeyError, getDecryptedObject, putEncryptedObject, verifyEnvelope,
} from '@cdk-secure-bucket/crypto';

const bucket = process.env.BUCKET;
if (!bucket) throw new Error('set BUCKET');
// The master key comes from your secret store; a random one makes this a self-contained demo.
const masterKey = process.env.MASTER_KEY ? Buffer.from(process.env.MASTER_KEY, 'base64') : randomBytes(32);
const s3 = new S3({});

// AES/GCM key wrapping; the material description is stored in x-amz-matdesc / x-amz-m.
const keyring = new RawAesKeyring({ wrappingKey: masterKey, materialDescription: { generation: '1' } });
const cipher = new EnvelopeCipher({ keyring });

const key = 'reports/2026-q1.csv';
const body = Buffer.from('region,revenue\neu,1200\nus,3400\n');
const put = await putEncryptedObject({ client: s3, cipher, bucket, key, body, instructionFile: true });
const read = await getDecryptedObject({ client: s3, cipher, bucket, key });
if (!read.equals(body)) throw new Error('round trip through S3 changed the object');

// A raw-AES material description is a label, not a security check: the format does not authenticate it.
const check = verifyEnvelope(put.metadata, { requiredEncryptionContext: { generation: '1' } });
if (check.contextAuthenticated !== false || !check.findings.some((f) => f.code === 'ENCRYPTION_CONTEXT_UNAUTHENTICATED')) {
  throw new Error('a raw-AES context was reported as authenticated');
}

// Another master key cannot unwrap the data key.
const stranger = new EnvelopeCipher({ keyring: new RawAesKeyring({ wrappingKey: randomBytes(32) }) });
const refused = await getDecryptedObject({ client: s3, cipher: stranger, bucket, key })
  .then(() => false, (err) => err instanceof WrongKeyError);
if (!refused) throw new Error('another master key decrypted the object');

console.log(`raw-aes-keyring: s3://${bucket}/${key} round-tripped, metadata in ${put.instructionFileKey}; other key refused`);
