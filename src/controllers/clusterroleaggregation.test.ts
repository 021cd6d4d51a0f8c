// The clusterrole-aggregation controller against an in-process API server: an aggregated
// ClusterRole's rules are those of the roles its selectors match (by name, duplicates once),
// and follow them as they are labelled, changed and deleted.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../api/object.js';
import { runControllers, startTestControlPlane } from '../testing/controlplane.js';
import { waitFor } from '../testing/wait.js';
import { ClusterRoleAggregationController } from './clusterroleaggregation.js';

const CLUSTERROLES = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles' };
type ClusterRole = KObject & { rules?: unknown[] };

test('an aggregated ClusterRole gathers the rules of the roles it selects, and follows them', async (t) => {
  const cp = await startTestControlPlane();
  t.after(() => cp.stop());
  const stop = await runControllers(cp.newClient('kube-controller-manager/test'), (client, factory) => [
    new ClusterRoleAggregationController(client, factory),
  ]);
  t.after(stop);
  const c = cp.client;
  const role = (name: string, labels: Record<string, string>, rules: unknown[]) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name, labels },
    rules,
  });
  const read = (resource: string) => ({ apiGroups: [''], resources: [resource], verbs: ['get'] });
  const rulesOf = async (name: string) => (await c.get<ClusterRole>({ ...CLUSTERROLES, name })).rules ?? [];
  const becomes = (want: unknown[]) =>
    waitFor(`gathered rules ${JSON.stringify(want)}`, async () => JSON.stringify(await rulesOf('gathered')) === JSON.stringify(want));

  await c.create(CLUSTERROLES, role('b-pods', { gather: 'yes' }, [read('pods'), read('services')]));
  await c.create(CLUSTERROLES, role('a-secrets', { gather: 'yes' }, [read('secrets'), read('services')]));
  await c.create(CLUSTERROLES, role('other', {}, [read('nodes')]));
  await c.create(CLUSTERROLES, {
    ...role('gathered', {}, []),
    aggregationRule: { clusterRoleSelectors: [{ matchLabels: { gather: 'yes' } }] },
  });
  // By source name (a-secrets first), the shared rule once.
  await becomes([read('secrets'), read('services'), read('pods')]);
  // A role labelled later joins; a source deleted leaves.
  const other = await c.get<ClusterRole>({ ...CLUSTERROLES, name: 'other' });
  await c.update({ ...CLUSTERROLES, name: 'other' }, { ...other, metadata: { ...other.metadata, labels: { gather: 'yes' } } });
  await becomes([read('secrets'), read('services'), read('pods'), read('nodes')]);
  await c.delete({ ...CLUSTERROLES, name: 'a-secrets' });
  await becomes([read('pods'), read('services'), read('nodes')]);
  assert.deepEqual(await rulesOf('other'), [read('nodes')]);
});
