// `k8ts image import|ls|rm`: the local node's image store (DATA_DIR/node/images), next to the
// built-in images. The running node agent reads the same store, so an imported image can be
// used by pods at once.

import path from 'node:path';
import { resolveTarget } from './target.js';
import { LocalImageStore } from '../node/runtime/images.js';

type Where = { name?: string; dataDir?: string };

function store(o: Where): LocalImageStore {
  return new LocalImageStore({ dir: path.join(resolveTarget(o).dataDir, 'node', 'images') });
}

function humanSize(n: number): string {
  if (n < 1024) return `${n}B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)}kB`;
  return `${(n / 1024 / 1024).toFixed(1)}MB`;
}

export async function imageImport(dir: string, opts: { tag?: string } & Where): Promise<number> {
  if (!opts.tag) { console.error('k8ts: image import needs --tag NAME (e.g. --tag myapp:v1)'); return 2; }
  try {
    const img = await store(opts).importImage(path.resolve(dir), opts.tag);
    console.log(`imported ${img.repoTags[0] ?? img.id} (${humanSize(img.size)})`);
    return 0;
  } catch (e) {
    console.error(`k8ts: cannot import ${dir}: ${(e as Error).message}`);
    console.error('The folder needs image.json ({"entrypoint": [...], "cmd": [...], "env": [...], "workingDir": "/app", "exposedPorts": ["8080/tcp"]}) and a rootfs/ folder.');
    return 1;
  }
}

export async function imageList(opts: Where): Promise<number> {
  const images = await store(opts).listImages();
  const rows = [['IMAGE', 'TAG', 'SIZE']];
  for (const img of images) {
    for (const tag of img.repoTags.length ? img.repoTags : [img.id]) {
      const i = tag.lastIndexOf(':');
      const slash = tag.lastIndexOf('/');
      rows.push(i > slash ? [tag.slice(0, i), tag.slice(i + 1), humanSize(img.size)] : [tag, '<none>', humanSize(img.size)]);
    }
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c])).join('   ').trimEnd());
  return 0;
}

export async function imageRemove(refs: string[], opts: Where): Promise<number> {
  const s = store(opts);
  let code = 0;
  for (const ref of refs) {
    if (!(await s.imageStatus({ image: ref }))) { console.error(`k8ts: no such image: ${ref}`); code = 1; continue; }
    try {
      await s.removeImage({ image: ref });
      console.log(`removed ${s.normalize(ref)}`);
    } catch (e) {
      console.error(`k8ts: cannot remove ${ref}: ${(e as Error).message}`);
      code = 1;
    }
  }
  return code;
}
