// The node's image service as the runtimes see it. The implementation lives in ../images/
// (containerd's image store, content store and snapshotter in TypeScript); this module keeps
// the names the runtimes and tests have used: normalizeImageRef, imageNotFoundMessage,
// ImageFilesystem, and LocalImageStore (an OciImageService with the built-in images).

import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { readdirOrEmpty } from '../fs/readdir.js';
import { buildImage, buildLayer, contentSink, type LayerEntry } from '../images/build.js';
import { BuiltinImages, builtinImagesDir } from '../images/builtin.js';
import { InvalidImageNameError, normalizeImageRef } from '../images/reference.js';
import { type ImageFilesystem, type ImageServiceOptions, OciImageService } from '../images/service.js';
import type { Image } from './types.js';

export { builtinImagesDir, type ImageFilesystem, InvalidImageNameError, normalizeImageRef, OciImageService };

/** The message Kubernetes users see when an image is missing from its registry (containerd's wording). */
export function imageNotFoundMessage(ref: string): string {
  return `rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`;
}

export interface LocalImageStoreOptions {
  /** The image store's directory (content, snapshots, image records). */
  dir: string;
  /** Built-in images folder; defaults to the repo's images/. */
  builtinDir?: string;
  /** registries.yaml: mirrors, plain-http registries, credentials (hosts.ts). */
  registryConfigFile?: string;
  snapshotter?: ImageServiceOptions['snapshotter'];
  log?: (msg: string) => void;
}

/** The node's image store: pulls from registries, loads archives, and serves the built-in images. */
export class LocalImageStore extends OciImageService {
  constructor(opts: LocalImageStoreOptions) {
    super({
      root: opts.dir,
      builtin: new BuiltinImages(opts.builtinDir),
      registryConfigFile: opts.registryConfigFile,
      snapshotter: opts.snapshotter,
      log: opts.log,
    });
  }

  /**
   * Makes an image from a folder with image.json ({entrypoint, cmd, env, workingDir,
   * exposedPorts, user}) and rootfs/: one layer of the folder's files (`k8ts image import`).
   */
  async importImage(srcDir: string, tag: string): Promise<Image> {
    const ref = normalizeImageRef(tag);
    let m: { entrypoint?: string[]; cmd?: string[]; env?: string[]; workingDir?: string; exposedPorts?: string[]; user?: string };
    try {
      m = JSON.parse(await readFile(path.join(srcDir, 'image.json'), 'utf8')) as typeof m;
    } catch (err) {
      throw new Error(`${srcDir}: not an image folder (image.json: ${(err as Error).message})`);
    }
    const entries: LayerEntry[] = [];
    const walk = async (rel: string) => {
      const names = (await readdirOrEmpty(path.join(srcDir, 'rootfs', rel))).sort();
      for (const n of names) {
        const r = rel ? `${rel}/${n}` : n;
        const p = path.join(srcDir, 'rootfs', r);
        const st = await stat(p);
        if (st.isDirectory()) {
          entries.push({ name: `${r}/`, type: 'directory', mode: st.mode & 0o7777 });
          await walk(r);
        } else if (st.isFile()) entries.push({ name: r, from: p });
      }
    };
    await walk('');
    const sink = contentSink(this.content);
    const lease = this.lease();
    try {
      const layer = await buildLayer(sink, entries);
      await lease.add('content', layer.descriptor.digest);
      const exposed: Record<string, object> = {};
      for (const p of m.exposedPorts ?? []) exposed[p] = {};
      const target = await buildImage(sink, {
        layers: [layer],
        config: {
          Env: m.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
          ...(m.entrypoint ? { Entrypoint: m.entrypoint } : {}),
          ...(m.cmd ? { Cmd: m.cmd } : {}),
          WorkingDir: m.workingDir ?? '/',
          ExposedPorts: exposed,
          ...(m.user ? { User: m.user } : {}),
        },
      });
      await lease.add('content', target.digest);
      return await this.register(ref, target);
    } finally {
      await lease.release();
    }
  }
}
