// Issue #12, node credentials: the whole TLS bootstrap against a real API server (TLS, RBAC,
// the Node authorizer) with the controllers kube-controller-manager runs for it. A bootstrap
// token authenticates as system:bootstrap:<id> until it expires or is deleted; token discovery
// trusts the CA only with the token's signature and the pinned hash; the node's CSR is
// auto-approved and signed, and the certificate it gets is system:node:NAME with only a node's
// rights (no Secret its pods do not use, no other Node); serving CSRs are approved only for the
// node's own addresses; approval needs `approve` on the signer.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { type BootstrapTokenSpec, bootstrapTokenSecret, CLUSTER_INFO_NAMESPACE, clusterInfoConfigMap } from '../api/bootstraptoken.js';
import type { KObject } from '../api/object.js';
import { SharedInformerFactory } from '../client/informer.js';
import { isApiError, RestClient } from '../client/rest.js';
import { discoverClusterCA } from '../cluster/discovery.js';
import { bootstrapClientCertificate, componentCertificate, requestCertificate } from '../node/kubelet/tlsbootstrap.js';
import { caCertHash } from '../pki/csr.js';
import { core, statusCode } from '../testing/registry.js';
import { startTLSControlPlane } from '../testing/tlscontrolplane.js';
import { waitFor } from '../testing/wait.js';
import { BootstrapSigner } from './bootstrapsigner.js';
import { CSRApprovingController } from './csrapproving.js';
import { CSRSigningController } from './csrsigning.js';
import { TokenCleaner } from './tokencleaner.js';

const CSRS = { group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests' };

const TOKEN = 'abcdef.0123456789abcdef';

async function setup(t: import('node:test').TestContext) {
  const cp = await startTLSControlPlane();
  t.after(() => cp.stop());
  // The controllers act as kube-controller-manager's certificate-controller, bootstrap-signer and
  // token-cleaner would (their service-account roles are checked by controllers/identities.test).
  const kcm = cp.clientFor('system:kube-controller-manager', ['system:masters']);
  const factory = new SharedInformerFactory(kcm);
  const ctls = [
    new CSRApprovingController(kcm, factory),
    new CSRSigningController(kcm, factory, cp.ca),
    new BootstrapSigner(kcm, factory),
    new TokenCleaner(kcm, factory),
  ];
  factory.start();
  await factory.waitForCacheSync(10_000);
  for (const c of ctls) c.start();
  t.after(async () => {
    for (const c of ctls) await c.stop();
    await factory.stop();
  });
  await cp.admin.create(core('configmaps', CLUSTER_INFO_NAMESPACE), clusterInfoConfigMap(cp.url, cp.ca.cert));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8ts-tlsboot-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const bearer = (token: string) => {
    const c = new RestClient({ server: cp.url, caData: cp.ca.cert, token });
    t.after(() => c.close());
    return c;
  };
  // A bootstrap token Secret: by default kubeadm's node token (TOKEN, for an hour).
  const addToken = (spec: Partial<BootstrapTokenSpec> = {}) =>
    cp.admin.create(
      core('secrets', 'kube-system'),
      bootstrapTokenSecret({
        token: TOKEN,
        usages: ['authentication', 'signing'],
        groups: ['system:bootstrappers:kubeadm:default-node-token'],
        expires: Date.now() + 3600_000,
        ...spec,
      }),
    );
  return { cp, dir, bearer, addToken };
}

test('bootstrap tokens: who they are, and refused once expired or deleted', async (t) => {
  const { cp, bearer, addToken } = await setup(t);
  await addToken();
  const c = bearer(TOKEN);
  const review = await c.create<KObject & { status?: { userInfo?: { username?: string; groups?: string[] } } }>(
    { group: 'authentication.k8s.io', version: 'v1', resource: 'selfsubjectreviews' },
    { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', metadata: {} },
  );
  assert.equal(review.status?.userInfo?.username, 'system:bootstrap:abcdef');
  assert.deepEqual(review.status?.userInfo?.groups, [
    'system:bootstrappers',
    'system:bootstrappers:kubeadm:default-node-token',
    'system:authenticated',
  ]);
  // It may make CSRs, not read Secrets.
  assert.equal(await statusCode(c.list(core('secrets', 'kube-system'))), 403);
  // A wrong secret for the id, and an unknown id: 401.
  assert.equal(await statusCode(bearer('abcdef.0123456789abcdee').list(CSRS)), 401);
  assert.equal(await statusCode(bearer('zzzzzz.0123456789abcdef').list(CSRS)), 401);
  assert.equal(await statusCode(c.list(CSRS)), 200);

  // Expired: refused at once, and the token cleaner deletes it.
  await addToken({ token: 'expire.0123456789abcdef', usages: ['authentication'], groups: [], expires: Date.now() + 1500 });
  const soon = bearer('expire.0123456789abcdef');
  const whoami = () =>
    soon.create(
      { group: 'authentication.k8s.io', version: 'v1', resource: 'selfsubjectreviews' },
      { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', metadata: {} },
    );
  assert.equal(await statusCode(whoami()), 200);
  await waitFor('the expired token refused', async () => (await statusCode(whoami())) === 401);
  await waitFor(
    'the token cleaner to delete it',
    async () => (await statusCode(cp.admin.get(core('secrets', 'kube-system', 'bootstrap-token-expire')))) === 404,
  );

  // Deleted: refused.
  await cp.admin.delete(core('secrets', 'kube-system', 'bootstrap-token-abcdef'));
  assert.equal(await statusCode(c.list(CSRS)), 401);
});

test('token discovery: cluster-info is signed per token; the CA is trusted only when pinned', async (t) => {
  const { cp, addToken } = await setup(t);
  await addToken({ groups: [] });
  // cluster-info is readable with no credential at all (and nothing else is).
  const anon = new RestClient({ server: cp.url, caData: cp.ca.cert });
  t.after(() => anon.close());
  const cm = await waitFor('the bootstrap signer to sign cluster-info', async () => {
    const got = await anon.get<KObject & { data?: Record<string, string> }>(core('configmaps', CLUSTER_INFO_NAMESPACE, 'cluster-info'));
    return got.data?.['jws-kubeconfig-abcdef'] ? got : undefined;
  });
  assert.match(cm.data!['jws-kubeconfig-abcdef'], /^[\w-]+\.\.[\w-]+$/);
  assert.equal(await statusCode(anon.list(core('configmaps', CLUSTER_INFO_NAMESPACE))), 401);
  assert.equal(await statusCode(anon.get(core('configmaps', 'kube-system', 'cluster-info'))), 401);

  const hash = caCertHash(cp.ca.cert);
  const found = await discoverClusterCA({ server: cp.url, token: TOKEN, caCertHashes: [hash] });
  assert.equal(found.caPEM, cp.ca.cert);
  // Another CA's hash: refused, as is a token the cluster does not know (no signature for it), and no pin at all.
  await assert.rejects(discoverClusterCA({ server: cp.url, token: TOKEN, caCertHashes: [`sha256:${'0'.repeat(64)}`] }), /not pinned/);
  await assert.rejects(
    discoverClusterCA({ server: cp.url, token: 'qqqqqq.0123456789abcdef', caCertHashes: [hash] }),
    /no JWS signed token/,
  );
  await assert.rejects(discoverClusterCA({ server: cp.url, token: TOKEN, caCertHashes: [] }), /discovery-token-ca-cert-hash/);
  // A forged signature (right id, another secret) does not verify.
  await cp.admin.patch(
    core('configmaps', CLUSTER_INFO_NAMESPACE, 'cluster-info'),
    { data: { 'jws-kubeconfig-abcdef': cm.data!['jws-kubeconfig-abcdef'].replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) } },
    'merge',
  );
  // The signer puts the real one back; until then a forgery is refused, never trusted.
  await waitFor('the signer to repair the signature', async () => {
    try {
      return (await discoverClusterCA({ server: cp.url, token: TOKEN, caCertHashes: [hash] })).caPEM === cp.ca.cert;
    } catch (e) {
      assert.match((e as Error).message, /failed to verify JWS signature/);
      return false;
    }
  });
  // The token deleted: its signature goes.
  await cp.admin.delete(core('secrets', 'kube-system', 'bootstrap-token-abcdef'));
  await waitFor('the signature removed', async () => {
    const got = await anon.get<KObject & { data?: Record<string, string> }>(core('configmaps', CLUSTER_INFO_NAMESPACE, 'cluster-info'));
    return !got.data?.['jws-kubeconfig-abcdef'];
  });
});

test("TLS bootstrap: the node certificate is issued through an approved CSR and has only a node's rights", async (t) => {
  const { cp, dir, bearer, addToken } = await setup(t);
  await addToken();
  const cred = await bootstrapClientCertificate({ server: cp.url, caPEM: cp.ca.cert, nodeName: 'n1', dir, bootstrapToken: TOKEN });
  assert.equal(cred.fresh, true);
  const csr = await cp.admin.get<
    KObject & { spec: { username: string; signerName: string }; status: { conditions: { type: string; reason: string }[] } }
  >({
    ...CSRS,
    name: cred.csrName!,
  });
  assert.equal(csr.spec.username, 'system:bootstrap:abcdef');
  assert.equal(csr.spec.signerName, 'kubernetes.io/kube-apiserver-client-kubelet');
  assert.deepEqual(
    csr.status.conditions.map((c) => [c.type, c.reason]),
    [['Approved', 'AutoApproved']],
  );
  // A restart reuses it, without the token.
  const again = await bootstrapClientCertificate({ server: cp.url, caPEM: cp.ca.cert, nodeName: 'n1', dir });
  assert.equal(again.fresh, false);
  assert.equal(again.certData, cred.certData);

  const n1 = new RestClient({ server: cp.url, caData: cp.ca.cert, certData: cred.certData, keyData: cred.keyData });
  t.after(() => n1.close());
  const who = await n1.create<KObject & { status?: { userInfo?: { username?: string; groups?: string[] } } }>(
    { group: 'authentication.k8s.io', version: 'v1', resource: 'selfsubjectreviews' },
    { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', metadata: {} },
  );
  assert.equal(who.status?.userInfo?.username, 'system:node:n1');
  assert.deepEqual(who.status?.userInfo?.groups, ['system:nodes', 'system:authenticated']);

  // The node's rights: its own Node yes, another no; Secrets only those of its pods.
  await n1.create(core('nodes'), { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
  await cp.admin.create(core('nodes'), { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n2' } });
  await cp.admin.create(core('secrets', 'default'), {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'used' },
    stringData: { k: 'v' },
  });
  await cp.admin.create(core('secrets', 'default'), {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'unused' },
    stringData: { k: 'v' },
  });
  await cp.admin.create(core('pods', 'default'), {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: {
      nodeName: 'n1',
      automountServiceAccountToken: false,
      containers: [{ name: 'c', image: 'busybox' }],
      volumes: [{ name: 's', secret: { secretName: 'used' } }],
    },
  });
  assert.equal(await statusCode(n1.get(core('secrets', 'default', 'used'))), 200);
  assert.equal(await statusCode(n1.get(core('secrets', 'default', 'unused'))), 403);
  assert.equal(await statusCode(n1.list(core('secrets', 'default'))), 403);
  assert.equal(await statusCode(n1.patch(core('nodes', undefined, 'n2'), { metadata: { labels: { evil: 'yes' } } }, 'merge')), 403);
  assert.equal(await statusCode(n1.patch(core('nodes', undefined, 'n1'), { metadata: { labels: { mine: 'yes' } } }, 'merge')), 200);

  // A bootstrap token cannot get a certificate for a node name in another group or for system:masters.
  const boot = bearer(TOKEN);
  const masters = requestCertificate(boot, {
    commonName: 'evil',
    organizations: ['system:masters'],
    signerName: 'kubernetes.io/kube-apiserver-client',
    usages: ['client auth'],
    timeoutMs: 1000,
  });
  await assert.rejects(masters, /system:masters group is not allowed/);
  // Not shaped as a node client certificate: never auto-approved.
  await assert.rejects(
    requestCertificate(boot, {
      commonName: 'system:node:n9',
      organizations: ['system:masters'],
      signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
      usages: ['client auth'],
      timeoutMs: 1500,
    }),
    /was not approved/,
  );

  // The node's components: kube-proxy and its add-ons, asked for with the node's own credential.
  const proxy = await componentCertificate(n1, cp.ca.cert, path.join(dir, 'pki', 'kube-proxy.pem'), 'system:kube-proxy', []);
  assert.match(new (await import('node:crypto')).X509Certificate(proxy.cert).subject, /CN=system:kube-proxy/);
  // ...but not another node's add-ons identity.
  await assert.rejects(
    requestCertificate(n1, {
      commonName: 'system:k8ts:node-addons:n2',
      organizations: ['system:k8ts:node-addons'],
      signerName: 'kubernetes.io/kube-apiserver-client',
      usages: ['client auth'],
      timeoutMs: 1500,
    }),
    /was not approved/,
  );

  // Serving certificates: approved for the node's own name and addresses only.
  await n1.patch(
    core('nodes', undefined, 'n1', 'status'),
    {
      status: {
        addresses: [
          { type: 'InternalIP', address: '10.9.8.7' },
          { type: 'Hostname', address: 'n1' },
        ],
      },
    },
    'merge',
  );
  const serving = await requestCertificate(n1, {
    commonName: 'system:node:n1',
    organizations: ['system:nodes'],
    dnsNames: ['n1'],
    ips: ['10.9.8.7'],
    signerName: 'kubernetes.io/kubelet-serving',
    usages: ['digital signature', 'key encipherment', 'server auth'],
  });
  const { X509Certificate } = await import('node:crypto');
  assert.ok(new X509Certificate(serving.cert).checkIP('10.9.8.7'));
  await assert.rejects(
    requestCertificate(n1, {
      commonName: 'system:node:n1',
      organizations: ['system:nodes'],
      dnsNames: ['n1'],
      ips: ['10.9.8.6'],
      signerName: 'kubernetes.io/kubelet-serving',
      usages: ['digital signature', 'key encipherment', 'server auth'],
      timeoutMs: 1500,
    }),
    /was not approved/,
  );
});

test('CSR approval needs approve on the signer; kubectl-style approve and deny', async (t) => {
  const { cp, bearer, addToken } = await setup(t);
  await addToken({ usages: ['authentication'], groups: [] });
  const { makeCSR } = await import('../pki/csr.js');
  const mk = async (name: string) => {
    const { csrPEM } = makeCSR({ commonName: 'alice', organizations: ['devs'] });
    await cp.admin.create(CSRS, {
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { name },
      spec: {
        request: Buffer.from(csrPEM).toString('base64'),
        signerName: 'kubernetes.io/kube-apiserver-client',
        usages: ['client auth'],
        expirationSeconds: 86400,
      },
    });
    return cp.admin.get<KObject>({ ...CSRS, name });
  };
  const a = await mk('alice');
  assert.equal((a.spec as { username: string }).username, 'kubernetes-admin');
  // Someone allowed to update approval but not to approve for the signer: refused.
  await cp.admin.create(
    { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles' },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'csr-updater' },
      rules: [
        {
          apiGroups: ['certificates.k8s.io'],
          resources: ['certificatesigningrequests', 'certificatesigningrequests/approval'],
          verbs: ['get', 'update'],
        },
      ],
    },
  );
  await cp.admin.create(
    { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterrolebindings' },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'csr-updater' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'csr-updater' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bob' }],
    },
  );
  const bob = cp.clientFor('bob');
  const approved = { ...a, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'KubectlApprove', message: 'ok' }] } };
  try {
    await bob.update({ ...CSRS, name: 'alice', subresource: 'approval' }, approved);
    assert.fail('bob approved');
  } catch (e) {
    assert.ok(isApiError(e) && e.code === 403, String(e));
    assert.match(e.message, /user not permitted to approve requests with signerName "kubernetes.io\/kube-apiserver-client"/);
  }
  await cp.admin.update({ ...CSRS, name: 'alice', subresource: 'approval' }, approved);
  const issued = await waitFor('the signer to issue alice', async () => {
    const got = await cp.admin.get<KObject & { status?: { certificate?: string } }>({ ...CSRS, name: 'alice' });
    return got.status?.certificate ? got : undefined;
  });
  const { X509Certificate } = await import('node:crypto');
  const cert = new X509Certificate(Buffer.from(issued.status!.certificate!, 'base64'));
  assert.match(cert.subject, /CN=alice/);
  assert.ok(cert.verify(new X509Certificate(cp.ca.cert).publicKey));
  // The spec never changes; Approved cannot be removed.
  const cur = await cp.admin.get<KObject>({ ...CSRS, name: 'alice' });
  assert.equal(
    await statusCode(cp.admin.update({ ...CSRS, name: 'alice', subresource: 'approval' }, { ...cur, status: { conditions: [] } })),
    422,
  );
  // Denied: never issued.
  const d = await mk('dora');
  await cp.admin.update(
    { ...CSRS, name: 'dora', subresource: 'approval' },
    { ...d, status: { conditions: [{ type: 'Denied', status: 'True', reason: 'KubectlDeny' }] } },
  );
  const denied = await cp.admin.get<KObject & { status?: { certificate?: string } }>({ ...CSRS, name: 'dora' });
  assert.equal(denied.status?.certificate, undefined);
  // Both Approved and Denied: invalid.
  assert.equal(
    await statusCode(
      cp.admin.update(
        { ...CSRS, name: 'dora', subresource: 'approval' },
        {
          ...denied,
          status: {
            conditions: [
              { type: 'Denied', status: 'True' },
              { type: 'Approved', status: 'True' },
            ],
          },
        },
      ),
    ),
    422,
  );
  // A garbage request is refused at creation.
  assert.equal(
    await statusCode(
      cp.admin.create(CSRS, {
        apiVersion: 'certificates.k8s.io/v1',
        kind: 'CertificateSigningRequest',
        metadata: { name: 'junk' },
        spec: { request: Buffer.from('junk').toString('base64'), signerName: 'example.com/x', usages: ['client auth'] },
      }),
    ),
    422,
  );
  void bearer;
});
