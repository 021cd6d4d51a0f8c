// An in-process API server serving TLS with client-certificate authentication, on a memory
// store, for tests of authentication and authorization: the admin and any other user are
// clients holding certificates the test CA signs (as `k8ts up`'s admin.conf and a user's
// certificate signed by the cluster CA).

import { randomBytes } from 'node:crypto';
import { adminUser } from '../apiserver/authn/user.js';
import { ApiServer, type ApiServerOptions } from '../apiserver/server.js';
import { SharedInformerFactory } from '../client/informer.js';
import { RestClient } from '../client/rest.js';
import { RootCACertPublisher } from '../controllers/rootcacertpublisher.js';
import { ServiceAccountController } from '../controllers/serviceaccount.js';
import { type KeyPairPEM, makeCA, makeClientCert, makeServingCert } from '../pki/certs.js';
import { MemoryStore } from '../store/memory.js';

export interface TLSControlPlane {
  url: string;
  api: ApiServer;
  ca: KeyPairPEM;
  /** The admin token (a static token of system:masters). */
  token: string;
  /** A client authenticated by the admin's certificate (CN kubernetes-admin, O system:masters). */
  admin: RestClient;
  /** A certificate for user name in groups, signed by the cluster CA. */
  certFor(name: string, groups?: string[]): KeyPairPEM;
  /** A client authenticated as name in groups by a client certificate. */
  clientFor(name: string, groups?: string[]): RestClient;
  stop(): Promise<void>;
}

/** ca: the cluster CA to use (a test that must know it before the server starts); a new one by default. */
export async function startTLSControlPlane(
  extra: Partial<ApiServerOptions> = {},
  ca: KeyPairPEM = makeCA('k8ts-test-ca'),
): Promise<TLSControlPlane> {
  const serving = makeServingCert(ca, 'kube-apiserver', ['localhost'], ['127.0.0.1']);
  const token = randomBytes(16).toString('hex');
  const store = new MemoryStore();
  const api = new ApiServer({
    store,
    tls: serving,
    clientCA: ca.cert,
    tokens: new Map([[token, adminUser()]]),
    advertiseAddress: '10.0.0.1',
    ...extra,
  });
  const url = await api.start(0, '127.0.0.1');
  const clients: RestClient[] = [];
  const certFor = (name: string, groups: string[] = []) => makeClientCert(ca, name, groups);
  const clientFor = (name: string, groups: string[] = []) => {
    const kp = certFor(name, groups);
    const c = new RestClient({ server: url, caData: ca.cert, certData: kp.cert, keyData: kp.key, userAgent: 'k8ts-test' });
    clients.push(c);
    return c;
  };
  const admin = clientFor('kubernetes-admin', ['system:masters']);
  // As in every cluster: each namespace's "default" service account (pods are refused without
  // it) and kube-root-ca.crt with this CA (pods' kube-api-access volumes project it).
  const kcm = clientFor('system:kube-controller-manager', ['system:masters']);
  const factory = new SharedInformerFactory(kcm);
  const controllers = [new ServiceAccountController(kcm, factory), new RootCACertPublisher(kcm, factory, ca.cert)];
  factory.start();
  await factory.waitForCacheSync(10_000);
  for (const ctl of controllers) ctl.start();
  return {
    url,
    api,
    ca,
    token,
    admin,
    certFor,
    clientFor,
    async stop() {
      for (const ctl of controllers) await ctl.stop();
      await factory.stop();
      for (const c of clients) c.close();
      await api.stop();
      await store.close();
    },
  };
}
