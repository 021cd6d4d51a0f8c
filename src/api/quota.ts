// What an object costs against a ResourceQuota, after kube-apiserver's pkg/quota/v1 (the
// evaluators of pkg/quota/v1/evaluator/core and the generic object-count evaluator) and
// k8s.io/component-helpers/resource (PodRequests/PodLimits). The quota admission plugin (API
// server) and the resource quota controller (controller manager) both charge with these, so
// the usage one admits is the usage the other recalculates.

import { parseSelector } from './labels.js';
import { objects as arr, type KObject, type Obj, obj } from './object.js';
import { Quantity } from './quantity.js';

export type Usage = Map<string, Quantity>;

/** Adds as Go's Quantity.Add does: a zero sum takes the other side's format (1Gi stays 1Gi). */
export function addQuantity(a: Quantity | undefined, b: Quantity): Quantity {
  if (!a || a.isZero()) return b.isZero() && a ? a : b;
  return a.add(b);
}

export function addUsage(a: Usage, b: Usage): Usage {
  const out = new Map(a);
  for (const [k, v] of b) out.set(k, addQuantity(out.get(k), v));
  return out;
}

export function subtractUsage(a: Usage, b: Usage): Usage {
  const out = new Map(a);
  for (const [k, v] of b) out.set(k, addQuantity(out.get(k), v.neg()));
  return out;
}

/** A ResourceList (map of quantities) as Usage; values that do not parse are left out (validation refuses them). */
export function toUsage(list: unknown): Usage {
  const out: Usage = new Map();
  for (const [k, v] of Object.entries(obj(list))) {
    const q = Quantity.tryParse(v);
    if (q) out.set(k, q);
  }
  return out;
}

export function fromUsage(u: Usage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...u.keys()].sort()) out[k] = u.get(k)!.toString();
  return out;
}

const one = (): Quantity => Quantity.fromInt(1);

/** The resource names a quota may name for an object count: count/<resource>[.<group>]. */
export function objectCountName(group: string, resource: string): string {
  return group ? `count/${resource}.${group}` : `count/${resource}`;
}

// ---- pods (pkg/quota/v1/evaluator/core/pods.go) ----

const POD_COMPUTE = [
  'cpu',
  'memory',
  'requests.cpu',
  'requests.memory',
  'limits.cpu',
  'limits.memory',
  'ephemeral-storage',
  'requests.ephemeral-storage',
  'limits.ephemeral-storage',
];
const POD_RESOURCES = new Set(['pods', 'count/pods', ...POD_COMPUTE]);
/** If a quota tracks any of these, every container must say it (a historical mistake kept for compatibility). */
const POD_VALIDATION_SET = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);

/** PodRequests / PodLimits: the sum over app containers, at least the largest init container, plus overhead. */
export function podResourceList(pod: KObject, which: 'requests' | 'limits'): Usage {
  const spec = obj(pod.spec);
  let sum: Usage = new Map();
  for (const c of arr(spec.containers)) sum = addUsage(sum, toUsage(obj(c.resources)[which]));
  // Restartable (sidecar) init containers run beside the app containers: they add up.
  let sidecars: Usage = new Map();
  for (const c of arr(spec.initContainers)) {
    const r = toUsage(obj(c.resources)[which]);
    if (c.restartPolicy === 'Always') {
      sidecars = addUsage(sidecars, r);
      sum = addUsage(sum, r);
      continue;
    }
    const withSidecars = addUsage(r, sidecars);
    for (const [k, v] of withSidecars) {
      const cur = sum.get(k);
      if (!cur || cur.cmp(v) < 0) sum.set(k, v);
    }
  }
  if (which === 'requests' || sum.size > 0)
    for (const [k, v] of toUsage(spec.overhead)) if (which === 'requests' || sum.has(k)) sum.set(k, addQuantity(sum.get(k), v));
  return sum;
}

/** podComputeUsageHelper: requests count as both cpu and requests.cpu, limits as limits.cpu. */
function podComputeUsage(requests: Usage, limits: Usage): Usage {
  const out: Usage = new Map([['pods', one()]]);
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    const req = requests.get(r),
      lim = limits.get(r);
    if (req) {
      out.set(r, req);
      out.set(`requests.${r}`, req);
    }
    if (lim) out.set(`limits.${r}`, lim);
  }
  for (const [k, v] of requests)
    if (k.startsWith('hugepages-')) {
      out.set(k, v);
      out.set(`requests.${k}`, v);
    }
  return out;
}

/** A pod is charged for compute until it ends (Succeeded/Failed) or its deletion grace has run out. */
export function podIsCharged(pod: KObject, now = Date.now()): boolean {
  const phase = obj(pod.status).phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const dt = pod.metadata.deletionTimestamp;
  if (dt && pod.metadata.deletionGracePeriodSeconds !== undefined) {
    if (Date.parse(dt) + pod.metadata.deletionGracePeriodSeconds * 1000 < now) return false;
  }
  return true;
}

export function podUsage(pod: KObject, now = Date.now()): Usage {
  const out: Usage = new Map([['count/pods', one()]]);
  if (!podIsCharged(pod, now)) return out;
  return addUsage(out, podComputeUsage(podResourceList(pod, 'requests'), podResourceList(pod, 'limits')));
}

function containerUsageNames(c: Obj): Set<string> {
  const res = obj(c.resources);
  return new Set(podComputeUsage(toUsage(res.requests), toUsage(res.limits)).keys());
}

/** The pod evaluator's Constraints: "must specify limits.cpu for: app; requests.cpu for: app". */
export function podConstraints(required: string[], pod: KObject): string | undefined {
  const want = required.filter((r) => POD_VALIDATION_SET.has(r));
  if (!want.length) return undefined;
  const missing = new Map<string, Set<string>>();
  const spec = obj(pod.spec);
  for (const c of [...arr(spec.containers), ...arr(spec.initContainers)]) {
    const have = containerUsageNames(c);
    for (const r of want) {
      if (have.has(r)) continue;
      if (!missing.has(r)) missing.set(r, new Set());
      missing.get(r)!.add(String(c.name ?? ''));
    }
  }
  if (!missing.size) return undefined;
  const parts = [...missing.keys()].sort().map((r) => `${r} for: ${[...missing.get(r)!].sort().join(',')}`);
  return `must specify ${parts.join('; ')}`;
}

function podQOSIsBestEffort(pod: KObject): boolean {
  const spec = obj(pod.spec);
  for (const c of [...arr(spec.containers), ...arr(spec.initContainers)]) {
    const res = obj(c.resources);
    for (const list of [obj(res.requests), obj(res.limits)]) {
      for (const [k, v] of Object.entries(list)) if ((k === 'cpu' || k === 'memory') && !Quantity.tryParse(v)?.isZero()) return false;
    }
  }
  return true;
}

const isTerminating = (pod: KObject): boolean =>
  typeof obj(pod.spec).activeDeadlineSeconds === 'number' && (obj(pod.spec).activeDeadlineSeconds as number) >= 0;

interface ScopeRequirement {
  scopeName?: string;
  operator?: string;
  values?: string[];
}

/** podMatchesScopeFunc. */
function podMatchesScope(sel: ScopeRequirement, pod: KObject): boolean {
  const spec = obj(pod.spec);
  switch (sel.scopeName) {
    case 'Terminating':
      return isTerminating(pod);
    case 'NotTerminating':
      return !isTerminating(pod);
    case 'BestEffort':
      return podQOSIsBestEffort(pod);
    case 'NotBestEffort':
      return !podQOSIsBestEffort(pod);
    case 'PriorityClass': {
      const pc = typeof spec.priorityClassName === 'string' ? spec.priorityClassName : '';
      if (sel.operator === 'Exists') return pc !== '';
      const expr = `${sel.operator === 'In' ? `PriorityClass in (${(sel.values ?? []).join(',')})` : sel.operator === 'NotIn' ? `PriorityClass notin (${(sel.values ?? []).join(',')})` : '!PriorityClass'}`;
      try {
        return parseSelector(expr).matches(pc ? { PriorityClass: pc } : {});
      } catch {
        return false;
      }
    }
    case 'CrossNamespacePodAffinity': {
      const aff = obj(spec.affinity);
      const terms = (a: Obj) => [
        ...arr(a.requiredDuringSchedulingIgnoredDuringExecution),
        ...arr(a.preferredDuringSchedulingIgnoredDuringExecution).map((w) => obj(w.podAffinityTerm)),
      ];
      return [...terms(obj(aff.podAffinity)), ...terms(obj(aff.podAntiAffinity))].some(
        (t) => (Array.isArray(t.namespaces) && t.namespaces.length > 0) || t.namespaceSelector != null,
      );
    }
  }
  return false;
}

/** The scopes of a quota (spec.scopes and spec.scopeSelector) as selector requirements. */
export function quotaScopeSelectors(quota: KObject): ScopeRequirement[] {
  const spec = obj(quota.spec);
  const out: ScopeRequirement[] = [];
  for (const s of Array.isArray(spec.scopes) ? spec.scopes : []) out.push({ scopeName: String(s), operator: 'Exists' });
  for (const e of arr(obj(spec.scopeSelector).matchExpressions)) out.push(e as ScopeRequirement);
  return out;
}

// ---- the evaluators ----

export interface Evaluator {
  /** The quota's resource names this evaluator charges. */
  matchingResources(names: string[]): string[];
  /** What the object costs. */
  usage(o: KObject): Usage;
  /** Whether the object falls in the quota's scopes. */
  matchesScopes(quota: KObject, o: KObject): boolean;
  /** Requirements the object must meet for the quota to charge it (pods only). */
  constraints?(required: string[], o: KObject): string | undefined;
}

const noScopes = (quota: KObject): boolean => quotaScopeSelectors(quota).length === 0;

/** The generic evaluator: count/<resource>.<group>, and the legacy name (pods, services, ...) where it has one. */
function objectCountEvaluator(group: string, resource: string, legacyName?: string): Evaluator {
  const names = new Set([objectCountName(group, resource), ...(legacyName ? [legacyName] : [])]);
  return {
    matchingResources: (input) => input.filter((n) => names.has(n)),
    usage: () => new Map([...names].map((n) => [n, one()])),
    matchesScopes: noScopes,
  };
}

const podEvaluator: Evaluator = {
  matchingResources: (input) =>
    input.filter((n) => POD_RESOURCES.has(n) || n.startsWith('hugepages-') || n.startsWith('requests.hugepages-')),
  usage: (pod) => podUsage(pod),
  matchesScopes: (quota, pod) => quotaScopeSelectors(quota).every((s) => podMatchesScope(s, pod)),
  constraints: podConstraints,
};

const serviceEvaluator: Evaluator = {
  matchingResources: (input) =>
    input.filter((n) => ['services', 'count/services', 'services.nodeports', 'services.loadbalancers'].includes(n)),
  usage: (svc) => {
    const spec = obj(svc.spec);
    const ports = arr(spec.ports).length;
    const out: Usage = new Map([
      ['services', one()],
      ['count/services', one()],
    ]);
    if (spec.type === 'NodePort') out.set('services.nodeports', Quantity.fromInt(ports));
    if (spec.type === 'LoadBalancer') {
      out.set('services.loadbalancers', one());
      // A load balancer allocates node ports unless told not to.
      out.set('services.nodeports', Quantity.fromInt(spec.allocateLoadBalancerNodePorts === false ? 0 : ports));
    }
    return out;
  },
  matchesScopes: noScopes,
};

const pvcEvaluator: Evaluator = {
  matchingResources: (input) =>
    input.filter(
      (n) =>
        ['persistentvolumeclaims', 'count/persistentvolumeclaims', 'requests.storage'].includes(n) ||
        n.includes('.storageclass.storage.k8s.io/'),
    ),
  usage: (pvc) => {
    const out: Usage = new Map([
      ['persistentvolumeclaims', one()],
      ['count/persistentvolumeclaims', one()],
    ]);
    const spec = obj(pvc.spec);
    const storage = Quantity.tryParse(obj(obj(spec.resources).requests).storage);
    const cls = typeof spec.storageClassName === 'string' ? spec.storageClassName : '';
    if (cls) out.set(`${cls}.storageclass.storage.k8s.io/persistentvolumeclaims`, one());
    if (storage) {
      out.set('requests.storage', storage);
      if (cls) out.set(`${cls}.storageclass.storage.k8s.io/requests.storage`, storage);
    }
    return out;
  },
  matchesScopes: noScopes,
};

const LEGACY_COUNT: Record<string, string> = {
  configmaps: 'configmaps',
  secrets: 'secrets',
  replicationcontrollers: 'replicationcontrollers',
  resourcequotas: 'resourcequotas',
};

/** The evaluator for a resource: pods, services and claims have their own; everything else counts objects. */
export function evaluatorFor(group: string, resource: string): Evaluator {
  if (group === '' && resource === 'pods') return podEvaluator;
  if (group === '' && resource === 'services') return serviceEvaluator;
  if (group === '' && resource === 'persistentvolumeclaims') return pvcEvaluator;
  return objectCountEvaluator(group, resource, group === '' ? LEGACY_COUNT[resource] : undefined);
}

/** Which resource a quota's resource name charges: pods/services/claims by name, count/x.y by its group. */
export function resourcesNamedBy(name: string): { group: string; resource: string }[] {
  if (name.startsWith('count/')) {
    const rest = name.slice('count/'.length);
    const dot = rest.indexOf('.');
    return [dot < 0 ? { group: '', resource: rest } : { group: rest.slice(dot + 1), resource: rest.slice(0, dot) }];
  }
  if (POD_RESOURCES.has(name) || name.startsWith('hugepages-') || name.startsWith('requests.hugepages-'))
    return [{ group: '', resource: 'pods' }];
  if (name.startsWith('services')) return [{ group: '', resource: 'services' }];
  if (name === 'persistentvolumeclaims' || name === 'requests.storage' || name.includes('.storageclass.storage.k8s.io/'))
    return [{ group: '', resource: 'persistentvolumeclaims' }];
  if (LEGACY_COUNT[name]) return [{ group: '', resource: name }];
  return [];
}

/** "pods=1,requests.cpu=500m": quota's prettyPrint (sorted by name). */
export function prettyPrintUsage(u: Usage): string {
  return [...u.keys()]
    .sort()
    .map((k) => `${k}=${u.get(k)!.toString()}`)
    .join(',');
}
