// The custom resource side of the API server, as apiextensions-apiserver runs it inside
// kube-apiserver: crdHandler (customresource_handler.go: one REST storage per served version of
// each established CRD, rebuilt when the CRD changes), the NamingConditionController (accepted
// names and the NamesAccepted condition: names used by another CRD of the group are refused),
// the EstablishingController (Established once the names are served) and the
// FinalizingController (a deleted CRD's custom objects are deleted, then the
// customresourcecleanup.apiextensions.k8s.io finalizer is removed and the CRD goes). Discovery
// and OpenAPI follow through the served table. It reads CRDs from their watch cache and writes
// them through their registry, as those controllers do through the loopback client.

import { createHash } from 'node:crypto';
import type { JSONSchemaProps } from '../../api/apiextensions/structural.js';
import { errorMessage } from '../../api/errors.js';
import type { KObject } from '../../api/object.js';
import { type Obj, str } from '../../api/object.js';
import { registryTypeLookup } from '../../api/patch/typeinfo.js';
import { storePrefix } from '../../api/resources.js';
import type { Store } from '../../store/types.js';
import { CLEANUP_FINALIZER, conditionOf, setCondition } from '../registry/apiextensions/customresourcedefinitions.js';
import type { ApiServerContext } from '../registry/context.js';
import { GenericRegistry } from '../registry/generic.js';
import { apiserverContext } from '../registry/strategy.js';
import type { CustomDefinition, ServedResources } from '../served.js';
import type { CacheEvent } from '../watchcache.js';
import { WatchCache } from '../watchcache.js';
import { buildCustomDefinition, type CustomVersion } from './customresource.js';

const o = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

interface Names {
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  shortNames?: string[];
  categories?: string[];
}

/** What is served for one CRD: the hash of what it was built from, and one store per served version. */
interface Serving {
  hash: string;
  registries: Map<string, GenericRegistry>;
  caches: WatchCache[];
  group: string;
  plural: string;
}

/**
 * Kubernetes' version priority (version.CompareKubeAwareVersionStrings): GA before beta before
 * alpha, higher major then minor first; versions that are not kube-like after, alphabetically.
 */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return undefined;
    return { major: Number(m[1]), rank: m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1, minor: m[3] === undefined ? 0 : Number(m[3]) };
  };
  const pa = parse(a),
    pb = parse(b);
  if (pa && !pb) return -1;
  if (!pa && pb) return 1;
  if (!pa || !pb) return a < b ? -1 : a > b ? 1 : 0;
  if (pa.rank !== pb.rank) return pb.rank - pa.rank;
  if (pa.major !== pb.major) return pb.major - pa.major;
  return pb.minor - pa.minor;
}

export interface CRDHandlerHost {
  store: Store;
  api: ApiServerContext;
  served: ServedResources;
  /** The CRDs' own registry. */
  crds: GenericRegistry;
  watchCacheSize?: number;
  log?(msg: string): void;
}

export class CRDHandler {
  private serving = new Map<string, Serving>();
  private queue = new Set<string>();
  private running = false;
  private stopped = false;
  private watch?: { cancel(): void };
  private retryTimers = new Set<NodeJS.Timeout>();

  constructor(private readonly host: CRDHandlerHost) {}

  /** The store of a served custom resource version. */
  registry(group: string, resource: string, version: string | undefined): GenericRegistry | undefined {
    for (const s of this.serving.values()) {
      if (s.group !== group || s.plural !== resource) continue;
      if (version !== undefined) return s.registries.get(version);
      return s.registries.values().next().value;
    }
    return undefined;
  }

  /** Serves every established CRD already stored, then follows CRD changes. */
  async start(): Promise<void> {
    const cache = this.host.crds.cache;
    const snap = cache.list();
    this.watch = cache.watch(
      snap.revision,
      undefined,
      (ev: CacheEvent) => this.enqueue(ev.object.metadata.name!),
      () => {
        if (!this.stopped) this.host.log?.('crd handler: the CRD watch ended');
      },
    );
    for (const crd of snap.items) this.enqueue(crd.metadata.name!);
    await this.drain();
  }

  stop(): void {
    this.stopped = true;
    this.watch?.cancel();
    for (const t of this.retryTimers) clearTimeout(t);
    for (const s of this.serving.values()) for (const c of s.caches) c.stop();
    this.serving.clear();
  }

  private enqueue(name: string): void {
    if (this.stopped) return;
    this.queue.add(name);
    if (!this.running) void this.drain();
  }

  private later(name: string, ms: number): void {
    const t = setTimeout(() => {
      this.retryTimers.delete(t);
      this.enqueue(name);
    }, ms);
    t.unref();
    this.retryTimers.add(t);
  }

  /** One CRD at a time, in turn: each reconcile is level-driven and safe to repeat. */
  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.size > 0 && !this.stopped) {
        const name = this.queue.values().next().value!;
        this.queue.delete(name);
        try {
          await this.reconcile(name);
        } catch (e) {
          this.host.log?.(`crd handler: ${name}: ${errorMessage(e)}`);
          this.later(name, 1000);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private current(name: string): KObject | undefined {
    return this.host.crds.cache.get(this.host.crds.key(undefined, name));
  }

  private async reconcile(name: string): Promise<void> {
    const crd = this.current(name);
    if (!crd) return this.unserve(name);
    if (crd.metadata.deletionTimestamp) return this.finalize(crd);
    const { names, status } = this.namesAndConditions(crd);
    // Serve first, then say Established: a client that waits for the condition finds the endpoint.
    if (names.plural && names.kind) {
      await this.serve(crd, names);
      setCondition(status, {
        type: 'Established',
        status: 'True',
        reason: 'InitialNamesAccepted',
        message: 'the initial names have been accepted',
      });
    }
    if (JSON.stringify(status.status) !== JSON.stringify(crd.status)) await this.writeStatus(name, status.status as Obj);
  }

  /** The naming controller: accepted names (fresh or already ours) and the NamesAccepted / Established conditions. */
  private namesAndConditions(crd: KObject): { names: Names; status: KObject } {
    const spec = o(crd.spec),
      requested = o(spec.names),
      group = str(spec.group);
    const status = { ...crd, status: JSON.parse(JSON.stringify(crd.status ?? {})) as Obj } as KObject;
    const st = status.status as Obj;
    const accepted = o(st.acceptedNames);
    const used = {
      plural: new Set<string>(),
      singular: new Set<string>(),
      shortNames: new Set<string>(),
      kind: new Set<string>(),
      listKind: new Set<string>(),
    };
    for (const other of this.host.crds.cache.list().items) {
      if (other.metadata.name === crd.metadata.name || str(o(other.spec).group) !== group) continue;
      const an = o(o(other.status).acceptedNames);
      if (an.plural) used.plural.add(str(an.plural));
      if (an.singular) used.singular.add(str(an.singular));
      for (const s of strs(an.shortNames)) used.shortNames.add(s);
      if (an.kind) used.kind.add(str(an.kind));
      if (an.listKind) used.listKind.add(str(an.listKind));
    }
    for (const d of this.host.served.definitions()) {
      if (d.custom || d.info.group !== group) continue;
      used.plural.add(d.info.resource);
      used.singular.add(d.info.singular);
      for (const s of d.info.shortNames ?? []) used.shortNames.add(s);
      used.kind.add(d.info.kind);
      used.listKind.add(d.info.listKind);
    }
    // A resource name also answers for its singular and short names: none may be another's.
    const anyName = new Set([...used.plural, ...used.singular, ...used.shortNames]);
    const next: Names = {
      plural: str(accepted.plural),
      singular: str(accepted.singular),
      kind: str(accepted.kind),
      listKind: str(accepted.listKind),
      shortNames: strs(accepted.shortNames),
      categories: strs(requested.categories),
    };
    let reason = '',
      message = '';
    const fail = (r: string, m: string) => {
      if (!reason) {
        reason = r;
        message = m;
      }
    };
    const fresh = (want: string, mine: string, taken: Set<string>) => want === mine || !taken.has(want);
    const plural = str(requested.plural),
      singular = str(requested.singular),
      kind = str(requested.kind),
      listKind = str(requested.listKind);
    if (fresh(plural, next.plural, anyName)) next.plural = plural;
    else fail('PluralConflict', `"${plural}" is already in use`);
    if (fresh(singular, next.singular, anyName)) next.singular = singular;
    else fail('SingularConflict', `"${singular}" is already in use`);
    const shorts = strs(requested.shortNames);
    const badShort = shorts.find((s) => !(next.shortNames ?? []).includes(s) && anyName.has(s));
    if (badShort === undefined) next.shortNames = shorts;
    else fail('ShortNamesConflict', `"${badShort}" is already in use`);
    if (fresh(kind, next.kind, used.kind)) next.kind = kind;
    else fail('KindConflict', `"${kind}" is already in use`);
    if (fresh(listKind, next.listKind, used.listKind)) next.listKind = listKind;
    else fail('ListKindConflict', `"${listKind}" is already in use`);
    const an: Obj = {
      plural: next.plural,
      singular: next.singular || undefined,
      shortNames: next.shortNames?.length ? next.shortNames : undefined,
      kind: next.kind,
      listKind: next.listKind || undefined,
      categories: next.categories?.length ? next.categories : undefined,
    };
    st.acceptedNames = JSON.parse(JSON.stringify(an));
    if (reason) {
      setCondition(status, { type: 'NamesAccepted', status: 'False', reason, message });
      if (conditionOf(status, 'Established')?.status !== 'True')
        setCondition(status, { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' });
    } else {
      setCondition(status, { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' });
    }
    return {
      names: reason && conditionOf(crd, 'Established')?.status !== 'True' ? { plural: '', singular: '', kind: '', listKind: '' } : next,
      status,
    };
  }

  private async writeStatus(name: string, status: Obj): Promise<void> {
    await this.host.crds.guaranteedUpdate(undefined, name, apiserverContext(), 'status', (cur) => {
      if (!cur) throw this.host.crds.notFound(name);
      return { ...cur, status };
    });
  }

  private versions(crd: KObject, names: Names, terminating: () => boolean): CustomVersion[] {
    const spec = o(crd.spec);
    const all = (Array.isArray(spec.versions) ? spec.versions : []).map(o);
    const storage = str(all.find((v) => v.storage === true)?.name);
    const served = all.filter((v) => v.served === true).sort((a, b) => compareVersions(str(a.name), str(b.name)));
    const group = str(spec.group);
    // The default warning points at the newest served version that is not deprecated, when it sorts first.
    const warning = (v: Obj): string | undefined => {
      if (v.deprecated !== true) return undefined;
      if (typeof v.deprecationWarning === 'string') return v.deprecationWarning;
      const better = served.find((x) => x.deprecated !== true && compareVersions(str(x.name), str(v.name)) < 0);
      return `${group}/${str(v.name)} ${names.kind} is deprecated${better ? `; use ${group}/${str(better.name)} ${names.kind}` : ''}`;
    };
    return served.map((v) => ({
      group: str(spec.group),
      version: str(v.name),
      storageVersion: storage,
      names,
      namespaced: spec.scope === 'Namespaced',
      schema: o(v.schema).openAPIV3Schema as JSONSchemaProps | undefined,
      subresources: o(v.subresources) as CustomVersion['subresources'],
      columns: (Array.isArray(v.additionalPrinterColumns) ? v.additionalPrinterColumns : []) as CustomVersion['columns'],
      selectableFields: (Array.isArray(v.selectableFields) ? v.selectableFields : [])
        .map((f) => str(o(f).jsonPath))
        .filter((p) => p !== ''),
      deprecated: v.deprecated === true,
      deprecationWarning: warning(v),
      terminating,
    }));
  }

  /** Builds (or keeps) the stores of every served version and puts them in the served table. */
  private async serve(crd: KObject, names: Names): Promise<void> {
    const name = crd.metadata.name!;
    const hash = createHash('sha256')
      .update(JSON.stringify([crd.spec, names]))
      .digest('hex');
    if (this.serving.get(name)?.hash === hash) return;
    const terminating = () => !!this.current(name)?.metadata.deletionTimestamp;
    const defs: CustomDefinition[] = this.versions(crd, names, terminating).map((v) => buildCustomDefinition(v, registryTypeLookup));
    const registries = new Map<string, GenericRegistry>();
    const caches: WatchCache[] = [];
    for (const def of defs) {
      // Conversion None and defaulting on read: objects are served as this version says.
      const cache = new WatchCache(this.host.store, storePrefix(def.info), {
        historySize: this.host.watchCacheSize,
        convert: def.custom!.decode,
      });
      caches.push(cache);
      registries.set(def.info.version, new GenericRegistry(def, this.host.store, cache, this.host.api));
    }
    await Promise.all(caches.map((c) => c.start()));
    const old = this.serving.get(name);
    this.serving.set(name, { hash, registries, caches, group: str(o(crd.spec).group), plural: names.plural });
    this.host.served.setCustom(name, defs);
    if (old) for (const c of old.caches) c.stop();
  }

  private unserve(name: string): void {
    const s = this.serving.get(name);
    if (!s) return;
    this.serving.delete(name);
    this.host.served.setCustom(name, undefined);
    for (const c of s.caches) c.stop();
  }

  /** The finalizing controller: every custom object goes, then the finalizer, then the CRD. */
  private async finalize(crd: KObject): Promise<void> {
    const name = crd.metadata.name!;
    if (!(crd.metadata.finalizers ?? []).includes(CLEANUP_FINALIZER)) return;
    const s = this.serving.get(name);
    const reg = s ? [...s.registries.values()][0] : undefined;
    let remaining = 0;
    if (reg) {
      await reg.cache.waitForRevision(await this.host.store.currentRevision(), 10_000).catch(() => undefined);
      for (const obj of reg.cache.list().items) {
        remaining++;
        if (obj.metadata.deletionTimestamp) continue;
        await reg.delete(obj.metadata.namespace, obj.metadata.name!, {}, apiserverContext()).catch((e: unknown) => {
          if ((e as { code?: number }).code !== 404) throw e;
        });
      }
      remaining = reg.cache.list().items.length;
      if (remaining === 0) {
        // The deletes above may not have reached the cache yet: ask the store.
        remaining = (await this.host.store.range(reg.prefix(), { countOnly: true })).count ?? 0;
      }
    }
    if (remaining > 0) {
      const next = { ...crd, status: JSON.parse(JSON.stringify(crd.status ?? {})) } as KObject;
      setCondition(next, {
        type: 'Terminating',
        status: 'True',
        reason: 'InstanceDeletionInProgress',
        message: 'CustomResource deletion is in progress',
      });
      if (JSON.stringify(next.status) !== JSON.stringify(crd.status)) await this.writeStatus(name, next.status as Obj);
      this.later(name, 500);
      return;
    }
    // Nothing is left: stop serving, then let the CRD go.
    this.unserve(name);
    await this.host.crds
      .guaranteedUpdate(undefined, name, apiserverContext(), undefined, (cur) => {
        if (!cur) throw this.host.crds.notFound(name);
        const fins = (cur.metadata.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER);
        cur.metadata.finalizers = fins;
        if (fins.length === 0) delete cur.metadata.finalizers;
        return cur;
      })
      .catch((e: unknown) => {
        if ((e as { code?: number }).code !== 404) throw e;
      });
  }
}
