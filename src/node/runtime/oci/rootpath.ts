// Files the OCI runtime reads inside a container's root filesystem (/etc/passwd, /etc/group),
// through the node's path-safety module: symlinks an image planted are followed inside the root,
// never out of it, and the file is opened from the descriptor the walk ended on.

import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { closeFd, fdPath, openInRootScoped } from '../../fs/safepath.js';

/** Reads a regular file inside the root (at most maxBytes); undefined when it is missing or not a regular file. */
export function readFileInRoot(root: string, rel: string, maxBytes = 1 << 20): string | undefined {
  let scoped;
  try {
    scoped = openInRootScoped(root, rel);
  } catch {
    return undefined;
  }
  let fd = -1;
  try {
    if (scoped.missing.length) return undefined;
    fd = openSync(fdPath(scoped.fd), constants.O_RDONLY | constants.O_NONBLOCK);
    if (!fstatSync(fd).isFile()) return undefined;
    const buf = Buffer.alloc(maxBytes);
    let n = 0;
    for (;;) {
      const r = readSync(fd, buf, n, maxBytes - n, null);
      if (r <= 0 || (n += r) >= maxBytes) break;
    }
    return buf.subarray(0, n).toString('utf8');
  } catch {
    return undefined;
  } finally {
    if (fd >= 0) closeSync(fd);
    closeFd(scoped.fd);
  }
}
