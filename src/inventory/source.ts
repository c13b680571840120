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
import { describe, Location } from './location';
import { InventoryFile } from './manifest';
import { ClientOptions, s3Client, sdkProblem } from './sdk';
import { InputError } from '../check/load';

export class Source {
  private client: any;

  constructor(private readonly options: ClientOptions) {}

  /** The text of an object or file; undefined when it does not exist and `optional`. */
  public async readText(location: Location, optional = false): Promise<string | undefined> {
    if (location.kind === 'file') {
      try {
        return fs.readFileSync(location.path, 'utf8');
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (optional && code === 'ENOENT') return undefined;
        throw new InputError(`${location.path}: cannot read (${code ?? (e as Error).message})`);
      }
    }
    try {
      const out = await this.s3().getObject({ Bucket: location.bucket, Key: location.key });
      return await out.Body.transformToString('utf8');
    } catch (e) {
      if (optional && isNotFound(e)) return undefined;
      throw new InputError(`${describe(location)}: cannot read (${sdkProblem(e)})`);
    }
  }

  /** Where a manifest's data file is. */
  public dataLocation(manifestAt: Location, file: InventoryFile): Location {
    if (manifestAt.kind === 's3') return { kind: 's3', bucket: manifestAt.bucket, key: file.key };
    const dir = path.dirname(path.resolve(manifestAt.path));
    const candidates: string[] = [];
    for (let d = dir; ; d = path.dirname(d)) {
      candidates.push(path.join(d, ...file.key.split('/')));
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
  public async open(location: Location): Promise<Readable> {
    if (location.kind === 'file') {
      const stream = fs.createReadStream(location.path, { highWaterMark: 256 * 1024 });
      await new Promise<void>((resolve, reject) => {
        stream.once('open', () => resolve());
        stream.once('error', (e: NodeJS.ErrnoException) => reject(new InputError(`${location.path}: cannot read (${e.code ?? e.message})`)));
      });
      return stream;
    }
    try {
      const out = await this.s3().getObject({ Bucket: location.bucket, Key: location.key });
      return out.Body as Readable;
    } catch (e) {
      throw new InputError(`${describe(location)}: cannot read (${sdkProblem(e)})`);
    }
  }

  /** Puts a local file at an S3 location; returns the object's ETag (quotes removed). */
  public async upload(file: string, to: Location & { kind: 's3' }): Promise<string> {
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
