// DaemonSets, StatefulSets, ControllerRevisions and ReplicationControllers through a real API
// server (in process, memory store): defaults, the DaemonSet's template generation, Kubernetes'
// validation messages, the scale subresource, and the printers' cells.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as v1 from '../../api/types.js';
import type { RestClient } from '../../client/rest.js';
import { startTestControlPlane, type TestControlPlane } from '../../testing/controlplane.js';
import { apiError, printerCells as cells } from '../../testing/registry.js';

let cp: TestControlPlane;
let c: RestClient;
const DS = { ...v1.DAEMONSETS, namespace: 'default' };
const STS = { ...v1.STATEFULSETS, namespace: 'default' };
const CR = { ...v1.CONTROLLERREVISIONS, namespace: 'default' };
const RC = { ...v1.REPLICATIONCONTROLLERS, namespace: 'default' };

before(async () => {
  cp = await startTestControlPlane();
  c = cp.client;
});
after(async () => {
  await cp.stop();
});

const template = (labels: Record<string, string> = { app: 'web' }, spec: Record<string, unknown> = {}) => ({
  metadata: { labels },
  spec: { containers: [{ name: 'c', image: 'nginx:1' }], ...spec },
});

/** A workload named `name` of kind (apiVersion) with the spec given, unchecked: some tests send bad ones. */
const manifest = (apiVersion: string, kind: string, name: string, spec: Record<string, unknown>) => ({
  apiVersion,
  kind,
  metadata: { name },
  spec,
});

test('a DaemonSet is defaulted (RollingUpdate 1/0, history 10) and its template generation counts template changes', async () => {
  const ds = await c.create(
    DS,
    manifest('apps/v1', 'DaemonSet', 'agent', {
      selector: { matchLabels: { app: 'web' } },
      template: template(undefined, { nodeSelector: { disk: 'ssd' } }),
    }),
  );
  const spec = ds.spec as Record<string, any>;
  assert.deepEqual(spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  assert.equal(spec.revisionHistoryLimit, 10);
  assert.equal(spec.template.spec.restartPolicy, 'Always');
  assert.equal(ds.metadata.annotations?.['deprecated.daemonset.template.generation'], '1');
  assert.equal(ds.metadata.generation, 1);
  const labelled = await c.patch({ ...DS, name: 'agent' }, { metadata: { labels: { team: 'a' } } }, 'strategic');
  assert.equal(labelled.metadata.annotations?.['deprecated.daemonset.template.generation'], '1', 'a label change is no template change');
  const changed = await c.patch(
    { ...DS, name: 'agent' },
    { spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } } },
    'strategic',
  );
  assert.equal(changed.metadata.annotations?.['deprecated.daemonset.template.generation'], '2');
  assert.equal(changed.metadata.generation, 2);
  assert.deepEqual(cells('daemonsets', 'apps', changed), [
    'agent',
    0,
    0,
    0,
    0,
    0,
    'disk=ssd',
    cells('daemonsets', 'apps', changed)[7],
    'c',
    'nginx:2',
    'app=web',
  ]);
  const e = await apiError(
    c.patch(
      { ...DS, name: 'agent' },
      { spec: { selector: { matchLabels: { app: 'other' } }, template: { metadata: { labels: { app: 'other' } } } } },
      'strategic',
    ),
  );
  assert.match(e.message, /spec\.selector: Invalid value: .*: field is immutable/);
});

test("DaemonSet validation speaks Kubernetes' messages", async () => {
  const bad = (spec: Record<string, unknown>) =>
    c.create(DS, manifest('apps/v1', 'DaemonSet', 'bad', { selector: { matchLabels: { app: 'web' } }, template: template(), ...spec }));
  let e = await apiError(bad({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } }));
  assert.equal(e.code, 422);
  assert.match(
    e.message,
    /^DaemonSet\.apps "bad" is invalid: spec\.updateStrategy\.rollingUpdate\.maxUnavailable: Required value: cannot be 0 when maxSurge is 0$/,
  );
  e = await apiError(bad({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } } }));
  assert.match(
    e.message,
    /spec\.updateStrategy\.rollingUpdate\.maxSurge: Invalid value: intstr\.IntOrString\{Type:0, IntVal:1, StrVal:""\}: may not be set when maxUnavailable is non-zero/,
  );
  e = await apiError(bad({ template: template({ app: 'other' }) }));
  assert.match(e.message, /spec\.template\.metadata\.labels: Invalid value: .*`selector` does not match template `labels`/);
  e = await apiError(bad({ template: template(undefined, { restartPolicy: 'Never' }) }));
  assert.match(e.message, /spec\.template\.spec\.restartPolicy: Unsupported value: "Never": supported values: "Always"/);
  e = await apiError(bad({ updateStrategy: { type: 'Sometimes' } }));
  assert.match(e.message, /spec\.updateStrategy: Unsupported value: .*supported values: "RollingUpdate", "OnDelete"/);
});

test('a StatefulSet is defaulted, its claim templates too; only some spec fields may change', async () => {
  const sts = await c.create(
    STS,
    manifest('apps/v1', 'StatefulSet', 'web', {
      serviceName: 'web',
      selector: { matchLabels: { app: 'web' } },
      template: template(),
      volumeClaimTemplates: [
        { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
      ],
    }),
  );
  const spec = sts.spec as Record<string, any>;
  assert.equal(spec.replicas, 1);
  assert.equal(spec.podManagementPolicy, 'OrderedReady');
  assert.deepEqual(spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  assert.deepEqual(spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
  assert.equal(spec.revisionHistoryLimit, 10);
  assert.equal(spec.volumeClaimTemplates[0].spec.volumeMode, 'Filesystem');
  assert.deepEqual(spec.volumeClaimTemplates[0].status, { phase: 'Pending' });
  assert.deepEqual(cells('statefulsets', 'apps', sts).slice(0, 2), ['web', '0/1']);
  const scaled = await c.patch({ ...STS, name: 'web' }, { spec: { replicas: 3 } }, 'merge');
  assert.equal((scaled.spec as { replicas: number }).replicas, 3);
  const e = await apiError(c.patch({ ...STS, name: 'web' }, { spec: { serviceName: 'other' } }, 'merge'));
  assert.match(
    e.message,
    /spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden/,
  );
  const scale = await c.get({ ...STS, name: 'web', subresource: 'scale' });
  assert.deepEqual(scale.spec, { replicas: 3 });
  assert.equal((scale.status as { selector: string }).selector, 'app=web');
  const bad = await apiError(
    c.create(
      STS,
      manifest('apps/v1', 'StatefulSet', 'web.x', {
        podManagementPolicy: 'Random',
        selector: { matchLabels: { app: 'web' } },
        template: template(),
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Keep', whenScaled: 'Retain' },
      }),
    ),
  );
  assert.match(bad.message, /metadata\.name: Invalid value: "web\.x": must not contain dots/);
  assert.match(bad.message, /spec\.podManagementPolicy: Invalid value: "Random": must be 'OrderedReady' or 'Parallel'/);
  assert.match(
    bad.message,
    /spec\.persistentVolumeClaimRetentionPolicy\.whenDeleted: Unsupported value: "Keep": supported values: "Retain", "Delete"/,
  );
});

test("a ControllerRevision's data cannot change; its printer names the controller as kind.group/name", async () => {
  const cr = await c.create(CR, {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: 'web-1',
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u1', controller: true }],
    },
    data: { spec: { template: { $patch: 'replace' } } },
    revision: 1,
  });
  assert.deepEqual(cells('controllerrevisions', 'apps', cr).slice(0, 3), ['web-1', 'statefulset.apps/web', 1]);
  const e = await apiError(c.patch({ ...CR, name: 'web-1' }, { data: { spec: { x: 1 } } }, 'merge'));
  assert.match(e.message, /data: Invalid value: .*: field is immutable/);
  const renumbered = await c.patch({ ...CR, name: 'web-1' }, { revision: 4 }, 'merge');
  assert.equal(
    (renumbered as { revision?: number }).revision,
    4,
    'the revision number may change (controllers renumber a revision rolled back to)',
  );
  assert.match(
    (await apiError(c.create(CR, { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'x' }, revision: 1 }))).message,
    /data: Required value: data is mandatory/,
  );
});

test('a ReplicationController takes its selector and labels from the template; scale reads the map selector', async () => {
  const rc = await c.create(RC, manifest('v1', 'ReplicationController', 'old', { template: template({ app: 'old', tier: 'web' }) }));
  assert.deepEqual((rc.spec as { selector: unknown }).selector, { app: 'old', tier: 'web' });
  assert.deepEqual(rc.metadata.labels, { app: 'old', tier: 'web' });
  assert.equal((rc.spec as { replicas: number }).replicas, 1);
  const scale = await c.get({ ...RC, name: 'old', subresource: 'scale' });
  assert.equal((scale.status as { selector: string }).selector, 'app=old,tier=web');
  await c.update({ ...RC, name: 'old', subresource: 'scale' }, { ...scale, spec: { replicas: 4 } });
  const after = await c.get({ ...RC, name: 'old' });
  assert.equal((after.spec as { replicas: number }).replicas, 4);
  assert.deepEqual(
    cells('replicationcontrollers', '', after).filter((_, i) => i !== 4),
    ['old', 4, 0, 0, 'c', 'nginx:1', 'app=old,tier=web'],
  );
  const e = await apiError(
    c.create(RC, manifest('v1', 'ReplicationController', 'bad', { selector: { app: 'x' }, template: template({ app: 'y' }) })),
  );
  assert.match(e.message, /spec\.template\.metadata\.labels: Invalid value: .*`selector` does not match template `labels`/);
});

test("a write through scale is its writer's managedFields entry with subresource scale, as kube-apiserver records it (kubectl scale, then apply)", async () => {
  await c.create(
    STS,
    manifest('apps/v1', 'StatefulSet', 'scaled', { selector: { matchLabels: { app: 'web' } }, serviceName: 's', template: template() }),
  );
  await c.patch({ ...STS, name: 'scaled', subresource: 'scale' }, { spec: { replicas: 3 } }, 'merge', { fieldManager: 'kubectl' });
  const sts = await c.get({ ...STS, name: 'scaled' });
  const entry = sts.metadata.managedFields?.find((m) => m.manager === 'kubectl');
  assert.deepEqual(
    { operation: entry?.operation, apiVersion: entry?.apiVersion, subresource: entry?.subresource, fieldsV1: entry?.fieldsV1 },
    { operation: 'Update', apiVersion: 'apps/v1', subresource: 'scale', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
  );
  const applied = manifest('apps/v1', 'StatefulSet', 'scaled', { replicas: 5 });
  const e = await apiError(c.patch({ ...STS, name: 'scaled' }, applied, 'apply', { fieldManager: 'deployer' }));
  assert.equal(e.code, 409);
  assert.match(e.message, /conflict with "kubectl" with subresource "scale" using apps\/v1: \.spec\.replicas/);
});
