// An in-process API server on a memory store, for tests of components that are its clients
// (controllers, scheduler, node agents). Plain HTTP on 127.0.0.1:0; our RestClient sends the
// token over it (kubectl would not: whole-cluster tests use `k8ts up`, which serves TLS).

import { randomBytes } from 'node:crypto';
import type { KObject } from '../api/object.js';
import { NAMESPACES } from '../api/types.js';
import { adminUser } from '../apiserver/authn/user.js';
import { ApiServer, type ApiServerOptions } from '../apiserver/server.js';
import { SharedInformerFactory, type SharedInformerFactoryOptions } from '../client/informer.js';
import type { Runnable } from '../client/leaderelection.js';
import { RestClient } from '../client/rest.js';
import { RootCACertPublisher } from '../controllers/rootcacertpublisher.js';
import { ServiceAccountController } from '../controllers/serviceaccount.js';
import { type KeyPairPEM, makeCA } from '../pki/certs.js';

/** The logs of the components a test starts, on the console when K8TS_TEST_LOG is set. */
export const testLog = process.env.K8TS_TEST_LOG ? (m: string) => console.log(m) : undefined;

let ca: KeyPairPEM | undefined;
/** One CA per test process: making one costs a key. */
function testCA(): KeyPairPEM {
  return (ca ??= makeCA('k8ts-test-ca'));
}

import { MemoryStore } from '../store/memory.js';

export interface TestControlPlane {
  url: string;
  token: string;
  api: ApiServer;
  client: RestClient;
  /** A new client (e.g. one per component under test). */
  newClient(userAgent?: string): RestClient;
  /** The CA the root CA publisher puts in every namespace's kube-root-ca.crt. */
  rootCA: string;
  stop(): Promise<void>;
}

export async function startTestControlPlane(options: Partial<ApiServerOptions> = {}): Promise<TestControlPlane> {
  const token = randomBytes(16).toString('hex');
  const store = new MemoryStore();
  const api = new ApiServer({ store, tokens: new Map([[token, adminUser('test-admin')]]), advertiseAddress: '10.0.0.1', ...options });
  const url = await api.start(0, '127.0.0.1');
  const clients: RestClient[] = [];
  const newClient = (userAgent = 'k8ts-test') => {
    const c = new RestClient({ server: url, token, userAgent });
    clients.push(c);
    return c;
  };
  const client = newClient();
  // As in every cluster, each namespace gets its "default" service account (the ServiceAccount
  // admission plugin refuses pods until it exists) and the kube-root-ca.crt ConfigMap (pods'
  // kube-api-access volumes project it; this plain-HTTP server's clients verify nothing, so the
  // CA published is one made for the test run).
  const stopControllers = await runControllers(
    newClient('kube-controller-manager'),
    (kcm, factory) => [new ServiceAccountController(kcm, factory), new RootCACertPublisher(kcm, factory, testCA().cert)],
    { syncTimeoutMs: 10_000 },
  );
  return {
    url,
    token,
    api,
    client,
    newClient,
    rootCA: testCA().cert,
    async stop() {
      await stopControllers();
      for (const c of clients) c.close();
      await api.stop();
      await store.close();
    },
  };
}

/**
 * Controllers on one client and one informer factory, as kube-controller-manager runs them: made
 * by make, started once the factory's caches have synced (within syncTimeoutMs, 5 s by default).
 * The function returned stops them, in order, then the factory.
 */
export async function runControllers(
  client: RestClient,
  make: (client: RestClient, factory: SharedInformerFactory) => Runnable[] | Promise<Runnable[]>,
  o: { factory?: SharedInformerFactoryOptions; syncTimeoutMs?: number } = {},
): Promise<() => Promise<void>> {
  const factory = new SharedInformerFactory(client, o.factory);
  const controllers = await make(client, factory);
  factory.start();
  await factory.waitForCacheSync(o.syncTimeoutMs ?? 5000);
  for (const c of controllers) c.start();
  return async () => {
    for (const c of controllers) await c.stop();
    await factory.stop();
  };
}

const namespaceSeq = new Map<string, number>();

/** Creates the namespace name through client; the created object. */
export function createNamespace(client: RestClient, name: string): Promise<KObject> {
  return client.create(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

/** A fresh namespace for one test, named prefix-N. */
export async function newTestNamespace(cp: TestControlPlane, prefix: string): Promise<string> {
  const n = (namespaceSeq.get(prefix) ?? 0) + 1;
  namespaceSeq.set(prefix, n);
  const name = `${prefix}-${n}`;
  await createNamespace(cp.client, name);
  return name;
}
