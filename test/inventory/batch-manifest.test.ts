import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BatchManifestWriter } from '../../src/inventory/batch-manifest';

let dir: string;
beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batch-manifest-')); });
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('many lines across several blocks, and a key longer than a block: content and MD5 exact', () => {
  const file = path.join(dir, 'm.csv');
  const w = new BatchManifestWriter(file, 'test');
  let expected = '';
  for (let i = 0; i < 30_000; i++) {
    const key = `dir%20${i}/caf%C3%A9-${'x'.repeat(i % 50)}`;
    w.add('b', key, undefined);
    expected += `b,${key}\n`;
  }
  const long = 'k'.repeat(300_000);
  w.add('b', long, undefined);
  expected += `b,${long}\n`;
  w.add('b', 'with,comma"quote', undefined);
  expected += 'b,"with,comma""quote"\n';
  const md5 = w.close();
  expect(w.objects).toBe(30_002);
  expect(fs.readFileSync(file, 'utf8')).toBe(expected);
  expect(md5).toBe(createHash('md5').update(expected).digest('hex'));
  expect(w.fields).toEqual(['Bucket', 'Key']);
});

test('version ids on every line or on none', () => {
  const w = new BatchManifestWriter(path.join(dir, 'v.csv'), '--batch-manifest v.csv');
  w.add('b', 'k', 'v1');
  expect(w.fields).toEqual(['Bucket', 'Key', 'VersionId']);
  expect(() => w.add('b', 'k2', undefined)).toThrow(/--batch-manifest v.csv: the inventory mixes rows with and without a version id/);
  w.discard();
  expect(fs.existsSync(path.join(dir, 'v.csv'))).toBe(false);
});
