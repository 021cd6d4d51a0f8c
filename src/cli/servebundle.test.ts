// servebundle.ts: serve.ts from its bundle with a V8 code cache that is only ever a cache: made
// after a start, used by the next, rejected (and made again) when it is not the bundle's, never
// read from a directory others can write, and no bundle at all when it is older than the modules.
// The build's cache beside the bundle is read when the user has none, under the same rule.
// The last test loads the bundle `npm run build` made (dist/src/cli/serve.bundle.cjs), when made.
// Each load runs in a process of its own, as each serve does: V8 keeps what one isolate compiled
// and would not consult a cache for the same source twice.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cacheName, SERVE_BUNDLE, stampOf } from './servebundle.js';
import { SERVE_NODE_OPTIONS } from './servenode.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8ts-servebundle-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A bundle of our own: a CommonJS file whose serve() returns what its code computes, with functions enough to cache. */
function writeBundle(name: string, answer: number): { bundle: string; module: string } {
  const module = path.join(dir, `${name}.js`);
  const bundle = path.join(dir, `${name}.bundle.cjs`);
  fs.writeFileSync(module, '// the module the bundle was made from\n');
  const helpers = Array.from({ length: 50 }, (_, i) => `function f${i}(x) { return x + ${i} - ${i}; }`).join('\n');
  fs.writeFileSync(
    bundle,
    `"use strict";\n${helpers}\nexports.serve = (o) => ${Array.from({ length: 50 }, (_, i) => `f${i}(`).join('')}${answer}${')'.repeat(50)} + (o.add ?? 0);\nexports.file = __filename;\n`,
  );
  const [e, m] = [fs.statSync(module), fs.statSync(bundle)];
  fs.writeFileSync(stampOf(bundle), JSON.stringify({ entryMtimeMs: e.mtimeMs, bundleMtimeMs: m.mtimeMs }));
  return { bundle, module };
}

const LOADER = fileURLToPath(new URL('./servebundle.js', import.meta.url));

interface Load {
  loaded: boolean;
  why?: string;
  cache?: string;
  /** What the bundle's serve({add}) returned, or its type when it is the real one. */
  answer?: number | string;
}

/** loadServeBundle in a new process: how it loaded, what serve returned; the cache saved after when `save`. */
function load(
  o: { bundle?: string; module?: string; cacheDir: string; buildCacheDir?: string },
  save = true,
  add = 0,
  nodeOptions: readonly string[] = [],
): Load {
  const script = `
    const { loadServeBundle } = await import(${JSON.stringify(LOADER)});
    const r = loadServeBundle(${JSON.stringify(o)});
    const out = { loaded: !!r.loaded, why: r.why, cache: r.loaded?.cache };
    if (r.loaded) out.answer = ${o.bundle ? `r.loaded.serve({ add: ${add} })` : 'typeof r.loaded.serve'};
    if (r.loaded && ${save}) r.loaded.saveCache();
    console.log(JSON.stringify(out));`;
  return JSON.parse(execFileSync(process.execPath, [...nodeOptions, '--input-type=module', '-e', script], { encoding: 'utf8' })) as Load;
}

const cacheFiles = (cacheDir: string) => (fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir).filter((f) => f.endsWith('.v8cache')) : []);

test('the code cache is made after a start, used by the next, and a rejected one is made again', () => {
  const b = writeBundle('a', 42);
  const cacheDir = path.join(dir, 'cache-a');
  assert.deepEqual(load({ ...b, cacheDir }, false, 1), { loaded: true, cache: 'none', answer: 43 });
  assert.deepEqual(cacheFiles(cacheDir), [], 'nothing written but after a start');
  assert.deepEqual(load({ ...b, cacheDir }), { loaded: true, cache: 'none', answer: 42 });
  const [file] = cacheFiles(cacheDir);
  assert.ok(file, 'written once the start ran');
  assert.equal(fs.statSync(path.join(cacheDir, file)).mode & 0o077, 0, 'only the owner reads it');

  assert.deepEqual(load({ ...b, cacheDir }), { loaded: true, cache: 'used', answer: 42 });

  // Not a V8 cache at all (a torn write, another program's file): rejected, compiled, written anew.
  fs.writeFileSync(path.join(cacheDir, file), Buffer.alloc(4096, 7), { mode: 0o600 });
  assert.deepEqual(load({ ...b, cacheDir }), { loaded: true, cache: 'rejected', answer: 42 });
  assert.deepEqual(load({ ...b, cacheDir }), { loaded: true, cache: 'used', answer: 42 });
});

test("another bundle's cache is never used for this one, and old caches are removed", () => {
  const cacheDir = path.join(dir, 'cache-b');
  // The same length and shape, another answer: V8 alone would accept the other's cache.
  for (const [name, answer] of [
    ['b1', 11],
    ['b2', 22],
    ['b3', 33],
    ['b4', 44],
  ] as const) {
    const b = writeBundle(name, answer);
    assert.deepEqual(load({ ...b, cacheDir }), { loaded: true, cache: 'none', answer }, name);
  }
  assert.equal(cacheFiles(cacheDir).length, 3, 'the newest three kept');
  assert.deepEqual(load({ ...writeBundle('b4', 44), cacheDir }), { loaded: true, cache: 'used', answer: 44 });
});

test('a cache directory or file others can write is neither read nor written', () => {
  const b = writeBundle('c', 7);
  const cacheDir = path.join(dir, 'cache-c');
  load({ ...b, cacheDir });
  const [file] = cacheFiles(cacheDir);
  // A cache file another user could have written: compiled instead.
  fs.chmodSync(path.join(cacheDir, file), 0o622);
  assert.deepEqual(load({ ...b, cacheDir }, false), { loaded: true, cache: 'none', answer: 7 });
  fs.chmodSync(path.join(cacheDir, file), 0o600);
  // A link in its place is not followed.
  fs.renameSync(path.join(cacheDir, file), path.join(cacheDir, 'elsewhere'));
  fs.symlinkSync(path.join(cacheDir, 'elsewhere'), path.join(cacheDir, file));
  assert.deepEqual(load({ ...b, cacheDir }, false), { loaded: true, cache: 'none', answer: 7 });
  fs.rmSync(path.join(cacheDir, file));
  fs.renameSync(path.join(cacheDir, 'elsewhere'), path.join(cacheDir, file));
  assert.deepEqual(load({ ...b, cacheDir }), { loaded: true, cache: 'used', answer: 7 });
  // The directory writable by others: not used at all, nothing written.
  fs.chmodSync(cacheDir, 0o777);
  fs.rmSync(path.join(cacheDir, file));
  assert.deepEqual(load({ ...b, cacheDir }), { loaded: true, cache: 'unusable', answer: 7 }, 'the bundle still runs');
  assert.deepEqual(cacheFiles(cacheDir), [], 'nothing written there');
});

test('a bundle older than the modules, or none, is not loaded: serve loads the modules', () => {
  const b = writeBundle('d', 1);
  const cacheDir = path.join(dir, 'cache-d');
  // Installed or copied: both written anew, in any order.
  const [t1, t2] = [new Date(Date.now() - 60_000), new Date(Date.now() - 30_000)];
  fs.utimesSync(b.bundle, t1, t1);
  fs.utimesSync(b.module, t2, t2);
  assert.deepEqual(load({ ...b, cacheDir }, false), { loaded: true, cache: 'none', answer: 1 });
  // Built, then the modules emitted again (tsc alone): stale.
  const c = writeBundle('d2', 2);
  fs.utimesSync(c.module, t2, t2);
  const stale = load({ ...c, cacheDir });
  assert.equal(stale.loaded, false);
  assert.match(stale.why ?? '', /older than the modules/);
  const none = load({ bundle: path.join(dir, 'missing.cjs'), module: b.module, cacheDir });
  assert.equal(none.loaded, false);
  assert.match(none.why ?? '', /no serve bundle \(ENOENT\)/);
});

test("the bundle the build made loads, exports serve, runs from the build's cache, then from the user's", (t) => {
  const cacheDir = path.join(dir, 'cache-real');
  // With serve's own Node options, as the supervisor runs it: V8 takes a cache made under the same flags only.
  const first = load({ cacheDir }, true, 0, SERVE_NODE_OPTIONS);
  // Only `tsc` since the last build (the bundle step is npm run build's, npm test's): nothing to check.
  if (!first.loaded) return t.skip(first.why);
  const stamp = JSON.parse(fs.readFileSync(stampOf(SERVE_BUNDLE), 'utf8')) as { codeCache?: string };
  // The build makes its cache by starting the control plane; where it could not, the user's first start does.
  assert.deepEqual(first, { loaded: true, cache: stamp.codeCache ? 'build' : 'none', answer: 'function' });
  assert.deepEqual(load({ cacheDir }, true, 0, SERVE_NODE_OPTIONS), { loaded: true, cache: 'used', answer: 'function' });
});

// On Node 20 a script compiled from a V8 code cache has no loader for import() ("A dynamic import
// callback was not specified"): an import() left in the bundle failed on every start from a cache
// (an image layer's extraction did). The build refuses such a bundle; this checks the one it made.
test('the bundle the build made leaves no import() to run time, which its code cache would break', (t) => {
  if (!fs.existsSync(SERVE_BUNDLE)) return t.skip('no bundle built');
  const text = fs.readFileSync(SERVE_BUNDLE, 'latin1');
  assert.deepEqual(text.match(/(?<![\w$.])import\s*\(\s*[^)\s]/g) ?? [], []);
});

/** A build's cache for bundle b: made as the user's would be (a start in a process of its own), then put in buildDir. */
function buildCacheOf(b: { bundle: string; module: string }, buildDir: string): string {
  const made = path.join(dir, `made-${path.basename(buildDir)}`);
  load({ ...b, cacheDir: made, buildCacheDir: path.join(dir, 'no-build-cache') });
  const [file] = cacheFiles(made);
  fs.mkdirSync(buildDir, { recursive: true, mode: 0o755 });
  fs.copyFileSync(path.join(made, file), path.join(buildDir, file));
  fs.chmodSync(path.join(buildDir, file), 0o644);
  return file;
}

test("the build's cache is read when the user has none, and the user's is still written after that start", () => {
  const b = writeBundle('e', 5);
  const buildCacheDir = path.join(dir, 'build-e');
  const file = buildCacheOf(b, buildCacheDir);
  assert.equal(file, cacheName(createHash('sha256').update(fs.readFileSync(b.bundle)).digest('hex').slice(0, 32)));
  const cacheDir = path.join(dir, 'cache-e');
  assert.deepEqual(load({ ...b, cacheDir, buildCacheDir }), { loaded: true, cache: 'build', answer: 5 });
  assert.deepEqual(cacheFiles(cacheDir), [file], "the user's written after the start");
  // The user's, once there, comes first (it holds what the user's own starts compiled).
  fs.writeFileSync(path.join(buildCacheDir, file), Buffer.alloc(4096, 7));
  assert.deepEqual(load({ ...b, cacheDir, buildCacheDir }), { loaded: true, cache: 'used', answer: 5 });
  // A build's cache V8 rejects: compiled, and the user's made.
  fs.rmSync(path.join(cacheDir, file));
  assert.deepEqual(load({ ...b, cacheDir, buildCacheDir }), { loaded: true, cache: 'rejected', answer: 5 });
  assert.deepEqual(cacheFiles(cacheDir), [file]);
  // The user's cache directory unusable: the build's still read; nothing written.
  buildCacheOf(b, buildCacheDir);
  const shared = path.join(dir, 'cache-e-shared');
  fs.mkdirSync(shared, { mode: 0o777 });
  fs.chmodSync(shared, 0o777);
  assert.deepEqual(load({ ...b, cacheDir: shared, buildCacheDir }), { loaded: true, cache: 'build', answer: 5 });
  assert.deepEqual(cacheFiles(shared), []);
});

test("the build's cache is not read from a file or directory others can write, nor through a link", () => {
  const b = writeBundle('f', 9);
  const buildCacheDir = path.join(dir, 'build-f');
  const file = buildCacheOf(b, buildCacheDir);
  const cached = path.join(buildCacheDir, file);
  const fresh = () => load({ ...b, cacheDir: fs.mkdtempSync(path.join(dir, 'cache-f-')), buildCacheDir }, false);
  assert.deepEqual(fresh(), { loaded: true, cache: 'build', answer: 9 });
  fs.chmodSync(cached, 0o664);
  assert.deepEqual(fresh(), { loaded: true, cache: 'none', answer: 9 }, 'group-writable file');
  fs.chmodSync(cached, 0o646);
  assert.deepEqual(fresh(), { loaded: true, cache: 'none', answer: 9 }, 'world-writable file');
  fs.chmodSync(cached, 0o644);
  fs.chmodSync(buildCacheDir, 0o775);
  assert.deepEqual(fresh(), { loaded: true, cache: 'none', answer: 9 }, 'group-writable directory');
  fs.chmodSync(buildCacheDir, 0o755);
  // The file a link to one that passes the rule.
  fs.renameSync(cached, path.join(buildCacheDir, 'elsewhere'));
  fs.symlinkSync(path.join(buildCacheDir, 'elsewhere'), cached);
  assert.deepEqual(fresh(), { loaded: true, cache: 'none', answer: 9 }, 'a link in place of the file');
  fs.rmSync(cached);
  fs.renameSync(path.join(buildCacheDir, 'elsewhere'), cached);
  // The directory a link to one that passes the rule.
  const linked = path.join(dir, 'build-f-link');
  fs.symlinkSync(buildCacheDir, linked);
  assert.deepEqual(load({ ...b, cacheDir: fs.mkdtempSync(path.join(dir, 'cache-f-')), buildCacheDir: linked }, false), {
    loaded: true,
    cache: 'none',
    answer: 9,
  });
  // Another user's (as root: a file of nobody's).
  if (process.getuid?.() === 0) {
    fs.chownSync(cached, 65534, 65534);
    assert.deepEqual(fresh(), { loaded: true, cache: 'none', answer: 9 }, "another user's file");
    fs.chownSync(cached, 0, 0);
  }
  assert.deepEqual(fresh(), { loaded: true, cache: 'build', answer: 9 }, 'read again once the rule holds');
});
