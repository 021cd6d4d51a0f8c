// Pods reach the API server as their service account (issues #9 and #12), on a real node with
// the stock kubectl: the kube-api-access volume's token, CA and namespace; the token
// authenticates from the host (kubectl --token) and from inside the pod (curl to
// kubernetes.default.svc, to 10.96.0.1 and to the endpoint, and @kubernetes/client-node's
// loadFromCluster() through the service); a deleted
// pod's token is refused; automountServiceAccountToken: false is honoured; a pod naming a missing
// service account is refused; `kubectl create token` works. Needs root on Linux.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { isRoot, KUBECTL, ownNodeArgs, run, TestCluster } from './harness.js';

const cluster = new TestCluster('svcapi', 'memory');
const NS = 'inpod';
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** The repository's node_modules (from dist/test/e2e), lent read-only to a pod for @kubernetes/client-node. */
const NODE_MODULES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../node_modules');

const json = async (...args: string[]) => JSON.parse(await cluster.k(...args, '-o', 'json'));

/** kubectl with no kubeconfig credentials: only the given token (and the cluster CA) speak for it. */
function kubectlWithToken(token: string, args: string[]) {
  const ca = path.join(cluster.dir, 'ca.crt');
  fs.writeFileSync(ca, cluster.ca);
  return run(KUBECTL, ['--kubeconfig', '/dev/null', '--server', cluster.url, '--certificate-authority', ca, '--token', token, ...args], {
    env: cluster.env(),
  });
}

function podYAML(name: string, spec: object): string {
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS },
    spec: { terminationGracePeriodSeconds: 1, ...spec },
  });
}

async function waitRunning(name: string): Promise<void> {
  await cluster.waitFor(`pod ${name} Running`, async () => (await json('get', 'pod', name, '-n', NS)).status?.phase === 'Running', 60_000);
}

describe('service accounts and in-cluster API access on a real node', {
  skip: isRoot ? false : 'needs root on Linux (network namespaces)',
}, () => {
  let endpoint = '';
  let podToken = '';

  before(async () => {
    await cluster.up(ownNodeArgs('sa'));
    await cluster.waitFor('node Ready', async () => /sa-node\s+Ready/.test(await cluster.k('get', 'nodes')), 60_000);
    await cluster.k('create', 'namespace', NS);
    const ep = await json('get', 'endpoints', 'kubernetes', '-n', 'default');
    endpoint = `${ep.subsets[0].addresses[0].ip}:${ep.subsets[0].ports[0].port}`;
  });
  after(async () => {
    await cluster.stop();
  });

  test('a pod gets the kube-api-access volume: a bound token, the cluster CA and its namespace', async () => {
    await cluster.kIn(
      podYAML('reader', { containers: [{ name: 'app', image: 'busybox', command: ['sleep', '3600'] }] }),
      'apply',
      '-f',
      '-',
    );
    await waitRunning('reader');
    const pod = await json('get', 'pod', 'reader', '-n', NS);
    assert.equal(pod.spec.serviceAccountName, 'default');
    const vol = pod.spec.volumes.find((v: { name: string }) => v.name.startsWith('kube-api-access-'));
    assert.ok(vol, JSON.stringify(pod.spec.volumes));
    assert.deepEqual(pod.spec.containers[0].volumeMounts, [{ name: vol.name, mountPath: SA_DIR, readOnly: true }]);
    assert.equal(await cluster.k('exec', 'reader', '-n', NS, '--', 'cat', `${SA_DIR}/namespace`), NS);
    assert.equal(await cluster.k('exec', 'reader', '-n', NS, '--', 'cat', `${SA_DIR}/ca.crt`), cluster.ca);
    podToken = await cluster.k('exec', 'reader', '-n', NS, '--', 'cat', `${SA_DIR}/token`);
    const claims = JSON.parse(Buffer.from(podToken.split('.')[1], 'base64url').toString());
    assert.equal(claims.sub, `system:serviceaccount:${NS}:default`);
    assert.deepEqual(claims['kubernetes.io'].pod, { name: 'reader', uid: pod.metadata.uid });
    assert.equal(claims['kubernetes.io'].node.name, 'sa-node');
  });

  test("the pod's token authenticates from the host and from inside the pod", async () => {
    // Who the token is (kubectl auth whoami: SelfSubjectReview): the service account, bound to the pod.
    const who = await kubectlWithToken(podToken, ['auth', 'whoami', '-o', 'json']);
    assert.equal(who.code, 0, who.stderr);
    const info = JSON.parse(who.stdout).status.userInfo;
    assert.equal(info.username, `system:serviceaccount:${NS}:default`);
    assert.deepEqual(info.groups, ['system:serviceaccounts', `system:serviceaccounts:${NS}`, 'system:authenticated']);
    assert.deepEqual(info.extra['authentication.kubernetes.io/pod-name'], ['reader']);
    assert.deepEqual(info.extra['authentication.kubernetes.io/node-name'], ['sa-node']);
    // Authenticated as its service account, which may do nothing yet (RBAC)...
    const denied = await kubectlWithToken(podToken, ['get', 'pods', '-n', NS, '-o', 'name']);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /User "system:serviceaccount:inpod:default" cannot list resource "pods"/);
    // ... until it is granted view in its namespace (robot, made later, too).
    await cluster.k(
      'create',
      'rolebinding',
      'sa-view',
      '-n',
      NS,
      '--clusterrole=view',
      `--serviceaccount=${NS}:default`,
      `--serviceaccount=${NS}:robot`,
    );
    const fromHost = await cluster.waitFor('the binding to take effect', async () => {
      const r = await kubectlWithToken(podToken, ['get', 'pods', '-n', NS, '-o', 'name']);
      return r.code === 0 && r;
    });
    assert.match(fromHost.stdout, /^pod\/reader$/m);
    // Inside the pod, verified with the mounted CA: through the kubernetes service by its DNS name
    // and its ClusterIP (cluster DNS and the service proxy), and straight to its endpoint.
    for (const server of ['kubernetes.default.svc', '$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT', endpoint]) {
      const script = `curl -sS --max-time 10 --cacert ${SA_DIR}/ca.crt -H "Authorization: Bearer $(cat ${SA_DIR}/token)" https://${server}/api/v1/namespaces/$(cat ${SA_DIR}/namespace)/pods`;
      const list = JSON.parse(await cluster.k('exec', 'reader', '-n', NS, '--', 'sh', '-c', script));
      assert.equal(list.kind, 'PodList', server);
      assert.ok(
        list.items.some((p: { metadata: { name: string } }) => p.metadata.name === 'reader'),
        server,
      );
    }
    assert.match(
      await cluster.k('exec', 'reader', '-n', NS, '--', 'sh', '-c', 'echo $KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT'),
      /^10\.96\.0\.1:443$/m,
    );
    // Without the token: 401, as from kube-apiserver.
    const anon = JSON.parse(
      await cluster.k(
        'exec',
        'reader',
        '-n',
        NS,
        '--',
        'sh',
        '-c',
        `curl -sS --max-time 10 --cacert ${SA_DIR}/ca.crt https://${endpoint}/api/v1/namespaces/${NS}/pods`,
      ),
    );
    assert.equal(anon.code, 401);
  });

  test('@kubernetes/client-node loadFromCluster() lists pods from inside a pod', async () => {
    const program = [
      "const k8s = await import('/opt/node_modules/@kubernetes/client-node/dist/index.js');",
      'const kc = new k8s.KubeConfig(); kc.loadFromCluster();',
      "const pods = await kc.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: 'inpod' });",
      "console.log('PODS ' + pods.items.map((p) => p.metadata.name).sort().join(','));",
    ].join('\n');
    await cluster.kIn(
      podYAML('incluster', {
        restartPolicy: 'Never',
        containers: [
          {
            // loadFromCluster(): KUBERNETES_SERVICE_HOST/PORT (10.96.0.1:443, the kubelet's service
            // environment), the token and ca.crt of the kube-api-access volume.
            name: 'client',
            image: 'gcr.io/google-samples/kubernetes-bootcamp:v1',
            command: ['node', '--input-type=module', '-e', program],
            volumeMounts: [{ name: 'modules', mountPath: '/opt/node_modules', readOnly: true }],
          },
        ],
        volumes: [{ name: 'modules', hostPath: { path: NODE_MODULES, type: 'Directory' } }],
      }),
      'apply',
      '-f',
      '-',
    );
    const done = await cluster.waitFor(
      'the client pod to finish',
      async () => {
        const p = await json('get', 'pod', 'incluster', '-n', NS);
        return ['Succeeded', 'Failed'].includes(p.status?.phase) && p;
      },
      90_000,
    );
    const logs = await cluster.k('logs', 'incluster', '-n', NS);
    assert.equal(done.status.phase, 'Succeeded', logs);
    assert.match(logs, /^PODS .*\bincluster\b.*$/m);
    assert.match(logs, /\breader\b/);
  });

  test('the stock kubectl inside a pod uses the in-cluster config', async () => {
    // The host's kubectl (a static binary) lent to a busybox pod; no kubeconfig: it finds the
    // service's address in the environment and the token and CA in the kube-api-access volume.
    const kubectl = fs.realpathSync((await run('sh', ['-c', `command -v ${KUBECTL}`])).stdout.trim());
    await cluster.kIn(
      podYAML('kubectl', {
        restartPolicy: 'Never',
        containers: [
          {
            name: 'kubectl',
            image: 'busybox',
            command: ['/opt/kubectl', 'get', 'pods', '-n', NS, '-o', 'name'],
            env: [{ name: 'HOME', value: '/tmp' }],
            volumeMounts: [{ name: 'bin', mountPath: '/opt/kubectl', readOnly: true }],
          },
        ],
        volumes: [{ name: 'bin', hostPath: { path: kubectl, type: 'File' } }],
      }),
      'apply',
      '-f',
      '-',
    );
    const done = await cluster.waitFor(
      'the kubectl pod to finish',
      async () => {
        const p = await json('get', 'pod', 'kubectl', '-n', NS);
        return ['Succeeded', 'Failed'].includes(p.status?.phase) && p;
      },
      90_000,
    );
    const logs = await cluster.k('logs', 'kubectl', '-n', NS);
    assert.equal(done.status.phase, 'Succeeded', logs);
    assert.match(logs, /^pod\/kubectl$/m);
    assert.match(logs, /^pod\/reader$/m);
  });

  test("a deleted pod's token is refused", async () => {
    await cluster.k('delete', 'pod', 'reader', '-n', NS, '--wait=true', '--timeout=60s');
    const r = await kubectlWithToken(podToken, ['get', 'pods', '-n', NS]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Unauthorized/);
  });

  test('automountServiceAccountToken: false leaves the pod without a token', async () => {
    await cluster.kIn(
      podYAML('sealed', {
        automountServiceAccountToken: false,
        containers: [{ name: 'app', image: 'busybox', command: ['sleep', '3600'] }],
      }),
      'apply',
      '-f',
      '-',
    );
    await waitRunning('sealed');
    const pod = await json('get', 'pod', 'sealed', '-n', NS);
    assert.equal(pod.spec.volumes, undefined);
    const ls = await cluster.kubectl(['exec', 'sealed', '-n', NS, '--', 'ls', SA_DIR]);
    assert.notEqual(ls.code, 0);
    assert.match(ls.stderr, /No such file or directory/);
  });

  test('a pod naming a service account that does not exist is refused', async () => {
    const r = await cluster.kubectl([
      'run',
      'ghost',
      '-n',
      NS,
      '--image=busybox',
      '--overrides',
      JSON.stringify({ spec: { serviceAccountName: 'ghost' } }),
      '--',
      'sleep',
      '1',
    ]);
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /Error from server \(Forbidden\): pods "ghost" is forbidden: error looking up service account inpod\/ghost: serviceaccount "ghost" not found/,
    );
    assert.notEqual((await cluster.kubectl(['get', 'pod', 'ghost', '-n', NS])).code, 0);
  });

  test('kubectl create token', async () => {
    await cluster.k('create', 'serviceaccount', 'robot', '-n', NS);
    const token = (await cluster.k('create', 'token', 'robot', '-n', NS, '--duration', '15m')).trim();
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    assert.equal(claims.sub, `system:serviceaccount:${NS}:robot`);
    assert.equal(claims.exp - claims.iat, 900);
    const r = await kubectlWithToken(token, ['get', 'serviceaccount', 'robot', '-n', NS, '-o', 'name']);
    assert.equal(r.code, 0, r.stderr);
    const short = await cluster.kubectl(['create', 'token', 'robot', '-n', NS, '--duration', '1m']);
    assert.match(
      short.stderr,
      /TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes/,
    );
    // The service account deleted: its tokens go with it.
    await cluster.k('delete', 'serviceaccount', 'robot', '-n', NS);
    assert.match((await kubectlWithToken(token, ['get', 'pods', '-n', NS])).stderr, /Unauthorized/);
  });

  test('a legacy token Secret is filled on request and works while it holds the token', async () => {
    await cluster.k('create', 'serviceaccount', 'old-style', '-n', NS);
    await cluster.kIn(
      YAML.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'old-style-token', namespace: NS, annotations: { 'kubernetes.io/service-account.name': 'old-style' } },
        type: 'kubernetes.io/service-account-token',
      }),
      'apply',
      '-f',
      '-',
    );
    const secret = await cluster.waitFor('the token Secret filled', async () => {
      const s = await json('get', 'secret', 'old-style-token', '-n', NS);
      return s.data?.token && s;
    });
    assert.equal(Buffer.from(secret.data['ca.crt'], 'base64').toString(), cluster.ca);
    const token = Buffer.from(secret.data.token, 'base64').toString();
    const who = await kubectlWithToken(token, ['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
    assert.equal(who.stdout, `system:serviceaccount:${NS}:old-style`, who.stderr);
    await cluster.k('delete', 'secret', 'old-style-token', '-n', NS);
    assert.match((await kubectlWithToken(token, ['auth', 'whoami'])).stderr, /Unauthorized/);
  });
});

// The same in-cluster path with the userspace proxy (no nftables): 10.96.0.1 and
// kubernetes.default.svc still reach the API server from a pod.
const userspace = new TestCluster('svcapi-us', 'memory');
describe('in-cluster API access with the userspace proxy', { skip: isRoot ? false : 'needs root on Linux (network namespaces)' }, () => {
  before(async () => {
    await userspace.up([...ownNodeArgs('su'), '--proxy-mode', 'userspace']);
    await userspace.waitFor('node Ready', async () => /su-node\s+Ready/.test(await userspace.k('get', 'nodes')), 60_000);
  });
  after(async () => {
    await userspace.stop();
  });

  test('a pod lists pods through kubernetes.default.svc and 10.96.0.1', async () => {
    await userspace.k('create', 'rolebinding', 'sa-view', '--clusterrole=view', '--serviceaccount=default:default');
    await userspace.kIn(
      YAML.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'reader' },
        spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'app', image: 'busybox', command: ['sleep', '3600'] }] },
      }),
      'apply',
      '-f',
      '-',
    );
    await userspace.waitFor(
      'pod Running',
      async () => JSON.parse(await userspace.k('get', 'pod', 'reader', '-o', 'json')).status?.phase === 'Running',
      60_000,
    );
    for (const server of ['kubernetes.default.svc', '$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT']) {
      const script = `curl -sS --max-time 10 --cacert ${SA_DIR}/ca.crt -H "Authorization: Bearer $(cat ${SA_DIR}/token)" https://${server}/api/v1/namespaces/default/pods`;
      const list = await userspace.waitFor(
        `a pod list through ${server}`,
        async () => {
          const r = await userspace.kubectl(['exec', 'reader', '--', 'sh', '-c', script]);
          try {
            const l = JSON.parse(r.stdout);
            return l.kind === 'PodList' && l;
          } catch {
            return undefined;
          }
        },
        60_000,
      );
      assert.ok(
        list.items.some((p: { metadata: { name: string } }) => p.metadata.name === 'reader'),
        server,
      );
    }
  });
});
