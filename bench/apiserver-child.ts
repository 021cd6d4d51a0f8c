// An API server alone in its own process, for the HTTP figures of bench/api.ts: the load
// generator then runs on the other core instead of sharing the server's event loop.
// Started with fork(): argv is <store kind> <data dir> [tls]; it answers {url, token, ca, tls, execArgv} over
// IPC once it listens (ca: the PEM CA its serving certificate chains to, with tls), {memory}
// when sent 'memory', {cpu} (process.cpuUsage(), microseconds) when sent 'cpu', and stops when sent 'stop' or when its parent goes. Sent
// {profile: 'start'} and then {profile: 'stop', file}, it writes a CPU profile of what it did
// in between to file (node:inspector, as --cpu-prof writes) and answers {profiled: file}: one
// phase of the bench, the fan-out, can then be profiled alone.

import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { adminUser } from '../src/apiserver/authn/user.js';
import { ApiServer } from '../src/apiserver/server.js';
import { makeCA, makeServingCert } from '../src/pki/certs.js';
import { openStore, type StoreKind } from '../src/store/index.js';

const kind = process.argv[2] as StoreKind;
const dir = process.argv[3];
const withTLS = process.argv[4] === 'tls';
const token = randomBytes(16).toString('hex');
const ca = withTLS ? makeCA('bench-ca') : undefined;
const tls = ca ? makeServingCert(ca, 'kube-apiserver', ['localhost'], ['127.0.0.1']) : undefined;
const store = await openStore(kind, dir);
const api = new ApiServer({ store, tokens: new Map([[token, adminUser('bench-admin')]]), advertiseAddress: '10.0.0.1', tls });
const url = await api.start(0, '127.0.0.1');

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  const hard = setTimeout(() => process.exit(1), 10_000);
  hard.unref();
  try {
    await api.stop();
    await store.close();
  } finally {
    process.exit(0);
  }
}

let profiler: Session | undefined;
async function profile(m: { profile: 'start' | 'stop'; file?: string }): Promise<void> {
  if (m.profile === 'start') {
    profiler = new Session();
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
    process.send?.({ profiling: true });
    return;
  }
  if (!profiler || !m.file) throw new Error('profile stop without a start, or without a file');
  const { profile } = await profiler.post('Profiler.stop');
  profiler.disconnect();
  profiler = undefined;
  writeFileSync(m.file, JSON.stringify(profile));
  process.send?.({ profiled: m.file });
}

process.on('message', (m: unknown) => {
  if (m === 'stop') void stop();
  if (typeof m === 'object' && m !== null && 'profile' in m)
    profile(m as { profile: 'start' | 'stop'; file?: string }).catch((e: Error) => process.send?.({ profileError: e.message }));
  if (m === 'cpu') {
    const u = process.cpuUsage();
    process.send?.({ cpu: { user: u.user, system: u.system } });
  }
  if (m === 'memory') {
    global.gc?.();
    const u = process.memoryUsage();
    process.send?.({ memory: { rss: u.rss, heapUsed: u.heapUsed, external: u.external, arrayBuffers: u.arrayBuffers } });
  }
});
process.on('disconnect', () => void stop());
process.on('SIGTERM', () => void stop());
process.send?.({ url, token, ca: ca?.cert, tls, execArgv: process.execArgv });
