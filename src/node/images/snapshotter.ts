// Snapshots of unpacked layers (containerd's overlayfs snapshotter, and its native snapshotter
// for nodes where overlayfs cannot be used: not root, not Linux).
//
// A committed snapshot holds one layer applied over its parent and is named by the layer's
// chainID (the image spec's ChainID: every image and container whose layers start the same way
// shares it). An active snapshot is a container's writable layer over a committed one. Each
// snapshot is a directory snapshots/<id>/ with fs/ (the files), work/ (overlayfs' work dir, for
// active ones) and info.json; id is a short hash of the key, so that an overlay's lowerdir option
// of many layers stays under the kernel's one-page limit on mount data.
//
// overlay: a layer's fs/ holds only what that layer changed (whiteouts as 0/0 character devices,
// opaque directories marked with trusted.overlay.opaque); a container's root is an overlay mount
// with lowerdir = the chain's fs dirs, top first. native: every snapshot is a full tree (the
// parent's files hard-linked, then the layer applied by replacing, never writing in place); a
// container gets a full copy, bind-mounted.

import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import {
  chmod,
  copyFile,
  lchown,
  link,
  lstat,
  lutimes,
  mkdir,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { readdirOrEmpty } from '../fs/readdir.js';
import type { RootfsMount, Snapshotter } from '../runtime/types.js';

export type SnapshotKind = 'committed' | 'active';

export interface SnapshotInfo {
  key: string;
  /** The committed snapshot under it ('' for none). */
  parent: string;
  kind: SnapshotKind;
  createdAt: number;
}

export interface SnapshotterOptions {
  root: string;
  mode: 'overlay' | 'native';
  /** Keep owners when copying (as root). */
  sameOwner: boolean;
  /** The top committed snapshot (chainID) of an image, unpacking it first if need be; '' for an image without layers. */
  resolveImage(imageRef: string): Promise<string>;
}

/** Whether this node can use the overlayfs snapshotter: root on Linux with overlay in the kernel. */
export function overlaySupported(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  if (existsSync('/sys/module/overlay')) return true;
  try {
    return /\toverlay$/m.test(readFileSync('/proc/filesystems', 'utf8'));
  } catch {
    return false;
  }
}

export function snapshotId(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** Copies a tree: hard links for files (committed native snapshots) or full copies (active ones). */
async function copyTree(src: string, dst: string, hardlink: boolean, sameOwner: boolean): Promise<void> {
  const st = await lstat(src);
  await mkdir(dst, { mode: 0o700 });
  for (const name of await readdir(src)) {
    const s = path.join(src, name);
    const d = path.join(dst, name);
    const cst = await lstat(s);
    if (cst.isDirectory()) {
      await copyTree(s, d, hardlink, sameOwner);
      continue;
    }
    if (cst.isSymbolicLink()) {
      await symlink(await readlink(s), d);
      if (sameOwner) await lchown(d, cst.uid, cst.gid);
      continue;
    }
    if (hardlink || !cst.isFile()) {
      // Devices, fifos and sockets are linked too: they have no content to copy.
      await link(s, d);
      continue;
    }
    await copyFile(s, d);
    if (sameOwner) await lchown(d, cst.uid, cst.gid);
    await chmod(d, cst.mode & 0o7777);
    await lutimes(d, cst.atime, cst.mtime);
  }
  if (sameOwner) await lchown(dst, st.uid, st.gid);
  await chmod(dst, st.mode & 0o7777);
  await lutimes(dst, st.atime, st.mtime);
}

async function treeSize(dir: string): Promise<number> {
  let total = 0;
  const names = await readdirOrEmpty(dir);
  for (const n of names) {
    const p = path.join(dir, n);
    const st = await lstat(p);
    if (st.isDirectory()) total += await treeSize(p);
    else total += st.blocks !== undefined ? st.blocks * 512 : st.size;
  }
  return total;
}

export class LayerSnapshotter implements Snapshotter {
  readonly root: string;
  readonly mode: 'overlay' | 'native';
  private readonly sameOwner: boolean;
  private readonly resolveImage: (ref: string) => Promise<string>;
  private readonly indexOff = existsSync('/sys/module/overlay/parameters/index');

  constructor(opts: SnapshotterOptions) {
    this.root = opts.root;
    this.mode = opts.mode;
    this.sameOwner = opts.sameOwner;
    this.resolveImage = opts.resolveImage;
  }

  private dir(key: string): string {
    return path.join(this.root, snapshotId(key));
  }

  /** The files of a snapshot. */
  fsPath(key: string): string {
    return path.join(this.dir(key), 'fs');
  }

  async stat(key: string): Promise<SnapshotInfo | undefined> {
    try {
      const info = JSON.parse(await readFile(path.join(this.dir(key), 'info.json'), 'utf8')) as SnapshotInfo;
      return info.key === key ? info : undefined;
    } catch {
      return undefined;
    }
  }

  async list(): Promise<SnapshotInfo[]> {
    const names = await readdirOrEmpty(this.root);
    const out: SnapshotInfo[] = [];
    for (const n of names) {
      if (!/^[0-9a-f]{16}$/.test(n)) continue;
      try {
        out.push(JSON.parse(await readFile(path.join(this.root, n, 'info.json'), 'utf8')) as SnapshotInfo);
      } catch {
        /* half-made: ignored */
      }
    }
    return out;
  }

  /** The fs dirs of a committed chain, top first. */
  async chain(key: string): Promise<string[]> {
    const out: string[] = [];
    let k = key;
    for (let i = 0; k && i < 1000; i++) {
      const info = await this.stat(k);
      if (!info) throw new Error(`snapshot ${k} does not exist`);
      out.push(this.fsPath(k));
      k = info.parent;
    }
    return out;
  }

  /**
   * Makes the committed snapshot `key` over `parent` by running fill on a fresh directory
   * (empty in overlay mode, a copy of the parent in native mode), then moving it into place.
   * Another process that made the same snapshot first wins; ours is dropped.
   */
  async commit(key: string, parent: string, fill: (fsDir: string, lowers: string[]) => Promise<void>): Promise<void> {
    if (await this.stat(key)) return;
    const lowers = parent ? await this.chain(parent) : [];
    await mkdir(this.root, { recursive: true });
    const tmp = path.join(this.root, `tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      await mkdir(tmp, { mode: 0o700 });
      const fsDir = path.join(tmp, 'fs');
      if (this.mode === 'native' && parent) await copyTree(this.fsPath(parent), fsDir, true, this.sameOwner);
      else await mkdir(fsDir, { mode: 0o755 });
      await fill(fsDir, lowers);
      const info: SnapshotInfo = { key, parent, kind: 'committed', createdAt: Date.now() };
      await writeFile(path.join(tmp, 'info.json'), JSON.stringify(info));
      try {
        await rename(tmp, this.dir(key));
      } catch (e) {
        if (!(await this.stat(key))) throw e;
      }
    } finally {
      await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /** The writable snapshot `key` over the committed `parent` ('' for none); returns its mounts. */
  async prepareActive(key: string, parent: string): Promise<RootfsMount[]> {
    const existing = await this.stat(key);
    if (existing) {
      if (existing.kind !== 'active' || existing.parent !== parent) throw new Error(`snapshot ${key} already exists`);
      return this.mounts(key);
    }
    if (parent && (await this.stat(parent))?.kind !== 'committed') throw new Error(`parent snapshot ${parent} does not exist`);
    await mkdir(this.root, { recursive: true });
    const tmp = path.join(this.root, `tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      await mkdir(tmp, { mode: 0o700 });
      if (this.mode === 'native' && parent) await copyTree(this.fsPath(parent), path.join(tmp, 'fs'), false, this.sameOwner);
      else await mkdir(path.join(tmp, 'fs'), { mode: 0o755 });
      if (this.mode === 'overlay') await mkdir(path.join(tmp, 'work'), { mode: 0o711 });
      const info: SnapshotInfo = { key, parent, kind: 'active', createdAt: Date.now() };
      await writeFile(path.join(tmp, 'info.json'), JSON.stringify(info));
      await rename(tmp, this.dir(key));
    } finally {
      await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    }
    return this.mounts(key);
  }

  /** The mounts that make a snapshot's root, as containerd's overlay snapshotter returns them. */
  async mounts(key: string): Promise<RootfsMount[]> {
    const info = await this.stat(key);
    if (!info) throw new Error(`snapshot ${key} does not exist`);
    const fsDir = this.fsPath(key);
    if (info.kind === 'committed') {
      const lowers = await this.chain(key);
      if (this.mode === 'native' || lowers.length === 1) return [{ type: 'bind', source: lowers[0], options: ['ro', 'rbind'] }];
      return [{ type: 'overlay', source: 'overlay', options: [...(this.indexOff ? ['index=off'] : []), `lowerdir=${lowers.join(':')}`] }];
    }
    if (this.mode === 'native' || !info.parent) return [{ type: 'bind', source: fsDir, options: ['rw', 'rbind'] }];
    const lowers = await this.chain(info.parent);
    return [
      {
        type: 'overlay',
        source: 'overlay',
        options: [
          ...(this.indexOff ? ['index=off'] : []),
          `workdir=${path.join(this.dir(key), 'work')}`,
          `upperdir=${fsDir}`,
          `lowerdir=${lowers.join(':')}`,
        ],
      },
    ];
  }

  // ---- the Snapshotter contract (types.ts) ----

  async prepare(key: string, imageRef: string): Promise<RootfsMount[]> {
    if (!key || key.includes('\0')) throw new Error('snapshot key must not be empty');
    const top = await this.resolveImage(imageRef);
    return this.prepareActive(key, top);
  }

  /** Removes a snapshot; a committed one only when no other snapshot sits on it. */
  async remove(key: string): Promise<void> {
    const info = await this.stat(key);
    if (!info) return;
    if (info.kind === 'committed' && (await this.list()).some((s) => s.parent === key)) {
      throw new Error(`cannot remove snapshot ${key}: it has children`);
    }
    const dir = this.dir(key);
    const doomed = path.join(this.root, `rm-${process.pid}-${randomBytes(6).toString('hex')}`);
    // Renamed first so that a half-removed snapshot is never mistaken for a whole one.
    try {
      await rename(dir, doomed);
    } catch {
      return;
    }
    await rm(doomed, { recursive: true, force: true });
  }

  /** Disk used by one snapshot's own files. */
  async usage(key: string): Promise<number> {
    return treeSize(this.fsPath(key));
  }

  /** Leftovers of a crash mid-unpack or mid-remove (of processes no longer running). */
  async cleanTemp(): Promise<void> {
    const names = await readdirOrEmpty(this.root);
    for (const n of names) {
      const m = /^(?:tmp|rm)-(\d+)-/.exec(n);
      if (!m) continue;
      const pid = Number(m[1]);
      if (pid === process.pid) continue;
      try {
        process.kill(pid, 0);
        continue;
      } catch {
        /* gone: its leftovers go too */
      }
      await rm(path.join(this.root, n), { recursive: true, force: true }).catch(() => undefined);
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await stat(path.join(this.dir(key), 'info.json'));
      return true;
    } catch {
      return false;
    }
  }
}
