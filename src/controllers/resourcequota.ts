// The resource quota controller, as kube-controller-manager's pkg/controller/resourcequota:
// status.hard follows spec.hard, and status.used is recalculated from what is stored in the
// namespace, with the same evaluators the quota admission plugin charges with (src/api/quota.ts).
// A quota is synced when its spec changes, when something it counts goes away (replenishment:
// a delete, a pod reaching Succeeded/Failed) and every resync period (--resource-quota-sync-period,
// 5 minutes), which gives back what admission charged for writes that never happened.
// Usage is read with consistent lists rather than from informer caches, so a recalculation
// never misses an object admitted a moment before.

import type { KObject } from '../api/object.js';
import { addUsage, evaluatorFor, fromUsage, podIsCharged, resourcesNamedBy, toUsage, type Usage } from '../api/quota.js';
import { CONFIGMAPS, type GroupVersionResource, PERSISTENTVOLUMECLAIMS, PODS, SECRETS, SERVICES } from '../api/types.js';
import { Controller, type ControllerOptions } from '../client/controller.js';
import type { APIResource } from '../client/discovery.js';
import { type Informer, objectKey, type SharedInformerFactory } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';

const RESOURCEQUOTAS: GroupVersionResource = { group: '', version: 'v1', resource: 'resourcequotas' };

const hardOf = (q: KObject): Record<string, string> => (q.spec as { hard?: Record<string, string> } | undefined)?.hard ?? {};

export interface ResourceQuotaControllerOptions extends ControllerOptions {
  /** Full recalculation of every quota (kube-controller-manager's --resource-quota-sync-period, 5 m). */
  resyncPeriodMs?: number;
}

export class ResourceQuotaController extends Controller {
  private readonly quotas: Informer;
  private readonly resyncMs: number;
  private resyncTimer?: NodeJS.Timeout;

  constructor(
    private readonly client: RestClient,
    factory: SharedInformerFactory,
    private readonly resources: APIResource[],
    opts: ResourceQuotaControllerOptions = {},
  ) {
    super('resourcequota', client, 'resourcequota-controller', opts);
    this.resyncMs = opts.resyncPeriodMs ?? 5 * 60_000;
    this.quotas = factory.informerFor({ ...RESOURCEQUOTAS });
    this.quotas.addEventHandler({
      onAdd: (q) => this.loop.enqueue(objectKey(q)),
      // Only spec changes: status changes are this controller's and admission's own writes.
      onUpdate: (old, q) => {
        if (JSON.stringify(hardOf(old)) !== JSON.stringify(hardOf(q)) || this.needsStatus(q)) this.loop.enqueue(objectKey(q));
      },
    });
    // Replenishment: usage goes down when an object goes away or a pod stops being charged.
    const replenish = (o: KObject) => this.enqueueNamespace(o.metadata.namespace);
    for (const gvr of [SERVICES, CONFIGMAPS, SECRETS, PERSISTENTVOLUMECLAIMS])
      factory.informerFor({ ...gvr }).addEventHandler({ onDelete: replenish });
    factory.informerFor({ ...PODS }).addEventHandler({
      onDelete: replenish,
      onUpdate: (old, pod) => {
        if (podIsCharged(old) && !podIsCharged(pod)) replenish(pod);
      },
    });
  }

  private needsStatus(q: KObject): boolean {
    const hard = (q.spec as { hard?: Record<string, string> } | undefined)?.hard ?? {};
    const status = (q.status ?? {}) as { hard?: Record<string, string>; used?: Record<string, string> };
    return Object.keys(hard).some((k) => status.hard?.[k] === undefined || status.used?.[k] === undefined);
  }

  private enqueueNamespace(ns: string | undefined): void {
    for (const q of this.quotas.list()) if (q.metadata.namespace === ns) this.loop.enqueue(objectKey(q));
  }

  override start(): void {
    super.start();
    this.resyncTimer = setInterval(() => {
      for (const q of this.quotas.list()) this.loop.enqueue(objectKey(q));
    }, this.resyncMs);
    this.resyncTimer.unref();
  }

  override async stop(): Promise<void> {
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    await super.stop();
  }

  /** The served version of a group's resource, from discovery. */
  private gvr(group: string, resource: string): GroupVersionResource | undefined {
    const r = this.resources.find((x) => x.group === group && x.resource === resource && x.namespaced && x.verbs.includes('list'));
    return r ? { group, version: r.version, resource } : undefined;
  }

  /** What everything the quota counts in its namespace uses now. */
  private async calculateUsage(quota: KObject, hardNames: string[]): Promise<Usage> {
    const ns = quota.metadata.namespace!;
    const targets = new Map<string, { group: string; resource: string }>();
    for (const name of hardNames) for (const t of resourcesNamedBy(name)) targets.set(`${t.group}/${t.resource}`, t);
    let used: Usage = new Map();
    for (const t of targets.values()) {
      const gvr = this.gvr(t.group, t.resource);
      if (!gvr) continue;
      const ev = evaluatorFor(t.group, t.resource);
      const matching = ev.matchingResources(hardNames);
      if (!matching.length) continue;
      const list = await this.client.listAll({ ...gvr, namespace: ns });
      let sum: Usage = new Map(matching.map((n) => [n, toUsage({ [n]: '0' }).get(n)!]));
      for (const item of list.items) {
        if (!ev.matchesScopes(quota, item)) continue;
        const u = ev.usage(item);
        const masked: Usage = new Map([...u].filter(([k]) => matching.includes(k)));
        sum = addUsage(sum, masked);
      }
      used = addUsage(used, sum);
    }
    return used;
  }

  async reconcile(key: string): Promise<void> {
    // From the informer, as the quota controller's lister (its role lists and watches, never gets):
    // a status written from a stale copy is a conflict, and the retry sees the newer one.
    const cached = this.quotas.get(key);
    if (!cached) return;
    const [ns, name] = key.split('/');
    const quota: KObject = JSON.parse(JSON.stringify(cached)) as KObject;
    const hard = (quota.spec as { hard?: Record<string, string> } | undefined)?.hard ?? {};
    const hardNames = Object.keys(hard);
    const used = await this.calculateUsage(quota, hardNames);
    const status = { hard: { ...hard }, used: fromUsage(new Map([...used].filter(([k]) => hardNames.includes(k)))) };
    for (const k of hardNames) if (status.used[k] === undefined) status.used[k] = '0';
    if (JSON.stringify(quota.status ?? {}) === JSON.stringify(status)) return;
    // A conflict means admission charged meanwhile: the retry recalculates from what is stored.
    await this.client.update({ ...RESOURCEQUOTAS, namespace: ns, name, subresource: 'status' }, { ...quota, status });
  }
}
