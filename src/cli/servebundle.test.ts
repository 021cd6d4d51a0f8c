// servebundle.ts: serve.ts from its bundle with a V8 code cache that is only ever a cache: made
// after a start, used by the next, rejected (and made again) when it is not the bundle's, never
// read from a directory others can write, and no bundle at all when it is older than the modules.
// The last test loads the bundle `npm run build` made (dist/src/cli/serve.bundle.cjs), when made.
// Each load runs in a process of its own, as each serve does: V8 keeps what one isolate compiled
// and would not consult a cache for the same source twice.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stampOf } from './servebundle.js';

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
function load(o: { bundle?: string; module?: string; cacheDir: string }, save = true, add = 0): Load {
  const script = `
    const { loadServeBundle } = await import(${JSON.stringify(LOADER)});
    const r = loadServeBundle(${JSON.stringify(o)});
    const out = { loaded: !!r.loaded, why: r.why, cache: r.loaded?.cache };
    if (r.loaded) out.answer = ${o.bundle ? `r.loaded.serve({ add: ${add} })` : 'typeof r.loaded.serve'};
    if (r.loaded && ${save}) r.loaded.saveCache();
    console.log(JSON.stringify(out));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as Load;
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

test('the bundle the build made loads, exports serve, and runs from its cache the second time', (t) => {
  const cacheDir = path.join(dir, 'cache-real');
  const first = load({ cacheDir });
  // Only `tsc` since the last build (the bundle step is npm run build's, npm test's): nothing to check.
  if (!first.loaded) return t.skip(first.why);
  assert.deepEqual(first, { loaded: true, cache: 'none', answer: 'function' });
  assert.deepEqual(load({ cacheDir }), { loaded: true, cache: 'used', answer: 'function' });
});
