// Paths a pod spec, an image or a container names, resolved inside their root: the node's
// counterpart of kubelet's subpath code (pkg/volume/util/subpath: doSafeOpen, doSafeMakeDir) and of
// the securejoin library runc uses for mount targets and the working directory.
//
// The node agent runs as root; a container (or an init container before it, or an image) can plant
// a symlink anywhere it may write, and a path written with path.join() through that link lands on
// the host. So nothing here follows a link with the host's `/` as its root:
// - every step is taken from an open directory descriptor (openat-style), never by re-walking a
//   path string, so a link swapped in between two steps cannot redirect the walk;
// - Node has no openat(2): `/proc/self/fd/<dirfd>/<name>` is the same call (the kernel jumps to the
//   directory the descriptor holds, then looks up `name`; O_NOFOLLOW applies to `name`).
//
// API (Linux; every function is synchronous and throws SafePathError or the system error):
//
//   cleanComponents(p)                    the components of p with '', '.' dropped (no '..' handling).
//   openInRoot(root, rel, {directory})    "strict": opens rel under root refusing any symlink on the
//                                         way and any '..'; returns an O_PATH descriptor (close it with
//                                         closeFd). ENOENT when a component is missing.
//   openInRootScoped(root, p)             "scoped" (securejoin): follows symlinks as if root were `/`
//                                         (an absolute link restarts at root, '..' stops at root);
//                                         returns { fd, rel, missing }: the deepest existing
//                                         component's descriptor, its path relative to root, and the
//                                         components below it that do not exist yet.
//   resolveInRoot(root, p)                scoped, as a host path string under root (missing components
//                                         appended). A string can be raced by whoever may write under
//                                         root: for trees a container can change, use the descriptors.
//   mkdirInRoot(root, rel, mode)          strict: creates the missing directories of rel; returns the
//                                         last one's O_PATH descriptor.
//   mkdirInRootScoped(root, p, mode)      scoped: resolves p, creates what is missing; returns
//                                         { fd, rel }.
//   openFileInRoot(root, rel, flags, mode) strict parents; the file itself opened with O_NOFOLLOW
//                                         (O_CREAT|O_EXCL refuses any existing entry, link or not).
//   writeFileInRoot(root, rel, data, mode) creates parents (strict) and writes a new file (replacing
//                                         a regular file, never writing through a link).
//   fdPath(fd, pid?)                      `/proc/<pid|self>/fd/<fd>`: what mount(8) --bind and other
//                                         processes can use to reach exactly that object (kubelet
//                                         bind-mounts /proc/<kubelet pid>/fd/<fd> for a subPath).
//   closeFd(fd)
//   resolveInLayers(layers, p, {opaque})  scoped resolution over a read-only union (an overlay's
//                                         layers, top first), by lstat: for trees nobody else writes
//                                         (an image's files over the host's `/`); `opaque` names
//                                         directories that get a fresh mount. Returns the relative path.
//
// Who uses it: volumes.ts (configMap/secret/downwardAPI/projected items, subPath), the process
// runtime (mount targets, working directory). The OCI runtime uses the same calls.

import {
  constants as C,
  closeSync,
  existsSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readlinkSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';

/** O_PATH (Linux: 010000000 on x86, arm and arm64): a descriptor that names an object without opening it for I/O. */
const O_PATH = 0o10000000;
const MAX_LINKS = 40; // Linux's MAXSYMLINKS

export class SafePathError extends Error {
  constructor(
    message: string,
    readonly code: 'ESYMLINK' | 'EESCAPE' | 'ENOTDIR' | 'EINVAL' = 'EINVAL',
  ) {
    super(message);
  }
}

/** Whether descriptors can be walked through /proc (Linux with procfs). */
export const fdWalkSupported = process.platform === 'linux' && existsSync('/proc/self/fd');

function at(dirfd: number, name: string): string {
  return `/proc/self/fd/${dirfd}/${name}`;
}

export function fdPath(fd: number, pid: number | 'self' = 'self'): string {
  return `/proc/${pid}/fd/${fd}`;
}

export function closeFd(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    /* already closed */
  }
}

export function cleanComponents(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

function openRoot(root: string): number {
  if (!fdWalkSupported) throw new SafePathError('resolving paths inside a root needs Linux with /proc');
  return openSync(root, O_PATH | C.O_DIRECTORY);
}

/** One step down from dirfd, never following `name`: returns its O_PATH descriptor and whether it is a link, a directory. */
function step(dirfd: number, name: string): { fd: number; link: boolean; dir: boolean } {
  const fd = openSync(at(dirfd, name), O_PATH | C.O_NOFOLLOW);
  const st = fstatSync(fd);
  return { fd, link: st.isSymbolicLink(), dir: st.isDirectory() };
}

export function openInRoot(root: string, rel: string, opts: { directory?: boolean } = {}): number {
  const parts = cleanComponents(rel);
  if (parts.includes('..')) throw new SafePathError(`path "${rel}" must not contain '..'`, 'EESCAPE');
  let fd = openRoot(root);
  try {
    for (let i = 0; i < parts.length; i++) {
      const s = step(fd, parts[i]);
      closeFd(fd);
      fd = s.fd;
      const shown = parts.slice(0, i + 1).join('/');
      if (s.link) throw new SafePathError(`"${shown}" under ${root} is a symbolic link`, 'ESYMLINK');
      if (!s.dir && (i < parts.length - 1 || opts.directory))
        throw new SafePathError(`"${shown}" under ${root} is not a directory`, 'ENOTDIR');
    }
    return fd;
  } catch (e) {
    closeFd(fd);
    throw e;
  }
}

export interface ScopedResult {
  fd: number;
  rel: string;
  missing: string[];
}

export function openInRootScoped(root: string, p: string): ScopedResult {
  // The resolved components, root first; fd -1 marks a component that does not exist (yet): below
  // it everything is missing, and a '..' simply drops it.
  const stack: { fd: number; name: string }[] = [{ fd: openRoot(root), name: '' }];
  const todo = cleanComponents(p);
  let links = 0;
  const closeAll = (keep?: number) => {
    for (const e of stack) if (e.fd >= 0 && e.fd !== keep) closeFd(e.fd);
  };
  try {
    while (todo.length) {
      const name = todo.shift()!;
      const top = stack[stack.length - 1];
      if (name === '..') {
        if (stack.length > 1) {
          const e = stack.pop()!;
          if (e.fd >= 0) closeFd(e.fd);
        }
        continue;
      }
      if (top.fd < 0) {
        stack.push({ fd: -1, name });
        continue;
      }
      let s;
      try {
        s = step(top.fd, name);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        stack.push({ fd: -1, name });
        continue;
      }
      if (s.link) {
        const target = readlinkSync(at(top.fd, name));
        closeFd(s.fd);
        if (++links > MAX_LINKS) throw new SafePathError(`too many levels of symbolic links resolving "${p}" under ${root}`, 'ESYMLINK');
        if (target.startsWith('/'))
          while (stack.length > 1) {
            const e = stack.pop()!;
            if (e.fd >= 0) closeFd(e.fd);
          }
        todo.unshift(...cleanComponents(target));
        continue;
      }
      if (!s.dir && todo.some((c) => c !== '..')) {
        closeFd(s.fd);
        throw new SafePathError(`"${[...stack.slice(1).map((e) => e.name), name].join('/')}" under ${root} is not a directory`, 'ENOTDIR');
      }
      stack.push({ fd: s.fd, name });
    }
    let last = stack.length - 1;
    while (stack[last].fd < 0) last--;
    const fd = stack[last].fd;
    closeAll(fd);
    return {
      fd,
      rel: stack
        .slice(1, last + 1)
        .map((e) => e.name)
        .join('/'),
      missing: stack.slice(last + 1).map((e) => e.name),
    };
  } catch (e) {
    closeAll();
    throw e;
  }
}

export function resolveInRoot(root: string, p: string): string {
  const r = openInRootScoped(root, p);
  closeFd(r.fd);
  return path.join(root, r.rel, ...r.missing);
}

/** Creates name under dirfd as a directory unless a directory is there; refuses links. Returns its descriptor. */
function mkdirStep(dirfd: number, name: string, mode: number): number {
  try {
    mkdirSync(at(dirfd, name), { mode });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const s = step(dirfd, name);
  if (s.link || !s.dir) {
    closeFd(s.fd);
    throw new SafePathError(`"${name}" exists and is ${s.link ? 'a symbolic link' : 'not a directory'}`, s.link ? 'ESYMLINK' : 'ENOTDIR');
  }
  return s.fd;
}

export function mkdirInRoot(root: string, rel: string, mode = 0o755): number {
  const parts = cleanComponents(rel);
  if (parts.includes('..')) throw new SafePathError(`path "${rel}" must not contain '..'`, 'EESCAPE');
  let fd = openRoot(root);
  try {
    for (const name of parts) {
      const next = mkdirStep(fd, name, mode);
      closeFd(fd);
      fd = next;
    }
    return fd;
  } catch (e) {
    closeFd(fd);
    throw e;
  }
}

export function mkdirInRootScoped(root: string, p: string, mode = 0o755): { fd: number; rel: string } {
  const r = openInRootScoped(root, p);
  let fd = r.fd;
  try {
    if (r.missing.length && !fstatSync(fd).isDirectory()) throw new SafePathError(`"${r.rel}" under ${root} is not a directory`, 'ENOTDIR');
    for (const name of r.missing) {
      const next = mkdirStep(fd, name, mode);
      closeFd(fd);
      fd = next;
    }
    return { fd, rel: [r.rel, ...r.missing].filter(Boolean).join('/') };
  } catch (e) {
    closeFd(fd);
    throw e;
  }
}

export function openFileInRoot(root: string, rel: string, flags: number, mode = 0o644): number {
  const parts = cleanComponents(rel);
  const name = parts.pop();
  if (!name) throw new SafePathError(`"${rel}" names no file`);
  const dirfd = openInRoot(root, parts.join('/'), { directory: true });
  try {
    return openSync(at(dirfd, name), flags | C.O_NOFOLLOW, mode);
  } finally {
    closeFd(dirfd);
  }
}

export function writeFileInRoot(root: string, rel: string, data: Buffer | string, mode = 0o644): void {
  const parts = cleanComponents(rel);
  const name = parts.pop();
  if (!name || name === '..') throw new SafePathError(`"${rel}" names no file`);
  const dirfd = mkdirInRoot(root, parts.join('/'), 0o755);
  try {
    // A new file under a temporary name, renamed over the old one: an existing link is replaced, never followed.
    const tmp = `.${name}.k8ts-tmp`;
    try {
      unlinkSync(at(dirfd, tmp));
    } catch {
      /* none */
    }
    const fd = openSync(at(dirfd, tmp), C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, mode);
    try {
      const buf = typeof data === 'string' ? Buffer.from(data) : data;
      for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
    } finally {
      closeSync(fd);
    }
    renameSync(at(dirfd, tmp), at(dirfd, name));
  } finally {
    closeFd(dirfd);
  }
}

export function resolveInLayers(layers: string[], p: string, opts: { opaque?: string[] } = {}): string {
  // Per resolved component, the layers whose directory is merged there (an overlay merges a
  // directory with the lower layers' directories of that name down to the first non-directory).
  const names: string[] = [];
  const live: string[][] = [layers];
  const todo = cleanComponents(p);
  let links = 0;
  while (todo.length) {
    const name = todo.shift()!;
    if (name === '..') {
      if (names.length) {
        names.pop();
        live.pop();
      }
      continue;
    }
    const rel = [...names, name].join('/');
    let first: { st: ReturnType<typeof lstatSync>; layer: string } | undefined;
    const dirs: string[] = [];
    for (const layer of live[live.length - 1]) {
      const st = lstatSync(path.join(layer, rel), { throwIfNoEntry: false });
      if (!st) continue;
      if (!first) first = { st, layer };
      if (!st.isDirectory()) break;
      dirs.push(layer);
      if (!first.st!.isDirectory()) break;
    }
    if (!first?.st) {
      names.push(name);
      live.push([]);
      continue;
    } // missing: so is everything below it
    if (first.st.isSymbolicLink()) {
      if (++links > MAX_LINKS) throw new SafePathError(`too many levels of symbolic links resolving "${p}"`, 'ESYMLINK');
      const target = readlinkSync(path.join(first.layer, rel));
      if (target.startsWith('/')) {
        names.length = 0;
        live.length = 1;
      }
      todo.unshift(...cleanComponents(target));
      continue;
    }
    if (!first.st.isDirectory()) {
      if (todo.some((c) => c !== '..')) throw new SafePathError(`"${rel}" is not a directory`, 'ENOTDIR');
    }
    names.push(name);
    // A directory something else is mounted on (a fresh tmpfs, proc): nothing of the layers shows below it.
    live.push(opts.opaque?.includes(names.join('/')) ? [] : dirs);
  }
  return names.join('/');
}
