// The package as it would be published: `npm pack` ships the built dist/src and the built-in
// images (no sources, tests or test helpers), and an install of that tarball in an empty
// directory runs `npx k8ts up` and `npx k8ts down`. The install takes what the registry gives
// (better-sqlite3 on Node 20 builds from source when no prebuilt binary can be fetched).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { CLI, KUBECTL, killCluster, run } from './harness.js';

const repo = path.resolve(path.dirname(CLI), '../../..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'k8ts-pack-'));
after(async () => {
  // Whatever the test left running, stopped before its files go.
  killCluster(path.join(work, 'home', '.k8ts', 'k8ts'));
  fs.rmSync(work, { recursive: true, force: true });
});

test('npm pack, then npx k8ts up and down from an install of the tarball in an empty directory', { timeout: 1_200_000 }, async () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string; scripts: Record<string, string> };
  // `prepare` runs at a clone's `npm ci` (so `npm ci && npx k8ts up` works there) and before
  // `npm pack`/`npm publish`; npm never runs it for a package installed from a tarball or the
  // registry, which ships dist built (the install below has no TypeScript to build with).
  assert.match(pkg.scripts.prepare ?? '', /tsc/, "dist is built at a clone's install and before packing and publishing");

  // dist/ is already built by `npm test`; rebuilding it here would rewrite files other tests run.
  const dest = path.join(work, 'tarball');
  fs.mkdirSync(dest);
  const packed = await run('sh', ['-c', 'cd "$0" && exec npm pack --ignore-scripts --json --pack-destination "$1"', repo, dest], {
    timeoutMs: 120_000,
  });
  assert.equal(packed.code, 0, packed.stderr);
  const info = JSON.parse(packed.stdout)[0] as { filename: string; files: { path: string }[] };
  const files = info.files.map((f) => f.path);
  assert.ok(files.includes('dist/src/cli/main.js'));
  assert.ok(files.includes('package.json') && files.includes('README.md'));
  assert.ok(
    files.some((f) => f.startsWith('images/kubernetes-bootcamp-v1/')),
    'the built-in images are shipped',
  );
  // The control plane's bundle (build/bundle.ts), when the build made one, ships and is what `up` runs.
  const bundled = fs.existsSync(path.join(repo, 'dist/src/cli/serve.bundle.cjs'));
  if (bundled) assert.ok(files.includes('dist/src/cli/serve.bundle.cjs'), 'the serve bundle is shipped');
  // Its V8 code cache, when the build made one (build/bundle.ts): an install on the same Node runs
  // its first `up` from it; another Node's (another name) is never read.
  const codeCache = bundled
    ? (JSON.parse(fs.readFileSync(path.join(repo, 'dist/src/cli/serve.bundle.json'), 'utf8')) as { codeCache?: string }).codeCache
    : undefined;
  if (codeCache) assert.ok(files.includes(`dist/src/cli/${codeCache}`), "the bundle's code cache is shipped");
  const unwanted = files.filter((f) => /\.test\.js$|\.ts$|\.map$|^test\/|^bench\/|\/testing\/|^src\//.test(f));
  assert.deepEqual(unwanted, [], 'sources, tests and test helpers stay out');

  const app = path.join(work, 'empty');
  const home = path.join(work, 'home');
  fs.mkdirSync(app);
  fs.mkdirSync(home);
  // HOME stays (npm's own settings live there: on this machine, where Node's headers are for
  // building better-sqlite3); the clusters and the kubeconfig go to the test's folder.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    K8TS_HOME: path.join(home, '.k8ts'),
    KUBECONFIG: path.join(home, '.kube', 'config'),
    npm_config_update_notifier: 'false',
  };
  delete env.K8TS_DATA_DIR;
  const inApp = (cmd: string, args: string[], timeoutMs = 120_000) =>
    run('sh', ['-c', `cd "$0" && exec "$@"`, app, cmd, ...args], { env, timeoutMs });
  const install = await inApp('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', path.join(dest, info.filename)], 1_000_000);
  assert.equal(install.code, 0, `${install.stdout}\n${install.stderr}`);
  assert.ok(!fs.existsSync(path.join(app, 'node_modules', 'k8ts', 'src')), 'no sources in the install');
  assert.ok(!fs.existsSync(path.join(app, 'node_modules', 'typescript')), 'TypeScript is not needed to run it');

  const version = await inApp('npx', ['k8ts', 'version']);
  assert.equal(version.code, 0, version.stderr);
  assert.match(version.stdout, new RegExp(`^k8ts version ${pkg.version.replace(/\./g, '\\.')}$`, 'm'));

  const up = await inApp('npx', ['k8ts', 'up', '--port', '0', '--no-node']);
  assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
  assert.match(up.stdout, /k8ts cluster "k8ts" is running at https:\/\/127\.0\.0\.1:\d+/);
  assert.ok(fs.existsSync(path.join(home, '.k8ts', 'k8ts', 'state.db')), 'the SQLite store works from the install');
  const log = fs.readFileSync(path.join(home, '.k8ts', 'k8ts', 'k8ts.log'), 'utf8');
  if (bundled) assert.match(log, /control plane loaded from its bundle/);
  // The first `up` of the install: no cache of the user's yet, the package's read (installed files
  // of this user's that no one else can write).
  if (codeCache) assert.match(log, /control plane loaded from its bundle in \d+ ms \(code cache from the build\)/);
  const nodes = await run(KUBECTL, ['get', 'namespaces', '-o', 'name'], { env });
  assert.match(nodes.stdout, /namespace\/kube-system/);
  // The built-in images are found inside the installed package.
  const images = await inApp('npx', ['k8ts', 'image', 'ls']);
  assert.match(images.stdout, /gcr\.io\/google-samples\/kubernetes-bootcamp\s+v1/);

  const down = await inApp('npx', ['k8ts', 'down']);
  assert.equal(down.code, 0, down.stderr);
  assert.match(down.stdout, /k8ts stopped/);
});
