// Writing OCI images: a layer tar from a list of entries (host files or literal content), an
// image config and manifest, into the content store or into an OCI image layout directory
// (image-spec image-layout.md: oci-layout, index.json, blobs/). The built-in images are made
// this way from the host's binaries; tests make their registry images this way too.

import { createReadStream } from 'node:fs';
import { lstat, mkdir, readlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import { ContentStore, digestOf } from './content.js';
import { HashingStream } from './layer.js';
import { type Descriptor, type ImageConfigDoc, type ImageManifestDoc, MediaType, type Platform } from './mediatypes.js';

export interface LayerEntry {
  /** Path inside the image, without a leading slash. */
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device';
  /** A host file whose content (and mode, unless given) the entry takes. */
  from?: string;
  content?: string | Buffer;
  mode?: number;
  linkname?: string;
  uid?: number;
  gid?: number;
}

/** A fixed time for every entry, so that the same inputs make the same layer digest. */
const EPOCH = new Date(0);

async function entryHeader(
  e: LayerEntry,
): Promise<{ header: tar.Header | (Partial<tar.Header> & { name: string }); body?: () => Readable; size: number }> {
  const base = { name: e.name, mtime: EPOCH, uid: e.uid ?? 0, gid: e.gid ?? 0, uname: '', gname: '' };
  const type = e.type ?? 'file';
  if (type === 'file' && e.from) {
    const st = await lstat(e.from);
    if (st.isSymbolicLink())
      return { header: { ...base, type: 'symlink', linkname: await readlink(e.from), mode: 0o777, size: 0 }, size: 0 };
    return {
      header: { ...base, type: 'file', mode: e.mode ?? st.mode & 0o7777, size: st.size },
      body: () => createReadStream(e.from!),
      size: st.size,
    };
  }
  if (type === 'file') {
    const buf = Buffer.from(e.content ?? '');
    return {
      header: { ...base, type: 'file', mode: e.mode ?? 0o644, size: buf.length },
      body: () => Readable.from([buf]),
      size: buf.length,
    };
  }
  if (type === 'directory') return { header: { ...base, type: 'directory', mode: e.mode ?? 0o755, size: 0 }, size: 0 };
  if (type === 'character-device')
    return { header: { ...base, type: 'character-device', mode: e.mode ?? 0o666, size: 0, devmajor: 0, devminor: 0 }, size: 0 };
  return { header: { ...base, type, linkname: e.linkname ?? '', mode: e.mode ?? 0o777, size: 0 }, size: 0 };
}

/** A tar stream of the entries, written in order. */
export function layerTar(entries: LayerEntry[]): Readable {
  const pack = tar.pack();
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  (async () => {
    for (const e of entries) {
      const { header, body } = await entryHeader(e);
      await new Promise<void>((resolve, reject) => {
        const sink = pack.entry(header as tar.Header, (err) => (err ? reject(err) : resolve()));
        if (body) {
          const src = body();
          src.on('error', reject);
          src.on('data', (c: Buffer) => {
            if (!sink.write(c)) {
              src.pause();
              sink.once('drain', () => src.resume());
            }
          });
          src.on('end', () => sink.end(undefined as unknown as Buffer));
        } else {
          sink.end(undefined as unknown as Buffer);
        }
      });
    }
    pack.finalize();
  })().catch((e) => out.destroy(e as Error));
  pack.on('data', (c: unknown) => {
    if (!out.write(c as Buffer)) {
      pack.pause();
      out.once('drain', () => pack.resume());
    }
  });
  pack.on('end', () => out.end());
  pack.on('error', (e: unknown) => out.destroy(e as Error));
  return out;
}

export interface BuiltLayer {
  descriptor: Descriptor;
  diffID: string;
}

/** Where blobs go: the content store, or an OCI layout's blobs/ dir. */
export interface BlobSink {
  write(source: Readable): Promise<{ digest: string; size: number }>;
  writeBuffer(data: Buffer): Promise<string>;
}

export function contentSink(store: ContentStore): BlobSink {
  return { write: (s) => store.write(s), writeBuffer: (b) => store.writeBuffer(b) };
}

/** The blobs/ of an OCI image layout directory. */
export function layoutSink(dir: string): BlobSink {
  const store = new ContentStore(path.join(dir, '.ingest-root'));
  const move = async (digest: string) => {
    const { rename } = await import('node:fs/promises');
    const dest = path.join(dir, 'blobs', 'sha256', digest.slice(7));
    await mkdir(path.dirname(dest), { recursive: true });
    await rename(store.blobPath(digest), dest);
  };
  return {
    write: async (s) => {
      const r = await store.write(s);
      await move(r.digest);
      return r;
    },
    writeBuffer: async (b) => {
      const d = await store.writeBuffer(b);
      await move(d);
      return d;
    },
  };
}

/** Builds one layer; gzip'd when asked (the registry images of tests), plain tar otherwise. */
export async function buildLayer(sink: BlobSink, entries: LayerEntry[], opts: { gzip?: boolean } = {}): Promise<BuiltLayer> {
  const hasher = new HashingStream();
  const tarStream = layerTar(entries);
  if (!opts.gzip) {
    const through = new PassThrough({ highWaterMark: 1 << 20 });
    const flow = pipeline(tarStream, hasher, through);
    const [written] = await Promise.all([sink.write(through), flow]);
    return { descriptor: { mediaType: MediaType.OciLayer, digest: written.digest, size: written.size }, diffID: hasher.digest() };
  }
  const gz = zlib.createGzip({ level: 6 });
  const flow = pipeline(tarStream, hasher, gz);
  const [written] = await Promise.all([sink.write(gz), flow]);
  return { descriptor: { mediaType: MediaType.OciLayerGzip, digest: written.digest, size: written.size }, diffID: hasher.digest() };
}

export interface ImageDefinition {
  layers: BuiltLayer[];
  platform?: Platform;
  config?: ImageConfigDoc['config'];
  /** Docker's media types instead of OCI's (schema 2). */
  docker?: boolean;
}

/** Writes config and manifest; returns the manifest's descriptor (with its platform). */
export async function buildImage(sink: BlobSink, def: ImageDefinition): Promise<Descriptor> {
  const platform = def.platform ?? { os: 'linux', architecture: 'amd64' };
  const config: ImageConfigDoc = {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    created: '1970-01-01T00:00:00Z',
    config: def.config ?? {},
    rootfs: { type: 'layers', diff_ids: def.layers.map((l) => l.diffID) },
    history: def.layers.map(() => ({ created: '1970-01-01T00:00:00Z', created_by: 'k8ts' })),
  };
  const configBuf = Buffer.from(JSON.stringify(config));
  const configDigest = await sink.writeBuffer(configBuf);
  const layerType = (l: BuiltLayer) =>
    def.docker
      ? l.descriptor.mediaType === MediaType.OciLayerGzip
        ? MediaType.DockerLayerGzip
        : MediaType.DockerLayer
      : l.descriptor.mediaType;
  const manifest: ImageManifestDoc = {
    schemaVersion: 2,
    mediaType: def.docker ? MediaType.DockerManifest : MediaType.OciManifest,
    config: { mediaType: def.docker ? MediaType.DockerConfig : MediaType.OciConfig, digest: configDigest, size: configBuf.length },
    layers: def.layers.map((l) => ({ ...l.descriptor, mediaType: layerType(l) })),
  };
  const buf = Buffer.from(JSON.stringify(manifest));
  const digest = await sink.writeBuffer(buf);
  return { mediaType: manifest.mediaType!, digest, size: buf.length, platform };
}

/** An OCI index of several manifests (a multi-platform image). */
export async function buildIndex(sink: BlobSink, manifests: Descriptor[]): Promise<Descriptor> {
  const buf = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests }));
  const digest = await sink.writeBuffer(buf);
  return { mediaType: MediaType.OciIndex, digest, size: buf.length };
}

/** Finishes an OCI layout directory whose blobs are written: oci-layout and index.json naming tags. */
export async function writeLayout(dir: string, tagged: { tag: string; descriptor: Descriptor }[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const manifests = tagged.map((t) => {
    const { platform: _p, ...d } = t.descriptor;
    void _p;
    return { ...d, annotations: { 'org.opencontainers.image.ref.name': t.tag } };
  });
  await writeFile(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests }));
  const { rm } = await import('node:fs/promises');
  await rm(path.join(dir, '.ingest-root'), { recursive: true, force: true });
}

export { digestOf };
