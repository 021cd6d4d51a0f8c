// Pods as real containers on a real node (k8ts up's own, on the OCI runtime where this host can
// run it: runc as root), driven by the stock kubectl: SCENARIO.md section 1 and the node-agent
// issue. Needs root on Linux (network namespaces).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import YAML from 'yaml';
import { ociUnavailableReason } from '../../src/node/runtime/oci/runtime.js';
import { run, spawnKubectl, TestCluster } from './harness.js';

const root = process.platform === 'linux' && process.getuid?.() === 0;
const BRIDGE = 'k8tse2e0';
const CIDR_PREFIX = '10.251.0.';
const cluster = new TestCluster('node', 'memory');

const json = async (...args: string[]) => JSON.parse(await cluster.k(...args, '-o', 'json'));
const podsOf = async (selector: string) =>
  ((await json('get', 'pods', '-l', selector)).items as any[]).filter((p) => !p.metadata.deletionTimestamp);
const ready = (p: any) => p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');

/** Host pids of the processes of a pod whose command line contains `needle`. */
function podPids(podName: string, needle: string): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (!cmd.includes(needle)) continue;
      const env = fs.readFileSync(`/proc/${d}/environ`, 'utf8').split('\0');
      if (env.includes(`HOSTNAME=${podName}`)) out.push(Number(d));
    } catch {
      /* gone or not ours to read */
    }
  }
  return out;
}

describe('pods as containers on a real node', { skip: root ? false : 'needs root on Linux (network namespaces)' }, () => {
  before(async () => {
    await cluster.up(['--bridge', BRIDGE, '--pod-cidr', `${CIDR_PREFIX}0/24`, '--node-name', 'e2e-node']);
  });
  after(async () => {
    await cluster.stop();
  });

  let podName = '';
  let podIP = '';

  test('the bootcamp pod runs with an IP of its own, env, logs, describe', async () => {
    await cluster.waitFor('node Ready', async () => /e2e-node\s+Ready/.test(await cluster.k('get', 'nodes')));
    // A service that exists before the pod appears in its environment.
    await cluster.k('create', 'service', 'clusterip', 'web-svc', '--tcp=80:8080');
    await cluster.k('create', 'deployment', 'kubernetes-bootcamp', '--image=gcr.io/google-samples/kubernetes-bootcamp:v1');
    await cluster.k('rollout', 'status', 'deployment/kubernetes-bootcamp', '--timeout=60s');
    assert.match(await cluster.k('get', 'deployments'), /^kubernetes-bootcamp\s+1\/1\s+1\s+1\s+/m);
    podName = (
      await cluster.k('get', 'pods', '-o', 'go-template', '--template', '{{range .items}}{{.metadata.name}}{{"\\n"}}{{end}}')
    ).trim();
    assert.match(podName, /^kubernetes-bootcamp-[a-z0-9]+-[a-z0-9]{5}$/);
    const pod = await json('get', 'pod', podName);
    podIP = pod.status.podIP;
    assert.ok(podIP.startsWith(CIDR_PREFIX), podIP);
    assert.equal(pod.status.phase, 'Running');
    const env = await cluster.k('exec', podName, '--', 'env');
    assert.match(env, new RegExp(`^HOSTNAME=${podName}$`, 'm'));
    assert.match(env, /^KUBERNETES_SERVICE_HOST=10\.96\.0\.1$/m);
    assert.match(env, /^KUBERNETES_SERVICE_PORT=443$/m);
    assert.match(env, /^WEB_SVC_SERVICE_HOST=10\.\d+\.\d+\.\d+$/m);
    assert.match(env, /^WEB_SVC_PORT_80_TCP=tcp:\/\//m);
    // From the host, straight to the pod's own IP.
    const r = await run('curl', ['-s', '--max-time', '5', `http://${podIP}:8080`]);
    assert.equal(r.stdout, `Hello Kubernetes bootcamp! | Running on: ${podName} | v=1\n`);
    const logs = await cluster.k('logs', podName);
    assert.match(logs, new RegExp(`Kubernetes Bootcamp App Started At: .* \\| Running On:\\s+${podName}`));
    assert.match(logs, new RegExp(`Running On: ${podName} \\| Total Requests: 1`));
    const desc = await cluster.k('describe', 'pods');
    for (const reason of ['Scheduled', 'Pulled', 'Created', 'Started']) assert.match(desc, new RegExp(`Normal\\s+${reason}\\s`));
    assert.match(desc, /^IP:\s+10\.251\.0\.\d+$/m);
    assert.match(desc, /^Node:\s+e2e-node\/10\.251\.0\.1$/m);
  });

  test('the node runs containers with the OCI runtime where it can; a container sees its image, not the host', async () => {
    const node = (await json('get', 'nodes')).items[0];
    const isolated = node.status.conditions.find((c: { type: string }) => c.type === 'ContainersIsolated');
    if (!ociUnavailableReason()) {
      assert.match(node.status.nodeInfo.containerRuntimeVersion, /^k8ts-oci:\/\//);
      assert.equal(isolated?.status, 'True', JSON.stringify(isolated));
    }
    // The cluster's admin token on the host is not in the container's view.
    const r = await cluster.kubectl(['exec', podName, '--', 'cat', `${cluster.dataDir}/token`]);
    assert.notEqual(r.code, 0);
    assert.ok(cluster.token && !r.stdout.includes(cluster.token));
    assert.match(await cluster.k('exec', podName, '--', 'cat', '/server.js'), /createServer/);
  });

  test('exec -ti bash: cat server.js and curl localhost in the container', async () => {
    const cmd = `kubectl --cache-dir ${cluster.cacheDir} exec -ti ${podName} -- bash`;
    const r = await run('script', ['-qefc', cmd, '/dev/null'], {
      env: cluster.env({ TERM: 'dumb' }),
      input: 'cat server.js | head -3; curl -s http://localhost:8080; tty; exit\n',
      timeoutMs: 30_000,
    });
    assert.match(r.stdout, /require\('http'\)|http\.createServer|createServer/);
    assert.match(r.stdout, new RegExp(`Hello Kubernetes bootcamp! \\| Running on: ${podName} \\| v=1`));
    assert.match(r.stdout, /\/dev\/pts\/\d+/);
  });

  test('the pod proxy answers through kubectl proxy', async () => {
    const p = spawnKubectl(cluster, ['proxy', '--port=0']);
    try {
      const port = await cluster.waitFor('proxy port', async () => Number(/127\.0\.0\.1:(\d+)/.exec(p.output())?.[1] ?? 0));
      const r = await run('curl', [
        '-s',
        '--max-time',
        '5',
        `http://127.0.0.1:${port}/api/v1/namespaces/default/pods/${podName}:8080/proxy/`,
      ]);
      assert.equal(r.stdout, `Hello Kubernetes bootcamp! | Running on: ${podName} | v=1\n`);
    } finally {
      p.stop();
    }
  });

  test('port-forward carries connections to the pod', async () => {
    const pf = spawnKubectl(cluster, ['port-forward', `pod/${podName}`, ':8080']);
    try {
      const port = await cluster.waitFor('forwarding', async () => Number(/127\.0\.0\.1:(\d+) -> 8080/.exec(pf.output())?.[1] ?? 0));
      const [a, b] = await Promise.all([1, 2].map(() => run('curl', ['-s', '--max-time', '10', `http://127.0.0.1:${port}/`])));
      for (const r of [a, b]) assert.equal(r.stdout, `Hello Kubernetes bootcamp! | Running on: ${podName} | v=1\n`);
    } finally {
      pf.stop();
    }
  });

  test('killing the container process restarts it in the same pod (RESTARTS 1)', async () => {
    const pids = podPids(podName, 'server.js');
    assert.ok(pids.length >= 1, 'found the app process');
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    await cluster.waitFor(
      'restarted',
      async () => {
        const p = await json('get', 'pod', podName);
        const cs = p.status.containerStatuses?.[0];
        return cs?.restartCount === 1 && cs.ready && cs.lastState?.terminated;
      },
      30_000,
    );
    assert.match(await cluster.k('get', 'pods'), new RegExp(`^${podName}\\s+1/1\\s+Running\\s+1 \\(`, 'm'));
    assert.equal((await json('get', 'pod', podName)).status.podIP, podIP);
  });

  test('a deleted pod is replaced by one with a new name and IP; two replicas on 8080 side by side', async () => {
    await cluster.k('delete', 'pod', podName);
    await cluster.k('scale', 'deployments/kubernetes-bootcamp', '--replicas=2');
    await cluster.waitFor(
      'two new ready pods',
      async () => {
        const ps = await podsOf('app=kubernetes-bootcamp');
        return ps.length === 2 && ps.every(ready) && ps.every((p) => p.metadata.name !== podName);
      },
      60_000,
    );
    const ps = await podsOf('app=kubernetes-bootcamp');
    const ips = ps.map((p) => p.status.podIP);
    assert.equal(new Set(ips).size, 2);
    for (const ip of ips) assert.ok(ip.startsWith(CIDR_PREFIX));
    // Ready without a readiness probe is "its container runs", not "it listens" (as in Kubernetes):
    // the app may take a moment to open its port.
    for (const p of ps) {
      const body = await cluster.waitFor(
        `${p.metadata.name} answering on its IP`,
        async () => (await run('curl', ['-s', '--max-time', '5', `http://${p.status.podIP}:8080`])).stdout,
        20_000,
      );
      assert.match(body, new RegExp(`Running on: ${p.metadata.name} \\| v=1`));
    }
  });

  test('expose as a NodePort service: a node port and the pods as endpoints', async () => {
    assert.match(
      await cluster.k('expose', 'deployment/kubernetes-bootcamp', '--type=NodePort', '--port', '8080'),
      /service\/kubernetes-bootcamp exposed/,
    );
    assert.match(await cluster.k('get', 'services'), /^kubernetes-bootcamp\s+NodePort\s+10\.\d+\.\d+\.\d+\s+<none>\s+8080:3\d{4}\/TCP\s+/m);
    const ips = (await podsOf('app=kubernetes-bootcamp')).map((p) => `${p.status.podIP}:8080`).sort();
    await cluster.waitFor('endpoints', async () => {
      const d = await cluster.k('describe', 'services/kubernetes-bootcamp');
      const m = /^Endpoints:\s+(.*)$/m.exec(d);
      return m && m[1].split(',').sort().join(',') === ips.join(',');
    });
    const slices = await json('get', 'endpointslices', '-l', 'kubernetes.io/service-name=kubernetes-bootcamp');
    assert.equal(slices.items[0].endpoints.length, 2);
    await cluster.k('delete', 'service', '-l', 'app=kubernetes-bootcamp');
  });

  test('two containers share localhost, an emptyDir and IPC; another pod does not see the IPC', async () => {
    const pod = (name: string, two: boolean) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: {
        volumes: [{ name: 'shared', emptyDir: {} }],
        containers: [
          {
            name: 'web',
            image: 'registry.k8s.io/e2e-test-images/agnhost:2.53',
            args: ['netexec', '--http-port=8080'],
            volumeMounts: [{ name: 'shared', mountPath: '/shared' }],
          },
          ...(two
            ? [{ name: 'side', image: 'busybox', command: ['sleep', '3600'], volumeMounts: [{ name: 'shared', mountPath: '/shared' }] }]
            : []),
        ],
      },
    });
    await cluster.kIn(YAML.stringify(pod('duo', true)) + '---\n' + YAML.stringify(pod('solo', false)), 'apply', '-f', '-');
    await cluster.k('wait', '--for=condition=Ready', 'pod/duo', 'pod/solo', '--timeout=60s');
    const viaLocalhost = await cluster.k('exec', 'duo', '-c', 'side', '--', 'curl', '-s', 'http://localhost:8080/hostname');
    assert.equal(viaLocalhost.trim(), 'duo');
    await cluster.k('exec', 'duo', '-c', 'web', '--', 'sh', '-c', 'echo shared-hello > /shared/f');
    assert.equal((await cluster.k('exec', 'duo', '-c', 'side', '--', 'cat', '/shared/f')).trim(), 'shared-hello');
    const made = await cluster.k('exec', 'duo', '-c', 'web', '--', 'ipcmk', '-M', '4096');
    const id = /(\d+)/.exec(made)?.[1];
    assert.ok(id, made);
    assert.match(await cluster.k('exec', 'duo', '-c', 'side', '--', 'ipcs', '-m'), new RegExp(`\\b${id}\\b`));
    assert.doesNotMatch(await cluster.k('exec', 'solo', '--', 'ipcs', '-m'), new RegExp(`0x[0-9a-f]+\\s+${id}\\b`));
    // The volume's files are not in the host's view of the mount path.
    assert.equal(fs.existsSync('/shared/f'), false);
  });

  test('a failing liveness probe restarts its container; a failing readiness probe takes the pod out of Ready', async () => {
    await cluster.kIn(
      YAML.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'probed' },
        spec: {
          containers: [
            {
              name: 'c',
              image: 'busybox',
              command: ['sh', '-c', 'touch /tmp/healthy /tmp/ready; sleep 3; rm /tmp/healthy; sleep 600'],
              livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, periodSeconds: 1, failureThreshold: 1 },
              readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 1 },
            },
          ],
        },
      }),
      'apply',
      '-f',
      '-',
    );
    await cluster.waitFor(
      'liveness restart',
      async () => (await json('get', 'pod', 'probed')).status.containerStatuses?.[0]?.restartCount >= 1,
      60_000,
    );
    assert.match(await cluster.k('describe', 'pod', 'probed'), /Liveness probe failed/);
    await cluster.k('exec', 'probed', '--', 'rm', '-f', '/tmp/ready');
    await cluster.waitFor('not ready', async () => !ready(await json('get', 'pod', 'probed')), 30_000);
    assert.match(await cluster.k('describe', 'pod', 'probed'), /Readiness probe failed/);
  });

  test('image v10: ImagePullBackOff, the old pods keep serving, rollout undo recovers', async () => {
    const oldPods = (await podsOf('app=kubernetes-bootcamp')).map((p) => p.metadata.name).sort();
    await cluster.k('set', 'image', 'deployments/kubernetes-bootcamp', 'kubernetes-bootcamp=gcr.io/google-samples/kubernetes-bootcamp:v10');
    await cluster.waitFor('ImagePullBackOff', async () => /ErrImagePull|ImagePullBackOff/.test(await cluster.k('get', 'pods')), 60_000);
    await cluster.waitFor('ImagePullBackOff', async () => /ImagePullBackOff/.test(await cluster.k('get', 'pods')), 60_000);
    const running = (await podsOf('app=kubernetes-bootcamp')).filter((p) => oldPods.includes(p.metadata.name) && ready(p));
    assert.ok(running.length >= 1, 'old pods keep running');
    assert.match(
      await cluster.k('describe', 'pods', '-l', 'app=kubernetes-bootcamp'),
      /Failed to pull image "gcr.io\/google-samples\/kubernetes-bootcamp:v10"/,
    );
    await cluster.k('rollout', 'undo', 'deployments/kubernetes-bootcamp');
    await cluster.k('rollout', 'status', 'deployment/kubernetes-bootcamp', '--timeout=60s');
    const after = await podsOf('app=kubernetes-bootcamp');
    assert.ok(after.every((p) => p.spec.containers[0].image.endsWith(':v1')));
  });

  test('after k8ts down nothing of the cluster is left on the machine', async () => {
    const dataDir = cluster.dataDir;
    const pid = cluster.pid();
    const r = await cluster.down();
    assert.equal(r.code, 0, r.stderr);
    assert.ok(pid && !fs.existsSync(`/proc/${pid}`), 'control plane exited');
    const links = execFileSync('ip', ['-o', 'link', 'show']).toString();
    assert.doesNotMatch(links, new RegExp(`\\b${BRIDGE}\\b`));
    assert.equal(
      fs
        .readFileSync('/proc/self/mountinfo', 'utf8')
        .split('\n')
        .filter((l) => l.includes(dataDir)).length,
      0,
    );
    const leftovers: number[] = [];
    for (const d of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        if (fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(dataDir)) leftovers.push(Number(d));
      } catch {
        /* gone */
      }
    }
    assert.deepEqual(leftovers, []);
    assert.equal(podPids(podName, 'server.js').length, 0);
  });
});
