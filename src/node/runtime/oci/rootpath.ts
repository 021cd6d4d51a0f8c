// Paths inside a container's root filesystem, resolved as the container would resolve them but
// never leaving the root: a symlink an image (or an earlier container) planted is followed inside
// the root, `..` stops at the root. The agent runs as root, so it must never read or create a file
// through a link that points at the host (kubelet's subpath safety, runc's securejoin).
//
// One small module on purpose: the node's shared path-safety module replaces it when it lands.

import { constants, openSync, readSync, closeSync, lstatSync, readlinkSync, fstatSync } from 'node:fs';
import path from 'node:path';

const MAX_LINKS = 40;

/** The host path of `rel` inside `root`, with every symlink resolved within the root. */
export function resolveInRoot(root: string, rel: string): string {
  const base = path.resolve(root);
  let todo = rel.split('/').filter((s) => s && s !== '.');
  const done: string[] = [];
  let links = 0;
  while (todo.length) {
    const seg = todo.shift()!;
    if (seg === '..') { done.pop(); continue; }
    const host = path.join(base, ...done, seg);
    let st;
    try { st = lstatSync(host); } catch { done.push(seg); continue; }
    if (!st.isSymbolicLink()) { done.push(seg); continue; }
    if (++links > MAX_LINKS) throw new Error(`${rel}: too many levels of symbolic links`);
    const target = readlinkSync(host);
    if (target.startsWith('/')) done.length = 0;
    todo = [...target.split('/').filter((s) => s && s !== '.'), ...todo];
  }
  return path.join(base, ...done);
}

/** Reads a regular file inside the root (at most maxBytes); undefined when it is missing or not a regular file. */
export function readFileInRoot(root: string, rel: string, maxBytes = 1 << 20): string | undefined {
  let fd: number;
  try {
    fd = openSync(resolveInRoot(root, rel), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    if (!fstatSync(fd).isFile()) return undefined;
    const buf = Buffer.alloc(maxBytes);
    let n = 0;
    for (;;) {
      const r = readSync(fd, buf, n, maxBytes - n, null);
      if (r <= 0 || (n += r) >= maxBytes) break;
    }
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
