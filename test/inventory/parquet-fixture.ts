/**
 * Writes Parquet files for tests with hyparquet-writer. It is an ES module, which jest's CommonJS
 * runtime cannot import, so a plain `node` child writes the file from a JSON description.
 */
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { BOUNDED_CHILD } from '../fixtures/bounded-child';

export interface ParquetColumn {
  readonly name: string;
  readonly type: 'STRING' | 'INT64' | 'BOOLEAN';
  /** INT64 values as numbers (made BigInt in the child); null for a missing value. */
  readonly data: ReadonlyArray<string | number | boolean | null>;
}

const SCRIPT = `
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
const { parquetWriteBuffer } = await import(process.env.WRITER_URL);
let text = '';
for await (const chunk of process.stdin) text += chunk;
const spec = JSON.parse(text);
const columnData = spec.columns.map((c) => ({ ...c, data: c.type === 'INT64' ? c.data.map((v) => (v === null ? null : BigInt(v))) : c.data }));
writeFileSync(spec.file, Buffer.from(parquetWriteBuffer({ columnData, rowGroupSize: spec.rowGroupSize, codec: spec.codec,
  compressors: { GZIP: (bytes) => new Uint8Array(gzipSync(bytes)) } })));
`;

/** Writes `columns` to `file` (row groups of `rowGroupSize` rows; SNAPPY by default, or GZIP with node's zlib). */
export function writeParquet(file: string, columns: readonly ParquetColumn[], options: { rowGroupSize?: number; codec?: string } = {}): void {
  const spec = JSON.stringify({ file, columns, rowGroupSize: options.rowGroupSize ?? 1000, codec: options.codec ?? 'SNAPPY' });
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT], {
    ...BOUNDED_CHILD,
    input: spec,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
    env: { ...process.env, NODE_OPTIONS: '', WRITER_URL: pathToFileURL(require.resolve('hyparquet-writer')).href },
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`hyparquet-writer failed: ${r.stderr}`);
}
