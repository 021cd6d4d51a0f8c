// A throwaway single-member etcd for tests: Debian's etcd-server binary on free loopback
// ports with a temporary data directory, removed on stop. Counterpart of the etcd that
// kube-apiserver's integration tests start (k8s.io/kubernetes/test/integration/framework).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Why etcd tests cannot run here, or undefined when they can. */
export function etcdMissing(): string | undefined {
  const r = spawnSync('etcd', ['--version'], { stdio: 'ignore' });
  return r.error || r.status !== 0 ? 'etcd is not installed (Debian package etcd-server; .ci/run installs it)' : undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface TestEtcd {
  /** host:port of the client URL. */
  endpoint: string;
  stop(): Promise<void>;
}

export async function startTestEtcd(timeoutMs = 20_000): Promise<TestEtcd> {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-etcd-'));
  const clientPort = await freePort();
  const peerPort = await freePort();
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const proc: ChildProcess = spawn('etcd', [
    '--name', 'k8ts-test', '--data-dir', join(dir, 'data'),
    '--listen-client-urls', client, '--advertise-client-urls', client,
    '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
    '--initial-cluster', `k8ts-test=${peer}`, '--initial-cluster-state', 'new',
    '--log-level', 'error',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  let exited = false;
  const exitedP = new Promise<void>((resolve) => proc.once('exit', () => { exited = true; resolve(); }));
  const stop = async (): Promise<void> => {
    if (!exited) {
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exitedP;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // etcd's /health over plain HTTP: probing with an etcd3 client would trip its circuit
  // breaker on the first refused connection and hold every call for 5 s.
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (exited) throw new Error(`etcd exited at start: ${stderr}`);
      const health = await fetch(`${client}/health`, { signal: AbortSignal.timeout(1000) })
        .then(async (r) => (await r.json()) as { health?: string }, (e: Error) => ({ health: e.message }));
      if (health.health === 'true') break;
      if (Date.now() > deadline) throw new Error(`etcd did not become healthy within ${timeoutMs} ms (${health.health}): ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { endpoint: `127.0.0.1:${clientPort}`, stop };
}
