import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { stays, waitFor } from '../testing/wait.js';
import { KUBELET_VERSION } from './kubelet/nodestatus.js';
import { cond, containerStatus, type Harness, NODE, startHarness } from './kubelet/testing.js';

let h: Harness;
before(async () => {
  h = await startHarness();
  h.images.failPull = (ref) =>
    ref.includes('does-not-exist') ? `rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": not found` : undefined;
  h.runtime.behaviour = (cfg) => {
    const mode = cfg.envs.find((e) => e.key === 'FAKE_EXIT')?.value;
    if (mode === undefined) return {};
    return { exitAfterMs: 30, exitCode: Number(mode) };
  };
});
after(async () => {
  await h?.stop();
});

test('the node registers with labels, capacity, nodeInfo and conditions, and renews its lease', async () => {
  const node = await h.client.get({ group: '', version: 'v1', resource: 'nodes', name: NODE });
  const labels = node.metadata.labels ?? {};
  assert.equal(labels['kubernetes.io/hostname'], NODE);
  assert.equal(labels['kubernetes.io/os'], 'linux');
  assert.ok(labels['kubernetes.io/arch']);
  assert.ok(!Object.keys(labels).some((k) => k.startsWith('node-role.kubernetes.io/')));
  const spec = node.spec as { podCIDR?: string; podCIDRs?: string[] };
  assert.equal(spec.podCIDR, '10.244.0.0/24');
  assert.deepEqual(spec.podCIDRs, ['10.244.0.0/24']);
  const status = node.status as Record<string, any>;
  assert.equal(status.capacity.pods, '110');
  assert.match(status.capacity.memory, /^\d+Ki$/);
  assert.match(status.capacity.cpu, /^\d+$/);
  assert.ok(status.allocatable['ephemeral-storage']);
  assert.deepEqual(status.addresses, [
    { type: 'InternalIP', address: '127.0.0.1' },
    { type: 'Hostname', address: NODE },
  ]);
  assert.equal(status.nodeInfo.kubeletVersion, KUBELET_VERSION);
  assert.equal(status.nodeInfo.containerRuntimeVersion, 'fake://0.0.1');
  assert.equal(status.nodeInfo.operatingSystem, 'linux');
  assert.equal(status.daemonEndpoints.kubeletEndpoint.Port, 10250);
  const ready = status.conditions.find((c: { type: string }) => c.type === 'Ready');
  assert.equal(ready.status, 'True');
  assert.equal(ready.reason, 'KubeletReady');
  assert.equal(ready.message, 'kubelet is posting ready status');
  for (const [t, r] of [
    ['MemoryPressure', 'KubeletHasSufficientMemory'],
    ['DiskPressure', 'KubeletHasNoDiskPressure'],
    ['PIDPressure', 'KubeletHasSufficientPID'],
  ]) {
    const c = status.conditions.find((x: { type: string }) => x.type === t);
    assert.equal(c.status, 'False');
    assert.equal(c.reason, r);
  }
  const leaseRef = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespace: 'kube-node-lease', name: NODE };
  const lease = await h.client.get(leaseRef);
  const spec1 = lease.spec as { holderIdentity: string; renewTime: string; leaseDurationSeconds: number };
  assert.equal(spec1.holderIdentity, NODE);
  assert.equal(spec1.leaseDurationSeconds, 40);
  assert.equal(lease.metadata.ownerReferences?.[0].kind, 'Node');
  await waitFor(
    'lease renewal',
    async () => ((await h.client.get(leaseRef)).spec as { renewTime: string }).renewTime !== spec1.renewTime,
    3000,
  );
  await h.waitEvent(NODE, 'Starting', 'Starting kubelet.');
  await h.waitEvent(NODE, 'NodeReady', `Node ${NODE} status is now: NodeReady`);
});

test('a running pod: Running, every condition True, container status and events', async () => {
  await h.createPod({ metadata: { name: 'web' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } });
  const p = await h.waitPod('web', 'Ready', (p) => p.status?.phase === 'Running' && cond(p, 'Ready') === 'True');
  for (const t of ['PodReadyToStartContainers', 'Initialized', 'ContainersReady', 'Ready', 'PodScheduled'])
    assert.equal(cond(p, t), 'True', t);
  assert.deepEqual(
    p.status?.conditions?.map((c) => c.type),
    ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'],
  );
  const cs = containerStatus(p)!;
  assert.ok(cs.state?.running?.startedAt);
  assert.equal(cs.ready, true);
  assert.equal(cs.started, true);
  assert.equal(cs.restartCount, 0);
  assert.match(cs.containerID ?? '', /^fake:\/\/c/);
  assert.equal(cs.image, 'nginx:1.27');
  assert.match(cs.imageID ?? '', /@sha256:/);
  assert.match(p.status?.podIP ?? '', /^10\.244\.0\.\d+$/);
  assert.deepEqual(p.status?.podIPs, [{ ip: p.status?.podIP }]);
  assert.equal(p.status?.hostIP, '127.0.0.1');
  assert.ok(p.status?.startTime);
  assert.equal(p.status?.qosClass, 'BestEffort');
  await h.waitEvent('web', 'Pulling', 'Pulling image "nginx:1.27"');
  await h.waitEvent(
    'web',
    'Pulled',
    /^Successfully pulled image "nginx:1.27" in \S+ \(\S+ including waiting\)\. Image size: 1234567 bytes\.$/,
  );
  await h.waitEvent('web', 'Created', 'Created container: app');
  await h.waitEvent('web', 'Started', 'Started container app');
  const ev = (await h.events('web')).find((e) => e.reason === 'Started');
  assert.equal(ev?.fieldPath, 'spec.containers{app}');
  // The status is written only when it changes: a quiet pod causes no more writes.
  const rv = p.metadata.resourceVersion;
  await stays('the quiet pod unwritten', async () => (await h.getPod('web')).metadata.resourceVersion === rv, 400);
});

test('completed pods: Succeeded with restartPolicy Never and OnFailure, Failed on a failing Never pod', async () => {
  const exitSpec = (code: number, restartPolicy: string) => ({
    restartPolicy,
    containers: [{ name: 'app', image: 'busybox:1.36', env: [{ name: 'FAKE_EXIT', value: String(code) }] }],
  });
  await h.createPod({ metadata: { name: 'done-never' }, spec: exitSpec(0, 'Never') as any });
  await h.createPod({ metadata: { name: 'done-onfailure' }, spec: exitSpec(0, 'OnFailure') as any });
  await h.createPod({ metadata: { name: 'fail-never' }, spec: exitSpec(3, 'Never') as any });
  const p = await h.waitPod('done-never', 'Succeeded', (p) => p.status?.phase === 'Succeeded');
  const term = containerStatus(p)?.state?.terminated;
  assert.equal(term?.exitCode, 0);
  assert.equal(term?.reason, 'Completed');
  assert.match(term?.containerID ?? '', /^fake:\/\//);
  assert.equal(cond(p, 'Ready'), 'False');
  assert.equal(p.status?.conditions?.find((c) => c.type === 'Ready')?.reason, 'PodCompleted');
  await h.waitPod('done-never', 'sandbox stopped', (p) => cond(p, 'PodReadyToStartContainers') === 'False');
  await h.waitPod('done-onfailure', 'Succeeded', (p) => p.status?.phase === 'Succeeded');
  const f = await h.waitPod('fail-never', 'Failed', (p) => p.status?.phase === 'Failed');
  assert.equal(containerStatus(f)?.state?.terminated?.exitCode, 3);
  assert.equal(containerStatus(f)?.state?.terminated?.reason, 'Error');
  assert.equal(containerStatus(f)?.restartCount, 0);
});

test('a crashing container: CrashLoopBackOff with restartCount, lastState and a doubling back-off', async () => {
  await h.createPod({
    metadata: { name: 'crash' },
    spec: { containers: [{ name: 'app', image: 'busybox:1.36', env: [{ name: 'FAKE_EXIT', value: '1' }] }] },
  });
  const messages = new Set<string>();
  let uid = '';
  await h.waitPod(
    'crash',
    'restartCount 3',
    (p) => {
      uid = p.metadata.uid!;
      const w = containerStatus(p)?.state?.waiting;
      if (w?.reason === 'CrashLoopBackOff') messages.add(w.message ?? '');
      return (containerStatus(p)?.restartCount ?? 0) >= 3;
    },
    10000,
  );
  const p = await h.waitPod('crash', 'CrashLoopBackOff', (p) => containerStatus(p)?.state?.waiting?.reason === 'CrashLoopBackOff', 10_000);
  messages.add(containerStatus(p)!.state!.waiting!.message!);
  assert.equal(p.status?.phase, 'Running');
  assert.equal(cond(p, 'Ready'), 'False');
  const last = containerStatus(p)?.lastState?.terminated;
  assert.equal(last?.exitCode, 1);
  assert.equal(last?.reason, 'Error');
  // Polling may miss a short window, but two consecutive back-offs are seen, one double the other.
  const seen = [...messages]
    .map((m) => /^back-off (\S+) restarting failed container=app pod=crash_default\((.*)\)$/.exec(m))
    .filter((m) => m && m[2] === uid)
    .map((m) => m![1]);
  const steps = ['200ms', '400ms', '800ms', '1.6s'];
  assert.ok(
    steps.some((s, i) => i + 1 < steps.length && seen.includes(s) && seen.includes(steps[i + 1])),
    [...messages].join('; '),
  );
  await h.waitEvent('crash', 'BackOff', `Back-off restarting failed container app in pod crash_default(${uid})`);
  // Only the newest exited container is kept beside the running one.
  assert.ok(h.runtime.containersOf(uid, 'app').length <= 2);
});

test('an image name no registry could serve: InvalidImageName, no pull', async () => {
  await h.createPod({ metadata: { name: 'badname' }, spec: { containers: [{ name: 'app', image: 'Example/App:v1' }] } });
  const p = await h.waitPod('badname', 'InvalidImageName', (x) => containerStatus(x)?.state?.waiting?.reason === 'InvalidImageName');
  assert.match(
    containerStatus(p)!.state!.waiting!.message!,
    /^Failed to apply default image tag "Example\/App:v1": couldn't parse image reference "Example\/App:v1": invalid reference format/,
  );
  await h.waitEvent('badname', 'InspectFailed', /^Failed to apply default image tag/);
  assert.ok(!h.images.pulls.some((r) => r.toLowerCase().includes('example/app')));
});

test('an image that cannot be pulled: ErrImagePull, then ImagePullBackOff, with events', async () => {
  const image = 'example.com/does-not-exist:v10';
  await h.createPod({ metadata: { name: 'badimage' }, spec: { containers: [{ name: 'app', image }] } });
  const p1 = await h.waitPod('badimage', 'ErrImagePull', (p) => containerStatus(p)?.state?.waiting?.reason === 'ErrImagePull');
  assert.match(containerStatus(p1)!.state!.waiting!.message!, /not found/);
  assert.equal(p1.status?.phase, 'Pending');
  const p2 = await h.waitPod('badimage', 'ImagePullBackOff', (p) => containerStatus(p)?.state?.waiting?.reason === 'ImagePullBackOff');
  // kubelet keeps the last pull error in the back-off message (image_manager.go prevPullErrMsg).
  assert.match(
    containerStatus(p2)!.state!.waiting!.message!,
    new RegExp(`^Back-off pulling image "${image}": ErrImagePull: rpc error: .*not found`),
  );
  await h.waitEvent('badimage', 'Failed', new RegExp(`^Failed to pull image "${image}": rpc error`));
  await h.waitEvent('badimage', 'Failed', 'Error: ErrImagePull');
  await h.waitEvent('badimage', 'BackOff', `Back-off pulling image "${image}"`);
  await h.waitEvent('badimage', 'Failed', 'Error: ImagePullBackOff');
  // Retried with back-off.
  await waitFor('a second pull', () => h.images.pulls.filter((r) => r.includes('does-not-exist')).length >= 2, 3000);
});

test('environment: envFrom, valueFrom, $(VAR) expansion, service variables and the image config', async () => {
  h.images.configFor = (ref) =>
    ref.includes('envtest')
      ? { entrypoint: ['/entry'], cmd: ['--image-cmd'], env: ['PATH=/usr/bin', 'FROM_IMAGE=1', 'OVERRIDE=image'], workingDir: '/app' }
      : {};
  await h.client.create(
    { group: '', version: 'v1', resource: 'configmaps', namespace: 'default' },
    { metadata: { name: 'cfg' }, data: { COLOR: 'blue', SIZE: 'L' } },
  );
  await h.client.create(
    { group: '', version: 'v1', resource: 'secrets', namespace: 'default' },
    { metadata: { name: 'sec' }, data: { PASSWORD: Buffer.from('s3cret').toString('base64') } },
  );
  await h.client.create(
    { group: '', version: 'v1', resource: 'services', namespace: 'default' },
    {
      metadata: { name: 'my-svc' },
      spec: {
        selector: { app: 'x' },
        ports: [
          { name: 'http', port: 8080, targetPort: 8080 },
          { name: 'metrics', port: 9090, protocol: 'UDP' },
        ],
      },
    },
  );
  const svc = await h.client.get({ group: '', version: 'v1', resource: 'services', namespace: 'default', name: 'my-svc' });
  const kube = await h.client.get({ group: '', version: 'v1', resource: 'services', namespace: 'default', name: 'kubernetes' });
  const svcIP = (svc.spec as { clusterIP: string }).clusterIP;
  const kubeIP = (kube.spec as { clusterIP: string }).clusterIP;
  await waitFor('nothing', async () => true);
  const pod = await h.createPod({
    metadata: { name: 'envpod', labels: { app: 'envpod', tier: 'web' } },
    spec: {
      serviceAccountName: 'default',
      containers: [
        {
          name: 'app',
          image: 'envtest:v1',
          args: ['--color=$(COLOR)', '$$(COLOR)', '$(UNDEFINED)'],
          envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CM_' }, { secretRef: { name: 'sec' } }],
          env: [
            { name: 'COLOR', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'COLOR' } } },
            { name: 'GREETING', value: 'hello $(COLOR) $$(COLOR) $(NOPE) $(MY_SVC_SERVICE_HOST)' },
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'POD_NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
            { name: 'POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
            { name: 'TIER', valueFrom: { fieldRef: { fieldPath: "metadata.labels['tier']" } } },
            { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
            { name: 'SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
            { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
            { name: 'MEM_LIMIT_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
            { name: 'CPU_REQ_M', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
            { name: 'PW', valueFrom: { secretKeyRef: { name: 'sec', key: 'PASSWORD' } } },
            { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'absent', key: 'x', optional: true } } },
            { name: 'OVERRIDE', value: 'pod' },
          ],
          resources: { limits: { memory: '128Mi', cpu: '500m' }, requests: { cpu: '250m', memory: '64Mi' } },
        },
      ],
    } as any,
  });
  await h.waitPod('envpod', 'Running', (p) => p.status?.phase === 'Running');
  const c = h.runtime.running(pod.metadata.uid!, 'app')!;
  const env = Object.fromEntries(c.config.envs.map((e) => [e.key, e.value]));
  assert.equal(env.HOSTNAME, 'envpod');
  assert.equal(env.CM_COLOR, 'blue');
  assert.equal(env.CM_SIZE, 'L');
  assert.equal(env.PASSWORD, 's3cret');
  assert.equal(env.COLOR, 'blue');
  assert.equal(env.GREETING, `hello blue $(COLOR) $(NOPE) ${svcIP}`);
  assert.equal(env.POD_NAME, 'envpod');
  assert.equal(env.POD_NS, 'default');
  assert.equal(env.POD_UID, pod.metadata.uid);
  assert.equal(env.TIER, 'web');
  assert.equal(env.NODE, NODE);
  assert.equal(env.SA, 'default');
  assert.match(env.POD_IP, /^10\.244\.0\.\d+$/);
  assert.equal(env.HOST_IP, '127.0.0.1');
  assert.equal(env.MEM_LIMIT_MI, '128');
  assert.equal(env.CPU_REQ_M, '250');
  assert.equal(env.PW, 's3cret');
  assert.ok(!('OPT' in env));
  assert.equal(env.OVERRIDE, 'pod');
  assert.equal(env.FROM_IMAGE, '1');
  assert.equal(env.PATH, '/usr/bin');
  // Service variables: the kubernetes service and the namespace's own.
  assert.equal(env.KUBERNETES_SERVICE_HOST, kubeIP);
  assert.equal(env.KUBERNETES_SERVICE_PORT, '443');
  assert.equal(env.KUBERNETES_SERVICE_PORT_HTTPS, '443');
  assert.equal(env.KUBERNETES_PORT, `tcp://${kubeIP}:443`);
  assert.equal(env.KUBERNETES_PORT_443_TCP, `tcp://${kubeIP}:443`);
  assert.equal(env.KUBERNETES_PORT_443_TCP_PROTO, 'tcp');
  assert.equal(env.KUBERNETES_PORT_443_TCP_PORT, '443');
  assert.equal(env.KUBERNETES_PORT_443_TCP_ADDR, kubeIP);
  assert.equal(env.MY_SVC_SERVICE_HOST, svcIP);
  assert.equal(env.MY_SVC_SERVICE_PORT, '8080');
  assert.equal(env.MY_SVC_SERVICE_PORT_HTTP, '8080');
  assert.equal(env.MY_SVC_SERVICE_PORT_METRICS, '9090');
  assert.equal(env.MY_SVC_PORT, `tcp://${svcIP}:8080`);
  assert.equal(env.MY_SVC_PORT_9090_UDP, `udp://${svcIP}:9090`);
  assert.equal(env.MY_SVC_PORT_9090_UDP_PROTO, 'udp');
  // Command line: the image's entrypoint stays, args replace its cmd, $(VAR) expanded with $$ escaped.
  assert.deepEqual(c.config.command, ['/entry']);
  assert.deepEqual(c.config.args, ['--color=blue', '$(COLOR)', '$(UNDEFINED)']);
  assert.equal(c.config.workingDir, '/app');
  assert.equal(c.config.memoryLimitBytes, 128 * 1024 * 1024);

  // enableServiceLinks: false keeps only the kubernetes service's variables; command drops the image cmd.
  const p2 = await h.createPod({
    metadata: { name: 'nolinks' },
    spec: {
      enableServiceLinks: false,
      containers: [{ name: 'app', image: 'envtest:v1', command: ['/bin/sh', '-c'], args: ['echo $(HOME)'] }],
    },
  });
  await h.waitPod('nolinks', 'Running', (p) => p.status?.phase === 'Running');
  const c2 = h.runtime.running(p2.metadata.uid!, 'app')!;
  const env2 = Object.fromEntries(c2.config.envs.map((e) => [e.key, e.value]));
  assert.equal(env2.KUBERNETES_SERVICE_HOST, kubeIP);
  assert.ok(!('MY_SVC_SERVICE_HOST' in env2));
  assert.deepEqual(c2.config.command, ['/bin/sh', '-c']);
  assert.deepEqual(c2.config.args, ['echo $(HOME)']);
  const p3 = await h.createPod({
    metadata: { name: 'cmdonly' },
    spec: { containers: [{ name: 'app', image: 'envtest:v1', command: ['/other'] }] },
  });
  await h.waitPod('cmdonly', 'Running', (p) => p.status?.phase === 'Running');
  const c3 = h.runtime.running(p3.metadata.uid!, 'app')!;
  assert.deepEqual([c3.config.command, c3.config.args], [['/other'], []]);
});

test('a missing configmap: CreateContainerConfigError until it exists', async () => {
  /** A pod whose one variable comes from valueFrom, once it waits with CreateContainerConfigError. */
  const configErrorOf = async (name: string, valueFrom: object) => {
    await h.createPod({
      metadata: { name },
      spec: { containers: [{ name: 'app', image: 'busybox:1.36', env: [{ name: 'X', valueFrom }] }] },
    });
    return h.waitPod(
      name,
      'CreateContainerConfigError',
      (p) => containerStatus(p)?.state?.waiting?.reason === 'CreateContainerConfigError',
    );
  };
  const p = await configErrorOf('needs-cm', { configMapKeyRef: { name: 'later', key: 'x' } });
  assert.equal(containerStatus(p)!.state!.waiting!.message, 'configmap "later" not found');
  assert.equal(p.status?.phase, 'Pending');
  await h.waitEvent('needs-cm', 'Failed', 'Error: configmap "later" not found');
  const k = await configErrorOf('needs-key', { secretKeyRef: { name: 'sec', key: 'nokey' } });
  assert.equal(containerStatus(k)!.state!.waiting!.message, "couldn't find key nokey in Secret default/sec");
  await h.client.create(
    { group: '', version: 'v1', resource: 'configmaps', namespace: 'default' },
    { metadata: { name: 'later' }, data: { x: '1' } },
  );
  await h.waitPod('needs-cm', 'Running once the configmap exists', (p) => p.status?.phase === 'Running', 10_000);
});

test('an init container runs to completion before the containers; PodInitializing meanwhile', async () => {
  h.runtime.behaviour = (cfg) => {
    const mode = cfg.envs.find((e) => e.key === 'FAKE_EXIT')?.value;
    if (cfg.metadata.name === 'init') return { exitAfterMs: 300, exitCode: 0 };
    return mode === undefined ? {} : { exitAfterMs: 30, exitCode: Number(mode) };
  };
  await h.createPod({
    metadata: { name: 'withinit' },
    spec: { initContainers: [{ name: 'init', image: 'busybox:1.36' }], containers: [{ name: 'app', image: 'busybox:1.36' }] },
  });
  const p = await h.waitPod('withinit', 'initialising', (p) => !!p.status?.initContainerStatuses?.[0]?.state?.running);
  assert.equal(containerStatus(p)?.state?.waiting?.reason, 'PodInitializing');
  assert.equal(cond(p, 'Initialized'), 'False');
  assert.equal(p.status?.conditions?.find((c) => c.type === 'Initialized')?.message, 'containers with incomplete status: [init]');
  const done = await h.waitPod('withinit', 'Running', (p) => p.status?.phase === 'Running' && cond(p, 'Ready') === 'True');
  assert.equal(done.status?.initContainerStatuses?.[0].state?.terminated?.reason, 'Completed');
  assert.equal(done.status?.initContainerStatuses?.[0].ready, true);
  assert.equal(cond(done, 'Initialized'), 'True');
});
