// The garbage collector, as kube-controller-manager's: objects whose owners (ownerReferences)
// are all gone are deleted; owners deleted with propagationPolicy Orphan release their
// dependents first ("orphan" finalizer); owners deleted with Foreground wait for their
// blocking dependents to go ("foregroundDeletion" finalizer).

import { apiVersionOf, type KObject, type OwnerReference, sameJSON } from '../api/object.js';
import { ControllerLoop, type Reconciler } from '../client/controller.js';
import type { APIResource } from '../client/discovery.js';
import { type Informer, OWNER_UID_INDEX, OWNER_UID_INDEXERS, type SharedInformerFactory } from '../client/informer.js';
import { isApiError, type ResourceRef, type RestClient } from '../client/rest.js';

/** Resources the collector follows: everything served except the ones nobody owns or is owned. */
const SKIP = new Set(['bindings', 'events']);

export class GarbageCollector implements Reconciler {
  readonly name = 'garbage-collector';
  readonly loop: ControllerLoop;
  private informers = new Map<string, { ri: APIResource; inf: Informer }>();

  /** resources: what the server serves (discovery.serverPreferredResources); those that cannot be listed and watched are left out. */
  constructor(
    private readonly client: RestClient,
    private readonly factory: SharedInformerFactory,
    private resources: APIResource[],
    log?: (m: string) => void,
  ) {
    this.loop = new ControllerLoop(this, 2, log);
    for (const ri of resources) this.follow(ri);
  }

  private follow(ri: APIResource): void {
    if (SKIP.has(ri.resource) || !ri.verbs.includes('list') || !ri.verbs.includes('watch')) return;
    const inf = this.factory.informerFor({
      group: ri.group,
      version: ri.version,
      resource: ri.resource,
      indexers: OWNER_UID_INDEXERS,
    });
    const idx = this.idOf(ri);
    this.informers.set(idx, { ri, inf });
    inf.addEventHandler({
      onAdd: (o) => this.observe(idx, o),
      onUpdate: (old, o) => {
        if (old.metadata.resourceVersion === o.metadata.resourceVersion) return;
        // As the graph builder's update (processGraphChanges): an object whose owners are as they
        // were, not being deleted, has nothing new to check (a pod's status writes); its owners'
        // deletion or deleting state brings it back through their own events (enqueueDependents).
        if (!o.metadata.deletionTimestamp && sameJSON(old.metadata.ownerReferences ?? null, o.metadata.ownerReferences ?? null)) return;
        this.observe(idx, o);
      },
      onDelete: (o) => this.enqueueDependents(o.metadata.uid),
    });
  }

  /**
   * GarbageCollector.Sync: the served resources changed (a CRD came or went). New ones are
   * followed, gone ones forgotten, and objects owned by a kind that is new to the collector are
   * looked at again: their owners could not be checked before.
   */
  sync(resources: APIResource[]): void {
    const key = (r: APIResource) => `${r.group}/${r.version}/${r.resource}`;
    const before = new Set(this.resources.map(key));
    const now = new Set(resources.map(key));
    const added = resources.filter((r) => !before.has(key(r)));
    for (const r of this.resources) {
      if (now.has(key(r))) continue;
      this.informers.delete(this.idOf(r));
      this.factory.forget({ group: r.group, version: r.version, resource: r.resource });
    }
    this.resources = resources;
    for (const r of added) this.follow(r);
    if (added.length === 0) return;
    const kinds = new Set(added.map((r) => `${apiVersionOf(r.group, r.version)}|${r.kind}`));
    for (const [idx, { inf }] of this.informers) {
      for (const o of inf.list()) {
        if (o.metadata.ownerReferences?.some((ref) => kinds.has(`${ref.apiVersion}|${ref.kind}`)))
          this.loop.enqueue(`${idx}|${o.metadata.namespace ?? ''}|${o.metadata.name}`);
      }
    }
  }

  private idOf(ri: APIResource): string {
    return `${ri.group}/${ri.resource}`;
  }

  private observe(idx: string, o: KObject): void {
    if (o.metadata.ownerReferences?.length) this.loop.enqueue(`${idx}|${o.metadata.namespace ?? ''}|${o.metadata.name}`);
    if (o.metadata.deletionTimestamp && o.metadata.finalizers?.some((f) => f === 'orphan' || f === 'foregroundDeletion')) {
      this.loop.enqueue(`${idx}|${o.metadata.namespace ?? ''}|${o.metadata.name}`);
      this.enqueueDependents(o.metadata.uid);
    }
  }

  private enqueueDependents(uid: string | undefined): void {
    if (!uid) return;
    for (const [idx, { inf }] of this.informers) {
      for (const d of inf.byIndex(OWNER_UID_INDEX, uid)) this.loop.enqueue(`${idx}|${d.metadata.namespace ?? ''}|${d.metadata.name}`);
    }
  }

  private dependents(uid: string): { ri: APIResource; obj: KObject }[] {
    const out: { ri: APIResource; obj: KObject }[] = [];
    for (const { ri, inf } of this.informers.values()) for (const d of inf.byIndex(OWNER_UID_INDEX, uid)) out.push({ ri, obj: d });
    return out;
  }

  private ref(ri: APIResource, o: KObject): ResourceRef {
    return {
      group: ri.group,
      version: ri.version,
      resource: ri.resource,
      namespace: ri.namespaced ? o.metadata.namespace : undefined,
      name: o.metadata.name,
    };
  }

  start(): void {
    this.loop.start();
  }
  stop(): Promise<void> {
    return this.loop.stop();
  }

  async reconcile(key: string): Promise<number | void> {
    const [idx, ns, name] = key.split('|');
    const entry = this.informers.get(idx);
    if (!entry) return;
    const obj = entry.inf.get(ns ? `${ns}/${name}` : name);
    if (!obj) return;
    const { ri } = entry;
    const fins = obj.metadata.finalizers ?? [];
    if (obj.metadata.deletionTimestamp && fins.includes('orphan')) return this.orphanDependents(ri, obj);
    if (obj.metadata.deletionTimestamp && fins.includes('foregroundDeletion')) return this.deleteDependentsFirst(ri, obj);
    if (obj.metadata.ownerReferences?.length) return this.checkOwners(ri, obj);
  }

  private async orphanDependents(ri: APIResource, owner: KObject): Promise<void> {
    const uid = owner.metadata.uid!;
    for (const d of this.dependents(uid)) {
      const refs = (d.obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
      await this.client
        .patch(
          this.ref(d.ri, d.obj),
          { metadata: { ownerReferences: refs.length ? refs : null, resourceVersion: d.obj.metadata.resourceVersion } },
          'merge',
        )
        .catch(ignoreGone);
    }
    await this.removeFinalizer(ri, owner, 'orphan');
  }

  /** Takes the finalizer the garbage collector has done with off the owner (the owner unchanged since it was read). */
  private async removeFinalizer(ri: APIResource, owner: KObject, finalizer: string): Promise<void> {
    const left = (owner.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    await this.client
      .patch(
        this.ref(ri, owner),
        { metadata: { finalizers: left.length ? left : null, resourceVersion: owner.metadata.resourceVersion } },
        'merge',
      )
      .catch(ignoreGone);
  }

  private async deleteDependentsFirst(ri: APIResource, owner: KObject): Promise<number | void> {
    const uid = owner.metadata.uid!;
    let blocking = 0;
    for (const d of this.dependents(uid)) {
      const ref = d.obj.metadata.ownerReferences?.find((r) => r.uid === uid);
      if (ref?.blockOwnerDeletion) blocking++;
      if (!d.obj.metadata.deletionTimestamp) {
        await this.client
          .delete(this.ref(d.ri, d.obj), { propagationPolicy: 'Foreground', preconditions: { uid: d.obj.metadata.uid } })
          .catch(ignoreGone);
      }
    }
    if (blocking > 0) return 1000; // look again; dependents' deletes also requeue us
    await this.removeFinalizer(ri, owner, 'foregroundDeletion');
  }

  /** Whether an owner exists: the cache first, the API server to confirm an absence. */
  private async ownerState(dep: KObject, ref: OwnerReference): Promise<'exists' | 'absent' | 'deleting-foreground'> {
    const ori = this.resources.find((r) => apiVersionOf(r.group, r.version) === ref.apiVersion && r.kind === ref.kind);
    if (!ori) return 'exists'; // a kind we do not serve: we cannot tell, so never collect
    const ns = ori.namespaced ? dep.metadata.namespace : undefined;
    const cached = this.informers.get(this.idOf(ori))?.inf.get(ns ? `${ns}/${ref.name}` : ref.name);
    let owner: KObject | undefined = cached && cached.metadata.uid === ref.uid ? cached : undefined;
    if (!owner) {
      try {
        const live = await this.client.get({
          group: ori.group,
          version: ori.version,
          resource: ori.resource,
          namespace: ns,
          name: ref.name,
        });
        if (live.metadata.uid === ref.uid) owner = live;
      } catch (e) {
        if (!(isApiError(e) && e.code === 404)) throw e;
      }
    }
    if (!owner) return 'absent';
    if (owner.metadata.deletionTimestamp && owner.metadata.finalizers?.includes('foregroundDeletion')) return 'deleting-foreground';
    return 'exists';
  }

  private async checkOwners(ri: APIResource, obj: KObject): Promise<void> {
    if (obj.metadata.deletionTimestamp) return;
    const refs = obj.metadata.ownerReferences ?? [];
    const states = await Promise.all(refs.map((r) => this.ownerState(obj, r)));
    const absent = refs.filter((_, i) => states[i] === 'absent');
    const foreground = states.some((s) => s === 'deleting-foreground');
    const alive = states.filter((s) => s === 'exists').length;
    if (alive === 0 && (absent.length > 0 || foreground)) {
      await this.client
        .delete(this.ref(ri, obj), {
          propagationPolicy: foreground ? 'Foreground' : 'Background',
          preconditions: { uid: obj.metadata.uid },
        })
        .catch(ignoreGone);
      return;
    }
    if (absent.length > 0) {
      const keep = refs.filter((_, i) => states[i] !== 'absent');
      await this.client
        .patch(this.ref(ri, obj), { metadata: { ownerReferences: keep, resourceVersion: obj.metadata.resourceVersion } }, 'merge')
        .catch(ignoreGone);
    }
  }
}

function ignoreGone(e: unknown): void {
  if (isApiError(e) && (e.code === 404 || e.code === 409)) return;
  throw e;
}
