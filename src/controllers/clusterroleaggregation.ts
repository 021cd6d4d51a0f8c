// The clusterrole-aggregation controller, as kube-controller-manager's
// pkg/controller/clusterroleaggregation: a ClusterRole with an aggregationRule gets, as its
// rules, the rules of every other ClusterRole one of its selectors matches (sorted by name,
// duplicates dropped). admin, edit and view are built this way from system:aggregate-to-*,
// and any ClusterRole labelled rbac.authorization.k8s.io/aggregate-to-view: "true" adds to view.

import type { KObject } from '../api/object.js';
import { deepCopy } from '../api/object.js';
import { selectorMatches } from '../api/validation/meta.js';
import { QueueController } from '../client/controller.js';
import type { Informer, SharedInformerFactory } from '../client/informer.js';
import { isApiError, type RestClient } from '../client/rest.js';

const CLUSTERROLES = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles' };

interface ClusterRole extends KObject {
  rules?: unknown[] | null;
  aggregationRule?: { clusterRoleSelectors?: unknown[] } | null;
}

const hasAggregation = (r: ClusterRole): boolean => (r.aggregationRule?.clusterRoleSelectors ?? []).length > 0;

export class ClusterRoleAggregationController extends QueueController {
  private roles: Informer<ClusterRole>;

  constructor(
    private readonly client: RestClient,
    factory: SharedInformerFactory,
    log?: (m: string) => void,
  ) {
    super('clusterrole-aggregation', 1, log);
    this.roles = factory.informerFor<ClusterRole>(CLUSTERROLES);
    // Any change to any ClusterRole may change what an aggregated role gathers: look at them all.
    const all = () => {
      for (const r of this.roles.list()) if (hasAggregation(r)) this.loop.enqueue(r.metadata.name!);
    };
    this.roles.addEventHandler({ onAdd: all, onUpdate: all, onDelete: all });
  }

  async reconcile(name: string): Promise<void> {
    const role = this.roles.get(name);
    if (!role || !hasAggregation(role)) return;
    const sources = this.roles
      .list()
      .filter(
        (r) =>
          r.metadata.name !== name &&
          (role.aggregationRule!.clusterRoleSelectors ?? []).some((sel) => selectorMatches(sel, r.metadata.labels)),
      )
      .sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0));
    const rules: unknown[] = [];
    const seen = new Set<string>();
    for (const src of sources) {
      for (const rule of src.rules ?? []) {
        const k = JSON.stringify(rule);
        if (seen.has(k)) continue;
        seen.add(k);
        rules.push(rule);
      }
    }
    if (JSON.stringify(rules) === JSON.stringify(role.rules ?? [])) return;
    const next = deepCopy(role);
    next.rules = rules;
    try {
      await this.client.update({ ...CLUSTERROLES, name }, next, { fieldManager: 'clusterrole-aggregation-controller' });
    } catch (e) {
      // A conflict means the informer will bring the newer role, and with it another pass.
      if (isApiError(e) && (e.code === 409 || e.code === 404)) return;
      throw e;
    }
  }
}
