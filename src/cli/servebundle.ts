// Loads the control plane's start (serve.ts and all it imports) from its bundle, one CommonJS file
// built after tsc (build/bundle.ts), with a V8 code cache (issue #13: `k8ts up` to ready in 1 s).
// Node 20 compiles every ES module anew on each start and has no compile cache for them (Node
// 22's module.enableCompileCache is what this does by hand): loading ~600 modules one by one took
// ~0.65 s of serve's one thread; the bundle compiled from its cache takes a fraction of it.
//
// The cache is only a cache. V8 rejects data made by another V8, with other flags or for a source
// of another length; the file's name carries the bundle's SHA-256 and Node's version, so a rebuilt
// bundle never meets an older bundle's code. A V8 code cache is code this process would run as
// root: it is read only from a directory and file of this user's that no one else can write
// (K8TS_HOME/.cache, ~/.k8ts/.cache by default), else it is neither read nor written. A missing,
// unreadable or rejected cache costs one compile; the cache is written again once serve is ready.
// The build leaves a cache of its own beside the bundle (build/bundle.ts: made by a start of the
// control plane on a throwaway data dir, with the Node that builds, which a clone's `npm ci` runs
// on the user's machine), so that the first `up` after a build or an install is not the one that
// compiles: it is read when there is none of the user's, under the same rule (the bundle's
// directory and the file this user's, no one else's to write, not through a link), and the user's,
// warmer (the node's code is in it too), is written after that start as after any other.
// A bundle older than the modules tsc last emitted (a `tsc` without the bundle step after it: the
// entry module rewritten since the build, the bundle not, by the stamp the build wrote beside it)
// is not used: serve then loads the modules one by one, as it does when there is no bundle. An
// install or a copy of the tree gives both new times: a package is built whole (prepare).

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { k8tsHome } from '../cluster/paths.js';

type ServeModule = typeof import('./serve.js');

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const SERVE_BUNDLE = path.join(HERE, 'serve.bundle.cjs');
/** The module the bundle starts from: tsc rewrites it on every build, so a bundle older than it is stale. */
const SERVE_MODULE = path.join(HERE, 'serve.js');
/** Caches kept per directory: one per bundle and Node version; older ones are removed. */
const KEEP_CACHES = 3;

export interface LoadedServe {
  serve: ServeModule['serve'];
  /** How the bundle was compiled: from the user's code cache, from the build's, or compiled (no cache, or V8 rejected it). */
  cache: 'used' | 'build' | 'none' | 'rejected' | 'unusable';
  /** Writes the code cache if it was not used; call once the start's code has run (its functions are compiled by then). */
  saveCache(): void;
}

/** serve.ts from its bundle, or undefined (no bundle, or one older than the modules: `why` says which) and serve loads the modules. */
export function loadServeBundle(o: { bundle?: string; module?: string; cacheDir?: string; buildCacheDir?: string } = {}): {
  loaded?: LoadedServe;
  why?: string;
} {
  const bundle = o.bundle ?? SERVE_BUNDLE;
  let source: Buffer;
  try {
    const stale = staleBundle(bundle, o.module ?? SERVE_MODULE);
    if (stale) return { why: stale };
    source = fs.readFileSync(bundle);
  } catch (e) {
    return { why: `no serve bundle (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  }
  const digest = createHash('sha256').update(source).digest('hex').slice(0, 32);
  const cacheDir = o.cacheDir ?? path.join(k8tsHome(), '.cache');
  const name = cacheName(digest);
  const cacheFile = path.join(cacheDir, name);
  const usable = privateDir(cacheDir);
  const userCache = usable ? readPrivateFile(cacheFile) : undefined;
  // The build's, beside the bundle: never made here, so the directory is only checked.
  const buildCacheDir = o.buildCacheDir ?? path.dirname(bundle);
  const buildCache = userCache ? undefined : privateDir(buildCacheDir, false) ? readPrivateFile(path.join(buildCacheDir, name)) : undefined;
  const cachedData = userCache ?? buildCache;
  // esbuild writes ASCII (non-ASCII escaped): read as one-byte text, a third of utf8's decoding time.
  const text = source.toString('latin1');
  const script = new vm.Script(wrapCommonJS(text), {
    filename: bundle,
    ...(cachedData ? { cachedData } : {}),
    importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  } as vm.ScriptOptions);
  const cache: LoadedServe['cache'] =
    cachedData && script.cachedDataRejected ? 'rejected' : userCache ? 'used' : buildCache ? 'build' : usable ? 'none' : 'unusable';
  const module = { exports: {} as ServeModule };
  const run = script.runInThisContext() as (e: unknown, r: NodeJS.Require, m: unknown, f: string, d: string) => void;
  run.call(module.exports, module.exports, createRequire(bundle), module, bundle, path.dirname(bundle));
  // After a start from the build's cache the user's is still written: it then holds what that
  // start compiled besides (the node's code, which the build's start without a node did not run).
  let saved = cache === 'used' || !usable;
  return {
    loaded: {
      serve: module.exports.serve,
      cache,
      saveCache: () => {
        if (saved) return;
        saved = true;
        try {
          writeCache(cacheDir, cacheFile, script.createCachedData());
        } catch {
          /* a cache not written is a compile next time */
        }
      },
    },
  };
}

/** The code cache's file name for a bundle of this SHA-256 (its first 32 hex digits) on this Node: the user's and the build's alike. */
export function cacheName(digest: string): string {
  return `serve-${digest}-${process.version}-${process.arch}.v8cache`;
}

/**
 * Why a bundle the build made from module (its entry) is not to be used: older than the modules
 * (a `tsc` since the build rewrote the entry and not the bundle), or undefined when it is current.
 * Throws when there is no bundle or stamp.
 */
export function staleBundle(bundle: string, module: string): string | undefined {
  const stamp = JSON.parse(fs.readFileSync(stampOf(bundle), 'utf8')) as { entryMtimeMs?: unknown; bundleMtimeMs?: unknown };
  const [b, m] = [fs.statSync(bundle), fs.statSync(module)];
  return b.mtimeMs === stamp.bundleMtimeMs && m.mtimeMs !== stamp.entryMtimeMs
    ? `${bundle} is older than the modules (run npm run build)`
    : undefined;
}

/** The build's stamp beside a bundle (build/bundle.ts): serve.bundle.cjs -> serve.bundle.json. */
export function stampOf(bundle: string): string {
  return bundle.replace(/\.cjs$/, '.json');
}

/** CommonJS's wrapper, as Node's loader compiles a .cjs file (module.wrap). */
function wrapCommonJS(source: string): string {
  return `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;
}

/** Whether dir exists (made if not, when `make`) as a directory of this user's that no one else can write (not a link). */
function privateDir(dir: string, make = true): boolean {
  try {
    if (make) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    return ownedPrivately(fs.lstatSync(dir), true);
  } catch {
    return false;
  }
}

function ownedPrivately(s: fs.Stats, dir: boolean): boolean {
  const uid = process.getuid?.();
  return (dir ? s.isDirectory() : s.isFile()) && (uid === undefined || s.uid === uid) && (s.mode & 0o022) === 0;
}

/** A file's bytes if it is a regular file of this user's that no one else can write (not through a link). */
function readPrivateFile(file: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    if (!ownedPrivately(fs.fstatSync(fd), false)) return undefined;
    return fs.readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Writes data whole (a reader sees the old file or the new one), then keeps the newest KEEP_CACHES. */
function writeCache(dir: string, file: string, data: Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data, { mode: 0o600 });
  fs.renameSync(tmp, file);
  const caches = fs
    .readdirSync(dir)
    .filter((f) => f.startsWith('serve-') && f.endsWith('.v8cache'))
    .map((f) => ({ f, t: fs.statSync(path.join(dir, f)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const { f } of caches.slice(KEEP_CACHES)) fs.rmSync(path.join(dir, f), { force: true });
}
