// The control plane's start as one CommonJS file (issue #13: `k8ts up` to ready in 1 s). `serve`,
// the process `up`'s supervisor runs, loads ~400 of our ES modules and ~200 of our packages' at
// start; Node 20 compiles each ES module anew on every start (it has no compile cache for them) and
// looks up, opens and reads each file: ~0.65 s of its one thread before it serves anything. One
// CommonJS script can be compiled once and its V8 code cache kept (src/cli/servebundle.ts loads
// it so), which an ES module cannot on Node 20.
//
// Run after tsc by `npm run build`, `prepare` and `npm test`: it bundles dist/src/cli/serve.js (what
// tsc emitted, so the bundle is exactly the modules the tests import one by one) into
// dist/src/cli/serve.bundle.cjs. Left outside it, loaded from node_modules as before: packages with
// native code or files of their own read at run time (better-sqlite3, etcd3 with its .proto files),
// and what our modules load through createRequire only when first needed (node-forge, cron-parser,
// CEL, RE2). Without esbuild installed (an `npm ci --omit=dev` tree) nothing is built and `serve`
// loads the modules one by one, as before.
//
// Then the bundle's V8 code cache, beside it (servebundle.ts reads it when the user has none of
// their own yet): the first `up` after an install would otherwise compile the bundle and every
// function its start runs (~0.15 s of its ~1 s). `prepare` runs this on the user's machine with
// the user's Node, whose V8 then accepts the cache. A cache made from the compiled script alone
// holds only what V8 compiles eagerly; one made after the start has run holds what the start
// compiled, so the control plane is started here, on a throwaway data dir (no node, so nothing of
// the host's network is touched; the API server on 127.0.0.1 only, any free port), until it has
// written its cache; then it is stopped and its data dir removed. ~1-2 s of the build; when it
// cannot start here the build goes on without a cache (the first `up` then makes the user's).
//
// Then the scheduler thread's own bundle (src/scheduler/threadmain.js -> threadmain.bundle.cjs,
// ~150 modules): a worker thread has a module loader of its own, and loading them one by one as
// ES modules took ~125 ms of the thread's start against ~70 ms from one CommonJS file (an empty
// worker's start is ~35 ms). src/scheduler/thread.ts starts the worker from it when it is current.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheName, stampOf } from '../src/cli/servebundle.js';
import { SERVE_NODE_OPTIONS } from '../src/cli/servenode.js';

const DIST = fileURLToPath(new URL('../', import.meta.url));
export const ENTRY = path.join(DIST, 'src/cli/serve.js');
export const OUT = path.join(DIST, 'src/cli/serve.bundle.cjs');
/** When the bundle and the modules it was made from were written (src/cli/servebundle.ts tells a stale bundle by it). */
export const STAMP = path.join(DIST, 'src/cli/serve.bundle.json');

/** The scheduler thread's entry, and its bundle (src/scheduler/thread.ts starts the worker from it). */
export const THREAD_ENTRY = path.join(DIST, 'src/scheduler/threadmain.js');
export const THREAD_OUT = path.join(DIST, 'src/scheduler/threadmain.bundle.cjs');

/** The control plane's own entry, as `up`'s supervisor runs it: its start on a throwaway data dir makes the build's code cache. */
const DAEMON = path.join(DIST, 'src/cli/daemon.js');
/** How long the build waits for that start to write its cache before it goes on without one. */
const CACHE_START_TIMEOUT_MS = 60_000;

/** Packages read from node_modules at run time rather than bundled (native code, or files beside their code). */
const EXTERNAL = ['better-sqlite3', 'etcd3'];

/**
 * Packages our modules load on first use through createRequire (sync, so not `import()`), that the
 * bundle holds instead, still evaluated only on first use (esbuild wraps a CommonJS package in a
 * function run at its first require). None today: the X.509 schema library pki/certs.ts loaded to
 * make a new data dir's certificates (~40 CommonJS files, 70-130 ms from node_modules) was the
 * one, and certificates are now written by pki/der.ts.
 */
const BUNDLED_ON_FIRST_USE: Record<string, string[]> = {};

/**
 * `import.meta.url` is empty in a CommonJS bundle; the modules that use it (to find images/ or to
 * createRequire a package) are given the URL of their own file in dist/, as if loaded one by one.
 * `__k8tsFileURL` is the bundle's (BANNER), resolved against the bundle's own directory at run time,
 * so the tree can be moved or installed anywhere.
 */
const BANNER = [
  // ES modules are strict; their bundle must stay so (a write to a frozen object throws, as in the tests).
  '"use strict";',
  'var __k8tsFileURL = (rel) => require("node:url").pathToFileURL(require("node:path").join(__dirname, rel)).href;',
].join('\n');

export async function bundleServe(): Promise<{ built: boolean; message: string }> {
  const none = (why: string) => {
    for (const f of [OUT, STAMP, THREAD_OUT, stampOf(THREAD_OUT)]) fs.rmSync(f, { force: true });
    removeBuildCaches();
    return { built: false, message: `${why}: no serve bundle; \`k8ts up\` loads its modules one by one` };
  };
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    return none('esbuild is not installed (a devDependency)');
  }
  try {
    // esbuild's native binary comes as an optional dependency: `npm ci --omit=optional` (the
    // README's install for Node 22, which needs no better-sqlite3) leaves its JS without it.
    await esbuild.transform('');
  } catch (e) {
    return none(`esbuild cannot run here (${(e as Error).message.split('\n')[0]})`);
  }
  const t = performance.now();
  removeBuildCaches();
  const result = await esbuild.build(buildOptions(ENTRY, OUT));
  // serve runs from a V8 code cache, and on Node 20 a script compiled from one has no loader for
  // import(): it fails with "A dynamic import callback was not specified" (a layer's extraction
  // did, on every `up` after the first). esbuild turns an import() of our own modules into a
  // require; what it leaves as import() (a builtin, an external package) must be a static import.
  const dynamic = Object.values(result.metafile.outputs).flatMap((o) =>
    o.imports.filter((i) => i.kind === 'dynamic-import').map((i) => `import('${i.path}')`),
  );
  if (dynamic.length) {
    for (const f of [OUT, STAMP]) fs.rmSync(f, { force: true });
    throw new Error(`the serve bundle would import() at run time, which its code cache breaks: ${dynamic.join(', ')}`);
  }
  const size = fs.statSync(OUT).size;
  // A later `tsc` rewrites every module and leaves the bundle as it is: servebundle.ts then sees
  // the entry changed and the bundle not, and does not load it. (An install or a copy changes both.)
  const stamp = writeStamp(ENTRY, OUT);
  let bundled = `${path.relative(DIST, OUT)}: ${(size / 1e6).toFixed(1)} MB in ${Math.round(performance.now() - t)} ms`;
  const tt = performance.now();
  await esbuild.build(buildOptions(THREAD_ENTRY, THREAD_OUT));
  writeStamp(THREAD_ENTRY, THREAD_OUT);
  bundled += `; ${path.relative(DIST, THREAD_OUT)}: ${(fs.statSync(THREAD_OUT).size / 1e6).toFixed(1)} MB in ${Math.round(performance.now() - tt)} ms`;
  const tc = performance.now();
  let cached: string;
  try {
    const file = await makeBuildCache();
    // The stamp names it (the tests check that the bundle's own loader takes it).
    fs.writeFileSync(STAMP, `${JSON.stringify({ ...stamp, codeCache: path.basename(file) })}\n`);
    cached = `its code cache ${path.basename(file)}: ${(fs.statSync(file).size / 1e6).toFixed(1)} MB from a start of the control plane in ${Math.round(performance.now() - tc)} ms`;
  } catch (e) {
    cached = `no code cache (${(e as Error).message}): the first \`k8ts up\` makes it`;
  }
  return { built: true, message: `${bundled}; ${cached}` };
}

/**
 * The stamp beside a bundle (stampOf): when it and its entry module were written, so that a later
 * `tsc` (which rewrites the entry, not the bundle) marks it stale (servebundle.ts staleBundle).
 */
function writeStamp(entry: string, out: string): { entryMtimeMs: number; bundleMtimeMs: number } {
  const stamp = { entryMtimeMs: fs.statSync(entry).mtimeMs, bundleMtimeMs: fs.statSync(out).mtimeMs };
  fs.writeFileSync(stampOf(out), `${JSON.stringify(stamp)}\n`);
  return stamp;
}

/** How a bundle is built: one CommonJS file, the externals left in node_modules, import.meta.url made each module's own. */
function buildOptions(entry: string, out: string): import('esbuild').BuildOptions & { metafile: true } {
  return {
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: EXTERNAL,
    banner: { js: BANNER },
    // Stack traces name the bundle's lines; with --enable-source-maps they name the .ts ones
    // (esbuild follows tsc's maps).
    sourcemap: 'linked',
    logLevel: 'warning',
    metafile: true,
    plugins: [
      {
        name: 'k8ts-import-meta-url',
        setup(b) {
          b.onLoad({ filter: /\.js$/ }, (args) => {
            if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
            let text = fs.readFileSync(args.path, 'utf8');
            const fromDist = path.relative(DIST, args.path).split(path.sep).join('/');
            const bundled = BUNDLED_ON_FIRST_USE[fromDist] ?? [];
            for (const pkg of bundled) {
              // A call of createRequire(import.meta.url)'s function is opaque to esbuild; a call of
              // the module's free `require` (in a function of its own, run at first use) is bundled.
              const call = `require('${pkg}')`;
              if (!text.includes(call)) throw new Error(`${fromDist} no longer has ${call}: update BUNDLED_ON_FIRST_USE`);
              const fn = `__k8tsRequire_${pkg.replace(/\W/g, '_')}`;
              text = `${text.replaceAll(call, `${fn}()`)}\nfunction ${fn}() { return require(${JSON.stringify(pkg)}); }\n`;
            }
            if (!text.includes('import.meta.url')) return bundled.length ? { contents: text, loader: 'js' } : undefined;
            const rel = path.relative(path.dirname(out), args.path).split(path.sep).join('/');
            return { contents: text.replaceAll('import.meta.url', `__k8tsFileURL(${JSON.stringify(rel)})`), loader: 'js' };
          });
        },
      },
    ],
  };
}
/** The build's code caches beside the bundle (any bundle's, any Node's): a new bundle gets its own. */
function removeBuildCaches(): void {
  const dir = path.dirname(OUT);
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : [])
    if (f.startsWith('serve-') && (f.endsWith('.v8cache') || f.endsWith('.tmp'))) fs.rmSync(path.join(dir, f), { force: true });
}

/**
 * Starts the control plane from the bundle just built (`daemon.js serve`, with serve's own Node
 * options: V8 accepts a cache only under the flags it was made with) on a throwaway data dir with
 * a K8TS_HOME of its own, stops it once it serves (it writes its code cache there at the stop, or
 * some seconds after ready: daemon.ts), and puts that cache beside the bundle under the same name
 * (readable by all, writable by its owner alone, like the bundle). Returns the file written;
 * throws why there is none.
 */
async function makeBuildCache(): Promise<string> {
  const name = cacheName(createHash('sha256').update(fs.readFileSync(OUT)).digest('hex').slice(0, 32));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'k8ts-build-cache-'));
  const home = path.join(tmp, 'home');
  const dataDir = path.join(tmp, 'k8ts');
  fs.mkdirSync(dataDir, { mode: 0o700 });
  // JSON is YAML: config.yaml's fields. No node, the default store; listening on 127.0.0.1 alone
  // (the advertise address stays the host's: the kubernetes Service's endpoint cannot be loopback).
  const config = { store: 'sqlite', node: false, port: 0, bindAddress: '127.0.0.1' };
  fs.writeFileSync(path.join(dataDir, 'config.yaml'), `${JSON.stringify(config)}\n`);
  const env: NodeJS.ProcessEnv = { ...process.env, K8TS_HOME: home };
  delete env.K8TS_DATA_DIR;
  const child = spawn(process.execPath, [...SERVE_NODE_OPTIONS, DAEMON, 'serve', '--data-dir', dataDir, '--port', '0'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d) => {
    err = (err + String(d)).slice(-2000);
  });
  // serve's line once all is started (serve.ts): then stopped, it writes the cache.
  let serving = false;
  let out = '';
  child.stdout.on('data', (d) => {
    out = (out + String(d)).slice(-2000);
    if (!serving && / serving at https:/.test(out)) {
      serving = true;
      child.kill('SIGTERM');
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let running = true;
  void exited.then(() => {
    running = false;
  });
  try {
    const made = path.join(home, '.cache', name);
    const deadline = performance.now() + CACHE_START_TIMEOUT_MS;
    while (running) {
      if (performance.now() > deadline)
        throw new Error(`the control plane was not started and stopped within ${CACHE_START_TIMEOUT_MS / 1000} s`);
      await new Promise((r) => setTimeout(r, 50));
    }
    if (!fs.existsSync(made))
      throw new Error(
        `the control plane ${serving ? 'wrote none' : 'exited before it served'}: ${err.trim().split('\n').slice(-3).join(' / ') || 'no output'}`,
      );
    // servebundle.ts reads it only from a directory no one but its owner can write: under a
    // umask of 002 (a user's own group) tsc made this one group-writable, and the bundle with it.
    const dir = path.dirname(OUT);
    const mode = fs.statSync(dir).mode & 0o7777;
    if (mode & 0o022) fs.chmodSync(dir, mode & ~0o022);
    const file = path.join(dir, name);
    const part = `${file}.${process.pid}.tmp`;
    fs.copyFileSync(made, part);
    fs.chmodSync(part, 0o644);
    fs.renameSync(part, file);
    return file;
  } finally {
    if (running) {
      child.kill('SIGTERM');
      const hard = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(hard);
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  bundleServe().then(
    (r) => console.error(`bundle: ${r.message}`),
    (e: Error) => {
      console.error(`bundle: ${e.message}`);
      process.exitCode = 1;
    },
  );
}
