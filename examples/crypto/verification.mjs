// Audit stored objects without decrypting them: the client-side envelope (format, algorithms, KMS context)
// with verifyEnvelope, and the server-side encryption S3 reports with verifyObjectEncryption.
// ES module. Run: BUCKET=my-bucket KMS_KEY_ID=arn:aws:kms:... [SSE_MODE=SSE_KMS SSE_KMS_KEY_ARN=arn:...] node verification.mjs
// Region, credentials and endpoints come from the AWS SDK's usual settings (AWS_REGION, AWS_ENDPOINT_URL_S3, ...).
import { KMS } from '@aws-sdk/client-kms';
import { S3 } from '@aws-sdk/client-s3';
import { EnvelopeCipher, KmsKeyring, putEncryptedObject, verifyEnvelope, verifyObjectEncryption } from '@cdk-secure-bucket/crypto';

const bucket = process.env.BUCKET;
const keyId = process.env.KMS_KEY_ID;
if (!bucket || !keyId) throw new Error('set BUCKET and KMS_KEY_ID');
// How the bucket encrypts at rest: SSE_S3 (every bucket's default) or SSE_KMS (under SSE_KMS_KEY_ARN, if set).
const sseMode = process.env.SSE_MODE === 'SSE_KMS' ? 'SSE_KMS' : 'SSE_S3';
const sseKeyArn = process.env.SSE_KMS_KEY_ARN || undefined;
const s3 = new S3({});
const keyring = new KmsKeyring({ client: new KMS({}), keyId });

// Two objects to audit: one as the policy wants (V3, tenant context), one written in the older V2 format.
const prefix = 'audit-demo/';
await putEncryptedObject({ client: s3, cipher: new EnvelopeCipher({ keyring }), bucket, key: `${prefix}v3.json`, body: Buffer.from('{}'), context: { tenant: 'acme' } });
await putEncryptedObject({
  client: s3, cipher: new EnvelopeCipher({ keyring, formatVersion: 'V2' }), bucket, key: `${prefix}v2.json`, body: Buffer.from('{}'), context: { tenant: 'acme' },
});

// The audit: HeadObject only, no key access needed. Findings, not a boolean.
const report = {};
const listed = await s3.listObjectsV2({ Bucket: bucket, Prefix: prefix });
for (const { Key } of listed.Contents ?? []) {
  const head = await s3.headObject({ Bucket: bucket, Key });
  const envelope = verifyEnvelope(head.Metadata ?? {}, { allowedFormatVersions: ['V3'], requiredEncryptionContext: { tenant: 'acme' } });
  const atRest = verifyObjectEncryption(head, sseMode === 'SSE_KMS' ? { mode: 'SSE_KMS', keyArn: sseKeyArn } : { mode: 'SSE_S3' });
  report[Key] = [...envelope.findings, ...atRest.findings].map((f) => f.code);
  console.log(`${Key}: ${report[Key].length === 0 ? 'ok' : report[Key].join(', ')}`);
}

if (report[`${prefix}v3.json`]?.length !== 0) throw new Error('the V3 object should pass the audit');
if (!report[`${prefix}v2.json`]?.includes('FORMAT_VERSION_NOT_ALLOWED')) throw new Error('the V2 object should be flagged');
console.log(`verification: ${Object.keys(report).length} objects audited against V3 + tenant context + ${sseMode}; the V2 object was flagged`);
