// The node's share of the local-path provisioner (k3s' local-path-provisioner keeps its volumes
// in a directory per volume under the node's storage dir, /var/lib/rancher/k3s/storage there):
// the node publishes its storage dir on its Node (the provisioner builds each volume's path from
// it), creates a volume's directory when a pod first mounts it, and removes it, then the
// PersistentVolume object, when the volume is released with the Delete policy or deleted.
//
// The paths come from PersistentVolume objects, written by whoever may write them, so a path is
// acted on only when it is exactly <storage dir>/<a name the provisioner makes>, and then only
// through descriptors opened without following links: a directory is created with mkdirInRoot,
// and removed entry by entry from descriptors (an entry swapped for a link is unlinked, never
// followed). A directory still mounted by a pod on this node is not removed.

import { constants as C, chmodSync, closeSync, fstatSync, mkdirSync, openSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { errorMessage, StatusError } from '../../api/errors.js';
import {
  ANN_DYNAMICALLY_PROVISIONED,
  ANN_LOCAL_PATH_NODE,
  isLocalPathDirName,
  LOCAL_PATH_PROVISIONER,
  NODE_STORAGE_DIR_ANNOTATION,
  type PersistentVolume,
  PROVISIONER_FINALIZER,
} from '../../api/persistentvolume.js';
import { NODES, PERSISTENTVOLUMES } from '../../api/types.js';
import { Informer, isNotFound, type RestClient } from '../../client/index.js';
import { closeFd, fdPath, mkdirInRoot } from '../fs/safepath.js';

/**
 * Removes name (a directory) under root without following any link: every directory is opened
 * with O_NOFOLLOW from its parent's descriptor and its entries are removed through that
 * descriptor, so a link anywhere inside is removed as a link.
 */
export function removeTreeInRoot(root: string, name: string): boolean {
  if (!isLocalPathDirName(name)) throw new Error(`refusing to remove ${JSON.stringify(name)}: not a local-path volume directory`);
  const rootFd = openSync(root, C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW);
  try {
    return removeEntry(rootFd, name, 0);
  } finally {
    closeSync(rootFd);
  }
}

/** Removes name under the directory dirFd holds; false when there was nothing. */
function removeEntry(dirFd: number, name: string, depth: number): boolean {
  if (depth > 256) throw new Error('directory tree too deep to remove');
  const at = `${fdPath(dirFd)}/${name}`;
  let fd: number;
  try {
    fd = openSync(at, C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false;
    // Not a directory, or a link: unlink(2) removes the entry itself, never what a link names.
    if (code === 'ENOTDIR' || code === 'ELOOP') {
      unlinkSync(at);
      return true;
    }
    throw e;
  }
  try {
    if (!fstatSync(fd).isDirectory()) throw new Error(`${name} is not a directory`);
    for (const entry of readdirSync(fdPath(fd))) removeEntry(fd, entry, depth + 1);
  } finally {
    closeSync(fd);
  }
  rmdirSync(at);
  return true;
}

export interface LocalPathNodeOptions {
  /** The node's client: its own Node's storage-dir annotation. */
  client: RestClient;
  /**
   * Who watches and deletes the PersistentVolumes (the local-path provisioner's rights, which a
   * node's own credential does not have: it may only get the volumes of its pods); default client.
   */
  pvClient?: RestClient;
  nodeName: string;
  /** The node's storage dir: volume directories are its children. */
  root: string;
  /** Whether a pod on this node has the directory mounted (it is then left alone). */
  inUse(dir: string): boolean;
  log?: (msg: string) => void;
}

export class LocalPathNode {
  private readonly informer: Informer<PersistentVolume>;
  private readonly log: (msg: string) => void;
  /** Volumes being deleted now, and whether a change arrived meanwhile (look again when done). */
  private readonly busy = new Map<string, boolean>();
  private retry?: NodeJS.Timeout;

  constructor(private readonly opts: LocalPathNodeOptions) {
    this.log = opts.log ?? (() => {});
    this.informer = new Informer<PersistentVolume>(opts.pvClient ?? opts.client, {
      ...PERSISTENTVOLUMES,
      onError: (e) => this.log(`local-path: ${errorMessage(e)}`),
      backoffInitialMs: 200,
    });
    this.informer.addEventHandler({ onAdd: (v) => this.changed(v), onUpdate: (_o, v) => this.changed(v) });
  }

  get root(): string {
    return this.opts.root;
  }

  /** Makes the storage dir, says where it is on the Node, and starts releasing volumes. */
  async start(): Promise<void> {
    mkdirSync(this.opts.root, { recursive: true, mode: 0o700 });
    await this.opts.client.patch(
      { ...NODES, name: this.opts.nodeName },
      { metadata: { annotations: { [NODE_STORAGE_DIR_ANNOTATION]: this.opts.root } } },
      'merge',
    );
    this.informer.start();
    // A removal that had to wait (the directory was still mounted) is tried again.
    this.retry = setInterval(() => {
      for (const v of this.informer.list()) this.changed(v);
    }, 10_000);
    this.retry.unref();
  }

  async stop(): Promise<void> {
    if (this.retry) clearInterval(this.retry);
    await this.informer.stop();
  }

  /**
   * The host directory of a volume at hostPath, created (mode 0777, as the provisioner's helper
   * makes it) when missing; undefined when hostPath is not a local-path volume of this node.
   */
  volumeDir(hostPath: string): string | undefined {
    const name = this.dirNameOf(hostPath);
    if (!name) return undefined;
    const fd = mkdirInRoot(this.opts.root, name, 0o777);
    try {
      // mkdir(2) applies the umask: the mode is set again on the directory itself.
      chmodSync(fdPath(fd), 0o777);
    } finally {
      closeFd(fd);
    }
    return path.join(this.opts.root, name);
  }

  /** The directory name when hostPath is <root>/<volume directory>, else undefined. */
  private dirNameOf(hostPath: string): string | undefined {
    if (!path.isAbsolute(hostPath) || path.normalize(hostPath) !== hostPath) return undefined;
    if (path.dirname(hostPath) !== this.opts.root) return undefined;
    const name = path.basename(hostPath);
    return isLocalPathDirName(name) ? name : undefined;
  }

  private mine(v: PersistentVolume): boolean {
    return (
      v.metadata.annotations?.[ANN_DYNAMICALLY_PROVISIONED] === LOCAL_PATH_PROVISIONER &&
      v.metadata.annotations?.[ANN_LOCAL_PATH_NODE] === this.opts.nodeName
    );
  }

  private changed(v: PersistentVolume): void {
    if (!this.mine(v)) return;
    const deleting = !!v.metadata.deletionTimestamp;
    const released = v.status?.phase === 'Released' || v.status?.phase === 'Failed';
    if (v.spec?.persistentVolumeReclaimPolicy !== 'Delete' || !(deleting || released)) return;
    const name = v.metadata.name!;
    if (this.busy.has(name)) {
      this.busy.set(name, true);
      return;
    }
    this.busy.set(name, false);
    void this.deleteVolume(v)
      .catch((e) => {
        // A write that lost a race (another finalizer went meanwhile) is simply tried again.
        if (!(e instanceof StatusError && (e.code === 409 || e.code === 422)))
          this.log(`local-path: deleting volume ${name}: ${errorMessage(e)}`);
        this.busy.set(name, true);
      })
      .finally(() => {
        const again = this.busy.get(name);
        this.busy.delete(name);
        const cur = this.informer.get(name);
        if (again && cur) setTimeout(() => this.changed(this.informer.get(name) ?? cur), 200).unref();
      });
  }

  /** The provisioner's Delete: the directory, then the object, then its finalizer. */
  private async deleteVolume(v: PersistentVolume): Promise<void> {
    const name = v.metadata.name!;
    const hostPath = v.spec?.hostPath?.path ?? v.spec?.local?.path ?? '';
    const dir = this.dirNameOf(hostPath);
    if (!dir) {
      this.log(
        `local-path: volume ${name}: ${JSON.stringify(hostPath)} is not a volume directory under ${this.opts.root}; nothing removed`,
      );
      return;
    }
    if (this.opts.inUse(hostPath)) return;
    if (removeTreeInRoot(this.opts.root, dir)) this.log(`local-path: deleted volume ${name} at ${hostPath}`);
    const ref = { ...PERSISTENTVOLUMES, name };
    try {
      const pvs = this.opts.pvClient ?? this.opts.client;
      if (!v.metadata.deletionTimestamp) await pvs.delete(ref);
      const cur = await pvs.get<PersistentVolume>(ref);
      const fins = cur.metadata.finalizers ?? [];
      if (fins.includes(PROVISIONER_FINALIZER)) {
        await pvs.patch(
          ref,
          [
            { op: 'test', path: '/metadata/resourceVersion', value: cur.metadata.resourceVersion },
            { op: 'add', path: '/metadata/finalizers', value: fins.filter((f) => f !== PROVISIONER_FINALIZER) },
          ],
          'json',
        );
      }
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}
