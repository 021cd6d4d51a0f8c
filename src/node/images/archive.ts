// `k8ts image load`: images from a tarball, as `ctr images import` reads them (containerd's
// images/archive importer): a `docker save` archive (manifest.json naming each image's config,
// layers and RepoTags; old layouts with <id>/layer.tar and new ones with blobs/sha256/) or an
// OCI image layout archive (oci-layout, index.json whose manifests carry their names in
// io.containerd.image.name or org.opencontainers.image.ref.name). Several images per file.
// Every file is streamed into the content store as it comes; blobs named by digest are checked
// against their names, and the unpacker checks each layer against the config's diff_ids.

import { createReadStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { Image } from '../runtime/types.js';
import { MAX_MANIFEST_BYTES } from './content.js';
import { decompressor, fileCompression } from './layer.js';
import { type Descriptor, type ImageIndex, isIndex, isManifest, MediaType } from './mediatypes.js';
import { normalizeImageRef } from './reference.js';
import type { OciImageService } from './service.js';

export interface LoadResult {
  images: Image[];
  skipped: string[];
}

interface ArchiveFile {
  digest: string;
  size: number;
  json?: unknown;
}

function clean(name: string): string {
  return path.posix.normalize(`/${name}`).slice(1);
}

async function readArchive(
  file: string,
  svc: OciImageService,
  lease: ReturnType<OciImageService['lease']>,
): Promise<Map<string, ArchiveFile>> {
  const dec = decompressor(await fileCompression(file));
  const extract = tar.extract();
  const src = createReadStream(file, { highWaterMark: 1 << 20 });
  const feeding = (dec ? pipeline(src, dec, extract) : pipeline(src, extract)).catch((e: Error) => {
    extract.destroy(e);
  });
  const files = new Map<string, ArchiveFile>();
  for await (const entry of extract) {
    const h = entry.header;
    if (h.type !== 'file' && h.type !== 'contiguous-file') {
      entry.resume();
      continue;
    }
    const name = clean(h.name);
    const { Readable } = await import('node:stream');
    const { digest, size } = await svc.content.write(Readable.from(entry as AsyncIterable<Buffer>));
    await lease.add('content', digest);
    const f: ArchiveFile = { digest, size };
    if (
      size <= MAX_MANIFEST_BYTES &&
      (name.endsWith('.json') || name === 'repositories' || name === 'oci-layout' || name.startsWith('blobs/'))
    ) {
      try {
        f.json = JSON.parse((await svc.content.readBuffer(digest)).toString('utf8')) as unknown;
      } catch {
        /* a layer, or not JSON */
      }
    }
    files.set(name, f);
  }
  await feeding;
  return files;
}

async function layerMediaType(svc: OciImageService, digest: string): Promise<string> {
  const c = await fileCompression(svc.content.blobPath(digest));
  return c === 'gzip' ? MediaType.DockerLayerGzip : c === 'zstd' ? MediaType.OciLayerZstd : MediaType.DockerLayer;
}

/** Loads every image of an archive; returns them, and the ones that carried no name. */
export async function loadArchive(file: string, svc: OciImageService): Promise<LoadResult> {
  const lease = svc.lease();
  try {
    const files = await readArchive(file, svc, lease);
    const out: LoadResult = { images: [], skipped: [] };
    // Blobs named by digest must hold what their names say.
    for (const [name, f] of files) {
      const m = /^blobs\/(sha256|sha512)\/([0-9a-f]+)$/.exec(name);
      if (m && f.digest !== `${m[1]}:${m[2]}` && m[1] === 'sha256')
        throw new Error(`${name}: content does not match its digest (${f.digest})`);
    }
    const byDigest = (d: string) => [...files.values()].some((f) => f.digest === d);
    const dockerManifest = files.get('manifest.json')?.json;
    if (Array.isArray(dockerManifest)) {
      for (const entry of dockerManifest as { Config?: string; RepoTags?: string[] | null; Layers?: string[] }[]) {
        const config = entry.Config ? files.get(clean(entry.Config)) : undefined;
        if (!config) throw new Error(`manifest.json names config ${entry.Config ?? '(none)'}, which is not in the archive`);
        const layers: Descriptor[] = [];
        for (const l of entry.Layers ?? []) {
          const f = files.get(clean(l));
          if (!f) throw new Error(`manifest.json names layer ${l}, which is not in the archive`);
          layers.push({ mediaType: await layerMediaType(svc, f.digest), digest: f.digest, size: f.size });
        }
        const manifest = Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: MediaType.DockerManifest,
            config: { mediaType: MediaType.DockerConfig, digest: config.digest, size: config.size },
            layers,
          }),
        );
        const digest = await svc.content.writeBuffer(manifest);
        await lease.add('content', digest);
        const target: Descriptor = { mediaType: MediaType.DockerManifest, digest, size: manifest.length };
        const tags = entry.RepoTags ?? [];
        if (!tags.length) {
          out.skipped.push(`image with config ${config.digest} has no name`);
          continue;
        }
        for (const t of tags) out.images.push(await svc.register(normalizeImageRef(t), target));
      }
      return out;
    }
    const index = files.get('index.json')?.json as ImageIndex | undefined;
    if (index && Array.isArray(index.manifests) && files.has('oci-layout')) {
      for (const d of index.manifests) {
        if (!isManifest(d.mediaType) && !isIndex(d.mediaType)) continue;
        if (!byDigest(d.digest)) throw new Error(`index.json names ${d.digest}, which is not in the archive`);
        const ann = d.annotations ?? {};
        // containerd's name annotation, or a ref.name that is a whole reference; a bare tag
        // (skopeo's oci-archive:FILE:TAG) names no image.
        const refName = ann['org.opencontainers.image.ref.name'];
        const name = ann['io.containerd.image.name'] ?? (refName && /[/:]/.test(refName) ? refName : undefined);
        let ref: string | undefined;
        try {
          ref = name ? normalizeImageRef(name) : undefined;
        } catch {
          ref = undefined;
        }
        if (!ref) {
          const refName2 = refName;
          out.skipped.push(`${d.digest}${refName2 ? ` (${refName2})` : ''} has no image name (io.containerd.image.name)`);
          continue;
        }
        out.images.push(await svc.register(ref, { mediaType: d.mediaType, digest: d.digest, size: d.size }));
      }
      return out;
    }
    throw new Error(`${file}: neither a docker save archive (manifest.json) nor an OCI image layout (oci-layout, index.json)`);
  } finally {
    await lease.release();
  }
}
