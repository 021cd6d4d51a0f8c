import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildOpenAPIV2, buildOpenAPIV3 } from '../api/openapi.js';
import type { TypeDef } from '../api/schema/types.js';
import * as discovery from './discovery.js';
import { handleDiscovery, isDiscoveryPath, mayBeDiscoveryPath, negotiateDiscovery } from './discovery-handler.js';
import { openapiV2Document, openapiV3, openapiV3Document, openapiV3Index, setOpenAPIOptions } from './openapi-docs.js';
import { groupVersions, RESOURCES } from './registry/index.js';

const KUBECTL_ACCEPT =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

type Json = Record<string, any>;

/** Every "$ref" in doc names a schema the document defines. */
function assertRefsResolve(doc: Json, prefix: string, defs: Json): void {
  const text = JSON.stringify(doc);
  const re = new RegExp(`"\\$ref":"${prefix.replace(/\//g, '\\/')}([^"]+)"`, 'g');
  let n = 0;
  for (const m of text.matchAll(re)) {
    n++;
    assert.ok(defs[m[1]!], `dangling $ref ${m[1]}`);
  }
  assert.ok(n > 0, 'expected some $refs');
  assert.ok(!/"\$ref":"(?!#\/)/.test(text), 'every $ref is local');
}

describe('discovery documents', () => {
  test('/version says 1.32', () => {
    const v = discovery.versionInfo();
    assert.equal(v.major, '1');
    assert.equal(v.minor, '32');
    assert.match(v.gitVersion, /^v1\.32\.\d+/);
    assert.match(v.platform, /^[a-z0-9]+\/[a-z0-9]+$/);
  });

  test('/api and /apis (legacy)', () => {
    const av = discovery.apiVersions('127.0.0.1:6443');
    assert.deepEqual(av.versions, ['v1']);
    assert.deepEqual(av.serverAddressByClientCIDRs, [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443' }]);
    const gl = discovery.apiGroupList();
    const appsG = gl.groups.find((g) => g.name === 'apps');
    assert.deepEqual(appsG, {
      name: 'apps',
      versions: [{ groupVersion: 'apps/v1', version: 'v1' }],
      preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
    });
    assert.ok(!gl.groups.some((g) => g.name === ''), 'the core group is not in /apis');
    assert.equal(discovery.apiGroup('apps')?.kind, 'APIGroup');
    assert.equal(discovery.apiGroup('nope'), undefined);
  });

  test('/api/v1 resources with subresources, short names, categories', () => {
    const l = discovery.apiResourceList('', 'v1')!;
    assert.equal(l.groupVersion, 'v1');
    const pods = l.resources.find((r) => r.name === 'pods')!;
    assert.deepEqual(pods.shortNames, ['po']);
    assert.deepEqual(pods.categories, ['all']);
    assert.equal(pods.namespaced, true);
    assert.equal(pods.singularName, 'pod');
    assert.equal(pods.kind, 'Pod');
    assert.equal(pods.storageVersionHash, discovery.storageVersionHash('', 'v1', 'Pod'));
    const status = l.resources.find((r) => r.name === 'pods/status')!;
    assert.deepEqual(status.verbs, ['get', 'patch', 'update']);
    assert.equal(status.singularName, '');
    const evict = l.resources.find((r) => r.name === 'pods/eviction')!;
    assert.equal(evict.group, 'policy');
    assert.equal(l.resources.find((r) => r.name === 'namespaces')!.namespaced, false);
    for (const [res, sn] of [
      ['services', 'svc'],
      ['namespaces', 'ns'],
      ['nodes', 'no'],
      ['endpoints', 'ep'],
      ['configmaps', 'cm'],
      ['serviceaccounts', 'sa'],
      ['events', 'ev'],
    ]) {
      assert.ok(l.resources.find((r) => r.name === res)!.shortNames?.includes(sn!), `${res} has short name ${sn}`);
    }
    const apps = discovery.apiResourceList('apps', 'v1')!;
    const scale = apps.resources.find((r) => r.name === 'deployments/scale')!;
    assert.deepEqual([scale.group, scale.version, scale.kind], ['autoscaling', 'v1', 'Scale']);
    assert.deepEqual(apps.resources.find((r) => r.name === 'replicasets')!.shortNames, ['rs']);
    assert.equal(discovery.apiResourceList('apps', 'v2'), undefined);
  });

  test('aggregated discovery v2: core alone under /api, named groups under /apis', () => {
    const core = discovery.aggregatedDiscovery(true);
    assert.equal(core.apiVersion, 'apidiscovery.k8s.io/v2');
    assert.equal(core.items.length, 1);
    assert.equal(core.items[0]!.metadata.name, undefined);
    const v1 = core.items[0]!.versions[0]!;
    assert.equal(v1.version, 'v1');
    const pods = v1.resources.find((r) => r.resource === 'pods')!;
    assert.deepEqual(pods.responseKind, { group: '', version: 'v1', kind: 'Pod' });
    assert.equal(pods.scope, 'Namespaced');
    assert.equal(pods.singularResource, 'pod');
    assert.ok(pods.subresources!.some((s) => s.subresource === 'status' && s.responseKind?.kind === 'Pod'));
    const apis = discovery.aggregatedDiscovery(false, 'v2beta1');
    assert.equal(apis.apiVersion, 'apidiscovery.k8s.io/v2beta1');
    const apps = apis.items.find((g) => g.metadata.name === 'apps')!;
    const dep = apps.versions[0]!.resources.find((r) => r.resource === 'deployments')!;
    assert.deepEqual(dep.categories, ['all']);
    assert.deepEqual(dep.subresources!.find((s) => s.subresource === 'scale')!.responseKind, {
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
    });
    assert.ok(!apis.items.some((g) => !g.metadata.name));
  });

  test('negotiation of /api and /apis', () => {
    assert.deepEqual(negotiateDiscovery(KUBECTL_ACCEPT), { aggregated: 'v2' });
    assert.deepEqual(negotiateDiscovery(KUBECTL_ACCEPT.split(',').slice(1).join(',')), { aggregated: 'v2beta1' });
    assert.deepEqual(negotiateDiscovery('application/json'), { aggregated: false });
    assert.deepEqual(negotiateDiscovery(undefined), { aggregated: false });
    assert.deepEqual(negotiateDiscovery('application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList'), undefined);
    assert.equal(negotiateDiscovery('application/vnd.kubernetes.protobuf'), undefined);
    assert.deepEqual(negotiateDiscovery('application/json;q=0.5,application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList'), {
      aggregated: 'v2',
    });
  });
});

// Types defined here, so the builders are checked independently of the registry's tables.
const T = (n: string) => `test.v1.${n}`;
const TEST_TYPES: TypeDef[] = [
  {
    name: 'io.k8s.api.apps.v1.Deployment',
    description: 'A deployment.',
    gvk: [{ group: 'apps', version: 'v1', kind: 'Deployment' }],
    fields: [
      { json: 'metadata', proto: 1, type: T('Meta'), description: 'meta' },
      { json: 'spec', proto: 2, type: T('Spec'), description: 'the spec' },
    ],
  },
  {
    name: T('Meta'),
    fields: [
      { json: 'name', proto: 1, type: 'string' },
      { json: 'creationTimestamp', proto: 2, type: 'Time' },
      { json: 'labels', proto: 3, type: 'string', map: true },
    ],
  },
  {
    name: T('Spec'),
    fields: [
      { json: 'replicas', proto: 1, type: 'int32', required: true },
      { json: 'maxSurge', proto: 2, type: 'IntOrString', description: 'surge' },
      { json: 'cpu', proto: 3, type: 'Quantity' },
      {
        json: 'containers',
        proto: 4,
        type: T('Container'),
        list: true,
        mergeKey: 'name',
        patchStrategy: 'merge',
        listType: 'map',
        listMapKeys: ['name'],
      },
      { json: 'policy', proto: 5, type: 'string', enum: ['Always', 'Never'] },
      { json: 'raw', proto: 6, type: 'RawExtension' },
      { json: 'timeout', proto: 7, type: 'Duration' },
      { json: 'unknownType', proto: 8, type: 'test.v1.Missing' },
    ],
  },
  {
    name: T('Container'),
    fields: [
      { json: 'name', proto: 1, type: 'string', required: true },
      { json: 'data', proto: 2, type: 'bytes' },
      { json: 'handler', proto: 3, type: T('Handler'), inline: true },
    ],
  },
  {
    name: T('Handler'),
    fields: [
      { json: 'exec', proto: 1, type: T('Exec') },
      { json: 'port', proto: 2, type: 'int32' },
    ],
  },
  { name: T('Exec'), fields: [{ json: 'command', proto: 1, type: 'string', list: true }] },
];

test('the quick path test lets through every path discovery serves', () => {
  // Every path of up to four segments from discovery's words, resources' and the empty one,
  // with and without a trailing or a doubled slash: refused quickly only if the full test refuses it.
  const words = ['', 'api', 'apis', 'version', 'openapi', 'v1', 'v2', 'v3', 'apps', 'namespaces', 'default', 'pods', 'apix', 'ap'];
  let checked = 0;
  let quick = 0;
  const visit = (segs: string[]) => {
    for (const tail of ['', '/'])
      for (const head of ['/', '//', '']) {
        const path = `${head}${segs.join('/')}${tail}`;
        const full = isDiscoveryPath(path.split('/').filter(Boolean));
        const may = mayBeDiscoveryPath(path);
        if (full) assert.ok(may, `${JSON.stringify(path)} is discovery's but the quick test refused it`);
        if (!may) quick++;
        checked++;
      }
    if (segs.length < 4) for (const w of words) visit([...segs, w]);
  };
  visit([]);
  assert.ok(checked > 200_000 && quick > checked / 10, `${quick} of ${checked} paths refused quickly`);
  assert.equal(mayBeDiscoveryPath('/api/v1/namespaces/bench/configmaps'), false);
  assert.equal(mayBeDiscoveryPath('/apis/apps/v1/deployments'), false);
});

describe('OpenAPI builders (test types)', () => {
  test('v3 document of apps/v1', () => {
    const doc = buildOpenAPIV3('apps/v1', TEST_TYPES, RESOURCES) as Json;
    assert.equal(doc.openapi, '3.0.0');
    const schemas = doc.components.schemas;
    assertRefsResolve(doc, '#/components/schemas/', schemas);
    const dep = schemas['io.k8s.api.apps.v1.Deployment'];
    assert.deepEqual(dep['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
    assert.equal(dep.properties.apiVersion.type, 'string', 'TypeMeta added to kinds');
    assert.deepEqual(dep.properties.spec, { allOf: [{ $ref: `#/components/schemas/${T('Spec')}` }], description: 'the spec' });
    const spec = schemas[T('Spec')];
    assert.deepEqual(spec.required, ['replicas']);
    assert.deepEqual(spec.properties.replicas, { type: 'integer', format: 'int32' });
    assert.deepEqual(spec.properties.policy.enum, ['Always', 'Never']);
    assert.deepEqual(spec.properties.timeout, { type: 'string' });
    assert.deepEqual(spec.properties.unknownType, { type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
    const c = spec.properties.containers;
    assert.equal(c.type, 'array');
    assert.deepEqual(c.items, { $ref: `#/components/schemas/${T('Container')}` });
    assert.equal(c['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(c['x-kubernetes-patch-strategy'], 'merge');
    assert.equal(c['x-kubernetes-list-type'], 'map');
    assert.deepEqual(c['x-kubernetes-list-map-keys'], ['name']);
    assert.deepEqual(schemas[T('Meta')].properties.labels, { type: 'object', additionalProperties: { type: 'string' } });
    assert.deepEqual(schemas[T('Container')].properties.data, { type: 'string', format: 'byte' });
    // An inline field's type contributes its fields to the parent, as Go's json:",inline".
    assert.deepEqual(Object.keys(schemas[T('Container')].properties), ['name', 'data', 'exec', 'port']);
    assert.ok(schemas[T('Exec')], 'types referenced through an inline field are included');
    const ios = schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString'];
    assert.equal(ios.format, 'int-or-string');
    assert.deepEqual(ios.oneOf, [{ type: 'integer' }, { type: 'string' }]);
    assert.deepEqual(schemas['io.k8s.apimachinery.pkg.api.resource.Quantity'].oneOf, [{ type: 'string' }, { type: 'number' }]);
    assert.equal(schemas['io.k8s.apimachinery.pkg.apis.meta.v1.Time'].format, 'date-time');
    assert.equal(schemas['io.k8s.apimachinery.pkg.runtime.RawExtension'].type, 'object');
    // The list kind is synthesised when the table has none.
    assert.deepEqual(schemas['io.k8s.api.apps.v1.DeploymentList']['x-kubernetes-group-version-kind'], [
      { group: 'apps', kind: 'DeploymentList', version: 'v1' },
    ]);
    // Only apps/v1 kinds (and what they reference) are in the apps/v1 document.
    assert.ok(!Object.values<Json>(schemas).some((s) => s['x-kubernetes-group-version-kind']?.some((g: Json) => g.kind === 'Pod')));

    const patch = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
    assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: 'apps', kind: 'Deployment', version: 'v1' });
    assert.ok(patch.requestBody.content['application/strategic-merge-patch+json']);
    assert.ok(patch.parameters.some((p: Json) => p.name === 'fieldValidation' && p.in === 'query'));
    const noSSV = buildOpenAPIV3('apps/v1', TEST_TYPES, RESOURCES, { serverSideFieldValidation: false }) as Json;
    assert.ok(
      !noSSV.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch.parameters.some(
        (p: Json) => p.name === 'fieldValidation',
      ),
    );
    assert.ok(doc.paths['/apis/apps/v1/deployments'].get, 'list across namespaces');
    assert.equal(buildOpenAPIV3('nope/v1', TEST_TYPES, RESOURCES), undefined);
  });

  test('v2 document', () => {
    const doc = buildOpenAPIV2(TEST_TYPES, RESOURCES) as Json;
    assert.equal(doc.swagger, '2.0');
    assertRefsResolve(doc, '#/definitions/', doc.definitions);
    assert.deepEqual(doc.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].type, 'string');
    assert.deepEqual(doc.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].format, 'int-or-string');
    assert.deepEqual(doc.definitions[T('Spec')].properties.spec, undefined);
    assert.deepEqual(doc.definitions['io.k8s.api.apps.v1.Deployment'].properties.spec, {
      $ref: `#/definitions/${T('Spec')}`,
      description: 'the spec',
    });
    const patch = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
    assert.ok(patch.consumes.includes('application/strategic-merge-patch+json'));
    assert.equal(patch.parameters[0].in, 'body');
  });
});

describe('OpenAPI over the schema registry', () => {
  test('every served group-version has a self-contained v3 document', () => {
    const idx = openapiV3Index();
    assert.deepEqual(
      Object.keys(idx.paths).sort(),
      groupVersions()
        .map((gv) => (gv.group ? `apis/${gv.group}/${gv.version}` : `api/${gv.version}`))
        .sort(),
    );
    for (const gv of [
      'api/v1',
      'apis/apps/v1',
      'apis/batch/v1',
      'apis/coordination.k8s.io/v1',
      'apis/discovery.k8s.io/v1',
      'apis/policy/v1',
      'apis/storage.k8s.io/v1',
    ])
      assert.ok(gv in idx.paths, gv);
    for (const [p, { serverRelativeURL }] of Object.entries(idx.paths)) {
      const gv = p.replace(/^apis?\//, '');
      const d = openapiV3Document(gv)!;
      assert.equal(serverRelativeURL, `/openapi/v3/${p}?hash=${d.hash}`);
      assertRefsResolve(d.doc, '#/components/schemas/', (d.doc as Json).components.schemas);
    }
    const core = openapiV3('v1') as Json;
    const containers = core.components.schemas['io.k8s.api.core.v1.PodSpec'].properties.containers;
    assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
    const volume = core.components.schemas['io.k8s.api.core.v1.Volume'].properties;
    assert.ok(volume.configMap && volume.emptyDir && !volume.volumeSource, 'VolumeSource is inline in Volume');
    assert.ok(core.components.schemas['io.k8s.api.core.v1.Probe'].properties.httpGet, 'ProbeHandler is inline in Probe');
    assert.equal(openapiV3Document('v1'), openapiV3Document('v1'), 'built once');
  });

  test('v2 document is self-contained', () => {
    const d = openapiV2Document().doc as Json;
    assertRefsResolve(d, '#/definitions/', d.definitions);
    assert.ok(d.definitions['io.k8s.api.apps.v1.Deployment']);
  });
});

// ---------------------------------------------------------------------------------------------
// Over HTTP, with the real kubectl.

interface Recorded {
  method: string;
  url: string;
  contentType?: string;
  body: string;
}

describe('discovery over HTTP', () => {
  let server: http.Server;
  let base = '';
  let dir = '';
  const recorded: Recorded[] = [];
  // An existing deployment, so `kubectl apply` and `kubectl edit` compute patches.
  const lastApplied = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    },
  };
  const existing = {
    ...lastApplied,
    metadata: {
      ...lastApplied.metadata,
      uid: 'u-1',
      resourceVersion: '7',
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(lastApplied) },
    },
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'k8ts-discovery-'));
    server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        // No token check: this kubectl does not send bearer tokens over plain http (and auth is the caller's job).
        if (handleDiscovery(req, res)) return;
        recorded.push({
          method: req.method!,
          url: req.url!,
          contentType: req.headers['content-type'],
          body: Buffer.concat(chunks).toString(),
        });
        if (req.url!.startsWith('/apis/apps/v1/namespaces/default/deployments/web')) {
          res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(existing));
          return;
        }
        res
          .writeHead(404, { 'Content-Type': 'application/json' })
          .end(
            JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'not found' }),
          );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    writeFileSync(
      join(dir, 'kubeconfig'),
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: t',
        `clusters: [{name: t, cluster: {server: "${base}"}}]`,
        'users: [{name: t, user: {token: test-token}}]',
        'contexts: [{name: t, context: {cluster: t, user: t, namespace: default}}]',
        '',
      ].join('\n'),
    );
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string }> {
    const r = await fetch(base + path, { headers: { authorization: 'Bearer test-token', ...headers }, redirect: 'manual' });
    return { status: r.status, headers: r.headers, text: await r.text() };
  }

  test('content negotiation and caching headers', async () => {
    const agg = await get('/apis', { accept: KUBECTL_ACCEPT });
    assert.equal(agg.status, 200);
    assert.equal(agg.headers.get('content-type'), discovery.aggregatedDiscoveryMediaType('v2'));
    assert.equal(JSON.parse(agg.text).kind, 'APIGroupDiscoveryList');
    const again = await get('/apis', { accept: KUBECTL_ACCEPT, 'if-none-match': agg.headers.get('etag')! });
    assert.equal(again.status, 304);
    const legacy = await get('/api', { accept: 'application/json' });
    assert.equal(legacy.headers.get('content-type'), 'application/json');
    assert.equal(JSON.parse(legacy.text).kind, 'APIVersions');
    assert.equal((await get('/api', { accept: 'application/vnd.kubernetes.protobuf' })).status, 406);
    assert.equal(JSON.parse((await get('/apis/apps')).text).preferredVersion.groupVersion, 'apps/v1');
    assert.equal(JSON.parse((await get('/apis/apps/v1')).text).kind, 'APIResourceList');
    assert.equal((await get('/apis/apps/v9')).status, 404, 'unknown group-versions fall through');
    assert.equal((await get('/apis/apps/v1/deployments')).status, 404, 'resource paths fall through');
    const pb = await fetch(base + '/openapi/v2', { headers: { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' } });
    assert.equal(pb.status, 200);
    assert.equal(pb.headers.get('content-type'), 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    const bytes = new Uint8Array(await pb.arrayBuffer());
    // Field 1 (swagger, length-delimited) = "2.0".
    assert.deepEqual([...bytes.subarray(0, 5)], [0x0a, 3, 0x32, 0x2e, 0x30]);
    assert.equal((await get('/openapi/v2', { accept: 'application/vnd.kubernetes.protobuf' })).status, 406);
    const v2 = await get('/openapi/v2', { accept: 'application/json' });
    assert.equal(JSON.parse(v2.text).swagger, '2.0');
    const idx = JSON.parse((await get('/openapi/v3')).text);
    const url: string = idx.paths['apis/apps/v1'].serverRelativeURL;
    const doc = await get(url, { accept: 'application/json' });
    assert.equal(doc.status, 200);
    assert.match(doc.headers.get('cache-control')!, /immutable/);
    const stale = await get('/openapi/v3/apis/apps/v1?hash=OLD');
    assert.equal(stale.status, 301);
    assert.equal(stale.headers.get('location'), url);
    assert.equal((await get('/openapi/v3/apis/nope/v1')).status, 404);
    const post = await fetch(base + '/api', { method: 'POST', headers: { authorization: 'Bearer test-token' } });
    assert.equal(post.status, 405);
    await post.text();
  });

  const kubectlPath = '/usr/bin/kubectl';
  function kubectl(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(
        kubectlPath,
        ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), ...args],
        { timeout: 30_000, env: { ...process.env, ...env } },
        (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      );
    });
  }
  const noKubectl = !existsSync(kubectlPath);

  test('kubectl api-resources and api-versions', { skip: noKubectl }, async () => {
    const r = await kubectl(['api-resources']);
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/));
    const row = (name: string) => rows.find((x) => x[0] === name);
    assert.deepEqual(row('pods'), ['pods', 'po', 'v1', 'true', 'Pod']);
    assert.deepEqual(row('namespaces'), ['namespaces', 'ns', 'v1', 'false', 'Namespace']);
    assert.deepEqual(row('deployments'), ['deployments', 'deploy', 'apps/v1', 'true', 'Deployment']);
    assert.deepEqual(row('replicasets'), ['replicasets', 'rs', 'apps/v1', 'true', 'ReplicaSet']);
    assert.deepEqual(row('secrets'), ['secrets', 'v1', 'true', 'Secret']);
    const all = await kubectl(['api-resources', '--categories=all', '-o', 'name']);
    assert.deepEqual(all.stdout.trim().split('\n').sort(), [
      'cronjobs.batch',
      'daemonsets.apps',
      'deployments.apps',
      'horizontalpodautoscalers.autoscaling',
      'jobs.batch',
      'pods',
      'replicasets.apps',
      'replicationcontrollers',
      'services',
      'statefulsets.apps',
    ]);
    const v = await kubectl(['api-versions']);
    assert.equal(v.code, 0, v.stderr);
    assert.deepEqual(
      v.stdout.trim().split('\n'),
      groupVersions()
        .map((gv) => (gv.group ? `${gv.group}/${gv.version}` : gv.version))
        .sort(),
    );
    const ver = await kubectl(['version']);
    assert.match(ver.stdout, /Server Version: v1\.32\./);
  });

  test('kubectl explain', { skip: noKubectl }, async () => {
    const s = await kubectl(['explain', 'deployment.spec.strategy']);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, /GROUP:\s+apps/);
    assert.match(s.stdout, /FIELD: strategy <DeploymentStrategy>/);
    assert.match(s.stdout, /rollingUpdate\s+<RollingUpdateDeployment>/);
    assert.match(s.stdout, /enum: Recreate, RollingUpdate/);
    const m = await kubectl(['explain', 'deployment.spec.strategy.rollingUpdate.maxSurge']);
    assert.equal(m.code, 0, m.stderr);
    assert.match(m.stdout, /FIELD: maxSurge <IntOrString>/);
    assert.match(m.stdout, /maximum number of pods that can be scheduled/);
    const c = await kubectl(['explain', 'pods.spec.containers']);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, /FIELD: containers <\[\]Container>/);
    assert.match(c.stdout, /image\s+<string>/);
    const v = await kubectl(['explain', 'pod.spec.volumes.configMap.name']);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /FIELD: name <string>/);
    const bad = await kubectl(['explain', 'deployment.spec.nosuchfield']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /field "nosuchfield" does not exist/);
  });

  test('kubectl apply computes a strategic merge patch from OpenAPI v3 and asks for server-side validation', {
    skip: noKubectl,
  }, async () => {
    const manifest = JSON.parse(JSON.stringify(lastApplied));
    manifest.spec.template.spec.containers.push({ name: 'sidecar', image: 'busybox' });
    writeFileSync(join(dir, 'web.json'), JSON.stringify(manifest));
    recorded.length = 0;
    const r = await kubectl(['apply', '-f', join(dir, 'web.json')]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /openapi/i);
    const patch = recorded.find((x) => x.method === 'PATCH');
    assert.ok(patch, `no PATCH among ${recorded.map((x) => x.method + ' ' + x.url).join(', ')}`);
    assert.equal(patch.contentType, 'application/strategic-merge-patch+json');
    assert.match(patch.url, /fieldValidation=Strict/);
    const body = JSON.parse(patch.body);
    // The merge key (name) of containers came from the schema: list order is kept by name.
    assert.deepEqual(body.spec.template.spec['$setElementOrder/containers'], [{ name: 'c' }, { name: 'sidecar' }]);
    assert.deepEqual(body.spec.template.spec.containers, [{ image: 'busybox', name: 'sidecar' }]);
  });

  test('without server-side field validation, kubectl validates against /openapi/v2 (protobuf)', { skip: noKubectl }, async () => {
    setOpenAPIOptions({ serverSideFieldValidation: false });
    try {
      const manifest = JSON.parse(JSON.stringify(lastApplied));
      manifest.metadata.name = 'other';
      manifest.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } };
      manifest.spec.bogus = 1;
      writeFileSync(join(dir, 'bad.json'), JSON.stringify(manifest));
      const bad = await kubectl(['apply', '-f', join(dir, 'bad.json'), '--cache-dir', join(dir, 'cache-nossv')]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /unknown field "bogus" in io\.k8s\.api\.apps\.v1\.DeploymentSpec/);
      delete manifest.spec.bogus;
      writeFileSync(join(dir, 'good.json'), JSON.stringify(manifest));
      recorded.length = 0;
      const good = await kubectl(['apply', '-f', join(dir, 'good.json'), '--cache-dir', join(dir, 'cache-nossv')]);
      // Validation passed (int and string for IntOrString); the create then reaches the fake server's 404.
      assert.match(good.stderr, /NotFound|not found/, good.stderr);
      const post = recorded.find((x) => x.method === 'POST');
      assert.ok(post, 'create was sent');
    } finally {
      setOpenAPIOptions({});
    }
  });
});
