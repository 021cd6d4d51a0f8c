// What `k8ts up` runs in its process: the store, the API server, and the components that are
// clients of it (controller manager, scheduler, node agent as their issues land). They share
// a process today but talk to each other only through the API, so they can be split later.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { ApiServer } from '../apiserver/server.js';
import { ensurePKI } from '../pki/certs.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { startControllers, type ControllerManager } from '../controllers/manager.js';
import { clusterFiles, type ClusterInfo } from './paths.js';

export interface ControlPlaneOptions {
  dataDir: string;
  port: number;
  host?: string;
  store: 'sqlite' | 'memory';
  /** Run the controllers in-process (on by default). */
  controllers?: boolean;
}

export interface ControlPlane {
  url: string;
  token: string;
  /** The cluster CA (PEM) clients verify the API server with. */
  caPEM: string;
  api: ApiServer;
  store: Store;
  controllers?: ControllerManager;
  stop(): Promise<void>;
}

/** The admin token: made once per data dir, reused by every later `up`. */
export function ensureToken(dataDir: string): string {
  const files = clusterFiles(dataDir);
  fs.mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  try {
    const t = fs.readFileSync(files.token, 'utf8').trim();
    if (t) return t;
  } catch { /* first start */ }
  const t = randomBytes(24).toString('hex');
  fs.writeFileSync(files.token, `${t}\n`, { mode: 0o600 });
  return t;
}

export async function startControlPlane(opts: ControlPlaneOptions): Promise<ControlPlane> {
  const files = clusterFiles(opts.dataDir);
  const token = ensureToken(opts.dataDir);
  const pki = ensurePKI(files.dir);
  const store = await openStore(opts.store, files.dir);
  const api = new ApiServer({
    store,
    tls: pki.apiserver,
    tokens: new Map([[token, 'kubernetes-admin']]),
    compactKeepRevisions: 10_000,
  });
  let url: string;
  try {
    url = await api.start(opts.port, opts.host ?? '127.0.0.1');
  } catch (e) {
    await api.stop().catch(() => undefined);
    await store.close();
    throw e;
  }
  let controllers: ControllerManager | undefined;
  if (opts.controllers !== false) controllers = await startControllers({ server: url, token, caData: pki.ca.cert, log: (m) => console.error(m) });
  return {
    url, token, caPEM: pki.ca.cert, api, store, controllers,
    async stop() {
      await controllers?.stop();
      await api.stop();
      await store.close();
    },
  };
}

export function writeClusterInfo(dataDir: string, cp: ControlPlane, storeKind: string): ClusterInfo {
  const files = clusterFiles(dataDir);
  const info: ClusterInfo = { url: cp.url, pid: process.pid, port: cp.api.port, store: storeKind, dataDir: files.dir, startedAt: new Date().toISOString() };
  fs.writeFileSync(files.info, JSON.stringify(info, null, 2));
  fs.writeFileSync(files.pid, `${process.pid}\n`);
  return info;
}

export function readClusterInfo(dataDir: string): ClusterInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(clusterFiles(dataDir).info, 'utf8')) as ClusterInfo;
  } catch {
    return undefined;
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The cluster recorded in dataDir, if its process still runs and answers /readyz. */
export async function runningCluster(dataDir: string): Promise<ClusterInfo | undefined> {
  const info = readClusterInfo(dataDir);
  if (!info || !processAlive(info.pid)) return undefined;
  return (await readyz(info.url, caOf(dataDir))) ? info : undefined;
}

export function caOf(dataDir: string): string | undefined {
  try { return fs.readFileSync(`${clusterFiles(dataDir).dir}/pki/ca.crt`, 'utf8'); } catch { return undefined; }
}

/** Whether the API server at url answers /readyz (verifying it with the cluster CA). */
export function readyz(url: string, ca: string | undefined, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const mod = url.startsWith('https:') ? https : http;
    const req = mod.get(`${url}/readyz`, { ca, timeout: timeoutMs } as https.RequestOptions, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => { req.destroy(); resolve(false); });
    req.on('error', () => resolve(false));
  });
}
