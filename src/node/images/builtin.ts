// The built-in images (images/<name>/: image.json and rootfs/), stored and run as OCI images
// like any other. Each is a stack of layers built on this machine, never downloaded:
//
//   busybox  Debian's static busybox at /bin/busybox with a link for every applet, /etc/passwd
//            and /etc/group, /tmp: what a busybox image has
//   tools    bash, curl, ipcs and ipcmk with the shared libraries ldd names, and the CA bundle
//   node     the host's node binary at /usr/local/bin/node with its shared libraries
//   app      the image folder's rootfs/
//
// image.json names the host layers an image stands on ("hostLayers": ["busybox", "tools",
// "node"]; the busybox image is busybox + tools, since Debian's busybox has no ipcs, and pause is
// busybox alone). A layer is a plain tar with fixed times and owners, so the same host files give the
// same digest and every image standing on the same layers shares their snapshots. Built layers
// are remembered (builtin-layers.json beside the content) while their inputs are unchanged.

import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile, realpath, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readdirOrEmpty } from '../fs/readdir.js';
import { type BuiltLayer, buildImage, buildLayer, contentSink, type LayerEntry } from './build.js';
import type { ContentStore } from './content.js';
import type { Descriptor } from './mediatypes.js';
import { nodePlatform } from './platform.js';
import { normalizeImageRef } from './reference.js';
import type { BuiltinSource } from './service.js';

export interface BuiltinManifest {
  repoTags: string[];
  hostLayers?: string[];
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
  exposedPorts?: string[];
  user?: string;
  pinned?: boolean;
}

/** The repo's images/ folder, found from this module's place in src/ or dist/src/. */
export function builtinImagesDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of ['../../..', '../../../..']) {
    const dir = path.resolve(here, up, 'images');
    if (existsSync(path.join(dir, 'pause'))) return dir;
  }
  return path.resolve(here, '../../../..', 'images');
}

const BUSYBOX_PATHS = ['/bin/busybox', '/usr/bin/busybox'];
const TOOLS = ['bash', 'curl', 'ipcs', 'ipcmk'];

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: 'utf8', maxBuffer: 8 << 20, env: { ...process.env, LC_ALL: 'C' } }, (err, out, stderr) =>
      err ? reject(new Error(`${cmd}: ${stderr || err.message}`)) : resolve(out),
    );
  });
}

function findOnPath(cmd: string): string | undefined {
  for (const dir of ['/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
    const p = path.join(dir, cmd);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** The shared libraries (and the loader) a dynamic binary needs, as ldd lists them. */
async function sharedLibraries(binary: string): Promise<string[]> {
  let out: string;
  try {
    out = await run('ldd', [binary]);
  } catch {
    return [];
  } // static, or no ldd
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    const m = /=>\s*(\/\S+)\s*\(/.exec(line) ?? /^\s*(\/\S+)\s*\(/.exec(line);
    if (m) libs.push(m[1]);
  }
  return libs;
}

function dirsOf(files: string[]): LayerEntry[] {
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  return [...dirs]
    .filter(Boolean)
    .sort()
    .map((d) => ({ name: `${d}/`, type: 'directory' as const }));
}

/** Files of a host binary and its libraries; libraries already in lower layers are left out. */
async function binaryEntries(
  bins: { host: string; at: string }[],
  below: Set<string>,
): Promise<{ entries: LayerEntry[]; files: string[] }> {
  const files = new Map<string, string>();
  for (const b of bins) {
    files.set(b.at, await realpath(b.host));
    for (const lib of await sharedLibraries(b.host)) {
      const at = lib.replace(/^\//, '');
      if (!below.has(at)) files.set(at, await realpath(lib));
    }
  }
  const names = [...files.keys()].sort();
  return { entries: [...dirsOf(names), ...names.map((n) => ({ name: n, from: files.get(n)! }))], files: names };
}

interface LayerRecipe {
  entries: LayerEntry[];
  files: string[];
  inputs: string[];
}

async function hostLayer(name: string, below: Set<string>): Promise<LayerRecipe> {
  if (name === 'busybox') {
    const bb = BUSYBOX_PATHS.find((p) => existsSync(p));
    if (!bb) throw new Error('the built-in images need busybox (Debian: apt-get install busybox-static)');
    const applets = (await run(bb, ['--list-full']))
      .split('\n')
      .map((s) => s.trim())
      .filter((s) => s && !s.includes('..') && s !== 'bin/busybox');
    const files = ['bin/busybox', ...applets];
    const entries: LayerEntry[] = [
      ...dirsOf(files).filter((d) => d.name !== 'tmp/'),
      { name: 'bin/busybox', from: await realpath(bb), mode: 0o755 },
      ...applets.sort().map((a) => ({ name: a, type: 'symlink' as const, linkname: '/bin/busybox' })),
      { name: 'etc/', type: 'directory' },
      {
        name: 'etc/passwd',
        content:
          'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
      },
      { name: 'etc/group', content: 'root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\n' },
      { name: 'etc/nsswitch.conf', content: 'passwd: files\ngroup: files\nhosts: files dns\n' },
      { name: 'root/', type: 'directory', mode: 0o700 },
      { name: 'tmp/', type: 'directory', mode: 0o1777 },
      { name: 'home/', type: 'directory' },
      { name: 'var/', type: 'directory' },
      { name: 'proc/', type: 'directory' },
      { name: 'sys/', type: 'directory' },
      { name: 'dev/', type: 'directory' },
    ];
    return { entries, files, inputs: [bb] };
  }
  if (name === 'tools') {
    const bins: { host: string; at: string }[] = [];
    for (const t of TOOLS) {
      const p = findOnPath(t);
      if (p) bins.push({ host: p, at: `usr/bin/${t}` });
    }
    const { entries, files } = await binaryEntries(bins, below);
    const ca = '/etc/ssl/certs/ca-certificates.crt';
    if (existsSync(ca))
      entries.push(...dirsOf(['etc/ssl/certs/x']).filter((d) => d.name !== 'etc/'), {
        name: 'etc/ssl/certs/ca-certificates.crt',
        from: await realpath(ca),
        mode: 0o644,
      });
    return { entries, files, inputs: bins.map((b) => b.host) };
  }
  if (name === 'node') {
    const { entries, files } = await binaryEntries([{ host: process.execPath, at: 'usr/local/bin/node' }], below);
    return { entries, files, inputs: [process.execPath] };
  }
  throw new Error(`unknown host layer "${name}"`);
}

async function walk(dir: string, rel = ''): Promise<LayerEntry[]> {
  const out: LayerEntry[] = [];
  const names = (await readdirOrEmpty(path.join(dir, rel))).sort();
  for (const n of names) {
    if (n === '.keep') continue;
    const r = rel ? `${rel}/${n}` : n;
    const st = await stat(path.join(dir, r));
    if (st.isDirectory()) out.push({ name: `${r}/`, type: 'directory' }, ...(await walk(dir, r)));
    else out.push({ name: r, from: path.join(dir, r), mode: st.mode & 0o111 ? 0o755 : 0o644 });
  }
  return out;
}

async function fingerprint(paths: string[]): Promise<string> {
  const parts: string[] = [];
  for (const p of paths) {
    try {
      const st = await stat(p);
      parts.push(`${p}:${st.size}:${st.mtimeMs}`);
    } catch {
      parts.push(`${p}:-`);
    }
  }
  return parts.join('|');
}

export class BuiltinImages implements BuiltinSource {
  private readonly dir: string;
  private manifests?: Map<string, { folder: string; manifest: BuiltinManifest; names: string[] }>;

  constructor(dir = builtinImagesDir()) {
    this.dir = dir;
  }

  private load(): Map<string, { folder: string; manifest: BuiltinManifest; names: string[] }> {
    if (this.manifests) return this.manifests;
    const map = new Map<string, { folder: string; manifest: BuiltinManifest; names: string[] }>();
    let folders: string[] = [];
    try {
      folders = readdirSync(this.dir).sort();
    } catch {
      folders = [];
    }
    for (const f of folders) {
      let manifest: BuiltinManifest;
      try {
        manifest = JSON.parse(readFileSync(path.join(this.dir, f, 'image.json'), 'utf8')) as BuiltinManifest;
      } catch {
        continue;
      }
      const names = (manifest.repoTags ?? [])
        .map((t) => {
          try {
            return normalizeImageRef(t);
          } catch {
            return '';
          }
        })
        .filter(Boolean);
      const entry = { folder: path.join(this.dir, f), manifest, names };
      for (const n of names) map.set(n, entry);
    }
    this.manifests = map;
    return map;
  }

  names(ref: string): string[] | undefined {
    return this.load().get(ref)?.names;
  }

  pinned(ref: string): boolean {
    return !!this.load().get(ref)?.manifest.pinned;
  }

  /** Every built-in reference. */
  all(): string[] {
    return [...this.load().keys()];
  }

  async build(ref: string, content: ContentStore): Promise<Descriptor> {
    const image = this.load().get(ref);
    if (!image) throw new Error(`${ref} is not a built-in image`);
    const m = image.manifest;
    const cacheFile = path.join(content.root, 'builtin-layers.json');
    let cache: Record<string, { fingerprint: string; layer: BuiltLayer }> = {};
    try {
      cache = JSON.parse(await readFile(cacheFile, 'utf8')) as typeof cache;
    } catch {
      cache = {};
    }
    const sink = contentSink(content);
    const layers: BuiltLayer[] = [];
    const below = new Set<string>();
    const stack: string[] = [];
    const cached = async (key: string, inputs: string[], make: () => Promise<LayerEntry[]>): Promise<BuiltLayer> => {
      const fp = await fingerprint(inputs);
      const hit = cache[key];
      if (hit && hit.fingerprint === fp && (await content.has(hit.layer.descriptor.digest))) return hit.layer;
      const layer = await buildLayer(sink, await make());
      cache[key] = { fingerprint: fp, layer };
      return layer;
    };
    for (const name of m.hostLayers ?? []) {
      stack.push(name);
      const recipe = await hostLayer(name, below);
      layers.push(await cached(`host:${stack.join('+')}`, recipe.inputs, async () => recipe.entries));
      for (const f of recipe.files) below.add(f);
    }
    const appEntries = await walk(path.join(image.folder, 'rootfs'));
    if (appEntries.length) {
      const inputs = appEntries.filter((e) => e.from).map((e) => e.from!);
      layers.push(await cached(`app:${image.folder}`, inputs, async () => appEntries));
    }
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(cache));
    await rename(tmp, cacheFile);
    const exposed: Record<string, object> = {};
    for (const p of m.exposedPorts ?? []) exposed[p] = {};
    return buildImage(sink, {
      layers,
      platform: nodePlatform(),
      config: {
        Env: m.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
        ...(m.entrypoint?.length ? { Entrypoint: m.entrypoint } : {}),
        ...(m.cmd?.length ? { Cmd: m.cmd } : {}),
        WorkingDir: m.workingDir ?? '/',
        ...(m.exposedPorts?.length ? { ExposedPorts: exposed } : {}),
        ...(m.user ? { User: m.user } : {}),
        Labels: { 'io.k8ts.builtin': 'true' },
      },
    });
  }
}
