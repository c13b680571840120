/**
 * verifyEnvelope: policy checks on metadata alone.
 */
import { randomBytes } from 'node:crypto';
import { FakeKms } from './envelope-helpers';
import { EnvelopeCipher, KmsKeyring, RawAesKeyring, verifyEnvelope } from '../src';

const KEY_ID = 'arn:aws:kms:us-east-1:111122223333:key/verify';
const codes = (r: ReturnType<typeof verifyEnvelope>) => r.findings.map((f) => f.code).sort();

async function kmsObject(formatVersion: 'V2' | 'V3', context: Record<string, string> = { app: 'a' }) {
  const cipher = new EnvelopeCipher({ keyring: new KmsKeyring({ client: new FakeKms(KEY_ID), keyId: KEY_ID }), formatVersion });
  return (await cipher.encrypt(Buffer.from('x'), { context })).metadata;
}

test('default policy accepts V3 and V2 KMS objects', async () => {
  expect(verifyEnvelope(await kmsObject('V3'))).toMatchObject({ ok: true, findings: [] });
  expect(verifyEnvelope(await kmsObject('V2')).ok).toBe(true);
});

test('format version allow-list (require key commitment)', async () => {
  const r = verifyEnvelope(await kmsObject('V2'), { allowedFormatVersions: ['V3'] });
  expect(r.ok).toBe(false);
  expect(codes(r)).toEqual(['FORMAT_VERSION_NOT_ALLOWED']);
});

test('content and wrap algorithm allow-lists', async () => {
  const md = (await new EnvelopeCipher({ keyring: new RawAesKeyring({ wrappingKey: randomBytes(32) }) }).encrypt(Buffer.from('x'))).metadata;
  expect(codes(verifyEnvelope(md, { allowedWrapAlgorithms: ['kms+context'] }))).toEqual(['WRAP_ALGORITHM_NOT_ALLOWED']);
  expect(codes(verifyEnvelope(md, { allowedContentAlgorithms: ['AES/GCM/NoPadding'] }))).toEqual(['CONTENT_ALGORITHM_NOT_ALLOWED']);
  expect(codes(verifyEnvelope(md, { allowedKmsKeyIds: [KEY_ID] }))).toEqual(['NOT_KMS_WRAPPED']);
});

test('legacy V1 refused by default, allowed only with allowLegacy and the version listed', () => {
  const v1 = { 'x-amz-key': randomBytes(48).toString('base64'), 'x-amz-iv': randomBytes(16).toString('base64'), 'x-amz-matdesc': '{}' };
  expect(codes(verifyEnvelope(v1))).toEqual(['LEGACY_FORMAT']);
  expect(codes(verifyEnvelope(v1, { allowLegacy: true }))).toEqual(['CONTENT_ALGORITHM_NOT_ALLOWED', 'FORMAT_VERSION_NOT_ALLOWED', 'WRAP_ALGORITHM_NOT_ALLOWED']);
});

test('unparseable metadata is a finding, not an exception', () => {
  expect(codes(verifyEnvelope({ 'x-amz-key-v2': 'AAAA', 'x-amz-3': 'AAAA' }))).toEqual(['UNSUPPORTED_FORMAT']);
  expect(codes(verifyEnvelope({}))).toEqual(['UNSUPPORTED_FORMAT']);
});

test('KMS key id: not verifiable from V2/V3 metadata (fail closed); legacy kms_cmk_id is checked', async () => {
  const r = verifyEnvelope(await kmsObject('V3'), { allowedKmsKeyIds: [KEY_ID] });
  expect(codes(r)).toEqual(['KMS_KEY_ID_NOT_VERIFIABLE']);
  const v2 = await kmsObject('V2');
  const withCmk = { ...v2, 'x-amz-matdesc': JSON.stringify({ 'aws:x-amz-cek-alg': 'AES/GCM/NoPadding', 'app': 'a', 'kms_cmk_id': KEY_ID }) };
  expect(verifyEnvelope(withCmk, { allowedKmsKeyIds: [KEY_ID] }).ok).toBe(true);
  expect(codes(verifyEnvelope(withCmk, { allowedKmsKeyIds: ['arn:aws:kms:us-east-1:111122223333:key/other'] }))).toEqual(['KMS_KEY_NOT_ALLOWED']);
});

test('required encryption context entries', async () => {
  const md = await kmsObject('V3', { app: 'a', env: 'prod' });
  expect(verifyEnvelope(md, { requiredEncryptionContext: { app: 'a' } }).ok).toBe(true);
  expect(codes(verifyEnvelope(md, { requiredEncryptionContext: { app: 'b', team: 'x' } }))).toEqual(['ENCRYPTION_CONTEXT_MISMATCH', 'ENCRYPTION_CONTEXT_MISSING']);
  // The reserved key is not a caller context entry.
  expect(codes(verifyEnvelope(md, { requiredEncryptionContext: { 'aws:x-amz-cek-alg': '115' } }))).toEqual(['ENCRYPTION_CONTEXT_MISSING']);
});

test('stored aws:x-amz-cek-alg that disagrees with the content algorithm is flagged', async () => {
  const md = await kmsObject('V3');
  const r = verifyEnvelope({ ...md, 'x-amz-t': '{"app":"a","aws:x-amz-cek-alg":"AES/GCM/NoPadding"}' });
  expect(codes(r)).toEqual(['CEK_ALG_CONTEXT_MISMATCH']);
});

describe('a raw-AES material description is reported as unauthenticated, never as proof of a context', () => {
  const raw = new EnvelopeCipher({ keyring: new RawAesKeyring({ wrappingKey: randomBytes(32) }) });

  test.each(['V3', 'V2'] as const)('%s: a required context on a raw-AES object is ENCRYPTION_CONTEXT_UNAUTHENTICATED even when the label matches', async (v) => {
    const cipher = new EnvelopeCipher({ keyring: new RawAesKeyring({ wrappingKey: randomBytes(32) }), formatVersion: v });
    const md = (await cipher.encrypt(Buffer.from('x'), { context: { tenant: 'a' } })).metadata;
    const r = verifyEnvelope(md, { requiredEncryptionContext: { tenant: 'a' } });
    expect(r.ok).toBe(false);
    expect(codes(r)).toEqual(['ENCRYPTION_CONTEXT_UNAUTHENTICATED']);
    expect(r.contextAuthenticated).toBe(false);
    // Without a required context there is nothing to prove: the object passes, still flagged as unauthenticated.
    expect(verifyEnvelope(md)).toMatchObject({ ok: true, contextAuthenticated: false });
  });

  test('a relabelled raw-AES object does not pass as tenant b', async () => {
    const md = (await raw.encrypt(Buffer.from('x'), { context: { tenant: 'a' } })).metadata;
    const r = verifyEnvelope({ ...md, 'x-amz-m': '{"tenant":"b"}' }, { requiredEncryptionContext: { tenant: 'b' } });
    expect(r.ok).toBe(false);
    expect(codes(r)).toContain('ENCRYPTION_CONTEXT_UNAUTHENTICATED');
  });

  test('a KMS context is authenticated', async () => {
    expect(verifyEnvelope(await kmsObject('V3'), { requiredEncryptionContext: { app: 'a' } })).toMatchObject({ ok: true, contextAuthenticated: true });
  });
});
