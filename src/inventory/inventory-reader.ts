/**
 * Reads the manifest and opens the data files, from disk or from S3.
 *
 * Data files are found where S3 Inventory delivers them: for an `s3://` manifest, at
 * `files[].key` in the manifest's bucket; for a local manifest, at `files[].key` below one of the
 * manifest's ancestor folders (a synced copy of the destination bucket), or beside the manifest
 * under the key's file name.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import { BoundedStage } from './bounded-stream';
import { Limits, formatBytes, formatDuration } from './limits';
import { InventoryFile } from './manifest';
import { ClientOptions, s3Client, sdkProblem } from './sdk';
import { describe, StorageLocation } from './storage-location';
import { InputError } from '../cli-input/input-error';

export class InventoryReader {
  private client: any;

  constructor(private readonly options: ClientOptions, private readonly limits: Limits) {}

  /**
   * The text of a manifest (or its checksum), at most `maxManifestBytes`; undefined when it does
   * not exist and `optional`.
   */
  public async readText(location: StorageLocation, optional = false): Promise<string | undefined> {
    const max = this.limits.maxManifestBytes;
    const capReason = '--max-manifest-bytes';
    if (location.kind === 'file') {
      try {
        const size = fs.statSync(location.path).size;
        if (size > max) throw new InputError(`${location.path}: ${formatBytes(size)}, more than ${formatBytes(max)} (${capReason}); not read`);
        return fs.readFileSync(location.path, 'utf8');
      } catch (e) {
        if (e instanceof InputError) throw e;
        const code = (e as NodeJS.ErrnoException).code;
        if (optional && code === 'ENOENT') return undefined;
        throw new InputError(`${location.path}: cannot read (${code ?? (e as Error).message})`);
      }
    }
    let body: Readable;
    try {
      body = await this.get(location);
    } catch (e) {
      if (optional && isNotFound(e)) return undefined;
      if (e instanceof InputError) throw e;
      throw new InputError(`${describe(location)}: cannot read (${sdkProblem(e)})`);
    }
    const chunks: Buffer[] = [];
    const stage = new BoundedStage({ where: describe(location), maxBytes: max, capReason, idleTimeoutMs: this.limits.idleTimeoutMs });
    try {
      await pipeline(body, stage, async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) chunks.push(chunk);
      });
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError(`${describe(location)}: cannot read (${(e as Error).message})`);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  /** Where a manifest's data file is. */
  public dataLocation(manifestAt: StorageLocation, file: InventoryFile): StorageLocation {
    if (manifestAt.kind === 's3') return { kind: 's3', bucket: manifestAt.bucket, key: file.key };
    // A key is a path below the synced copy's root: no absolute path, no '.' or '..' segment,
    // so a manifest never makes the audit read a file outside the folders it was given.
    const segments = file.key.split('/');
    if (file.key.startsWith('/') || /^[a-zA-Z]:/.test(file.key) || file.key.includes('\\')
      || segments.some((s) => s === '..' || s === '.' || s === '')) {
      throw new InputError(`${manifestAt.path}: data file key '${file.key}' is not a plain S3 key below the manifest's folders `
        + '(absolute, or with an empty, \'.\' or \'..\' segment); refusing to read outside them');
    }
    const dir = path.dirname(path.resolve(manifestAt.path));
    const candidates: string[] = [];
    for (let d = dir; ; d = path.dirname(d)) {
      const candidate = path.resolve(d, ...segments);
      if (candidate.startsWith(d.endsWith(path.sep) ? d : d + path.sep)) candidates.push(candidate);
      if (path.dirname(d) === d) break;
    }
    candidates.push(path.join(dir, path.posix.basename(file.key)));
    const found = candidates.find((c) => fs.existsSync(c));
    if (!found) {
      throw new InputError(`${manifestAt.path}: data file ${file.key} not found (looked below the manifest's folders and beside it)`);
    }
    return { kind: 'file', path: found };
  }

  /** A stream of the bytes at `location`. */
  public async open(location: StorageLocation): Promise<Readable> {
    if (location.kind === 'file') {
      const stream = fs.createReadStream(location.path, { highWaterMark: 256 * 1024 });
      await new Promise<void>((resolve, reject) => {
        stream.once('open', () => resolve());
        stream.once('error', (e: NodeJS.ErrnoException) => reject(new InputError(`${location.path}: cannot read (${e.code ?? e.message})`)));
      });
      return stream;
    }
    try {
      return await this.get(location);
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError(`${describe(location)}: cannot read (${sdkProblem(e)})`);
    }
  }

  /**
   * Runs an S3 request that must answer within `requestTimeoutMs`: the request is aborted then.
   * (The SDK's own `requestTimeout` only logs a warning and keeps waiting.)
   */
  public async request<T>(what: string, send: (client: any, options: { abortSignal: AbortSignal }) => Promise<T>): Promise<T> {
    const ms = this.limits.requestTimeoutMs;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, ms);
    try {
      return await send(this.s3(), { abortSignal: controller.signal });
    } catch (e) {
      if (timedOut) throw new InputError(`${what}: no response within ${formatDuration(ms)} (--request-timeout sets this limit)`);
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  /** GetObject's body; the caller bounds it in bytes and idle time. */
  private async get(location: StorageLocation & { kind: 's3' }): Promise<Readable> {
    const out: any = await this.request(describe(location), (s3, options) => s3.getObject({ Bucket: location.bucket, Key: location.key }, options));
    return out.Body as Readable;
  }

  /** Puts a local file at an S3 location; returns the object's ETag (quotes removed). */
  public async upload(file: string, to: StorageLocation & { kind: 's3' }): Promise<string> {
    try {
      const out = await this.s3().putObject({
        Bucket: to.bucket,
        Key: to.key,
        Body: fs.createReadStream(file),
        ContentLength: fs.statSync(file).size,
        ContentType: 'text/csv',
      });
      return String(out.ETag ?? '').replace(/"/g, '');
    } catch (e) {
      throw new InputError(`${describe(to)}: cannot write (${sdkProblem(e)})`);
    }
  }

  public close(): void {
    this.client?.destroy();
  }

  private s3(): any {
    this.client ??= s3Client(this.options, 'an s3:// location');
    return this.client;
  }
}

function isNotFound(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err.name === 'NoSuchKey' || err.name === 'NotFound' || err.$metadata?.httpStatusCode === 404;
}

/** Lowercase hex MD5 of a string (a manifest, for manifest.checksum). */
export function md5Hex(text: string | Buffer): string {
  return createHash('md5').update(text).digest('hex');
}
