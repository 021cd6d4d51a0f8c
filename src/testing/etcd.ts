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

/** An etcd member of a new test cluster: its name, data, client and peer URLs, quiet but for errors. */
function memberArgs(name: string, dataDir: string, client: string, peer: string, initialCluster: string): string[] {
  return [
    ...['--name', name, '--data-dir', dataDir],
    ...['--listen-client-urls', client, '--advertise-client-urls', client],
    ...['--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer],
    ...['--initial-cluster', initialCluster, '--initial-cluster-state', 'new', '--log-level', 'error'],
  ];
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
  const proc: ChildProcess = spawn('etcd', [...tlsArgs, ...memberArgs('k8ts-test', join(dir, 'data'), client, peer, `k8ts-test=${peer}`)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
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

export interface TestEtcdMember {
  name: string;
  /** host:port of its client URL. */
  endpoint: string;
  /** Whether its process runs. */
  running(): boolean;
  /** Stops this member (SIGTERM) and waits for it to exit; its data dir stays for start(). */
  stop(): Promise<void>;
  /** Starts it again on the same ports and data (it rejoins the cluster). */
  start(): Promise<void>;
}

export interface TestEtcdCluster {
  members: TestEtcdMember[];
  /** etcd://h:p,h:p,h:p for --store. */
  store: string;
  /** The member that is the Raft leader now (asked of the running members). */
  leader(): Promise<TestEtcdMember>;
  /** Stops every member and removes the data. */
  stop(): Promise<void>;
}

/**
 * A throwaway etcd cluster of n members (plain HTTP, loopback ports, one temp dir), for the
 * failure tests: a member can be stopped and started again while the others keep quorum.
 */
export async function startTestEtcdCluster(n = 3, timeoutMs = 30_000): Promise<TestEtcdCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-etcd-cluster-'));
  const ports: { client: number; peer: number }[] = [];
  for (let i = 0; i < n; i++) ports.push({ client: await freePort(), peer: await freePort() });
  const initial = ports.map((p, i) => `m${i}=http://127.0.0.1:${p.peer}`).join(',');
  const members: TestEtcdMember[] = ports.map((p, i) => {
    const name = `m${i}`;
    const client = `http://127.0.0.1:${p.client}`;
    const peer = `http://127.0.0.1:${p.peer}`;
    let proc: ChildProcess | undefined;
    let exited: Promise<void> = Promise.resolve();
    let stderr = '';
    const m: TestEtcdMember = {
      name,
      endpoint: `127.0.0.1:${p.client}`,
      running: () => proc !== undefined,
      async start() {
        if (proc) return;
        stderr = '';
        const c = spawn(
          'etcd',
          [...memberArgs(name, join(dir, name), client, peer, initial), '--initial-cluster-token', `k8ts-test-${ports[0].peer}`],
          { stdio: ['ignore', 'ignore', 'pipe'] },
        );
        proc = c;
        c.stderr?.on('data', (d: Buffer) => {
          stderr = (stderr + d.toString()).slice(-4000);
        });
        exited = new Promise<void>((resolve) =>
          c.once('exit', () => {
            if (proc === c) proc = undefined;
            resolve();
          }),
        );
      },
      async stop() {
        const c = proc;
        if (!c) return;
        c.kill('SIGTERM');
        const t = setTimeout(() => c.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      },
    };
    Object.defineProperty(m, 'stderr', { get: () => stderr });
    return m;
  });
  const stop = async () => {
    for (const m of members) await m.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const m of members) await m.start();
    // Healthy once the members have elected a leader (/health needs one).
    const deadline = Date.now() + timeoutMs;
    for (const m of members) {
      for (;;) {
        if (!m.running()) throw new Error(`etcd member ${m.name} exited at start: ${(m as unknown as { stderr: string }).stderr}`);
        const h = await healthOf(`http://${m.endpoint}/health`, undefined).catch((e: Error) => ({ health: e.message }));
        if (h.health === 'true') break;
        if (Date.now() > deadline) throw new Error(`etcd member ${m.name} did not become healthy within ${timeoutMs} ms (${h.health})`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (e) {
    await stop();
    throw e;
  }
  const leader = async (): Promise<TestEtcdMember> => {
    // etcd's gRPC gateway: Maintenance.Status names this member and the leader (ids as decimal strings).
    for (const m of members.filter((x) => x.running())) {
      const r = await fetch(`http://${m.endpoint}/v3/maintenance/status`, {
        method: 'POST',
        body: '{}',
        signal: AbortSignal.timeout(2000),
      }).catch(() => undefined);
      const st = (await r?.json().catch(() => undefined)) as { header?: { member_id?: string }; leader?: string } | undefined;
      if (st?.leader && st.header?.member_id === st.leader) return m;
    }
    throw new Error('no etcd member says it leads');
  };
  return { members, store: `etcd://${members.map((m) => m.endpoint).join(',')}`, leader, stop };
}
