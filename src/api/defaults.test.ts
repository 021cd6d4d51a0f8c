import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as defaults from './defaults.js';
import { defaultTolerations, imageTag } from './defaults.js';
import type { KObject } from './object.js';

// What `kubectl create deployment x --image=nginx` sends (v1.32), and what a real cluster stores.
const kubectlCreateDeployment = (): KObject => ({
  kind: 'Deployment',
  apiVersion: 'apps/v1',
  metadata: { name: 'x', labels: { app: 'x' } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'x' } },
    template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'nginx', image: 'nginx', resources: {} }] } },
    strategy: {},
  },
  status: {},
});

// The stored spec of a pod (or a template) with one container `nginx`, image nginx; a Pod's adds
// enableServiceLinks, which is not a template default.
const storedNginxPodSpec = {
  containers: [
    {
      image: 'nginx',
      imagePullPolicy: 'Always',
      name: 'nginx',
      resources: {},
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
    },
  ],
  dnsPolicy: 'ClusterFirst',
  restartPolicy: 'Always',
  schedulerName: 'default-scheduler',
  securityContext: {},
  terminationGracePeriodSeconds: 30,
};

const storedDeploymentSpec = {
  progressDeadlineSeconds: 600,
  replicas: 1,
  revisionHistoryLimit: 10,
  selector: { matchLabels: { app: 'x' } },
  strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
  template: {
    metadata: { labels: { app: 'x' } },
    spec: storedNginxPodSpec,
  },
};

test('kubectl create deployment: defaults give the stored spec', () => {
  const d = kubectlCreateDeployment();
  defaults.defaultDeployment(d);
  assert.deepEqual(d.spec, storedDeploymentSpec);
});

test('defaults are idempotent', () => {
  const d = kubectlCreateDeployment();
  defaults.defaultDeployment(d);
  const once = JSON.stringify(d);
  defaults.defaultDeployment(d);
  assert.equal(JSON.stringify(d), once);
});

test('deployment: Recreate gets no rollingUpdate, explicit values are kept', () => {
  const d: KObject = {
    metadata: { name: 'd' },
    spec: { replicas: 0, revisionHistoryLimit: 0, strategy: { type: 'Recreate' }, template: { spec: { containers: [] } } },
  };
  defaults.defaultDeployment(d);
  const spec = d.spec as Record<string, any>;
  assert.equal(spec.replicas, 0);
  assert.equal(spec.revisionHistoryLimit, 0);
  assert.deepEqual(spec.strategy, { type: 'Recreate' });
});

test('replicaset: replicas 1, no deployment-only fields', () => {
  const rs: KObject = { metadata: { name: 'r' }, spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } } } };
  defaults.defaultReplicaSet(rs);
  const spec = rs.spec as Record<string, any>;
  assert.equal(spec.replicas, 1);
  assert.equal(spec.revisionHistoryLimit, undefined);
  assert.equal(spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
  assert.equal(spec.template.spec.enableServiceLinks, undefined, 'enableServiceLinks is a Pod default only');
});

test('imagePullPolicy follows the tag', () => {
  const cases: [string, string][] = [
    ['nginx', 'latest'],
    ['nginx:latest', 'latest'],
    ['nginx:1.27', '1.27'],
    ['localhost:5000/app', 'latest'],
    ['localhost:5000/app:v2', 'v2'],
    ['nginx@sha256:abcd', ''],
    ['nginx:1.2@sha256:abcd', '1.2'],
  ];
  for (const [image, tag] of cases) assert.equal(imageTag(image), tag, image);
  const pod: KObject = {
    metadata: { name: 'p' },
    spec: {
      containers: [
        { name: 'a', image: 'nginx' },
        { name: 'b', image: 'nginx:1.27' },
        { name: 'c', image: 'x', imagePullPolicy: 'Never' },
      ],
    },
  };
  defaults.defaultPod(pod);
  const cs = (pod.spec as any).containers;
  assert.deepEqual(
    cs.map((c: any) => c.imagePullPolicy),
    ['Always', 'IfNotPresent', 'Never'],
  );
});

test('pod: the stored spec of `kubectl run nginx --image=nginx` (before admission adds the service account)', () => {
  const pod: KObject = {
    metadata: { name: 'nginx', labels: { run: 'nginx' } },
    spec: { containers: [{ name: 'nginx', image: 'nginx', resources: {} }], restartPolicy: 'Always', dnsPolicy: 'ClusterFirst' },
  };
  defaults.defaultPod(pod);
  assert.deepEqual(pod.spec, { ...storedNginxPodSpec, enableServiceLinks: true });
  assert.equal((pod as any).status, undefined, "status.phase is the strategy's, not a default");
});

test('pod: ports, probes, env, volumes, requests from limits, hostNetwork', () => {
  const pod: KObject = {
    metadata: { name: 'p' },
    spec: {
      hostNetwork: true,
      containers: [
        {
          name: 'c',
          image: 'img:1',
          ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }],
          livenessProbe: { httpGet: { port: 80 } },
          readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 5 },
          startupProbe: { grpc: { port: 9000 } },
          env: [
            { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
            { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
          ],
          resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m' } },
          lifecycle: { preStop: { httpGet: { port: 8080, path: '/stop' } } },
        },
      ],
      volumes: [
        { name: 'e' },
        { name: 's', secret: { secretName: 's' } },
        { name: 'c', configMap: { name: 'c' } },
        { name: 'd', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
        { name: 'p', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } },
        { name: 'h', hostPath: { path: '/tmp' } },
        { name: 'm', configMap: { name: 'm', defaultMode: 256 } },
      ],
    },
  };
  defaults.defaultPod(pod);
  const spec = pod.spec as any;
  const c = spec.containers[0];
  assert.deepEqual(c.ports, [
    { containerPort: 80, protocol: 'TCP', hostPort: 80 },
    { containerPort: 53, protocol: 'UDP', hostPort: 53 },
  ]);
  assert.deepEqual(c.livenessProbe, {
    httpGet: { port: 80, path: '/', scheme: 'HTTP' },
    timeoutSeconds: 1,
    periodSeconds: 10,
    successThreshold: 1,
    failureThreshold: 3,
  });
  assert.equal(c.readinessProbe.periodSeconds, 5);
  assert.deepEqual(c.startupProbe.grpc, { port: 9000, service: '' });
  assert.deepEqual(c.env[0].valueFrom.fieldRef, { fieldPath: 'spec.nodeName', apiVersion: 'v1' });
  assert.deepEqual(c.env[1].valueFrom.resourceFieldRef, { resource: 'limits.cpu', divisor: '0' });
  assert.deepEqual(c.resources.requests, { cpu: '500m', memory: '1Gi' });
  assert.deepEqual(c.lifecycle.preStop.httpGet, { port: 8080, path: '/stop', scheme: 'HTTP' });
  assert.deepEqual(spec.volumes[0], { name: 'e', emptyDir: {} });
  assert.equal(spec.volumes[1].secret.defaultMode, 420);
  assert.equal(spec.volumes[2].configMap.defaultMode, 420);
  assert.equal(spec.volumes[3].downwardAPI.defaultMode, 420);
  assert.equal(spec.volumes[3].downwardAPI.items[0].fieldRef.apiVersion, 'v1');
  assert.equal(spec.volumes[4].projected.defaultMode, 420);
  assert.equal(spec.volumes[4].projected.sources[0].serviceAccountToken.expirationSeconds, 3600);
  assert.equal(spec.volumes[5].hostPath.type, '');
  assert.equal(spec.volumes[6].configMap.defaultMode, 256);
});

test('defaultTolerations adds not-ready and unreachable unless tolerated', () => {
  const pod: KObject = { metadata: { name: 'p' }, spec: { containers: [] } };
  defaultTolerations(pod);
  assert.deepEqual((pod.spec as any).tolerations, [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  ]);
  defaultTolerations(pod);
  assert.equal((pod.spec as any).tolerations.length, 2, 'idempotent');
  const own: KObject = {
    metadata: { name: 'q' },
    spec: { tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }] },
  };
  defaultTolerations(own);
  assert.deepEqual(
    (own.spec as any).tolerations.map((t: any) => [t.key, t.tolerationSeconds]),
    [
      ['node.kubernetes.io/unreachable', 5],
      ['node.kubernetes.io/not-ready', 300],
    ],
  );
  const all: KObject = { metadata: { name: 'r' }, spec: { tolerations: [{ operator: 'Exists' }] } };
  defaultTolerations(all);
  assert.equal((all.spec as any).tolerations.length, 1);
});

test('service defaults', () => {
  const cases: { name: string; spec: Record<string, unknown>; want: Record<string, unknown> }[] = [
    {
      name: 'kubectl expose: ClusterIP',
      spec: { ports: [{ port: 80 }], selector: { app: 'x' } },
      want: {
        ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
        selector: { app: 'x' },
        sessionAffinity: 'None',
        type: 'ClusterIP',
        internalTrafficPolicy: 'Cluster',
        ipFamilyPolicy: 'SingleStack',
        ipFamilies: ['IPv4'],
      },
    },
    {
      name: 'NodePort gets externalTrafficPolicy',
      spec: { type: 'NodePort', ports: [{ port: 80, targetPort: 'http' }] },
      want: {
        type: 'NodePort',
        ports: [{ port: 80, targetPort: 'http', protocol: 'TCP' }],
        sessionAffinity: 'None',
        externalTrafficPolicy: 'Cluster',
        internalTrafficPolicy: 'Cluster',
        ipFamilyPolicy: 'SingleStack',
        ipFamilies: ['IPv4'],
      },
    },
    {
      name: 'LoadBalancer allocates node ports by default',
      spec: { type: 'LoadBalancer', ports: [{ port: 443, protocol: 'TCP' }] },
      want: {
        type: 'LoadBalancer',
        ports: [{ port: 443, protocol: 'TCP', targetPort: 443 }],
        sessionAffinity: 'None',
        externalTrafficPolicy: 'Cluster',
        internalTrafficPolicy: 'Cluster',
        allocateLoadBalancerNodePorts: true,
        ipFamilyPolicy: 'SingleStack',
        ipFamilies: ['IPv4'],
      },
    },
    {
      name: 'ExternalName: no traffic policies, no families',
      spec: { type: 'ExternalName', externalName: 'example.com' },
      want: { type: 'ExternalName', externalName: 'example.com', sessionAffinity: 'None' },
    },
    {
      name: 'ClientIP affinity gets a timeout',
      spec: { sessionAffinity: 'ClientIP', ports: [{ port: 1 }] },
      want: {
        sessionAffinity: 'ClientIP',
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
        ports: [{ port: 1, protocol: 'TCP', targetPort: 1 }],
        type: 'ClusterIP',
        internalTrafficPolicy: 'Cluster',
        ipFamilyPolicy: 'SingleStack',
        ipFamilies: ['IPv4'],
      },
    },
  ];
  for (const c of cases) {
    const svc: KObject = { metadata: { name: 's' }, spec: c.spec };
    defaults.defaultService(svc);
    assert.deepEqual(svc.spec, c.want, c.name);
    assert.deepEqual(svc.status, { loadBalancer: {} }, c.name);
  }
});

test('namespace, secret, node, endpoints, endpointslice defaults', () => {
  const ns: KObject = { metadata: { name: 'team-a', labels: { x: 'y' } } };
  defaults.defaultNamespace(ns);
  assert.deepEqual(ns.metadata.labels, { x: 'y', 'kubernetes.io/metadata.name': 'team-a' });
  assert.deepEqual(ns.spec, { finalizers: ['kubernetes'] });
  assert.deepEqual(ns.status, { phase: 'Active' });

  const gen: KObject = { metadata: { generateName: 'ns-' } };
  defaults.defaultNamespace(gen);
  assert.equal(gen.metadata.labels, undefined);

  const secret: KObject = { metadata: { name: 's' }, data: { a: 'YQ==' }, stringData: { b: 'bee', a: 'A' } };
  defaults.defaultSecret(secret);
  assert.equal(secret.type, 'Opaque');
  assert.deepEqual(secret.data, { a: 'QQ==', b: 'YmVl' });
  assert.equal(secret.stringData, undefined);

  const node: KObject = { metadata: { name: 'n' }, status: { capacity: { cpu: '4', pods: '110' } } };
  defaults.defaultNode(node);
  assert.deepEqual((node.status as any).allocatable, { cpu: '4', pods: '110' });

  const ep: KObject = { metadata: { name: 'e' }, subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }] };
  defaults.defaultEndpoints(ep);
  assert.equal((ep as any).subsets[0].ports[0].protocol, 'TCP');

  const es: KObject = { metadata: { name: 'e' }, addressType: 'IPv4', endpoints: [], ports: [{ port: 80 }] };
  defaults.defaultEndpointSlice(es);
  assert.deepEqual((es as any).ports, [{ port: 80, name: '', protocol: 'TCP' }]);
});
