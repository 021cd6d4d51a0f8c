// The fuzz suite's request generator (issue #7): seeded, so a failure is replayed by its seed
// and index. It starts from valid objects and requests and breaks them the ways a hostile or
// broken client would: mutated JSON, YAML and protobuf bodies, patches of every type (copy
// bombs, $patch directives, alias bombs), huge and deeply nested bodies, bad paths, escapes,
// query strings, content types and methods, and watches with bad parameters. Raw-socket abuse
// (slow, half-closed, malformed HTTP) is described here and carried out by the runner.
// What a kube-apiserver fuzzer would throw at the HTTP surface; no Kubernetes counterpart file.

import YAML from 'yaml';
import { encodeK8sProtobuf } from '../../src/api/protobuf.js';

/** mulberry32: a small, fast, seedable PRNG (the runs must be replayable, not secure). */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
}

export interface FuzzRequest {
  /** 'http': one HTTP exchange; 'raw': bytes written on a socket the runner then abuses. */
  kind: 'http' | 'raw';
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** For watches: stop reading after this many ms (the runner aborts). */
  abortAfterMs?: number;
  /** raw: what to do with the socket after writing (close at once, half-close, trickle). */
  raw?: { bytes: Buffer; after: 'close' | 'half-close' | 'trickle' | 'wait' };
  /** A short label for the figures (what was attacked). */
  label: string;
}

export const NAMESPACES = ['default', 'fuzz-a', 'fuzz-b'];

interface Kind {
  group: string;
  version: string;
  resource: string;
  namespaced: boolean;
  make(name: string, r: Rng): Record<string, unknown>;
}

const podSpec = (r: Rng) => ({
  containers: [
    {
      name: 'c',
      image: r.pick(['nginx', 'busybox:1.36', 'registry.k8s.io/pause:3.9']),
      command: r.chance(0.5) ? ['sh', '-c', 'sleep 3600'] : undefined,
      env: r.chance(0.3)
        ? [
            { name: 'A', value: 'b' },
            { name: '-S', value: 'x' },
          ]
        : undefined,
      resources: r.chance(0.3) ? { limits: { cpu: '100m', memory: '64Mi' } } : undefined,
      ports: r.chance(0.3) ? [{ containerPort: 80, protocol: 'TCP' }] : undefined,
      volumeMounts: r.chance(0.2) ? [{ name: 'v', mountPath: '/data', subPath: r.pick(['a', '../x', 'a/b']) }] : undefined,
    },
  ],
  volumes: r.chance(0.2) ? [{ name: 'v', emptyDir: { sizeLimit: '1Gi' } }] : undefined,
  restartPolicy: r.pick(['Always', 'OnFailure', 'Never']),
});

const label = (r: Rng) => r.pick(['a', 'web', 'db', 'x-y', 'f']);

export const KINDS: Kind[] = [
  {
    group: '',
    version: 'v1',
    resource: 'configmaps',
    namespaced: true,
    make: (n, r) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: n, labels: { app: label(r) } },
      data: { k: 'v'.repeat(r.int(200)) },
    }),
  },
  {
    group: '',
    version: 'v1',
    resource: 'secrets',
    namespaced: true,
    make: (n) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: n },
      type: 'Opaque',
      data: { k: Buffer.from('secret').toString('base64') },
    }),
  },
  {
    group: '',
    version: 'v1',
    resource: 'pods',
    namespaced: true,
    make: (n, r) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: n, labels: { app: label(r) } }, spec: podSpec(r) }),
  },
  {
    group: '',
    version: 'v1',
    resource: 'services',
    namespaced: true,
    make: (n, r) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: n },
      spec: {
        selector: { app: label(r) },
        type: r.pick(['ClusterIP', 'NodePort']),
        ports: [{ port: 80, targetPort: r.pick([80, 'http']) }],
      },
    }),
  },
  {
    group: '',
    version: 'v1',
    resource: 'serviceaccounts',
    namespaced: true,
    make: (n) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: n } }),
  },
  {
    group: '',
    version: 'v1',
    resource: 'namespaces',
    namespaced: false,
    make: (n) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `fz-${n}` } }),
  },
  {
    group: '',
    version: 'v1',
    resource: 'events',
    namespaced: true,
    make: (n) => ({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: n },
      involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' },
      reason: 'Fuzz',
      message: 'm',
      type: 'Normal',
    }),
  },
  {
    group: 'apps',
    version: 'v1',
    resource: 'deployments',
    namespaced: true,
    make: (n, r) => {
      const l = label(r);
      return {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: n },
        spec: {
          replicas: r.int(3),
          selector: { matchLabels: { app: l } },
          template: { metadata: { labels: { app: l } }, spec: { ...podSpec(r), restartPolicy: 'Always' } },
        },
      };
    },
  },
  {
    group: 'apps',
    version: 'v1',
    resource: 'statefulsets',
    namespaced: true,
    make: (n) => ({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: n },
      spec: {
        serviceName: n,
        replicas: 0,
        selector: { matchLabels: { app: n } },
        template: { metadata: { labels: { app: n } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      },
    }),
  },
  {
    group: 'batch',
    version: 'v1',
    resource: 'jobs',
    namespaced: true,
    make: (n, r) => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: n },
      spec: { suspend: true, template: { spec: { ...podSpec(r), restartPolicy: 'Never' } } },
    }),
  },
  {
    group: 'batch',
    version: 'v1',
    resource: 'cronjobs',
    namespaced: true,
    make: (n, r) => ({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: n },
      spec: {
        suspend: true,
        schedule: r.pick(['*/5 * * * *', '@hourly', '61 * * * *', 'bad']),
        jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }], restartPolicy: 'Never' } } } },
      },
    }),
  },
  {
    group: 'coordination.k8s.io',
    version: 'v1',
    resource: 'leases',
    namespaced: true,
    make: (n) => ({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: n },
      spec: { holderIdentity: 'fuzz', leaseDurationSeconds: 15 },
    }),
  },
  {
    group: 'policy',
    version: 'v1',
    resource: 'poddisruptionbudgets',
    namespaced: true,
    make: (n) => ({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: n },
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'a' } } },
    }),
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'roles',
    namespaced: true,
    make: (n) => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: n },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
    }),
  },
  {
    group: 'scheduling.k8s.io',
    version: 'v1',
    resource: 'priorityclasses',
    namespaced: false,
    make: (n, r) => ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: `fz-${n}` }, value: r.int(1000) }),
  },
  {
    group: 'storage.k8s.io',
    version: 'v1',
    resource: 'storageclasses',
    namespaced: false,
    make: (n) => ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: `fz-${n}` }, provisioner: 'k8ts.io/fuzz' }),
  },
];

export function collectionPath(k: Kind, ns: string): string {
  const base = k.group ? `/apis/${k.group}/${k.version}` : `/api/${k.version}`;
  return k.namespaced ? `${base}/namespaces/${ns}/${k.resource}` : `${base}/${k.resource}`;
}

const NAMES = ['a', 'b', 'c', 'web-1', 'x', 'fz', 'Bad_Name', '', '..', 'a'.repeat(300), '%2e%2e', 'ü', 'a/b', '-x'];
const goodName = (r: Rng) => r.pick(['a', 'b', 'c', 'web-1', 'x', 'fz', 'd', 'e']);

// ---- value mutation ----

const WEIRD: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  1e308,
  -9007199254740992,
  2 ** 63,
  '',
  ' ',
  '\u0000',
  '\ud800',
  'x'.repeat(70_000),
  [],
  {},
  [[[]]],
  { '': '' },
  { $patch: 'delete' },
  'NaN',
  '1Gi',
  '500m',
  '-1',
  '<script>',
  '$(HOME)',
  '../../../../etc/passwd',
];

function deep(r: Rng, depth: number): unknown {
  let v: unknown = r.pick(['x', 1, null]);
  for (let i = 0; i < depth; i++) v = r.chance(0.5) ? [v] : { a: v };
  return v;
}

/** Changes one place in a JSON value: a wrong type, a weird value, a removal, an extra key. */
export function mutateValue(v: unknown, r: Rng, budget = 3): unknown {
  if (budget <= 0) return v;
  if (Array.isArray(v)) {
    if (v.length === 0 || r.chance(0.2)) return r.chance(0.5) ? [...v, r.pick(WEIRD)] : r.pick(WEIRD);
    const i = r.int(v.length);
    const out = [...v];
    out[i] = mutateValue(v[i], r, budget - 1);
    return out;
  }
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 0 || r.chance(0.15))
      return { ...(v as object), [r.pick(['extra', 'metadata', 'spec', '$patch', 'kind', 'apiVersion', '\u0000', 'a.b'])]: r.pick(WEIRD) };
    if (r.chance(0.1)) return r.pick(WEIRD);
    const [k] = r.pick(entries);
    const out = { ...(v as Record<string, unknown>) };
    if (r.chance(0.15)) delete out[k];
    else out[k] = mutateValue(out[k], r, budget - 1);
    return out;
  }
  return r.chance(0.1) ? deep(r, r.int(50)) : r.pick(WEIRD);
}

/** Byte-level damage to a serialised body. */
export function mutateBytes(b: Buffer, r: Rng): Buffer {
  const out = Buffer.from(b);
  const n = 1 + r.int(4);
  let cur = out;
  for (let i = 0; i < n && cur.length > 0; i++) {
    const at = r.int(cur.length);
    switch (r.int(5)) {
      case 0:
        cur[at] = r.int(256);
        break;
      case 1:
        cur = Buffer.concat([cur.subarray(0, at), cur.subarray(at + 1)]);
        break;
      case 2:
        cur = Buffer.concat([cur.subarray(0, at), Buffer.from([r.int(256)]), cur.subarray(at)]);
        break;
      case 3:
        cur = cur.subarray(0, at);
        break;
      default:
        cur = Buffer.concat([
          cur.subarray(0, at),
          Buffer.from(r.pick(['{', '}', '[', ']', '"', '\\', ',', ':', '\u00ff', '&a', '*a', '---\n', '\t'])),
          cur.subarray(at),
        ]);
    }
  }
  return cur;
}

const CONTENT_TYPES = [
  'application/json',
  'application/yaml',
  'application/vnd.kubernetes.protobuf',
  'text/plain',
  '',
  'application/json; charset=utf-16',
  'application/merge-patch+json',
  'multipart/form-data; boundary=x',
  'application/json;;;',
  '*/*',
  'application/x-www-form-urlencoded',
];
const ACCEPTS = [
  'application/json',
  'application/json;as=Table;v=v1;g=meta.k8s.io',
  'application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io',
  'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io',
  'application/vnd.kubernetes.protobuf',
  'application/yaml',
  'text/html',
  '*/*',
  'application/json;as=Table;v=v9;g=x',
  '',
];

/** A body of the object in one of the three encodings, maybe damaged. */
function encodeBody(obj: unknown, r: Rng): { body: Buffer; ct: string } {
  const enc = r.int(10);
  let body: Buffer;
  let ct: string;
  if (enc < 6) {
    body = Buffer.from(JSON.stringify(obj));
    ct = 'application/json';
  } else if (enc < 8) {
    body = Buffer.from(YAML.stringify(obj));
    ct = 'application/yaml';
  } else {
    try {
      body = Buffer.from(encodeK8sProtobuf(obj as never));
    } catch {
      body = Buffer.from(JSON.stringify(obj));
    }
    ct = 'application/vnd.kubernetes.protobuf';
  }
  if (r.chance(0.3)) body = mutateBytes(body, r);
  if (r.chance(0.08)) ct = r.pick(CONTENT_TYPES);
  return { body, ct };
}

// ---- query strings ----

const PARAMS: Array<[string, string[]]> = [
  ['labelSelector', ['app=a', 'app in (a,b)', 'a in (b', '!app', 'app!=', 'x=y,z', '=', '%', 'a'.repeat(400), 'app notin ()', 'a.b/c=d']],
  [
    'fieldSelector',
    [
      'metadata.name=a',
      'metadata.namespace!=x',
      'spec.replicas=1',
      'status.phase=Running',
      'spec.nodeName=',
      '==',
      'metadata.name=a,metadata.name=b',
    ],
  ],
  ['resourceVersion', ['0', '1', 'abc', '-3', '', '99999999999999999999', '1.5', '5']],
  ['resourceVersionMatch', ['Exact', 'NotOlderThan', 'bad', '']],
  ['limit', ['1', '0', '-1', 'ten', '500', '99999999999999999999']],
  ['continue', ['abc', 'eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MSwic3RhcnQiOiJ4In0', '%zz', '']],
  ['timeoutSeconds', ['0', '1', '-5', '3000000', 'x', '99999999999999999999']],
  ['watch', ['1', 'true', 'false', 'yes', '']],
  ['allowWatchBookmarks', ['true', 'x']],
  ['sendInitialEvents', ['true', 'false', 'x']],
  ['dryRun', ['All', 'bad', '']],
  ['fieldManager', ['fuzz', '', 'm'.repeat(200)]],
  ['fieldValidation', ['Strict', 'Warn', 'Ignore', 'bad']],
  ['force', ['true', 'false']],
  ['pretty', ['true', '1', 'x']],
  ['gracePeriodSeconds', ['0', '-1', '30', 'x']],
  ['propagationPolicy', ['Orphan', 'Foreground', 'Background', 'bad']],
  ['orphanDependents', ['true', 'false']],
];

function query(r: Rng, watch: boolean): string {
  const parts: string[] = [];
  const n = r.int(4);
  for (let i = 0; i < n; i++) {
    const [k, vs] = r.pick(PARAMS);
    // Large resourceVersions make a read wait 3 s for the store: keep them rare.
    let v = r.pick(vs);
    if (k === 'resourceVersion' && (v === '99999999999999999999' || v === '5') && r.chance(0.9)) v = '0';
    if (k === 'timeoutSeconds' && watch && r.chance(0.8)) v = '1';
    parts.push(`${encodeURIComponent(k)}=${r.chance(0.05) ? v : encodeURIComponent(v)}`);
  }
  if (watch) parts.push(`timeoutSeconds=${r.pick(['1', '0', '-1', '2'])}`);
  if (r.chance(0.03)) parts.push(r.pick(['%zz', '&&&', '=', 'a=%E0%A4%A', `x=${'y'.repeat(5000)}`]));
  return parts.length ? `?${parts.join('&')}` : '';
}

// ---- patches ----

const POINTERS = [
  '/metadata/labels/app',
  '/metadata/labels',
  '/metadata/annotations',
  '/spec',
  '/spec/replicas',
  '/data/k',
  '/data',
  '/metadata/name',
  '/metadata/finalizers/-',
  '/spec/containers/0/image',
  '/spec/template/spec/containers/0',
  '/',
  '',
  'x',
  '/a~2b',
  '/metadata/managedFields',
  '/spec/selector',
  '/kind',
  '/metadata/resourceVersion',
];

function jsonPatch(r: Rng): unknown {
  if (r.chance(0.1)) {
    // The copy bomb of CVE-2019-1002100.
    return [
      { op: 'add', path: '/metadata/annotations', value: { a: 'x'.repeat(2048) } },
      ...Array.from({ length: 40 }, (_, i) => ({ op: 'copy', from: '/metadata/annotations', path: `/metadata/annotations/c${i}` })),
    ];
  }
  return Array.from({ length: 1 + r.int(5) }, () => {
    const op = r.pick(['add', 'remove', 'replace', 'move', 'copy', 'test', 'bogus', '']);
    const o: Record<string, unknown> = { op, path: r.pick(POINTERS) };
    if (r.chance(0.7)) o.value = r.chance(0.5) ? r.pick(WEIRD) : { app: 'b' };
    if (op === 'move' || op === 'copy' || r.chance(0.1)) o.from = r.pick(POINTERS);
    return o;
  });
}

function strategicPatch(r: Rng, base: Record<string, unknown>): unknown {
  const candidates: unknown[] = [
    { metadata: { labels: { app: 'z' } } },
    { metadata: { labels: { $patch: 'replace', x: 'y' } } },
    { metadata: { finalizers: ['fuzz.k8ts.io/x'], $deleteFromPrimitiveList: { finalizers: ['a'] } } },
    { spec: { containers: [{ name: 'c', $patch: 'delete' }] } },
    { spec: { containers: [{ name: 'd', image: 'x' }], $setElementOrder: { containers: [{ name: 'd' }, { name: 'c' }] } } },
    { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } } },
    { spec: { $retainKeys: ['replicas'], replicas: 2 } },
    { $patch: 'delete' },
    { spec: { ports: [{ port: 80, $patch: 'replace' }] } },
    mutateValue(base, r),
  ];
  return r.pick(candidates);
}

function applyYaml(r: Rng, obj: Record<string, unknown>): string {
  if (r.chance(0.1)) {
    // An alias bomb: nine levels of nine aliases of the level below.
    let doc = 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    for (let i = 1; i < 9; i++) doc += `a${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i - 1}`).join(',')}]\n`;
    return `apiVersion: ${String(obj.apiVersion)}\nkind: ${String(obj.kind)}\nmetadata:\n  name: x\n  annotations:\n${doc
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n')}\n`;
  }
  const text = YAML.stringify(r.chance(0.5) ? obj : mutateValue(obj, r));
  return r.chance(0.2) ? mutateBytes(Buffer.from(text), r).toString('utf8') : text;
}

// ---- the request mix ----

const BAD_PATHS = [
  '/api/v1/namespaces/default/config%zzmaps',
  '/api/v1/namespaces/%E0%A4%A/pods',
  '/apis/apps/v1/namespaces/default/deployments/%',
  '/api/v1/../../etc/passwd',
  '/api//v1//pods',
  '/apis',
  '/apis/apps',
  '/apis/nope/v1/things',
  '/api/v2/pods',
  '/api/v1/namespaces/default/pods/a/b/c/d/e',
  '/api/v1/namespaces/default/pods/a/status/x',
  '/openapi/v2',
  '/openapi/v3',
  '/openapi/v3/apis/apps/v1',
  '/version',
  '/healthz',
  '/readyz?verbose',
  '/metrics',
  `/api/v1/namespaces/${'a'.repeat(5000)}/pods`,
  '/api/v1/namespaces/default/pods/a/exec?command=ls',
  '/api/v1/namespaces/default/pods/a/log?tailLines=x',
  '/api/v1/namespaces/default/pods/a/portforward?ports=0',
  '/api/v1/namespaces/default/services/a/proxy/x',
  '/api/v1/nodes/n/proxy/x',
  '/api/v1/namespaces/default/pods/a/attach',
  '/apis/apps/v1/namespaces/default/deployments/a/scale',
  '/api/v1/namespaces/default/serviceaccounts/default/token',
  '/api/v1/watch/namespaces/default/pods/a',
  '/api/v1/namespaces/default/pods/a/eviction',
  '/api/v1/namespaces/default/pods/a/binding',
  '/api/v1/namespaces/kube-system',
  '/api/v1/componentstatuses',
  '/.well-known/openid-configuration',
  '/openid/v1/jwks',
  '/apis/authentication.k8s.io/v1/selfsubjectreviews',
  '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'CONNECT', 'PROPFIND', 'get'];

export function generate(r: Rng): FuzzRequest {
  const k = r.pick(KINDS);
  const ns = r.pick(NAMESPACES);
  const coll = collectionPath(k, ns);
  const name = r.chance(0.9) ? goodName(r) : r.pick(NAMES);
  const objName = k.resource === 'namespaces' || k.resource === 'priorityclasses' || k.resource === 'storageclasses' ? `fz-${name}` : name;
  const item = `${coll}/${encodeURIComponent(objName)}`;
  const base = k.make(name, r);
  const roll = r.int(100);
  const h = (ct?: string): Record<string, string> => ({
    ...(ct !== undefined ? { 'Content-Type': ct } : {}),
    ...(r.chance(0.1) ? { Accept: r.pick(ACCEPTS) } : {}),
  });

  if (roll < 24) {
    const obj = r.chance(0.5) ? base : mutateValue(base, r);
    const { body, ct } = encodeBody(obj, r);
    return { kind: 'http', method: 'POST', path: coll + query(r, false), headers: h(ct), body, label: `create ${k.resource}` };
  }
  if (roll < 32) {
    const obj = mutateValue(base, r);
    const { body, ct } = encodeBody(obj, r);
    return {
      kind: 'http',
      method: 'PUT',
      path: item + (r.chance(0.1) ? '/status' : '') + query(r, false),
      headers: h(ct),
      body,
      label: `update ${k.resource}`,
    };
  }
  if (roll < 52) {
    const type = r.int(4);
    let body: string;
    let ct: string;
    let q = query(r, false);
    if (type === 0) {
      ct = 'application/json-patch+json';
      body = JSON.stringify(jsonPatch(r));
    } else if (type === 1) {
      ct = 'application/merge-patch+json';
      body = JSON.stringify(r.chance(0.7) ? mutateValue({ metadata: { labels: { app: 'm' } }, spec: {} }, r) : r.pick(WEIRD));
    } else if (type === 2) {
      ct = 'application/strategic-merge-patch+json';
      body = JSON.stringify(strategicPatch(r, base));
    } else {
      ct = 'application/apply-patch+yaml';
      body = applyYaml(r, base);
      if (r.chance(0.9)) q += `${q ? '&' : '?'}fieldManager=fuzz${r.chance(0.3) ? '&force=true' : ''}`;
    }
    let buf: Buffer = Buffer.from(body);
    if (r.chance(0.15)) buf = mutateBytes(buf, r);
    const sub = r.chance(0.1) ? r.pick(['/status', '/scale', '/ephemeralcontainers', '/resize']) : '';
    return {
      kind: 'http',
      method: 'PATCH',
      path: item + sub + q,
      headers: h(r.chance(0.05) ? r.pick(CONTENT_TYPES) : ct),
      body: buf,
      label: `patch ${ct.split('/')[1]}`,
    };
  }
  if (roll < 66) {
    const one = r.chance(0.4);
    return {
      kind: 'http',
      method: r.chance(0.05) ? 'HEAD' : 'GET',
      path: (one ? item : r.chance(0.2) ? collectionPath(k, '').replace('/namespaces//', '/') : coll) + query(r, false),
      headers: h(),
      label: one ? 'get' : 'list',
    };
  }
  if (roll < 71) {
    const collection = r.chance(0.2) && k.resource !== 'namespaces';
    const body = r.chance(0.3)
      ? Buffer.from(
          JSON.stringify(
            mutateValue({ kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background', gracePeriodSeconds: 0 }, r),
          ),
        )
      : undefined;
    return {
      kind: 'http',
      method: 'DELETE',
      path: (collection ? coll : item) + query(r, false),
      headers: h(body ? (r.chance(0.8) ? 'application/json' : r.pick(CONTENT_TYPES)) : undefined),
      body,
      label: collection ? 'deletecollection' : 'delete',
    };
  }
  if (roll < 77) {
    const legacy = r.chance(0.2);
    const path = legacy ? coll.replace(/^(\/apis?\/[^/]+(?:\/v1)?)(\/.*)$/, '$1/watch$2') : coll;
    return {
      kind: 'http',
      method: 'GET',
      path: path + query(r, true) + (legacy ? '' : '&watch=1'),
      headers: h(),
      abortAfterMs: r.pick([50, 200, 500, 1500]),
      label: 'watch',
    };
  }
  if (roll < 87) {
    const method = r.pick(METHODS);
    const body = r.chance(0.3) ? mutateBytes(Buffer.from(JSON.stringify(base)), r) : undefined;
    const headers: Record<string, string> = h(body ? r.pick(CONTENT_TYPES) : undefined);
    if (r.chance(0.2)) headers['Content-Encoding'] = r.pick(['gzip', 'br', 'x']);
    if (r.chance(0.1)) headers['Transfer-Encoding'] = 'chunked';
    if (r.chance(0.1)) headers.Authorization = r.pick(['Bearer x', 'Basic YTpi', '', 'Bearer ']);
    if (r.chance(0.1)) headers['Impersonate-User'] = 'someone';
    return {
      kind: 'http',
      method,
      path: r.pick(BAD_PATHS) + (r.chance(0.5) ? query(r, false) : ''),
      headers,
      body,
      label: 'odd path/method',
    };
  }
  if (roll < 90) {
    // Huge and deeply nested bodies.
    const choice = r.int(4);
    let body: Buffer;
    if (choice === 0) body = Buffer.from(`{"metadata":{"name":"big"},"data":{"k":"${'x'.repeat(3 * 1024 * 1024 + 100)}"}}`);
    else if (choice === 1) body = Buffer.from(`{"metadata":{"name":"deep"},"data":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    else if (choice === 2) body = Buffer.from(`${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`);
    else body = Buffer.from(`metadata:\n  name: deep\ndata: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`);
    const method = r.pick(['POST', 'PUT', 'PATCH']);
    const ct =
      choice === 3
        ? 'application/yaml'
        : method === 'PATCH'
          ? r.pick(['application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/json-patch+json'])
          : 'application/json';
    return { kind: 'http', method, path: method === 'POST' ? coll : item, headers: { 'Content-Type': ct }, body, label: 'huge/deep body' };
  }
  // Raw socket abuse: the runner writes these bytes, then closes, half-closes, trickles or waits.
  const rawKinds = [
    () => `GET ${coll} HTTP/1.1\r\nHost: x\r\n`,
    () => `POST ${coll} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"metadata":`,
    () => `GARBAGE\r\n\r\n`,
    () => `GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n`,
    () => `GET ${coll} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`,
    () => `GET ${coll} HTTP/1.1\r\n${'X-A: b\r\n'.repeat(2000)}\r\n`,
    () => `GET ${coll}?watch=1 HTTP/1.1\r\nHost: x\r\n\r\n`,
    () => `\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\u0003\u0003`,
  ];
  const raw = Buffer.from(r.pick(rawKinds)(), 'latin1');
  return {
    kind: 'raw',
    method: 'RAW',
    path: coll,
    headers: {},
    raw: { bytes: raw, after: r.pick(['close', 'half-close', 'trickle', 'wait'] as const) },
    label: 'raw socket',
  };
}
