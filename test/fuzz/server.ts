// The API server under fuzz, in a process of its own so that a crash is seen as one: an
// ApiServer on a memory or SQLite store, wired as `k8ts up` wires it (connect handler
// included), printing its URL and token as one JSON line. No controllers: the fuzz is about
// what requests can do to the API server and the store.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminUser } from '../../src/apiserver/authn/user.js';
import { makeConnectHandler } from '../../src/apiserver/connect.js';
import { ApiServer } from '../../src/apiserver/server.js';
import { MemoryStore } from '../../src/store/memory.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';

// `node --test dist/` runs every file under a test/ directory: this one only serves when the
// runner starts it.
if (process.env.K8TS_FUZZ_SERVER !== '1') process.exit(0);
const kind = process.argv[2] === 'sqlite' ? 'sqlite' : 'memory';
const dir = kind === 'sqlite' ? mkdtempSync(join(tmpdir(), 'k8ts-fuzz-')) : undefined;
const store: Store = dir ? new SqliteStore(dir) : new MemoryStore();
const token = randomBytes(16).toString('hex');
let api: ApiServer | undefined;
const connect = makeConnectHandler({
  getPod: (ns, n) => api!.getObject('', 'pods', ns, n),
  getNode: (n) => api!.getObject('', 'nodes', undefined, n),
  getService: (ns, n) => api!.getObject('', 'services', ns, n),
  getEndpoints: (ns, n) => api!.getObject('', 'endpoints', ns, n),
  nodeToken: token,
});
api = new ApiServer({
  store,
  tokens: new Map([[token, adminUser('fuzz-admin')]]),
  advertiseAddress: '10.0.0.1',
  connect,
  log: () => undefined,
});
const url = await api.start(0, '127.0.0.1');
process.stdout.write(`${JSON.stringify({ url, token, pid: process.pid })}\n`);
const stop = async () => {
  await api!.stop();
  await store.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  process.exit(0);
};
process.on('SIGTERM', () => {
  void stop();
});
// The parent going away ends this process too.
process.stdin.on('end', () => {
  void stop();
});
process.stdin.resume();
