import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
// The kinds kubectl discovers are the ones the API server serves.
import { RESOURCES } from '../apiserver/registry/index.js';
import { formatDuration, parseDuration } from './duration.js';
import { StatusError } from './errors.js';
import type { KObject } from './object.js';
import { decodeK8sProtobuf, encodeK8sProtobuf, K8S_PROTOBUF_MAGIC } from './protobuf.js';
import { allTypes, getType, isScalar, isSpecial, typeForKind } from './schema/index.js';

function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}

function withMagic(envelope: Uint8Array): Uint8Array {
  return Uint8Array.from([...K8S_PROTOBUF_MAGIC, ...envelope]);
}

/** The envelope around raw bytes: typeMeta {apps/v1, Deployment}, raw, "" , "". */
function deploymentEnvelope(raw: Uint8Array): Uint8Array {
  const typeMeta = hex('0a07 617070732f7631 120a 4465706c6f796d656e74');
  return withMagic(Uint8Array.from([0x0a, typeMeta.length, ...typeMeta, 0x12, raw.length, ...raw, 0x1a, 0x00, 0x22, 0x00]));
}

function assertBadRequest(fn: () => unknown, pattern?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof StatusError, `expected a StatusError, got ${String(e)}`);
    assert.equal(e.code, 400);
    assert.equal(e.reason, 'BadRequest');
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

describe('schema registry', () => {
  test('every type has unique field numbers and names, and every reference resolves', () => {
    for (const t of allTypes()) {
      const numbers = new Set<number>();
      const names = new Set<string>();
      for (const f of t.fields) {
        assert.ok(!numbers.has(f.proto), `${t.name}: field number ${f.proto} used twice`);
        assert.ok(!names.has(f.json), `${t.name}: field ${f.json} defined twice`);
        assert.ok(Number.isInteger(f.proto) && f.proto > 0, `${t.name}.${f.json}: bad field number`);
        numbers.add(f.proto);
        names.add(f.json);
        if (isScalar(f.type) || isSpecial(f.type)) continue;
        assert.ok(getType(f.type), `${t.name}.${f.json} refers to unknown type ${f.type}`);
      }
    }
  });

  test('kinds resolve by group/version/kind, option kinds in every group version', () => {
    assert.equal(typeForKind('apps', 'v1', 'Deployment')?.name, 'io.k8s.api.apps.v1.Deployment');
    assert.equal(typeForKind('coordination.k8s.io', 'v1', 'Lease')?.name, 'io.k8s.api.coordination.v1.Lease');
    assert.equal(typeForKind('discovery.k8s.io', 'v1', 'EndpointSlice')?.name, 'io.k8s.api.discovery.v1.EndpointSlice');
    assert.equal(typeForKind('autoscaling', 'v1', 'Scale')?.name, 'io.k8s.api.autoscaling.v1.Scale');
    assert.equal(typeForKind('policy', 'v1', 'Eviction')?.name, 'io.k8s.api.policy.v1.Eviction');
    assert.equal(typeForKind('apps', 'v1', 'DeleteOptions')?.name, 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions');
    assert.equal(typeForKind('apps', 'v2', 'Deployment'), undefined);
    for (const ri of RESOURCES.filter((r) => r.group !== '')) {
      assert.equal(typeForKind(ri.group, ri.version, ri.kind)?.name, ri.schema, `${ri.kind}: schema of the served resource`);
    }
  });
});

describe('protobuf codec', () => {
  test('a Deployment round-trips with pointers, IntOrString, maps, times and conditions', () => {
    const deployment: KObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'web',
        namespace: 'default',
        uid: '3f1c1d8e-0b7a-4a43-9d6a-1c0f8f0e4b11',
        resourceVersion: '42',
        generation: 7,
        creationTimestamp: '2024-03-05T06:07:08Z',
        labels: { app: 'web', empty: '' },
        annotations: { 'deployment.kubernetes.io/revision': '2' },
        ownerReferences: [
          { apiVersion: 'v1', kind: 'Namespace', name: 'default', uid: 'u-1', controller: false, blockOwnerDeletion: true },
        ],
        finalizers: ['example.com/keep'],
      },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 1 } },
        minReadySeconds: 5,
        revisionHistoryLimit: 0,
        progressDeadlineSeconds: 600,
      },
      status: {
        observedGeneration: 7,
        replicas: 3,
        readyReplicas: 2,
        conditions: [
          {
            type: 'Available',
            status: 'True',
            lastUpdateTime: '2024-03-05T06:07:09Z',
            lastTransitionTime: '2024-03-05T06:07:10Z',
            reason: 'MinimumReplicasAvailable',
            message: 'Deployment has minimum availability.',
          },
        ],
        collisionCount: 0,
      },
    };
    (deployment.spec as Record<string, unknown>).template = {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          {
            name: 'nginx',
            image: 'nginx:1.27',
            ports: [{ containerPort: 80, protocol: 'TCP' }],
            resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m' } },
          },
        ],
      },
    };
    const bytes = encodeK8sProtobuf(deployment);
    assert.deepEqual([...bytes.subarray(0, 4)], [0x6b, 0x38, 0x73, 0x00]);
    const back = decodeK8sProtobuf(bytes);
    assert.deepEqual(back, deployment);
    // Same bytes again: map keys are written sorted.
    assert.deepEqual(encodeK8sProtobuf(back), bytes);
  });

  test('a Lease keeps microseconds and zero pointers', () => {
    const lease: KObject = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'node-1', namespace: 'kube-node-lease' },
      spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: '2024-05-01T10:20:30.123456Z', leaseTransitions: 0 },
    };
    assert.deepEqual(decodeK8sProtobuf(encodeK8sProtobuf(lease)), lease);
  });

  test('an EndpointSlice keeps ready: false and port names that are empty strings', () => {
    const slice: KObject = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'web-abc', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      endpoints: [
        { addresses: ['10.0.0.5'], conditions: { ready: false, serving: true, terminating: false }, nodeName: 'node-1' },
        { addresses: ['10.0.0.6'], conditions: {} },
      ],
      ports: [{ name: '', protocol: 'TCP', port: 8080 }],
    };
    assert.deepEqual(decodeK8sProtobuf(encodeK8sProtobuf(slice)), slice);
  });

  test('the envelope is byte-exact and decodes from hand-built bytes', () => {
    // Deployment{metadata{name "web"}, spec{replicas 3}}
    const raw = hex('0a05 0a03776562 1202 0803');
    const expected = deploymentEnvelope(raw);
    assert.deepEqual(
      encodeK8sProtobuf({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 3 } }),
      expected,
    );
    assert.deepEqual(decodeK8sProtobuf(expected), {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { replicas: 3 },
    });
  });

  test('zero values are dropped as omitempty would, except pointers; unknown fields are skipped', () => {
    // metadata: name "x", generateName "" (dropped), creationTimestamp {} (dropped), labels {a: ""}
    const metadata = hex('0a0178 1200 4200 5a05 0a0161 1200');
    // spec: replicas 0 (pointer: kept), minReadySeconds 0 (dropped), paused false (dropped),
    // field 99 varint (unknown), strategy {} (non-pointer struct: kept)
    const spec = hex('0800 2800 3800 98060f 2200');
    // top level: unknown field 50 (bytes) before the status
    const raw = Uint8Array.from([0x0a, metadata.length, ...metadata, 0x12, spec.length, ...spec, 0x92, 0x03, 0x02, 0x01, 0x02, 0x1a, 0x00]);
    assert.deepEqual(decodeK8sProtobuf(deploymentEnvelope(raw)), {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x', labels: { a: '' } },
      spec: { replicas: 0, strategy: {} },
      status: {},
    });
  });

  test('a map key named __proto__ stays a key', () => {
    const d: KObject = JSON.parse(
      '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"a","labels":{"__proto__":"x","b":"y"}}}',
    );
    const back = decodeK8sProtobuf(encodeK8sProtobuf(d));
    assert.deepEqual(Object.keys(back.metadata.labels ?? {}), ['__proto__', 'b']);
    assert.equal(Object.getPrototypeOf(back.metadata.labels), Object.prototype);
  });

  test('IntOrString: 0 kept on a pointer, text and numbers told apart', () => {
    const d: KObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'a' },
      spec: { strategy: { rollingUpdate: { maxUnavailable: 0, maxSurge: '0%' } } },
    };
    assert.deepEqual(decodeK8sProtobuf(encodeK8sProtobuf(d)), d);
  });

  test('malformed bodies give 400 BadRequest, never a crash', () => {
    assertBadRequest(() => decodeK8sProtobuf(new Uint8Array(0)), /magic/);
    assertBadRequest(() => decodeK8sProtobuf(Uint8Array.from(Buffer.from('{"kind":"Deployment"}'))), /magic/);
    assertBadRequest(() => decodeK8sProtobuf(hex('6b387300')), /Kind/);
    // Truncated varint: a tag whose length varint never ends.
    assertBadRequest(() => decodeK8sProtobuf(withMagic(hex('0a85'))));
    // Length past the end of the body.
    assertBadRequest(() => decodeK8sProtobuf(withMagic(hex('127f00'))));
    // Unknown kind.
    const typeMeta = hex('0a07 617070732f7631 1203 466f6f'); // apps/v1 Foo
    assertBadRequest(
      () => decodeK8sProtobuf(withMagic(Uint8Array.from([0x0a, typeMeta.length, ...typeMeta, 0x12, 0x00]))),
      /no kind "Foo" is registered for version "apps\/v1"/,
    );
    // Wrong wire type: metadata (field 1) sent as a varint.
    assertBadRequest(() => decodeK8sProtobuf(deploymentEnvelope(hex('0801'))), /wire type/);
    // Invalid wire type 7 on an unknown field.
    assertBadRequest(() => decodeK8sProtobuf(deploymentEnvelope(hex('bf01'))));
    // Nested length past the end of its parent.
    assertBadRequest(() => decodeK8sProtobuf(deploymentEnvelope(hex('0a05 0a10776562'))));
    // A time outside what RFC 3339 can write.
    assertBadRequest(() => decodeK8sProtobuf(deploymentEnvelope(hex('0a0c 420a 08ffffffffffffffff7f'))), /range/);
    // Truncated in the middle of a string.
    const good = encodeK8sProtobuf({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { a: 'b' } } });
    for (let n = 5; n < good.length - 4; n++) {
      try {
        decodeK8sProtobuf(good.subarray(0, n));
      } catch (e) {
        assert.ok(e instanceof StatusError && e.code === 400, `cut at ${n}: ${String(e)}`);
      }
    }
  });

  test('Go durations', () => {
    assert.equal(formatDuration(0), '0s');
    assert.equal(formatDuration(3.6e12), '1h0m0s');
    assert.equal(formatDuration(1.5e9), '1.5s');
    assert.equal(formatDuration(3e8), '300ms');
    assert.equal(formatDuration(61e9), '1m1s');
    assert.equal(formatDuration(-2500), '-2.5µs');
    assert.equal(parseDuration('1h0m0s'), 3.6e12);
    assert.equal(parseDuration('1.5s'), 1.5e9);
    assert.equal(parseDuration('-300ms'), -3e8);
    assertBadRequest(() => parseDuration('5 minutes'));
  });
});

// ---------------------------------------------------------------------------------------
// What the real kubectl v1.32 sends.

interface Captured {
  method: string;
  path: string;
  contentType: string;
  body: Buffer;
}

describe('kubectl create sends protobuf the codec decodes', () => {
  let server: Server;
  let dir: string;
  let kubeconfig: string;
  const posts: Captured[] = [];

  function discovery(req: IncomingMessage, res: ServerResponse): boolean {
    const send = (body: unknown): true => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
      return true;
    };
    const resourceList = (group: string, version: string) => ({
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: group ? `${group}/${version}` : version,
      resources: RESOURCES.filter((r) => r.group === group && r.version === version).map((r) => ({
        name: r.resource,
        singularName: r.singular,
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: r.verbs,
        ...(r.shortNames ? { shortNames: r.shortNames } : {}),
        ...(r.categories ? { categories: r.categories } : {}),
      })),
    });
    const path = (req.url ?? '').split('?')[0];
    if (path === '/api') return send({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
    if (path === '/api/v1') return send(resourceList('', 'v1'));
    const groups = [...new Set(RESOURCES.filter((r) => r.group).map((r) => `${r.group}/${r.version}`))];
    if (path === '/apis') {
      return send({
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: groups.map((gv) => {
          const [name, version] = gv.split('/');
          return { name, versions: [{ groupVersion: gv, version }], preferredVersion: { groupVersion: gv, version } };
        }),
      });
    }
    for (const gv of groups) {
      if (path === `/apis/${gv}`) {
        const [g, v] = gv.split('/');
        return send(resourceList(g, v));
      }
    }
    return false;
  }

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method === 'GET' && discovery(req, res)) return;
        if (req.method === 'POST') {
          const body = Buffer.concat(chunks);
          posts.push({ method: req.method, path: req.url ?? '', contentType: String(req.headers['content-type']), body });
          try {
            const obj = decodeK8sProtobuf(body);
            res.writeHead(201, { 'Content-Type': 'application/json' });
            res.end(JSON.stringify(obj));
          } catch (e) {
            const status = e instanceof StatusError ? e : new StatusError(500, 'InternalError', String(e));
            res.writeHead(status.code, { 'Content-Type': 'application/json' });
            res.end(JSON.stringify(status.toStatus()));
          }
          return;
        }
        res.writeHead(404, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(new StatusError(404, 'NotFound', 'the server could not find the requested resource').toStatus()));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    dir = await mkdtemp(join(tmpdir(), 'k8ts-protobuf-'));
    kubeconfig = join(dir, 'kubeconfig');
    await writeFile(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: test',
        'clusters:',
        `- name: test`,
        `  cluster:`,
        `    server: http://127.0.0.1:${port}`,
        'users:',
        '- name: test',
        '  user:',
        '    token: test-token',
        'contexts:',
        '- name: test',
        '  context:',
        '    cluster: test',
        '    user: test',
        '    namespace: default',
      ].join('\n'),
    );
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function kubectl(...args: string[]): Promise<{ stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      execFile(
        'kubectl',
        [...args, '--kubeconfig', kubeconfig],
        {
          timeout: 30_000,
          // A private HOME keeps kubectl's discovery cache inside the temp dir.
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir },
        },
        (err, stdout, stderr) =>
          err ? reject(new Error(`kubectl ${args.join(' ')}: ${err.message}\n${stderr}`)) : resolve({ stdout, stderr }),
      );
    });
  }

  async function capture(args: string[], path: string): Promise<KObject> {
    const before = posts.length;
    await kubectl(...args);
    const post = posts.slice(before).find((p) => p.path.split('?')[0] === path);
    assert.ok(
      post,
      `kubectl ${args.join(' ')} sent no POST to ${path}; saw ${posts
        .slice(before)
        .map((p) => p.path)
        .join(', ')}`,
    );
    assert.equal(post.contentType, 'application/vnd.kubernetes.protobuf');
    return decodeK8sProtobuf(post.body);
  }

  test('create deployment', async () => {
    const d = await capture(
      ['create', 'deployment', 'web', '--image=nginx', '--replicas=3', '--port=80'],
      '/apis/apps/v1/namespaces/default/deployments',
    );
    assert.equal(d.apiVersion, 'apps/v1');
    assert.equal(d.kind, 'Deployment');
    assert.equal(d.metadata.name, 'web');
    assert.deepEqual(d.metadata.labels, { app: 'web' });
    assert.equal(d.metadata.creationTimestamp, undefined);
    const spec = d.spec as {
      replicas: number;
      selector: unknown;
      strategy: unknown;
      template: {
        metadata: { labels: unknown };
        spec: { containers: { name: string; image: string; ports: unknown[]; resources: unknown }[] };
      };
    };
    assert.equal(spec.replicas, 3);
    assert.deepEqual(spec.selector, { matchLabels: { app: 'web' } });
    assert.deepEqual(spec.template.metadata.labels, { app: 'web' });
    const [c] = spec.template.spec.containers;
    assert.equal(c.name, 'nginx');
    assert.equal(c.image, 'nginx');
    assert.deepEqual(c.ports, [{ containerPort: 80 }]);
  });

  test('create namespace', async () => {
    const ns = await capture(['create', 'namespace', 'x'], '/api/v1/namespaces');
    assert.equal(ns.kind, 'Namespace');
    assert.equal(ns.apiVersion, 'v1');
    assert.equal(ns.metadata.name, 'x');
  });

  test('create configmap', async () => {
    const cm = await capture(['create', 'configmap', 'c', '--from-literal=a=b'], '/api/v1/namespaces/default/configmaps');
    assert.equal(cm.metadata.name, 'c');
    assert.deepEqual(cm.data, { a: 'b' });
  });

  test('create secret generic', async () => {
    const s = await capture(['create', 'secret', 'generic', 's', '--from-literal=k=v'], '/api/v1/namespaces/default/secrets');
    assert.equal(s.metadata.name, 's');
    assert.deepEqual(s.data, { k: Buffer.from('v').toString('base64') });
  });

  test('create service clusterip', async () => {
    const svc = await capture(['create', 'service', 'clusterip', 'svc', '--tcp=80:8080'], '/api/v1/namespaces/default/services');
    assert.equal(svc.metadata.name, 'svc');
    const spec = svc.spec as {
      type: string;
      ports: { name: string; port: number; targetPort: unknown; protocol: string }[];
      selector: unknown;
    };
    assert.equal(spec.type, 'ClusterIP');
    assert.equal(spec.ports.length, 1);
    assert.equal(spec.ports[0].port, 80);
    assert.equal(spec.ports[0].targetPort, 8080);
    assert.deepEqual(spec.selector, { app: 'svc' });
  });
});

// Go embeds some structs inline in JSON but nests them in protobuf (Volume's VolumeSource,
// Probe's handler, the LocalObjectReference of key selectors): their fields must survive.
test('inline (embedded) structs round-trip: volume sources, probe handlers, key selector names', () => {
  const pod: KObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'inline' },
    spec: {
      volumes: [
        { name: 'scratch', emptyDir: {} },
        { name: 'cfg', configMap: { name: 'app-config', defaultMode: 420 } },
      ],
      containers: [
        {
          name: 'c',
          image: 'nginx',
          env: [{ name: 'K', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'k' } } }],
          readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 },
        },
      ],
    },
  };
  const back = decodeK8sProtobuf(encodeK8sProtobuf(pod)) as KObject & { spec: any };
  assert.deepEqual(back.spec.volumes, [
    { name: 'scratch', emptyDir: {} },
    { name: 'cfg', configMap: { name: 'app-config', defaultMode: 420 } },
  ]);
  assert.deepEqual(back.spec.containers[0].env[0].valueFrom, { configMapKeyRef: { name: 'app-config', key: 'k' } });
  assert.deepEqual(back.spec.containers[0].readinessProbe.httpGet, { path: '/healthz', port: 8080 });
  assert.equal(back.spec.containers[0].readinessProbe.periodSeconds, 5);
  assert.equal(back.spec.volumes[0].volumeSource, undefined);
});
