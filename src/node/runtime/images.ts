// The local image store of the built-in runtime. An image is a folder holding image.json
// ({repoTags, entrypoint, cmd, env, workingDir, exposedPorts}) and rootfs/: files laid over the
// host's `/` in the container's view. The images shipped in the repo (images/<name>/) are always
// there; `k8ts image import` copies a folder into the store dir. Nothing is ever downloaded: a
// reference that is neither built in nor imported fails the way a registry miss does.
//
// Beyond the ImageService contract (types.ts), the runtime needs to know where an image's files
// are: ImageFilesystem.rootfsPath. ProcessRuntime uses it when the image service offers it.

import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rm, stat, writeFile, rename } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImagePullError, type Image, type ImageConfig, type ImageService, type ImageSpec } from './types.js';

/** The optional extension a runtime uses to find an image's files. */
export interface ImageFilesystem {
  /** Absolute path of the image's rootfs folder, undefined for an image without files or unknown. */
  rootfsPath(ref: string): Promise<string | undefined>;
  /** repo@sha256:<digest>, the imageID a pod's status shows. */
  imageDigestRef(ref: string): Promise<string | undefined>;
}

/** The manifest file of an image folder. */
export interface ImageManifest {
  repoTags: string[];
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
  exposedPorts?: string[];
  user?: string;
}

/** The images folder of the repo (images/), found from this module's place in src/ or dist/src/. */
export function builtinImagesDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of ['../../..', '../../../..']) {
    const dir = path.resolve(here, up, 'images');
    if (existsSync(dir)) return dir;
  }
  return path.resolve(here, '../../../..', 'images');
}

export class InvalidImageNameError extends ImagePullError {}

/**
 * Normalizes an image reference as Docker and containerd do:
 * nginx -> docker.io/library/nginx:latest, user/app:v1 -> docker.io/user/app:v1,
 * gcr.io/x/y:v1 unchanged, a digest reference keeps its digest.
 */
export function normalizeImageRef(ref: string): string {
  const input = ref.trim();
  if (!input || /\s/.test(input)) throw new InvalidImageNameError(ref, `invalid reference format: "${ref}"`);
  let name = input;
  let digest = '';
  const at = name.indexOf('@');
  if (at >= 0) { digest = name.slice(at); name = name.slice(0, at); }
  let tag = '';
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) { tag = name.slice(colon + 1); name = name.slice(0, colon); }
  const slash = name.indexOf('/');
  const first = slash >= 0 ? name.slice(0, slash) : '';
  let domain: string;
  let remainder: string;
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase())) {
    domain = first;
    remainder = name.slice(slash + 1);
  } else {
    domain = 'docker.io';
    remainder = name;
  }
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && !remainder.includes('/')) remainder = `library/${remainder}`;
  if (remainder !== remainder.toLowerCase()) throw new InvalidImageNameError(ref, `invalid reference format: repository name (${remainder}) must be lowercase`);
  if (!/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(remainder)) {
    throw new InvalidImageNameError(ref, `invalid reference format: "${ref}"`);
  }
  if (tag && !/^[\w][\w.-]{0,127}$/.test(tag)) throw new InvalidImageNameError(ref, `invalid reference format: "${ref}"`);
  if (!tag && !digest) tag = 'latest';
  return `${domain}/${remainder}${tag ? `:${tag}` : ''}${digest}`;
}

/** The message Kubernetes users see when an image is missing from its registry (containerd's wording). */
export function imageNotFoundMessage(ref: string): string {
  return `rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`;
}

interface StoredImage {
  dir: string;
  manifest: ImageManifest;
  digest: string;
  builtin: boolean;
  size: number;
}

export interface LocalImageStoreOptions {
  /** Where imported images are kept (created on demand). */
  dir: string;
  /** Built-in images folder; defaults to the repo's images/. */
  builtinDir?: string;
}

async function dirSize(dir: string): Promise<number> {
  let total = 0;
  let entries;
  try { entries = await readdir(dir, { withFileTypes: true }); } catch { return 0; }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await dirSize(p);
    else if (e.isFile()) total += (await stat(p)).size;
  }
  return total;
}

/** Images that run on the host's node binary find it on PATH even when it lives outside /usr/bin. */
function withNodeOnPath(env: string[]): string[] {
  const nodeDir = path.dirname(process.execPath);
  return env.map((e) => {
    if (!e.startsWith('PATH=')) return e;
    const dirs = e.slice(5).split(':');
    return dirs.includes(nodeDir) ? e : `${e}:${nodeDir}`;
  });
}

/** A directory name per reference: readable, and made unique by a digest of the reference itself
 *  (x.io/a:b_c and x.io/a/b:c read alike once '/' and ':' are replaced). */
function imageDirName(ref: string): string {
  return `${ref.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 100)}-${createHash('sha256').update(ref).digest('hex').slice(0, 12)}`;
}

export class LocalImageStore implements ImageService, ImageFilesystem {
  private readonly dir: string;
  private readonly builtinDir: string;
  private cache: Map<string, StoredImage> | undefined;

  constructor(opts: LocalImageStoreOptions) {
    this.dir = opts.dir;
    this.builtinDir = opts.builtinDir ?? builtinImagesDir();
  }

  normalize(ref: string): string {
    return normalizeImageRef(ref);
  }

  private async load(): Promise<Map<string, StoredImage>> {
    if (this.cache) return this.cache;
    const images = new Map<string, StoredImage>();
    const scan = async (root: string, builtin: boolean) => {
      let names: string[];
      try { names = await readdir(root); } catch { return; }
      for (const name of names.sort()) {
        const dir = path.join(root, name);
        let text: string;
        try { text = await readFile(path.join(dir, 'image.json'), 'utf8'); } catch { continue; }
        let manifest: ImageManifest;
        try { manifest = JSON.parse(text) as ImageManifest; } catch { continue; }
        if (!Array.isArray(manifest.repoTags)) continue;
        const stored: StoredImage = {
          dir, manifest, builtin,
          digest: createHash('sha256').update(text).digest('hex'),
          size: text.length + await dirSize(path.join(dir, 'rootfs')),
        };
        for (const tag of manifest.repoTags) {
          try { images.set(normalizeImageRef(tag), stored); } catch { /* a bad tag in a manifest is skipped */ }
        }
      }
    };
    await scan(this.builtinDir, true);
    await scan(this.dir, false); // imported images shadow built-in ones of the same tag
    this.cache = images;
    return images;
  }

  private toImage(ref: string, s: StoredImage): Image {
    const m = s.manifest;
    const env = m.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'];
    const config: ImageConfig = {
      entrypoint: m.entrypoint ?? [],
      cmd: m.cmd ?? [],
      env: s.builtin ? withNodeOnPath(env) : env,
      workingDir: m.workingDir || '/',
      exposedPorts: m.exposedPorts ?? [],
    };
    if (m.user) config.user = m.user;
    return { id: ref, repoTags: m.repoTags.map((t) => normalizeImageRef(t)), size: s.size, config };
  }

  private async find(ref: string): Promise<[string, StoredImage] | undefined> {
    let id: string;
    try { id = normalizeImageRef(ref); } catch { return undefined; }
    let s = (await this.load()).get(id);
    if (!s && this.cache) {
      // `k8ts image import` runs in another process: look at the disk again before saying no.
      this.cache = undefined;
      s = (await this.load()).get(id);
    }
    return s ? [id, s] : undefined;
  }

  async pullImage(image: ImageSpec): Promise<string> {
    const id = normalizeImageRef(image.image); // throws InvalidImageNameError
    const found = await this.find(id);
    if (!found) throw new ImagePullError(id, imageNotFoundMessage(id));
    return id;
  }

  async imageStatus(image: ImageSpec): Promise<Image | undefined> {
    const found = await this.find(image.image);
    return found ? this.toImage(found[0], found[1]) : undefined;
  }

  async listImages(): Promise<Image[]> {
    const seen = new Set<StoredImage>();
    const out: Image[] = [];
    for (const [ref, s] of await this.load()) {
      if (seen.has(s)) continue;
      seen.add(s);
      out.push(this.toImage(ref, s));
    }
    return out;
  }

  /** Removes an imported image (a tag of it); built-in images cannot be removed. */
  async removeImage(image: ImageSpec): Promise<void> {
    const found = await this.find(image.image);
    if (!found) return;
    const [ref, s] = found;
    if (s.builtin) throw new Error(`image "${ref}" is built into k8ts and cannot be removed`);
    const rest = s.manifest.repoTags.filter((t) => normalizeImageRef(t) !== ref);
    if (rest.length === 0) await rm(s.dir, { recursive: true, force: true });
    else await writeFile(path.join(s.dir, 'image.json'), JSON.stringify({ ...s.manifest, repoTags: rest }, null, 2) + '\n');
    this.cache = undefined;
  }

  /** Copies a folder (image.json + rootfs/) into the store under the given tag. */
  async importImage(srcDir: string, tag: string): Promise<Image> {
    const ref = normalizeImageRef(tag);
    let manifest: ImageManifest;
    try {
      manifest = JSON.parse(await readFile(path.join(srcDir, 'image.json'), 'utf8')) as ImageManifest;
    } catch (err) {
      throw new Error(`${srcDir}: not an image folder (image.json: ${(err as Error).message})`);
    }
    const existing = await this.find(ref);
    if (existing && !existing[1].builtin) await this.removeImage({ image: ref });
    await mkdir(this.dir, { recursive: true });
    const dest = path.join(this.dir, imageDirName(ref));
    const tmp = `${dest}.importing`;
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    if (existsSync(path.join(srcDir, 'rootfs'))) {
      await cp(path.join(srcDir, 'rootfs'), path.join(tmp, 'rootfs'), { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    } else {
      await mkdir(path.join(tmp, 'rootfs'));
    }
    await writeFile(path.join(tmp, 'image.json'), JSON.stringify({ ...manifest, repoTags: [ref] }, null, 2) + '\n');
    await rm(dest, { recursive: true, force: true });
    await rename(tmp, dest);
    this.cache = undefined;
    const img = await this.imageStatus({ image: ref });
    if (!img) throw new Error(`import of ${ref} failed`);
    return img;
  }

  async rootfsPath(ref: string): Promise<string | undefined> {
    const found = await this.find(ref);
    if (!found) return undefined;
    const p = path.join(found[1].dir, 'rootfs');
    return existsSync(p) ? p : undefined;
  }

  async imageDigestRef(ref: string): Promise<string | undefined> {
    const found = await this.find(ref);
    if (!found) return undefined;
    const repo = found[0].replace(/(@.*|:[^/:]*)$/, '');
    return `${repo}@sha256:${found[1].digest}`;
  }
}

/** For the CLI (`k8ts image import DIR TAG`). */
export function importImage(store: LocalImageStore, dir: string, tag: string): Promise<Image> {
  return store.importImage(dir, tag);
}
