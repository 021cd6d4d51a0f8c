// Applying a layer tar to a snapshot directory (containerd's archive.Apply with
// OverlayConvertWhiteout, and the naive applier of its native snapshotter).
//
// A layer is hostile input, and the node applies it as root. Every entry's parent is resolved
// inside the snapshot root, following symlinks planted by earlier entries only within that root
// (containerd's fs.RootPath): `..` stops at the root and absolute link targets restart at it. The
// final component is then created fresh (O_EXCL files, mkdir, symlink, link, mknod), never
// written through. Device nodes are made only as root; trusted.* xattrs from an archive are
// refused as containerd refuses them; owners are kept as root (setuid bits kept, as containerd).
//
// Whiteouts: in 'overlay' mode `.wh.NAME` becomes a 0/0 character device and `.wh..wh..opq` the
// trusted.overlay.opaque=y xattr on its directory, as containerd's overlayfs snapshotter stores
// them; in 'native' mode (a full copy per snapshot, for nodes without root) they delete.
//
// Node has no mknod(2) or setxattr(2): those few operations run coreutils' mknod/mkfifo and
// attr's setfattr (python3 where setfattr is missing).

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  fchmodSync,
  fchownSync,
  constants as fsc,
  futimesSync,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { type Readable, Transform } from 'node:stream';
import zlib from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import tar from 'tar-stream';
import type { Compression } from './mediatypes.js';

export class InvalidLayerError extends Error {}

const WH_PREFIX = '.wh.';
const WH_META_PREFIX = '.wh..wh.';
const WH_OPAQUE = '.wh..wh..opq';
const MAX_LINKS = 255;

function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    if (dir && existsSync(path.join(dir, cmd))) return path.join(dir, cmd);
  }
  for (const dir of ['/usr/sbin', '/usr/bin', '/sbin', '/bin']) if (existsSync(path.join(dir, cmd))) return path.join(dir, cmd);
  return undefined;
}

function runTool(file: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { encoding: 'utf8', timeout: 30_000 }, (err, _out, stderr) => {
      if (err) reject(new Error(`${path.basename(file)}: ${(stderr || err.message).trim()}`));
      else resolve();
    });
  });
}

/** mknod(2), mkfifo(3) and lsetxattr(2) through the OS's tools. */
export class SpecialFiles {
  private readonly setfattr = which('setfattr');
  private readonly python = which('python3');

  canSetXattr(): boolean {
    return !!(this.setfattr || this.python);
  }

  async mknod(p: string, type: 'c' | 'b', mode: number, major: number, minor: number): Promise<void> {
    await runTool(which('mknod') ?? 'mknod', ['-m', (mode & 0o7777).toString(8), '--', p, type, String(major), String(minor)]);
  }

  async mkfifo(p: string, mode: number): Promise<void> {
    await runTool(which('mkfifo') ?? 'mkfifo', ['-m', (mode & 0o7777).toString(8), '--', p]);
  }

  /** Sets an xattr on p itself (never through a symlink). */
  async lsetxattr(p: string, key: string, value: Buffer): Promise<void> {
    if (this.setfattr) {
      await runTool(this.setfattr, ['-h', '-n', key, '-v', `0s${value.toString('base64')}`, '--', p]);
      return;
    }
    if (this.python) {
      await runTool(this.python, [
        '-c',
        'import os,sys,base64; os.setxattr(sys.argv[1], sys.argv[2], base64.b64decode(sys.argv[3]), follow_symlinks=False)',
        p,
        key,
        value.toString('base64'),
      ]);
      return;
    }
    throw new Error(`cannot set xattr ${key} on ${p}: neither setfattr (Debian: apt-get install attr) nor python3 is installed`);
  }
}

/**
 * Resolves p (relative to root) inside root, following symlinks as if root were `/`
 * (containerd's continuity fs.RootPath). Missing components are appended as they are.
 * knownDirs (relative paths known to be real directories) short-cuts the walk.
 */
export function rootPathSync(root: string, p: string, knownDirs?: Set<string>): string {
  const pending = p.split('/').filter((c) => c !== '' && c !== '.');
  if (knownDirs && !pending.includes('..') && knownDirs.has(pending.join('/'))) return path.join(root, ...pending);
  const resolved: string[] = [];
  let links = 0;
  let missing = false;
  while (pending.length) {
    const c = pending.shift()!;
    if (c === '..') {
      resolved.pop();
      continue;
    }
    if (missing) {
      resolved.push(c);
      continue;
    }
    const cur = path.join(root, ...resolved, c);
    let st;
    try {
      st = lstatSync(cur);
    } catch {
      missing = true;
      resolved.push(c);
      continue;
    }
    if (!st.isSymbolicLink()) {
      resolved.push(c);
      continue;
    }
    if (++links > MAX_LINKS) throw new InvalidLayerError(`too many levels of symbolic links resolving ${p}`);
    const target = readlinkSync(cur);
    if (target.startsWith('/')) resolved.length = 0;
    pending.unshift(...target.split('/').filter((x) => x !== '' && x !== '.'));
  }
  return path.join(root, ...resolved);
}

export async function rootPath(root: string, p: string): Promise<string> {
  return rootPathSync(root, p);
}

function cleanName(name: string): string {
  // Clean as Go's filepath.Clean of a rooted path: no `..` above the root, no empty or `.` parts.
  return path.posix.normalize(`/${name}`).replace(/^\/+/, '').replace(/\/+$/, '');
}

export interface ApplyOptions {
  /** The new snapshot's directory: empty in overlay mode, a copy of the parent in native mode. */
  root: string;
  mode: 'overlay' | 'native';
  /** Lower snapshot directories, top first: implied directories take their attributes from there. */
  parents?: string[];
  /** Keep the archive's owners (as root). */
  sameOwner: boolean;
  special: SpecialFiles;
  warn?: (msg: string) => void;
}

type TarHeader = Partial<Omit<tar.Header, 'pax' | 'type'>> & { name: string; type?: string | null; pax?: Record<string, string> | null };

function safeId(n: number | undefined): number {
  return Number.isInteger(n) && n! >= 0 && n! < 2 ** 32 ? n! : 0;
}

function lstatOrUndefined(p: string) {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

/**
 * Applies an uncompressed layer tar stream to opts.root. Returns the bytes of file content
 * written. Any entry that cannot be applied safely fails the whole layer.
 *
 * The file system calls are synchronous: each takes microseconds, while an asynchronous one
 * costs a thread-pool round trip (tens of microseconds), which made unpacking many small files
 * several times slower than tar. The event loop still turns between entries and data chunks.
 */
export async function applyLayer(source: Readable, opts: ApplyOptions): Promise<{ size: number }> {
  const root = path.resolve(opts.root);
  const extract = tar.extract();
  source.on('error', (e) => extract.destroy(e));
  source.pipe(extract);
  const dirs: { p: string; mtime: Date }[] = [];
  const unpacked = new Set<string>();
  // Relative paths known to be real directories of this layer (not links): most entries' parents.
  const knownDirs = new Set<string>(['']);
  const forget = (rel: string) => {
    for (const d of knownDirs) if (d === rel || d.startsWith(`${rel}/`)) knownDirs.delete(d);
  };
  let size = 0;
  const rel = (abs: string) => path.relative(root, abs);

  /** Creates the missing directories of parent (a path inside root) as containerd's mkparent. */
  const mkparent = (parent: string): void => {
    const r = rel(parent);
    if (knownDirs.has(r)) return;
    const st = lstatOrUndefined(parent);
    if (st) {
      if (st.isDirectory()) {
        knownDirs.add(r);
        return;
      }
      throw new InvalidLayerError(`${r}: not a directory`);
    }
    const up = path.dirname(parent);
    if (up.length > root.length) mkparent(up);
    try {
      mkdirSync(parent, { mode: 0o755 });
    } catch (e) {
      if (!lstatOrUndefined(parent)?.isDirectory()) throw e;
      knownDirs.add(r);
      return;
    }
    knownDirs.add(r);
    for (const lower of opts.parents ?? []) {
      const lst = lstatOrUndefined(rootPathSync(lower, r));
      if (!lst) continue;
      if (!lst.isDirectory()) break;
      if (opts.sameOwner) lchownSync(parent, lst.uid, lst.gid);
      chmodSync(parent, lst.mode & 0o7777);
      lutimesSync(parent, lst.atime, lst.mtime);
      return;
    }
    chmodSync(parent, 0o755);
  };

  for await (const entry of extract) {
    const hdr = entry.header as TarHeader;
    try {
      if (hdr.type === 'pax-global-header') continue;
      const name = cleanName(hdr.name);
      if (name === '') continue; // the root itself: its attributes belong to the snapshot
      const slash = name.lastIndexOf('/');
      const base = name.slice(slash + 1);
      const parent = rootPathSync(root, slash >= 0 ? name.slice(0, slash) : '', knownDirs);
      if (parent !== root && !parent.startsWith(root + path.sep)) throw new InvalidLayerError(`${hdr.name}: resolves outside the layer`);
      const target = path.join(parent, base);
      if (parent !== root) mkparent(parent);

      if (base.startsWith(WH_PREFIX)) {
        if (base === WH_OPAQUE) {
          if (opts.mode === 'overlay') {
            await opts.special.lsetxattr(parent, 'trusted.overlay.opaque', Buffer.from('y'));
          } else {
            for (const child of readdirSync(parent)) {
              const cp = path.join(parent, child);
              if (!unpacked.has(cp)) {
                forget(rel(cp));
                rmSync(cp, { recursive: true, force: true });
              }
            }
          }
          continue;
        }
        if (base.startsWith(WH_META_PREFIX)) continue; // aufs metadata (.wh..wh.plnk ...): nothing to apply
        const original = base.slice(WH_PREFIX.length);
        if (!original || original === '.' || original === '..' || original.includes('/'))
          throw new InvalidLayerError(`${hdr.name}: invalid whiteout`);
        const victim = path.join(parent, original);
        forget(rel(victim));
        rmSync(victim, { recursive: true, force: true });
        if (opts.mode === 'overlay') {
          await opts.special.mknod(victim, 'c', 0, 0, 0);
          if (opts.sameOwner) lchownSync(victim, safeId(hdr.uid), safeId(hdr.gid));
        }
        continue;
      }

      const type = hdr.type ?? 'file';
      const existing = lstatOrUndefined(target);
      if (existing && (!existing.isDirectory() || type !== 'directory')) {
        forget(rel(target));
        rmSync(target, { recursive: true, force: true });
      }
      const mode = (hdr.mode ?? 0o644) & 0o7777;
      const uid = safeId(hdr.uid);
      const gid = safeId(hdr.gid);
      const mtime = hdr.mtime ?? new Date(0);
      let done = false; // owner, mode and times already set through the file descriptor
      let isLink = false;
      switch (type) {
        case 'directory':
          if (!existing?.isDirectory()) mkdirSync(target, { mode: 0o700 });
          knownDirs.add(rel(target));
          dirs.push({ p: target, mtime });
          break;
        case 'file':
        case 'contiguous-file': {
          const fd = openSync(target, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600);
          try {
            for await (const chunk of entry as AsyncIterable<Buffer>) {
              let off = 0;
              while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
              size += chunk.length;
            }
            if (opts.sameOwner) fchownSync(fd, uid, gid);
            fchmodSync(fd, mode);
            futimesSync(fd, mtime, mtime);
            done = true;
          } finally {
            closeSync(fd);
          }
          break;
        }
        case 'symlink':
          symlinkSync(hdr.linkname ?? '', target);
          isLink = true;
          break;
        case 'link': {
          const ln = cleanName(hdr.linkname ?? '');
          const ls = ln.lastIndexOf('/');
          const lparent = rootPathSync(root, ls >= 0 ? ln.slice(0, ls) : '', knownDirs);
          const src = path.join(lparent, ln.slice(ls + 1));
          if (!ln || (lparent !== root && !lparent.startsWith(root + path.sep)))
            throw new InvalidLayerError(`${hdr.name}: hard link to ${hdr.linkname} outside the layer`);
          const sst = lstatOrUndefined(src);
          if (!sst) throw new InvalidLayerError(`${hdr.name}: hard link target ${hdr.linkname} is not in this layer`);
          if (sst.isDirectory()) throw new InvalidLayerError(`${hdr.name}: hard link to a directory`);
          linkSync(src, target);
          isLink = sst.isSymbolicLink();
          // A hard link shares its target's inode: owner, mode and times are the target's.
          done = true;
          break;
        }
        case 'character-device':
        case 'block-device': {
          if (!opts.sameOwner) {
            opts.warn?.(`${hdr.name}: device node skipped (not root)`);
            entry.resume();
            continue;
          }
          const major = hdr.devmajor ?? 0;
          const minor = hdr.devminor ?? 0;
          if (!Number.isInteger(major) || !Number.isInteger(minor) || major < 0 || minor < 0 || major > 0xfff || minor > 0xfffff) {
            throw new InvalidLayerError(`${hdr.name}: device number ${major}:${minor} out of range`);
          }
          await opts.special.mknod(target, type === 'character-device' ? 'c' : 'b', mode, major, minor);
          break;
        }
        case 'fifo':
          await opts.special.mkfifo(target, mode);
          break;
        default:
          throw new InvalidLayerError(`${hdr.name}: unhandled tar entry type ${String(type)}`);
      }
      if (!done && opts.sameOwner) lchownSync(target, uid, gid);
      for (const [key, value] of Object.entries(hdr.pax ?? {})) {
        if (!key.startsWith('SCHILY.xattr.')) continue;
        const attr = key.slice('SCHILY.xattr.'.length);
        if (attr.startsWith('trusted.')) {
          opts.warn?.(`${hdr.name}: xattr ${attr} refused (admin attributes from an archive are not applied)`);
          continue;
        }
        if (!opts.sameOwner && !attr.startsWith('user.')) continue;
        if (!opts.special.canSetXattr()) {
          opts.warn?.(`${hdr.name}: xattr ${attr} skipped (no setfattr)`);
          continue;
        }
        try {
          await opts.special.lsetxattr(target, attr, Buffer.from(value, 'latin1'));
        } catch (e) {
          opts.warn?.(`${hdr.name}: xattr ${attr}: ${(e as Error).message}`);
        }
        // setxattr of security.capability clears nothing, but a later chmod must keep setuid bits.
        if (done) fchmodPath(target, mode);
      }
      // After chown, which clears setuid bits; never through a link (the final component is ours).
      if (!done && !isLink && type !== 'symlink') chmodSync(target, mode);
      if (!done && type !== 'directory') lutimesSync(target, mtime, mtime);
      unpacked.add(target);
    } catch (e) {
      entry.resume();
      extract.destroy();
      source.unpipe(extract);
      source.destroy();
      if (e instanceof InvalidLayerError) throw e;
      throw new InvalidLayerError(`${hdr.name}: ${(e as Error).message}`);
    }
    entry.resume();
  }
  // Directory times last: creating entries inside them changed their mtime.
  for (const d of dirs.reverse()) {
    try {
      lutimesSync(d.p, d.mtime, d.mtime);
    } catch {
      /* replaced since */
    }
  }
  return { size };
}

function fchmodPath(p: string, mode: number): void {
  const st = lstatOrUndefined(p);
  if (st && !st.isSymbolicLink()) chmodSync(p, mode);
}

/** Detects a stream's compression from its first bytes (containerd's compression.DecompressStream). */
export function detectCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

/** The compression of a file (a layer blob, an image archive) from its first bytes. */
export async function fileCompression(file: string): Promise<Compression> {
  const head = Buffer.alloc(4);
  const fh = await open(file, 'r');
  try {
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    return detectCompression(head.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

class ZstdStream extends Transform {
  private readonly d: ZstdDecompress;
  constructor() {
    super();
    this.d = new ZstdDecompress((chunk: Uint8Array) => {
      this.push(Buffer.from(chunk));
    });
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: (err?: Error | null) => void): void {
    try {
      this.d.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }
  override _flush(cb: (err?: Error | null) => void): void {
    try {
      this.d.push(new Uint8Array(0), true);
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }
}

/**
 * A decompressing stream for a layer blob, chosen from its first bytes. zstd uses node's zlib
 * where it has it (Node 22.15+), else fzstd (pure JavaScript).
 */
export function decompressor(kind: Compression): Transform | undefined {
  if (kind === 'gzip') return zlib.createGunzip({ chunkSize: 256 * 1024 });
  if (kind === 'zstd') {
    const native = (zlib as unknown as { createZstdDecompress?: () => Transform }).createZstdDecompress;
    return native ? native() : new ZstdStream();
  }
  return undefined;
}

/** Hashes what flows through (a layer's diffID: the digest of its uncompressed tar). */
export class HashingStream extends Transform {
  private readonly h = createHash('sha256');
  bytes = 0;
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: (err?: Error | null, d?: Buffer) => void): void {
    this.h.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }
  digest(): string {
    return `sha256:${this.h.digest('hex')}`;
  }
}
