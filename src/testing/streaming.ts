// An API server over TLS with the connect handler, a Node and Pods made through the API, and a
// node streaming server over the host-process test runtime: what tests of logs, exec, attach,
// port-forward and proxy drive with real clients (kubectl, client-node, websockets by hand).
// No controllers run: the pods are objects the test made, bound to the node by hand.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { adminUser } from '../apiserver/authn/user.js';
import { makeConnectHandler } from '../apiserver/connect.js';
import { ApiServer } from '../apiserver/server.js';
import { RestClient } from '../client/rest.js';
import { StreamingServer } from '../node/streaming/server.js';
import { HostTestRuntime } from '../node/streaming/testing.js';
import { makeCA, makeServingCert } from '../pki/certs.js';
import { MemoryStore } from '../store/memory.js';
import { writeTestKubeconfig } from './kubeconfig.js';

export interface StreamingCluster {
  dir: string;
  /** https://127.0.0.1:PORT */
  url: string;
  token: string;
  /** PEM of the CA that signed the API server's certificate. */
  ca: string;
  kubeconfig: string;
  api: ApiServer;
  streaming: StreamingServer;
  /** The node streaming server's port and the token it accepts. */
  nodePort: number;
  nodeToken: string;
  runtime: HostTestRuntime;
  client: RestClient;
  /** Serves handler on 127.0.0.1 and maps the pod port podPort to it (port-forward, proxy). */
  podListen(podPort: number, handler: http.RequestListener): Promise<number>;
  stop(): Promise<void>;
}

export function criLines(lines: [string, 'stdout' | 'stderr', 'P' | 'F', string][]): string {
  return lines.map(([t, s, tag, msg]) => `${t} ${s} ${tag} ${msg}\n`).join('');
}

/**
 * Pod default/web on node n1: containers app (logs app-1.log, previous run app-0.log, attach
 * prints attached-output) and side; pod default/solo has no node.
 */
export async function startStreamingCluster(name = 'streaming'): Promise<StreamingCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `k8ts-${name}-`));
  const runtime = new HostTestRuntime();
  const servers: http.Server[] = [];
  let api: ApiServer | undefined;
  let streaming: StreamingServer | undefined;
  let store: MemoryStore | undefined;
  let client: RestClient | undefined;
  const stop = async () => {
    runtime.cleanup();
    await streaming?.close();
    await api?.stop();
    await store?.close();
    client?.close();
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const ca = makeCA();
    const serving = makeServingCert(ca, 'kube-apiserver', ['localhost'], ['127.0.0.1']);
    const token = randomBytes(16).toString('hex');
    const nodeToken = randomBytes(16).toString('hex');

    fs.writeFileSync(
      path.join(dir, 'app-1.log'),
      criLines([
        ['2024-01-01T00:00:01.000000001Z', 'stdout', 'F', 'line one'],
        ['2024-01-01T00:00:02.000000002Z', 'stdout', 'P', 'part'],
        ['2024-01-01T00:00:03.000000003Z', 'stdout', 'F', 'ial'],
        ['2024-01-01T00:00:04.000000004Z', 'stderr', 'F', 'line two'],
      ]),
    );
    fs.writeFileSync(path.join(dir, 'app-0.log'), criLines([['2023-12-31T23:59:59.000000000Z', 'stdout', 'F', 'old run']]));
    fs.writeFileSync(path.join(dir, 'side-0.log'), '');
    runtime.containers.set('c-app-1', {
      id: 'c-app-1',
      sandboxId: 'sb-web',
      name: 'app',
      attempt: 1,
      logPath: path.join(dir, 'app-1.log'),
      state: 'CONTAINER_RUNNING',
      attachCommand: ['sh', '-c', 'echo attached-output'],
    });
    runtime.containers.set('c-app-0', {
      id: 'c-app-0',
      sandboxId: 'sb-web',
      name: 'app',
      attempt: 0,
      logPath: path.join(dir, 'app-0.log'),
      state: 'CONTAINER_EXITED',
    });
    runtime.containers.set('c-side-0', {
      id: 'c-side-0',
      sandboxId: 'sb-web',
      name: 'side',
      attempt: 0,
      logPath: path.join(dir, 'side-0.log'),
      state: 'CONTAINER_RUNNING',
    });

    streaming = new StreamingServer({
      runtime,
      token: nodeToken,
      lookupPod: async (ns, n) =>
        ns === 'default' && n === 'web'
          ? { sandboxId: 'sb-web', containers: { app: 'c-app-1', side: 'c-side-0' }, uid: 'uid-web' }
          : undefined,
    });
    const nodePort = await streaming.listen(0, '127.0.0.1');

    store = new MemoryStore();
    const server = (): ApiServer => api!;
    const connect = makeConnectHandler({
      getPod: (ns, n) => server().getObject('', 'pods', ns, n),
      getNode: (n) => server().getObject('', 'nodes', undefined, n),
      getService: (ns, n) => server().getObject('', 'services', ns, n),
      getEndpoints: (ns, n) => server().getObject('', 'endpoints', ns, n),
      nodeToken,
    });
    api = new ApiServer({ store, tokens: new Map([[token, adminUser('admin')]]), tls: serving, connect, advertiseAddress: '10.0.0.1' });
    const url = await api.start(0, '127.0.0.1');
    const kubeconfig = path.join(dir, 'kubeconfig');
    writeTestKubeconfig(kubeconfig, { server: url, caData: ca.cert, token });

    client = new RestClient({ server: url, token, caData: ca.cert });
    await client.create({ group: '', version: 'v1', resource: 'nodes' }, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    await client.patch(
      { group: '', version: 'v1', resource: 'nodes', name: 'n1', subresource: 'status' },
      {
        status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: nodePort } } },
      },
    );
    const pods = { group: '', version: 'v1', resource: 'pods', namespace: 'default' };
    // What the serviceaccounts controller makes in every namespace: the ServiceAccount admission
    // plugin refuses pods until it exists.
    await client
      .create(
        { group: '', version: 'v1', resource: 'serviceaccounts', namespace: 'default' },
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } },
      )
      .catch((e: { code?: number }) => {
        if (e.code !== 409) throw e;
      });
    await client.create(pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        nodeName: 'n1',
        containers: [
          { name: 'app', image: 'busybox', ports: [{ name: 'http', containerPort: 80 }], stdin: true, tty: true },
          { name: 'side', image: 'busybox' },
        ],
      },
    });
    await client.patch({ ...pods, name: 'web', subresource: 'status' }, { status: { phase: 'Running', podIP: '10.244.0.5' } });
    await client.create(pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'solo' },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    });

    return {
      dir,
      url,
      token,
      ca: ca.cert,
      kubeconfig,
      api,
      streaming,
      nodePort,
      nodeToken,
      runtime,
      client,
      stop,
      async podListen(podPort, handler) {
        const s = http.createServer(handler);
        servers.push(s);
        await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
        const port = (s.address() as AddressInfo).port;
        runtime.ports.set(podPort, port);
        return port;
      },
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
