// The node's image service: containerd's image store, content store, unpacker and snapshotter
// behind the CRI ImageService contract (runtime/types.ts). One directory holds it all:
//
//   content/blobs/sha256/<hex>   every blob by digest (content.ts)
//   snapshots/<id>/              unpacked layers by chainID, and containers' writable layers (snapshotter.ts)
//   images/<hash>.json           image records: a name and the descriptor it points at
//   leases/                      what pulls in progress hold (leases.ts)
//
// Pulls go through registry.ts; `k8ts image load` through archive.ts; the built-in images are
// built from the host's binaries and imported at first use (builtin.ts). Several processes may
// use one directory (the node agent and `k8ts image ...`): every write is a rename into place.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, statfs, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { errorMessage } from '../../api/errors.js';
import { readdirOrEmpty } from '../fs/readdir.js';
import { type AuthConfig, type Image, type ImageConfig, ImagePullError, type ImageService, type ImageSpec } from '../runtime/types.js';
import { ContentStore, DigestMismatchError, MAX_MANIFEST_BYTES } from './content.js';
import { EMPTY_REGISTRY_CONFIG, loadRegistryConfig, type RegistryConfig } from './hosts.js';
import { applyLayer, decompressor, fileCompression, HashingStream, InvalidLayerError, SpecialFiles } from './layer.js';
import { Lease, leased } from './leases.js';
import {
  type Descriptor,
  type ImageConfigDoc,
  type ImageIndex,
  type ImageManifestDoc,
  isIndex,
  isManifest,
  layerCompression,
  MediaType,
  type Platform,
} from './mediatypes.js';
import { formatPlatform, nodePlatform, platformRank } from './platform.js';
import { formatReference, InvalidImageNameError, parseReference, type Reference, repositoryOf } from './reference.js';
import { RegistryError, Remote } from './registry.js';
import { LayerSnapshotter, overlaySupported } from './snapshotter.js';

export interface ImageRecord {
  name: string;
  target: Descriptor;
  createdAt: number;
  updatedAt: number;
}

/** An image resolved down to the manifest for this node's platform. */
export interface ResolvedImage {
  record: ImageRecord;
  manifestDigest: string;
  manifest: ImageManifestDoc;
  configDigest: string;
  config: ImageConfigDoc;
  layers: Descriptor[];
  diffIDs: string[];
  chainIDs: string[];
  /** Manifest + config + layers as stored (compressed): what CRI reports as the image's size. */
  size: number;
}

/** Where the built-in images come from (builtin.ts); kept abstract so tests can do without it. */
export interface BuiltinSource {
  /** The built-in image's references for ref, or undefined when ref is not built in. */
  names(ref: string): string[] | undefined;
  /** Writes the built-in image's blobs into content; returns its manifest's descriptor. */
  build(ref: string, content: ContentStore): Promise<Descriptor>;
  /** Pinned images are never garbage-collected (the pause image). */
  pinned?(ref: string): boolean;
}

export interface ImageServiceOptions {
  /** The store's directory. */
  root: string;
  /** registries.yaml (hosts.ts); a missing file means no mirrors and defaults. */
  registryConfigFile?: string;
  registryConfig?: RegistryConfig;
  platform?: Platform;
  /** Defaults to overlay as root on Linux, native otherwise. */
  snapshotter?: 'overlay' | 'native';
  builtin?: BuiltinSource;
  log?: (msg: string) => void;
  /** Concurrent layer downloads per pull (containerd's max_concurrent_downloads: 3). */
  concurrentDownloads?: number;
}

/** The extension runtimes use beyond the CRI contract: an image's files and its digest reference. */
export interface ImageFilesystem {
  /** A directory holding the image's whole merged filesystem (process runtime without overlayfs). */
  rootfsPath(ref: string): Promise<string | undefined>;
  /** repo@sha256:<digest>: the imageID a pod's status shows. */
  imageDigestRef(ref: string): Promise<string | undefined>;
  /** Containers' root filesystems (containerd's snapshotter), when the image service has one. */
  readonly snapshotter?: LayerSnapshotter;
}

/** containerd's wording of a failed pull, with the gRPC status kubelet prints. */
export function pullErrorMessage(ref: string, err: unknown, stage: 'resolve' | 'pull'): string {
  const kind = err instanceof RegistryError ? err.kind : 'Unknown';
  const inner = errorMessage(err);
  const body =
    stage === 'resolve'
      ? `failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${inner}`
      : `failed to pull and unpack image "${ref}": ${inner}`;
  return `rpc error: code = ${kind === 'NotFound' ? 'NotFound' : 'Unknown'} desc = ${body}`;
}

export class ImagePullFailure extends ImagePullError {
  constructor(
    image: string,
    message: string,
    readonly kind: 'NotFound' | 'Unauthorized' | 'Unknown',
  ) {
    super(image, message);
  }
}

export function chainIDs(diffIDs: string[]): string[] {
  const out: string[] = [];
  for (const d of diffIDs) {
    const prev = out[out.length - 1];
    out.push(prev === undefined ? d : `sha256:${createHash('sha256').update(`${prev} ${d}`).digest('hex')}`);
  }
  return out;
}

function recordFile(dir: string, name: string): string {
  return path.join(dir, `${createHash('sha256').update(name).digest('hex').slice(0, 32)}.json`);
}

/** Runs tasks with at most n at a time. */
async function limited<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(workers);
}

export class OciImageService implements ImageService, ImageFilesystem {
  readonly root: string;
  readonly content: ContentStore;
  readonly snapshotter: LayerSnapshotter;
  readonly platform: Platform;
  private readonly imagesDir: string;
  private readonly leasesDir: string;
  private readonly registryConfig: () => RegistryConfig;
  private readonly builtin?: BuiltinSource;
  private readonly log: (msg: string) => void;
  private readonly special = new SpecialFiles();
  private readonly sameOwner = process.getuid?.() === 0;
  private readonly inflight = new Map<string, Promise<string>>();
  private readonly resolvedCache = new Map<string, ResolvedImage>();
  private readonly concurrency: number;
  /** A full-tree copy of images for runtimes that cannot mount overlays (built on demand). */
  private flat?: LayerSnapshotter;

  constructor(opts: ImageServiceOptions) {
    this.root = path.resolve(opts.root);
    this.content = new ContentStore(path.join(this.root, 'content'));
    this.imagesDir = path.join(this.root, 'images');
    this.leasesDir = path.join(this.root, 'leases');
    this.platform = opts.platform ?? nodePlatform();
    this.builtin = opts.builtin;
    this.log = opts.log ?? (() => undefined);
    this.concurrency = opts.concurrentDownloads ?? 3;
    const fixed = opts.registryConfig;
    const file = opts.registryConfigFile;
    // Read at each pull, so an edited registries.yaml applies without a restart.
    this.registryConfig = () => fixed ?? (file ? loadRegistryConfig(file) : EMPTY_REGISTRY_CONFIG);
    const mode = opts.snapshotter ?? (overlaySupported() ? 'overlay' : 'native');
    this.snapshotter = new LayerSnapshotter({
      root: path.join(this.root, 'snapshots'),
      mode,
      sameOwner: this.sameOwner,
      resolveImage: async (ref) => this.unpackedTop(ref),
    });
  }

  normalize(ref: string): string {
    return formatReference(parseReference(ref));
  }

  // ---- records ----

  private async readRecords(): Promise<ImageRecord[]> {
    const names = await readdirOrEmpty(this.imagesDir);
    const out: ImageRecord[] = [];
    for (const n of names) {
      if (!n.endsWith('.json')) continue;
      try {
        out.push(JSON.parse(await readFile(path.join(this.imagesDir, n), 'utf8')) as ImageRecord);
      } catch {
        /* being replaced */
      }
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async getRecord(name: string): Promise<ImageRecord | undefined> {
    try {
      const r = JSON.parse(await readFile(recordFile(this.imagesDir, name), 'utf8')) as ImageRecord;
      return r.name === name ? r : undefined;
    } catch {
      return undefined;
    }
  }

  private async putRecord(name: string, target: Descriptor): Promise<ImageRecord> {
    await mkdir(this.imagesDir, { recursive: true });
    const old = await this.getRecord(name);
    const now = Date.now();
    const rec: ImageRecord = {
      name,
      target: { mediaType: target.mediaType, digest: target.digest, size: target.size },
      createdAt: old?.createdAt ?? now,
      updatedAt: now,
    };
    const file = recordFile(this.imagesDir, name);
    await writeFile(`${file}.${process.pid}.tmp`, JSON.stringify(rec, null, 1));
    await rename(`${file}.${process.pid}.tmp`, file);
    return rec;
  }

  // ---- resolving what is stored ----

  /** Picks the node's manifest from an index (containerd's platform matcher, best first). */
  private chooseManifest(index: ImageIndex, what: string): Descriptor {
    const candidates = (index.manifests ?? [])
      .filter((d) => isManifest(d.mediaType) || isIndex(d.mediaType))
      .map((d) => ({ d, rank: platformRank(this.platform, d.platform) }))
      .filter((c) => c.rank >= 0)
      .sort((a, b) => a.rank - b.rank);
    if (!candidates.length)
      throw new Error(`no match for platform in manifest: ${what} has no image for ${formatPlatform(this.platform)}: not found`);
    return candidates[0].d;
  }

  /** Reads a stored image down to its layers; throws when a blob is missing. */
  async resolveStored(record: ImageRecord): Promise<ResolvedImage> {
    const cached = this.resolvedCache.get(`${record.name} ${record.target.digest}`);
    if (cached) return cached;
    let desc = record.target;
    for (let depth = 0; isIndex(desc.mediaType); depth++) {
      if (depth > 4) throw new Error(`${record.name}: indexes nested too deep`);
      const index = await this.content.readJSON<ImageIndex>(desc.digest);
      desc = this.chooseManifest(index, record.name);
    }
    if (!isManifest(desc.mediaType)) throw new Error(`${record.name}: unsupported manifest type ${desc.mediaType}`);
    const manifest = await this.content.readJSON<ImageManifestDoc>(desc.digest);
    const config = await this.content.readJSON<ImageConfigDoc>(manifest.config.digest);
    const layers = (manifest.layers ?? []).filter((l) => layerCompression(l.mediaType) !== undefined);
    const diffIDs = config.rootfs?.diff_ids ?? [];
    if (diffIDs.length !== layers.length)
      throw new Error(`${record.name}: the config names ${diffIDs.length} layers, the manifest ${layers.length}`);
    const size = desc.size + manifest.config.size + layers.reduce((n, l) => n + l.size, 0);
    const r: ResolvedImage = {
      record,
      manifestDigest: desc.digest,
      manifest,
      configDigest: manifest.config.digest,
      config,
      layers,
      diffIDs,
      chainIDs: chainIDs(diffIDs),
      size,
    };
    this.resolvedCache.set(`${record.name} ${record.target.digest}`, r);
    return r;
  }

  private async findRecord(ref: string): Promise<ImageRecord | undefined> {
    let name: string;
    try {
      name = this.normalize(ref);
    } catch {
      return undefined;
    }
    const rec = await this.getRecord(name);
    if (rec) return rec;
    // A digest reference finds any stored image of that repository and digest.
    const r = parseReference(name);
    if (r.digest) {
      for (const x of await this.readRecords()) {
        if (x.target.digest === r.digest && repositoryOf(parseReference(x.name)) === repositoryOf(r)) return x;
      }
    }
    return undefined;
  }

  /** A built-in image not yet in the store is imported now; returns its record. */
  private async ensureBuiltin(name: string): Promise<ImageRecord | undefined> {
    const names = this.builtin?.names(name);
    if (!names) return undefined;
    const existing = await this.getRecord(name);
    if (existing && (await this.complete(existing))) return existing;
    const key = `builtin ${name}`;
    let p = this.inflight.get(key);
    if (!p) {
      p = (async () => {
        const lease = new Lease(this.leasesDir);
        try {
          const target = await this.builtin!.build(name, this.content);
          await lease.add('content', target.digest);
          let rec: ImageRecord | undefined;
          for (const n of names) {
            const r = await this.putRecord(n, target);
            if (n === name) rec = r;
          }
          await this.unpack(await this.resolveStored(rec!), lease);
          return name;
        } finally {
          await lease.release();
        }
      })();
      this.inflight.set(key, p);
      p.finally(() => this.inflight.delete(key)).catch(() => undefined);
    }
    await p;
    return this.getRecord(name);
  }

  /** Whether every blob and snapshot of a record is there. */
  private async complete(rec: ImageRecord): Promise<boolean> {
    try {
      const r = await this.resolveStored(rec);
      const top = r.chainIDs[r.chainIDs.length - 1];
      return !top || (await this.snapshotter.stat(top))?.kind === 'committed';
    } catch {
      return false;
    }
  }

  // ---- unpacking ----

  private async applyBlob(layer: Descriptor, diffID: string, fsDir: string, lowers: string[], mode: 'overlay' | 'native'): Promise<void> {
    const file = this.content.blobPath(layer.digest);
    const dec = decompressor(await fileCompression(file));
    const src = createReadStream(file, { highWaterMark: 1 << 20 });
    const hasher = new HashingStream();
    const flow = dec ? pipeline(src, dec, hasher) : pipeline(src, hasher);
    const [applied] = await Promise.all([
      applyLayer(hasher, {
        root: fsDir,
        mode,
        parents: lowers,
        sameOwner: this.sameOwner,
        special: this.special,
        warn: (m) => this.log(`layer ${layer.digest}: ${m}`),
      }),
      flow,
    ]);
    void applied;
    const got = hasher.digest();
    if (got !== diffID) throw new InvalidLayerError(`wrong diff id calculated on extraction "${diffID}", got "${got}"`);
  }

  /** Unpacks every layer not yet a snapshot, bottom up (containerd's unpacker). */
  async unpack(r: ResolvedImage, lease?: Lease, into: LayerSnapshotter = this.snapshotter): Promise<void> {
    for (let i = 0; i < r.layers.length; i++) {
      const key = r.chainIDs[i];
      if ((await into.stat(key))?.kind === 'committed') continue;
      await lease?.add('snapshot', key);
      const parent = i > 0 ? r.chainIDs[i - 1] : '';
      try {
        await into.commit(key, parent, (fsDir, lowers) => this.applyBlob(r.layers[i], r.diffIDs[i], fsDir, lowers, into.mode));
      } catch (e) {
        throw new Error(`failed to extract layer ${r.layers[i].digest}: ${(e as Error).message}`);
      }
    }
  }

  /** The top committed snapshot of an image, unpacking first if needed ('' when it has no layers). */
  async unpackedTop(ref: string): Promise<string> {
    const rec = (await this.findRecord(ref)) ?? (await this.ensureBuiltin(this.normalize(ref)));
    if (!rec) throw new Error(`image "${ref}" is not present on this node`);
    const r = await this.resolveStored(rec);
    await this.unpack(r);
    return r.chainIDs[r.chainIDs.length - 1] ?? '';
  }

  // ---- pulling ----

  private async fetchInto(
    remote: Remote,
    desc: Descriptor,
    kind: 'manifests' | 'blobs',
    lease: Lease,
    small = kind === 'manifests',
  ): Promise<void> {
    if (!Number.isSafeInteger(desc.size) || desc.size < 0) throw new Error(`${desc.digest}: invalid size ${String(desc.size)}`);
    // Manifests, indexes and configs are read whole: a descriptor claiming more is refused before any byte is written.
    if (small && desc.size > MAX_MANIFEST_BYTES)
      throw new Error(`rejecting ${desc.size} byte ${kind === 'manifests' ? 'manifest' : 'config'} ${desc.digest}`);
    await lease.add('content', desc.digest);
    if (await this.content.has(desc.digest)) return;
    const body = await remote.fetch(desc, kind);
    try {
      await this.content.write(body, { digest: desc.digest, size: desc.size });
    } catch (e) {
      if (e instanceof DigestMismatchError) throw new Error(`failed to copy ${desc.digest}: ${e.message}`);
      throw e;
    }
  }

  private async pullOnce(ref: Reference, name: string, auth: AuthConfig | undefined): Promise<void> {
    const remote = new Remote(ref, auth, { config: this.registryConfig() });
    let top: Descriptor;
    try {
      top = await remote.resolve();
    } catch (e) {
      throw new ImagePullFailure(name, pullErrorMessage(name, e, 'resolve'), e instanceof RegistryError ? e.kind : 'Unknown');
    }
    const lease = new Lease(this.leasesDir);
    try {
      if (top.mediaType === MediaType.DockerSchema1 || top.mediaType === MediaType.DockerSchema1Signed) {
        throw new Error(
          `media type "${top.mediaType}" is no longer supported since containerd v2.0, please rebuild the image as "${MediaType.DockerManifest}" or "${MediaType.OciManifest}"`,
        );
      }
      await this.fetchInto(remote, top, 'manifests', lease);
      let desc = top;
      for (let depth = 0; isIndex(desc.mediaType) || (!isManifest(desc.mediaType) && depth === 0); depth++) {
        if (depth > 4) throw new Error('indexes nested too deep');
        const doc = await this.content.readJSON<ImageIndex & ImageManifestDoc & { mediaType?: string }>(desc.digest);
        if (!isIndex(desc.mediaType)) {
          // A registry that named no usable Content-Type: trust the document's own mediaType.
          const mt = doc.mediaType ?? (doc.manifests ? MediaType.OciIndex : MediaType.OciManifest);
          desc = { ...desc, mediaType: mt };
          top = desc;
          if (isManifest(mt)) break;
          continue;
        }
        desc = this.chooseManifest(doc, name);
        await this.fetchInto(remote, desc, 'manifests', lease);
      }
      if (!isManifest(desc.mediaType)) throw new Error(`unsupported manifest media type ${desc.mediaType}`);
      const manifest = await this.content.readJSON<ImageManifestDoc>(desc.digest);
      if (!manifest.config?.digest) throw new Error(`manifest ${desc.digest} has no config`);
      await this.fetchInto(remote, manifest.config, 'blobs', lease, true);
      const layers = (manifest.layers ?? []).filter((l) => layerCompression(l.mediaType) !== undefined);
      const unknown = (manifest.layers ?? []).find((l) => layerCompression(l.mediaType) === undefined);
      if (unknown) throw new Error(`layer ${unknown.digest}: unsupported media type ${unknown.mediaType}`);
      await limited(layers, this.concurrency, (l) => this.fetchInto(remote, l, 'blobs', lease));
      const rec: ImageRecord = { name, target: top, createdAt: Date.now(), updatedAt: Date.now() };
      await this.unpack(await this.resolveStored(rec), lease);
      await this.putRecord(name, top);
    } catch (e) {
      if (e instanceof ImagePullFailure) throw e;
      const kind = e instanceof RegistryError ? e.kind : 'Unknown';
      throw new ImagePullFailure(name, pullErrorMessage(name, e, 'pull'), kind);
    } finally {
      await lease.release();
    }
  }

  /**
   * Pulls an image: a built-in one from its local source, anything else from its registry.
   * With credentials, each is tried in turn (as kubelet tries each matching pull secret).
   */
  async pullImage(spec: ImageSpec, auth?: AuthConfig[]): Promise<string> {
    const name = this.normalize(spec.image); // throws InvalidImageNameError
    if (this.builtin?.names(name)) {
      await this.ensureBuiltin(name);
      return name;
    }
    const key = `${name}\n${JSON.stringify(auth ?? [])}`;
    let p = this.inflight.get(key);
    if (!p) {
      p = (async () => {
        const ref = parseReference(name);
        const creds: (AuthConfig | undefined)[] = auth?.length ? auth : [undefined];
        let last: unknown;
        for (const c of creds) {
          try {
            await this.pullOnce(ref, name, c);
            return name;
          } catch (e) {
            last = e;
          }
        }
        throw last;
      })();
      this.inflight.set(key, p);
      p.finally(() => this.inflight.delete(key)).catch(() => undefined);
    }
    return p;
  }

  // ---- the CRI view ----

  private imageConfig(c: ImageConfigDoc): ImageConfig {
    const cfg = c.config ?? {};
    const out: ImageConfig = {
      entrypoint: cfg.Entrypoint ?? [],
      cmd: cfg.Cmd ?? [],
      env: cfg.Env ?? [],
      workingDir: cfg.WorkingDir ?? '',
      exposedPorts: Object.keys(cfg.ExposedPorts ?? {}).sort(),
    };
    if (cfg.User) out.user = cfg.User;
    return out;
  }

  private async toImage(rec: ImageRecord, all?: ImageRecord[]): Promise<Image | undefined> {
    let r: ResolvedImage;
    try {
      r = await this.resolveStored(rec);
    } catch {
      return undefined;
    }
    const records = all ?? [rec];
    const same: ResolvedImage[] = [];
    for (const x of records) {
      try {
        const rx = x === rec ? r : await this.resolveStored(x);
        if (rx.configDigest === r.configDigest) same.push(rx);
      } catch {
        /* incomplete: skipped */
      }
    }
    const repoTags = same
      .filter((x) => parseReference(x.record.name).tag !== undefined && !parseReference(x.record.name).digest)
      .map((x) => x.record.name);
    const repoDigests = [...new Set(same.map((x) => `${repositoryOf(parseReference(x.record.name))}@${x.record.target.digest}`))];
    const img: Image = { id: rec.name, repoTags, repoDigests, size: r.size, config: this.imageConfig(r.config) };
    if (this.builtin?.pinned?.(rec.name)) img.pinned = true;
    return img;
  }

  async imageStatus(spec: ImageSpec): Promise<Image | undefined> {
    let rec = await this.findRecord(spec.image);
    if (!rec) {
      let name: string;
      try {
        name = this.normalize(spec.image);
      } catch {
        return undefined;
      }
      // Built-in images are on every node: asked for, they are imported from the local source.
      if (this.builtin?.names(name)) rec = await this.ensureBuiltin(name);
    }
    if (!rec) return undefined;
    return this.toImage(rec, await this.readRecords());
  }

  /** One entry per image (records sharing a config are one image with several names). */
  async listImages(): Promise<Image[]> {
    const records = await this.readRecords();
    const out: Image[] = [];
    const seen = new Set<string>();
    for (const rec of records) {
      let r: ResolvedImage;
      try {
        r = await this.resolveStored(rec);
      } catch {
        continue;
      }
      if (seen.has(r.configDigest)) continue;
      seen.add(r.configDigest);
      const img = await this.toImage(rec, records);
      if (img) out.push(img);
    }
    return out;
  }

  /** The config digest of a stored image (CRI's image id), for grouping and GC. */
  async imageKey(ref: string): Promise<string | undefined> {
    const rec = await this.findRecord(ref);
    if (!rec) return undefined;
    try {
      return (await this.resolveStored(rec)).configDigest;
    } catch {
      return undefined;
    }
  }

  /** Removes the image and every name it has (CRI RemoveImage), then what no image uses any more. */
  async removeImage(spec: ImageSpec): Promise<void> {
    const rec = await this.findRecord(spec.image);
    if (!rec) return;
    let key: string | undefined;
    try {
      key = (await this.resolveStored(rec)).configDigest;
    } catch {
      key = undefined;
    }
    for (const x of await this.readRecords()) {
      let same = x.name === rec.name;
      if (!same && key) {
        try {
          same = (await this.resolveStored(x)).configDigest === key;
        } catch {
          same = false;
        }
      }
      if (same) await rm(recordFile(this.imagesDir, x.name), { force: true });
    }
    this.resolvedCache.clear();
    await this.garbageCollect();
  }

  /** Tags an existing image with another name (`k8ts image load` with several names). */
  async tag(name: string, target: Descriptor): Promise<void> {
    await this.putRecord(this.normalize(name), target);
  }

  /** Records and unpacks an image whose blobs are already in the content store. */
  async register(name: string, target: Descriptor): Promise<Image> {
    const n = this.normalize(name);
    const lease = new Lease(this.leasesDir);
    try {
      await lease.add('content', target.digest);
      const rec: ImageRecord = { name: n, target, createdAt: Date.now(), updatedAt: Date.now() };
      await this.unpack(await this.resolveStored(rec), lease);
      await this.putRecord(n, target);
    } finally {
      await lease.release();
    }
    const img = await this.imageStatus({ image: n });
    if (!img) throw new Error(`image ${n} could not be read back`);
    return img;
  }

  /** A new lease, for importers that write content before naming it. */
  lease(): Lease {
    return new Lease(this.leasesDir);
  }

  // ---- what runtimes need (ImageFilesystem) ----

  async imageDigestRef(ref: string): Promise<string | undefined> {
    const rec = await this.findRecord(ref);
    if (!rec) return undefined;
    return `${repositoryOf(parseReference(rec.name))}@${rec.target.digest}`;
  }

  /**
   * A directory with the image's whole filesystem. With the native snapshotter that is the top
   * snapshot itself; with overlayfs a native copy is unpacked beside it on first use (for a
   * runtime that cannot mount, e.g. the process runtime without isolation).
   */
  async rootfsPath(ref: string): Promise<string | undefined> {
    const rec = (await this.findRecord(ref)) ?? (await this.ensureBuiltin(this.normalize(ref)));
    if (!rec) return undefined;
    const r = await this.resolveStored(rec);
    const top = r.chainIDs[r.chainIDs.length - 1];
    let snaps = this.snapshotter;
    if (snaps.mode !== 'native') {
      this.flat ??= new LayerSnapshotter({
        root: path.join(this.root, 'flat'),
        mode: 'native',
        sameOwner: this.sameOwner,
        resolveImage: async () => '',
      });
      snaps = this.flat;
    }
    if (!top) {
      const empty = path.join(this.root, 'flat-empty');
      await mkdir(empty, { recursive: true });
      return empty;
    }
    await this.unpack(r, undefined, snaps);
    return snaps.fsPath(top);
  }

  // ---- garbage collection of content and snapshots ----

  /**
   * Removes blobs and committed snapshots that no image record, active snapshot or live lease
   * uses (containerd's metadata GC). Returns the bytes of blobs removed.
   */
  async garbageCollect(): Promise<number> {
    const held = await leased(this.leasesDir);
    const liveContent = new Set(held.content);
    const liveSnapshots = new Set(held.snapshots);
    for (const rec of await this.readRecords()) {
      liveContent.add(rec.target.digest);
      try {
        if (isIndex(rec.target.mediaType)) {
          const index = await this.content.readJSON<ImageIndex>(rec.target.digest);
          for (const m of index.manifests ?? []) liveContent.add(m.digest);
        }
        const r = await this.resolveStored(rec);
        liveContent.add(r.manifestDigest);
        liveContent.add(r.configDigest);
        for (const l of r.layers) liveContent.add(l.digest);
        for (const c of r.chainIDs) liveSnapshots.add(c);
      } catch {
        /* an incomplete record keeps what it has */
      }
    }
    let freed = 0;
    for (const b of await this.content.list()) {
      if (liveContent.has(b.digest)) continue;
      await this.content.delete(b.digest);
      freed += b.size;
    }
    for (const snaps of [
      this.snapshotter,
      this.flat ??
        new LayerSnapshotter({
          root: path.join(this.root, 'flat'),
          mode: 'native',
          sameOwner: this.sameOwner,
          resolveImage: async () => '',
        }),
    ]) {
      // Leaves first: a snapshot goes once nothing sits on it.
      for (let changed = true; changed; ) {
        changed = false;
        const all = await snaps.list();
        const parents = new Set(all.map((s) => s.parent));
        for (const s of all) {
          if (s.kind !== 'committed' || parents.has(s.key) || liveSnapshots.has(s.key)) continue;
          await snaps.remove(s.key).catch(() => undefined);
          changed = true;
        }
      }
    }
    this.resolvedCache.clear();
    return freed;
  }

  /** The image filesystem's capacity and free bytes (kubelet's imagefs stats). */
  async fsStats(): Promise<{ capacity: number; available: number }> {
    await mkdir(this.root, { recursive: true });
    const s = await statfs(this.root);
    return { capacity: s.blocks * s.bsize, available: s.bavail * s.bsize };
  }

  /** Leftovers of crashed pulls. */
  async cleanup(): Promise<void> {
    await this.content.cleanIngest();
    await this.snapshotter.cleanTemp();
  }
}

export { InvalidImageNameError };
