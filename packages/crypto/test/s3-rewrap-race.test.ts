/**
 * A rotation raced by the application, against the loopback S3 that enforces conditional requests as S3 does.
 *
 * For each mode (metadata on the object, instruction file, multipart copy) the requests of an undisturbed
 * rotation are counted; then, for every request index, a fresh object is rotated while a racer runs right before
 * that request (an SDK middleware on the rotation's client pauses the request until the racer is done):
 * - writer: the application writes new content (object, then instruction file) under the old key;
 * - split writer: the object before that request, its instruction file before the next one;
 * - deleter: the application deletes the object and its instruction file;
 * - split deleter: the object before that request, the instruction file before the next one.
 * Whatever the interleaving: the application's write survives (the object decrypts to its plaintext), a deleted
 * object stays deleted (no object, no instruction file), and the rotation either rewrapped the object (then the
 * target's primary key alone reads it) or failed with ObjectChangedError.
 */
import { randomBytes } from 'node:crypto';
import { S3 } from '@aws-sdk/client-s3';
import { BUCKET, deterministicBytes, S3TestEnv, startS3TestEnv } from './s3-test-env';
import { EnvelopeCipher } from '../src/cipher/envelope-cipher';
import { splitForInstructionFile } from '../src/format/content-metadata';
import { RawAesKeyring } from '../src/keyring/raw-aes-keyring';
import { ObjectChangedError } from '../src/rewrap/rewrap-errors';
import { getDecryptedObject } from '../src/s3/get-decrypted-object';
import { INSTRUCTION_FILE_OBJECT_METADATA, serializeInstructionFile } from '../src/s3/instruction-file';
import { putEncryptedObject } from '../src/s3/put-encrypted-object';
import { rewrapObject, RewrapObjectOptions } from '../src/s3/rewrap-object';

jest.setTimeout(600_000);

let env: S3TestEnv;
const oldKey = randomBytes(32);
const newKey = randomBytes(32);
const rawOld = new RawAesKeyring({ wrappingKey: oldKey, materialDescription: { generation: '1' } });
const rawNew = new RawAesKeyring({ wrappingKey: newKey, materialDescription: { generation: '2' } });
/** A reader that knows both keys: what an application reads with during a rotation. */
const reader = new RawAesKeyring({
  wrappingKey: newKey, materialDescription: { generation: '2' }, additionalDecryptionKeys: [{ materialDescription: { generation: '1' }, wrappingKey: oldKey }],
});
const original = deterministicBytes('race-original', 2_000);
const rewritten = deterministicBytes('race-rewritten', 2_100);

/** Runs before each request of the rotation's client; the request waits for it. */
let beforeRequest: (command: string) => Promise<void> = async () => undefined;
let rotationClient: S3;

beforeAll(async () => {
  env = await startS3TestEnv();
  rotationClient = env.s3.client();
  rotationClient.middlewareStack.add((next, context) => async (args) => {
    await beforeRequest(context.commandName ?? '?');
    return next(args);
  }, { step: 'initialize', name: 'raceHook' });
});
afterAll(async () => {
  await env.stop();
});

type Mode = 'metadata' | 'instruction-file' | 'multipart';

async function writeObject(key: string, mode: Mode, body: Buffer, keyring = rawOld): Promise<void> {
  await putEncryptedObject({
    client: env.client, cipher: new EnvelopeCipher({ keyring }), bucket: BUCKET, key, body, instructionFile: mode === 'instruction-file',
  });
}

async function exists(key: string): Promise<boolean> {
  return env.sdkClient.headObject({ Bucket: BUCKET, Key: key }).then(() => true, (e: { $metadata?: { httpStatusCode?: number } }) => {
    if (e.$metadata?.httpStatusCode === 404) return false;
    throw e;
  });
}

function rotationOptions(key: string, mode: Mode): RewrapObjectOptions {
  return {
    client: rotationClient,
    bucket: BUCKET,
    key,
    sourceKeyring: rawOld,
    targetKeyring: rawNew,
    ...(mode === 'multipart' ? { multipartCopyThresholdBytes: 1024 } : {}),
  };
}

/** The racer's two halves: the first runs before request i, the second before request i + 1 (or after the rotation). */
type Racer = (key: string, mode: Mode) => [() => Promise<void>, () => Promise<void>];
const racers: Record<string, { run: Racer; deletes: boolean }> = {
  'writer': {
    deletes: false,
    run: (key, mode) => [() => writeObject(key, mode, rewritten), async () => undefined],
  },
  'split writer': {
    deletes: false,
    run: (key, mode) => {
      // The application's two requests (object, then instruction file), split around one request of the rotation.
      let instruction: Buffer | undefined;
      return [async () => {
        const { ciphertext, metadata } = await new EnvelopeCipher({ keyring: rawOld }).encrypt(rewritten);
        if (mode !== 'instruction-file') {
          await env.sdkClient.putObject({ Bucket: BUCKET, Key: key, Body: ciphertext, Metadata: metadata });
          return;
        }
        const split = splitForInstructionFile(metadata);
        instruction = serializeInstructionFile(split.instructionFile);
        await env.sdkClient.putObject({ Bucket: BUCKET, Key: key, Body: ciphertext, Metadata: split.objectMetadata });
      }, async () => {
        if (instruction !== undefined) {
          await env.sdkClient.putObject({ Bucket: BUCKET, Key: `${key}.instruction`, Body: instruction, Metadata: { ...INSTRUCTION_FILE_OBJECT_METADATA } });
        }
      }];
    },
  },
  'deleter': {
    deletes: true,
    run: (key) => [async () => {
      await env.sdkClient.deleteObject({ Bucket: BUCKET, Key: key });
      await env.sdkClient.deleteObject({ Bucket: BUCKET, Key: `${key}.instruction` });
    }, async () => undefined],
  },
  'split deleter': {
    deletes: true,
    run: (key) => [
      async () => {
        await env.sdkClient.deleteObject({ Bucket: BUCKET, Key: key });
      },
      async () => {
        await env.sdkClient.deleteObject({ Bucket: BUCKET, Key: `${key}.instruction` });
      },
    ],
  },
};

/** The commands of an undisturbed rotation in `mode`. */
async function requestsOf(mode: Mode): Promise<string[]> {
  const key = `race/count/${mode}`;
  await writeObject(key, mode, original);
  const seen: string[] = [];
  beforeRequest = async (command) => {
    seen.push(command);
  };
  try {
    await rewrapObject(rotationOptions(key, mode));
  } finally {
    beforeRequest = async () => undefined;
  }
  return seen;
}

const modes: Mode[] = ['metadata', 'instruction-file', 'multipart'];

describe.each(modes)('%s mode', (mode) => {
  test('the undisturbed rotation makes the expected conditional requests', async () => {
    const seen = await requestsOf(mode);
    const expected = {
      'metadata': ['HeadObjectCommand', 'CopyObjectCommand', 'HeadObjectCommand'],
      'instruction-file': ['HeadObjectCommand', 'GetObjectCommand', 'HeadObjectCommand', 'PutObjectCommand', 'GetObjectCommand', 'HeadObjectCommand'],
      'multipart': ['HeadObjectCommand', 'GetObjectTaggingCommand', 'CreateMultipartUploadCommand', 'UploadPartCopyCommand',
        'CompleteMultipartUploadCommand', 'HeadObjectCommand'],
    }[mode];
    expect(seen).toEqual(expected);
  });

  test.each(Object.keys(racers))('a %s before every request of the rotation: no write lost, nothing resurrected', async (racerName) => {
    const { run, deletes } = racers[racerName];
    const requests = await requestsOf(mode);
    const failures: string[] = [];
    let rotated = 0;
    let refused = 0;
    for (let at = 0; at < requests.length; at++) {
      const key = `race/${mode}/${racerName.replace(' ', '-')}/${at}`;
      await writeObject(key, mode, original);
      const [first, second] = run(key, mode);
      let index = 0;
      let secondDone = false;
      beforeRequest = async () => {
        const i = index++;
        if (i === at) await first();
        if (i === at + 1) {
          secondDone = true;
          await second();
        }
      };
      let outcome: 'rewrapped' | 'changed' | 'missing';
      try {
        await rewrapObject(rotationOptions(key, mode));
        outcome = 'rewrapped';
      } catch (e) {
        if (e instanceof ObjectChangedError) outcome = 'changed';
        else if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404 && at === 0 && deletes) outcome = 'missing';
        else throw e;
      } finally {
        beforeRequest = async () => undefined;
      }
      if (!secondDone) await second();
      if (outcome === 'rewrapped') rotated++;
      else refused++;

      const where = `${racerName} before request ${at} (${requests[at]}), rotation ${outcome}`;
      expect(await env.s3.pendingUploads(BUCKET)).toEqual([]);
      if (deletes) {
        if (await exists(key)) failures.push(`${where}: the deleted object is back`);
        if (await exists(`${key}.instruction`)) failures.push(`${where}: the deleted instruction file is back`);
        continue;
      }
      const read = await getDecryptedObject({ client: env.client, cipher: new EnvelopeCipher({ keyring: reader }), bucket: BUCKET, key })
        .catch((e: Error) => e);
      if (!(read instanceof Buffer) || !read.equals(rewritten)) {
        failures.push(`${where}: the application's write is lost (${read instanceof Error ? read.name : 'other content'})`);
      }
      if (outcome === 'rewrapped') {
        // Reported done: the target's primary key alone reads what is stored.
        const byTarget = await getDecryptedObject({ client: env.client, cipher: new EnvelopeCipher({ keyring: rawNew }), bucket: BUCKET, key })
          .catch((e: Error) => e);
        if (!(byTarget instanceof Buffer)) failures.push(`${where}: reported rewrapped but the target key does not read it`);
      }
    }
    expect(failures).toEqual([]);
    // Both branches were exercised: a racer before the first read is rotated, a later one refused.
    expect(refused).toBeGreaterThan(0);
    if (!deletes) expect(rotated).toBeGreaterThan(0);
  });
});
