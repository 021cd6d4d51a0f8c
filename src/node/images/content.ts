// The content store (containerd's content/local): every blob — index, manifest, config, layer —
// stored once under blobs/<alg>/<hex>, named by its digest and shared by all images. A blob is
// written to ingest/ first and moved into place only once its digest and size are verified, so
// the store never holds a blob whose name lies about its bytes.

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { readdirOrEmpty } from '../fs/readdir.js';
import { isDigest } from './reference.js';

export class DigestMismatchError extends Error {}

/** Manifests and configs larger than this are refused (containerd's MaxManifestSize). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export function digestOf(data: Buffer | string, alg: 'sha256' | 'sha512' = 'sha256'): string {
  return `${alg}:${createHash(alg).update(data).digest('hex')}`;
}

function algOf(digest: string): 'sha256' | 'sha512' {
  if (!isDigest(digest)) throw new Error(`invalid digest "${digest}"`);
  return digest.startsWith('sha512:') ? 'sha512' : 'sha256';
}

export interface ExpectedBlob {
  digest: string;
  size?: number;
}

export class ContentStore {
  readonly root: string;
  constructor(root: string) {
    this.root = root;
  }

  blobPath(digest: string): string {
    const alg = algOf(digest);
    return path.join(this.root, 'blobs', alg, digest.slice(alg.length + 1));
  }

  async info(digest: string): Promise<{ size: number } | undefined> {
    try {
      const st = await stat(this.blobPath(digest));
      return { size: st.size };
    } catch {
      return undefined;
    }
  }

  async has(digest: string): Promise<boolean> {
    return (await this.info(digest)) !== undefined;
  }

  private async tempFile(): Promise<string> {
    const dir = path.join(this.root, 'ingest');
    await mkdir(dir, { recursive: true });
    return path.join(dir, `${process.pid}-${randomBytes(8).toString('hex')}`);
  }

  private async commit(tmp: string, digest: string): Promise<void> {
    const dest = this.blobPath(digest);
    await mkdir(path.dirname(dest), { recursive: true });
    await rename(tmp, dest);
  }

  /**
   * Writes a stream as a blob, verifying it against the expected digest (and size, when known).
   * Without an expected digest the blob is named by what was read. Returns the digest and size.
   */
  async write(source: Readable, expected?: ExpectedBlob, onProgress?: (bytes: number) => void): Promise<{ digest: string; size: number }> {
    const alg = expected ? algOf(expected.digest) : 'sha256';
    const tmp = await this.tempFile();
    const hash = createHash(alg);
    let bytes = 0;
    const limit = expected?.size;
    const counter = new Transform({
      transform(chunk: Buffer, _e, cb) {
        bytes += chunk.length;
        if (limit !== undefined && bytes > limit) {
          cb(new DigestMismatchError(`blob ${expected!.digest}: more than the ${limit} bytes its descriptor says`));
          return;
        }
        hash.update(chunk);
        onProgress?.(bytes);
        cb(null, chunk);
      },
    });
    try {
      await pipeline(source, counter, createWriteStream(tmp, { mode: 0o644 }));
      const digest = `${alg}:${hash.digest('hex')}`;
      if (expected && digest !== expected.digest)
        throw new DigestMismatchError(`blob digest mismatch: expected ${expected.digest}, got ${digest}`);
      if (limit !== undefined && bytes !== limit)
        throw new DigestMismatchError(`blob ${digest}: ${bytes} bytes, its descriptor says ${limit}`);
      await this.commit(tmp, digest);
      return { digest, size: bytes };
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  async writeBuffer(data: Buffer, expected?: ExpectedBlob): Promise<string> {
    const alg = expected ? algOf(expected.digest) : 'sha256';
    const digest = digestOf(data, alg);
    if (expected && digest !== expected.digest)
      throw new DigestMismatchError(`blob digest mismatch: expected ${expected.digest}, got ${digest}`);
    if (expected?.size !== undefined && expected.size !== data.length)
      throw new DigestMismatchError(`blob ${digest}: ${data.length} bytes, its descriptor says ${expected.size}`);
    if (await this.has(digest)) return digest;
    const tmp = await this.tempFile();
    await writeFile(tmp, data, { mode: 0o644 });
    await this.commit(tmp, digest);
    return digest;
  }

  /** Reads a small blob (manifest, index, config) whole. */
  async readBuffer(digest: string, max = MAX_MANIFEST_BYTES): Promise<Buffer> {
    const info = await this.info(digest);
    if (!info) throw new Error(`content ${digest}: not found`);
    if (info.size > max) throw new Error(`content ${digest}: ${info.size} bytes is more than the ${max} allowed`);
    return readFile(this.blobPath(digest));
  }

  async readJSON<T>(digest: string): Promise<T> {
    const data = await this.readBuffer(digest);
    try {
      return JSON.parse(data.toString('utf8')) as T;
    } catch (e) {
      throw new Error(`content ${digest}: not JSON: ${(e as Error).message}`);
    }
  }

  reader(digest: string): Readable {
    return createReadStream(this.blobPath(digest));
  }

  async delete(digest: string): Promise<void> {
    await rm(this.blobPath(digest), { force: true });
  }

  /** Every blob's digest and size. */
  async list(): Promise<{ digest: string; size: number }[]> {
    const out: { digest: string; size: number }[] = [];
    for (const alg of ['sha256', 'sha512']) {
      const names = await readdirOrEmpty(path.join(this.root, 'blobs', alg));
      for (const n of names) {
        const digest = `${alg}:${n}`;
        if (!isDigest(digest)) continue;
        const info = await this.info(digest);
        if (info) out.push({ digest, size: info.size });
      }
    }
    return out;
  }

  /** Removes leftovers of writes that never finished (a crash mid-pull); only this store's own. */
  async cleanIngest(olderThanMs = 3600_000): Promise<void> {
    const dir = path.join(this.root, 'ingest');
    const names = await readdirOrEmpty(dir);
    for (const n of names) {
      const p = path.join(dir, n);
      try {
        if (Date.now() - (await stat(p)).mtimeMs > olderThanMs) await rm(p, { force: true });
      } catch {
        /* gone */
      }
    }
  }
}
