// `k8ts image pull|load|import|ls|rm`: the local node's image store (DATA_DIR/node/images, the
// one the node agent uses; registries.yaml beside it), as crictl and ctr show containerd's.
// The node agent reads the same store, so a loaded image can be used by pods at once.

import path from 'node:path';
import { loadArchive } from '../node/images/archive.js';
import { BuiltinImages } from '../node/images/builtin.js';
import { LocalImageStore } from '../node/runtime/images.js';
import type { AuthConfig, Image } from '../node/runtime/types.js';
import { printTable } from './table.js';
import { resolveTarget } from './target.js';

type Where = { name?: string; dataDir?: string };

function store(o: Where): LocalImageStore {
  const dir = path.join(resolveTarget(o).dataDir, 'node');
  return new LocalImageStore({ dir: path.join(dir, 'images'), registryConfigFile: path.join(dir, 'registries.yaml') });
}

function humanSize(n: number): string {
  if (n < 1000) return `${n}B`;
  if (n < 1000 * 1000) return `${(n / 1000).toFixed(1)}kB`;
  if (n < 1000 * 1000 * 1000) return `${(n / 1000 / 1000).toFixed(1)}MB`;
  return `${(n / 1000 / 1000 / 1000).toFixed(2)}GB`;
}

function describe(img: Image): string {
  const repo = img.id.replace(/(@.*|:[^/:]*)$/, '');
  const digest = (img.repoDigests ?? []).find((d) => d.startsWith(`${repo}@`)) ?? img.repoDigests?.[0];
  return `${img.id} (${digest?.replace(/^.*@/, '') ?? 'no digest'}, ${humanSize(img.size)})`;
}

export async function imagePull(ref: string, opts: { creds?: string } & Where): Promise<number> {
  const s = store(opts);
  let auth: AuthConfig[] | undefined;
  if (opts.creds !== undefined) {
    const i = opts.creds.indexOf(':');
    if (i <= 0) {
      console.error('k8ts: --creds wants user:password');
      return 2;
    }
    auth = [{ username: opts.creds.slice(0, i), password: opts.creds.slice(i + 1) }];
  }
  try {
    const name = await s.pullImage({ image: ref }, auth);
    const img = await s.imageStatus({ image: name });
    console.log(`pulled ${img ? describe(img) : name}`);
    return 0;
  } catch (e) {
    console.error(`k8ts: cannot pull ${ref}: ${(e as Error).message}`);
    return 1;
  }
}

export async function imageLoad(file: string, opts: Where): Promise<number> {
  try {
    const { images, skipped } = await loadArchive(path.resolve(file), store(opts));
    for (const img of images) console.log(`loaded ${describe(img)}`);
    for (const s of skipped) console.error(`k8ts: skipped ${s}`);
    if (!images.length) {
      console.error(`k8ts: ${file}: no named image to load`);
      return 1;
    }
    return 0;
  } catch (e) {
    console.error(`k8ts: cannot load ${file}: ${(e as Error).message}`);
    return 1;
  }
}

export async function imageImport(dir: string, opts: { tag?: string } & Where): Promise<number> {
  if (!opts.tag) {
    console.error('k8ts: image import needs --tag NAME (e.g. --tag myapp:v1)');
    return 2;
  }
  try {
    const img = await store(opts).importImage(path.resolve(dir), opts.tag);
    console.log(`imported ${describe(img)}`);
    return 0;
  } catch (e) {
    console.error(`k8ts: cannot import ${dir}: ${(e as Error).message}`);
    console.error(
      'The folder needs image.json ({"entrypoint": [...], "cmd": [...], "env": [...], "workingDir": "/app", "exposedPorts": ["8080/tcp"]}) and a rootfs/ folder.',
    );
    return 1;
  }
}

function splitRef(ref: string): [string, string] {
  const at = ref.indexOf('@');
  if (at >= 0) return [ref.slice(0, at), '<none>'];
  const i = ref.lastIndexOf(':');
  return i > ref.lastIndexOf('/') ? [ref.slice(0, i), ref.slice(i + 1)] : [ref, '<none>'];
}

/** Like `crictl images`: IMAGE, TAG, IMAGE ID (the config digest), SIZE; built-in images not yet used are listed too. */
export async function imageList(opts: Where): Promise<number> {
  const s = store(opts);
  const images = await s.listImages();
  const rows = [['IMAGE', 'TAG', 'IMAGE ID', 'SIZE']];
  const shown = new Set<string>();
  for (const img of images) {
    const id = ((await s.imageKey(img.id)) ?? '').replace(/^sha256:/, '').slice(0, 13);
    for (const tag of img.repoTags.length ? img.repoTags : [img.id]) {
      shown.add(tag);
      const [repo, t] = splitRef(tag);
      rows.push([repo, t, id, humanSize(img.size)]);
    }
  }
  for (const ref of new BuiltinImages().all()) {
    if (shown.has(ref)) continue;
    const [repo, t] = splitRef(ref);
    rows.push([repo, t, '<built in>', '-']);
  }
  printTable(rows);
  return 0;
}

export async function imageRemove(refs: string[], opts: Where): Promise<number> {
  const s = store(opts);
  let code = 0;
  for (const ref of refs) {
    let name: string;
    try {
      name = s.normalize(ref);
    } catch (e) {
      console.error(`k8ts: ${(e as Error).message}`);
      code = 1;
      continue;
    }
    if (!(await s.getRecord(name)) && !(await s.imageKey(name))) {
      console.error(`k8ts: no such image: ${ref}`);
      code = 1;
      continue;
    }
    try {
      await s.removeImage({ image: name });
      console.log(`removed ${name}`);
    } catch (e) {
      console.error(`k8ts: cannot remove ${ref}: ${(e as Error).message}`);
      code = 1;
    }
  }
  return code;
}
