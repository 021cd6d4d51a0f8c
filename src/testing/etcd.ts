// A throwaway single-member etcd for tests: Debian's etcd-server binary on free loopback
// ports with a temporary data directory, removed on stop. Counterpart of the etcd that
// kube-apiserver's integration tests start (k8s.io/kubernetes/test/integration/framework).

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCA, makeClientCert, makeServingCert } from '../pki/certs.js';

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
  /** With tls: the client URL (https), the CA and a client certificate etcd accepts (PEM). */
  url: string;
  tls?: { ca: string; cert: string; key: string };
  stop(): Promise<void>;
}

/** tls: clients must speak TLS and present a certificate of the test CA (--client-cert-auth). */
export async function startTestEtcd(timeoutMs = 20_000, opts: { tls?: boolean } = {}): Promise<TestEtcd> {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-etcd-'));
  const clientPort = await freePort();
  const peerPort = await freePort();
  const client = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const tlsArgs: string[] = [];
  let tls: TestEtcd['tls'];
  if (opts.tls) {
    const ca = makeCA('k8ts-test-etcd-ca');
    const serving = makeServingCert(ca, 'etcd', ['localhost'], ['127.0.0.1']);
    const cl = makeClientCert(ca, 'k8ts-apiserver-etcd-client');
    for (const [name, text] of [
      ['ca.crt', ca.cert],
      ['server.crt', serving.cert],
      ['server.key', serving.key],
    ])
      writeFileSync(join(dir, name), text, { mode: 0o600 });
    tlsArgs.push(
      '--cert-file',
      join(dir, 'server.crt'),
      '--key-file',
      join(dir, 'server.key'),
      '--trusted-ca-file',
      join(dir, 'ca.crt'),
      '--client-cert-auth',
    );
    tls = { ca: ca.cert, cert: cl.cert, key: cl.key };
  }
  const proc: ChildProcess = spawn(
    'etcd',
    [
      ...tlsArgs,
      '--name',
      'k8ts-test',
      '--data-dir',
      join(dir, 'data'),
      '--listen-client-urls',
      client,
      '--advertise-client-urls',
      client,
      '--listen-peer-urls',
      peer,
      '--initial-advertise-peer-urls',
      peer,
      '--initial-cluster',
      `k8ts-test=${peer}`,
      '--initial-cluster-state',
      'new',
      '--log-level',
      'error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  let exited = false;
  const exitedP = new Promise<void>((resolve) =>
    proc.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
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
      const health = await healthOf(`${client}/health`, tls).catch((e: Error) => ({ health: e.message }));
      if (health.health === 'true') break;
      if (Date.now() > deadline) throw new Error(`etcd did not become healthy within ${timeoutMs} ms (${health.health}): ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { endpoint: `127.0.0.1:${clientPort}`, url: client, tls, stop };
}

function healthOf(url: string, tls: TestEtcd['tls']): Promise<{ health?: string }> {
  if (!tls) return fetch(url, { signal: AbortSignal.timeout(1000) }).then(async (r) => (await r.json()) as { health?: string });
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca: tls.ca, cert: tls.cert, key: tls.key, timeout: 1000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString();
      });
      res.on('end', () => {
        try {
          resolve(JSON.parse(body) as { health?: string });
        } catch (e) {
          reject(e as Error);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}
