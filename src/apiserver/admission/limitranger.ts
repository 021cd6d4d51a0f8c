// The LimitRanger admission plugin, as kube-apiserver's plugin/pkg/admission/limitranger: on a
// pod's create, the namespace's LimitRanges of type Container give containers their default
// limits and requests where they set none (recorded in the kubernetes.io/limit-ranger
// annotation); then every LimitRange's min, max and maxLimitRequestRatio are enforced for
// Containers and Pods (and PersistentVolumeClaims' storage), with Kubernetes' messages.

import { objects as arr, type KObject, type Obj, obj } from '../../api/object.js';
import { Quantity } from '../../api/quantity.js';
import { addUsage, toUsage, type Usage } from '../../api/quota.js';
import type { ApiServerContext } from '../registry/context.js';
import { type AdmissionPlugin, type Attributes, forbidden } from './types.js';

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

interface LimitRangeItem {
  type?: string;
  min?: Obj;
  max?: Obj;
  default?: Obj;
  defaultRequest?: Obj;
  maxLimitRequestRatio?: Obj;
}

const items = (lr: KObject): LimitRangeItem[] => arr(obj(lr.spec).limits) as LimitRangeItem[];

/** defaultContainerResourceRequirements: the Container items' default and defaultRequest, later ranges winning. */
function containerDefaults(ranges: KObject[]): { requests: Obj; limits: Obj } {
  const requests: Obj = {},
    limits: Obj = {};
  for (const lr of ranges) {
    for (const it of items(lr)) {
      if (it.type !== 'Container') continue;
      Object.assign(requests, obj(it.defaultRequest));
      Object.assign(limits, obj(it.default));
    }
  }
  return { requests, limits };
}

/** mergeContainerResources: fills what the container does not say; returns the annotation's part for it. */
function mergeContainer(c: Obj, kind: 'container' | 'init container', defaults: { requests: Obj; limits: Obj }): string[] {
  const res = obj(c.resources);
  const limits = obj(res.limits),
    requests = obj(res.requests);
  const setLimits: string[] = [],
    setRequests: string[] = [];
  for (const [k, v] of Object.entries(defaults.limits))
    if (!(k in limits)) {
      limits[k] = v;
      setLimits.push(k);
    }
  for (const [k, v] of Object.entries(defaults.requests))
    if (!(k in requests)) {
      requests[k] = v;
      setRequests.push(k);
    }
  if (!setLimits.length && !setRequests.length) return [];
  if (Object.keys(limits).length) res.limits = limits;
  if (Object.keys(requests).length) res.requests = requests;
  c.resources = res;
  const out: string[] = [];
  if (setRequests.length) out.push(`${setRequests.sort().join(', ')} request for ${kind} ${String(c.name ?? '')}`);
  if (setLimits.length) out.push(`${setLimits.sort().join(', ')} limit for ${kind} ${String(c.name ?? '')}`);
  return out;
}

// ---- the constraints (minConstraint, maxConstraint, limitRequestRatioConstraint) ----

function minConstraint(limitType: string, name: string, enforced: Quantity, request: Usage, limit: Usage): string | undefined {
  const req = request.get(name),
    lim = limit.get(name);
  if (!req) return `minimum ${name} usage per ${limitType} is ${enforced}.  No request is specified`;
  if (req.cmp(enforced) < 0) return `minimum ${name} usage per ${limitType} is ${enforced}, but request is ${req}`;
  if (lim && lim.cmp(enforced) < 0) return `minimum ${name} usage per ${limitType} is ${enforced}, but limit is ${lim}`;
  return undefined;
}

function maxConstraint(limitType: string, name: string, enforced: Quantity, request: Usage, limit: Usage): string | undefined {
  const req = request.get(name),
    lim = limit.get(name);
  if (!lim) return `maximum ${name} usage per ${limitType} is ${enforced}.  No limit is specified`;
  if (lim.cmp(enforced) > 0) return `maximum ${name} usage per ${limitType} is ${enforced}, but limit is ${lim}`;
  if (req && req.cmp(enforced) > 0) return `maximum ${name} usage per ${limitType} is ${enforced}, but request is ${req}`;
  return undefined;
}

/** The largest value a PVC may ask for is checked on its request (maxRequestConstraint). */
function maxRequestConstraint(limitType: string, name: string, enforced: Quantity, request: Usage): string | undefined {
  const req = request.get(name);
  if (req && req.cmp(enforced) > 0) return `maximum ${name} usage per ${limitType} is ${enforced}, but request is ${req}`;
  return undefined;
}

function ratioConstraint(limitType: string, name: string, enforced: Quantity, request: Usage, limit: Usage): string | undefined {
  const req = request.get(name),
    lim = limit.get(name);
  if (!req || req.isZero())
    return `${name} max limit to request ratio per ${limitType} is ${enforced}, but no request is specified or request is 0`;
  if (!lim || lim.isZero())
    return `${name} max limit to request ratio per ${limitType} is ${enforced}, but no limit is specified or limit is 0`;
  const ratio = lim.toNumber() / req.toNumber();
  if (ratio * 1000 > enforced.toNumber() * 1000 + 1e-9)
    return `${name} max limit to request ratio per ${limitType} is ${enforced}, but provided ratio is ${ratio.toFixed(6)}`;
  return undefined;
}

function checkItem(limitType: string, it: LimitRangeItem, request: Usage, limit: Usage): string[] {
  const errs: string[] = [];
  const each = (m: Obj | undefined, f: (name: string, q: Quantity) => string | undefined) => {
    for (const [k, v] of Object.entries(obj(m))) {
      const q = Quantity.tryParse(v);
      const e = q ? f(k, q) : undefined;
      if (e) errs.push(e);
    }
  };
  each(it.min, (k, q) => minConstraint(limitType, k, q, request, limit));
  each(it.max, (k, q) => maxConstraint(limitType, k, q, request, limit));
  each(it.maxLimitRequestRatio, (k, q) => ratioConstraint(limitType, k, q, request, limit));
  return errs;
}

/** PodValidateLimitFunc: each container against the Container items, the pod's sums against the Pod items. */
export function podLimitErrors(ranges: KObject[], pod: KObject): string[] {
  const spec = obj(pod.spec);
  const errs: string[] = [];
  const containers = arr(spec.containers),
    inits = arr(spec.initContainers);
  for (const lr of ranges) {
    for (const it of items(lr)) {
      if (it.type === 'Container') {
        for (const c of [...containers, ...inits]) {
          const res = obj(c.resources);
          errs.push(...checkItem('Container', it, toUsage(res.requests), toUsage(res.limits)));
        }
      } else if (it.type === 'Pod') {
        // The pod's figures: app containers add up; an init container counts where it is larger.
        const total = (which: 'requests' | 'limits'): Usage => {
          let sum: Usage = new Map();
          for (const c of containers) sum = addUsage(sum, toUsage(obj(c.resources)[which]));
          for (const c of inits) {
            for (const [k, v] of toUsage(obj(c.resources)[which])) {
              const cur = sum.get(k);
              if (!cur || cur.cmp(v) < 0) sum.set(k, v);
            }
          }
          return sum;
        };
        errs.push(...checkItem('Pod', it, total('requests'), total('limits')));
      }
    }
  }
  return errs;
}

function pvcLimitErrors(ranges: KObject[], pvc: KObject): string[] {
  const errs: string[] = [];
  const request = toUsage(obj(obj(pvc.spec).resources).requests);
  for (const lr of ranges) {
    for (const it of items(lr)) {
      if (it.type !== 'PersistentVolumeClaim') continue;
      for (const [k, v] of Object.entries(obj(it.min))) {
        const q = Quantity.tryParse(v);
        if (!q) continue;
        const req = request.get(k);
        if (!req) errs.push(`minimum ${k} usage per PersistentVolumeClaim is ${q}.  No request is specified`);
        else if (req.cmp(q) < 0) errs.push(`minimum ${k} usage per PersistentVolumeClaim is ${q}, but request is ${req}`);
      }
      for (const [k, v] of Object.entries(obj(it.max))) {
        const q = Quantity.tryParse(v);
        const e = q ? maxRequestConstraint('PersistentVolumeClaim', k, q, request) : undefined;
        if (e) errs.push(e);
      }
    }
  }
  return errs;
}

/** utilerrors.NewAggregate's message: one error as it is, several in brackets. */
const aggregate = (errs: string[]): string => (errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`);

export class LimitRanger implements AdmissionPlugin {
  readonly name = 'LimitRanger';

  private handles(a: Attributes): 'pod' | 'pvc' | undefined {
    if (a.group !== '' || a.subresource || !a.namespace) return undefined;
    if (a.resource === 'pods') return a.operation === 'CREATE' ? 'pod' : undefined;
    if (a.resource === 'persistentvolumeclaims') return a.operation === 'CREATE' || a.operation === 'UPDATE' ? 'pvc' : undefined;
    return undefined;
  }

  private ranges(a: Attributes, api: ApiServerContext): KObject[] {
    return api
      .listObjects('', 'limitranges', a.namespace)
      .slice()
      .sort((x, y) => (x.metadata.name ?? '').localeCompare(y.metadata.name ?? ''));
  }

  admit(a: Attributes, api: ApiServerContext): void {
    if (this.handles(a) !== 'pod') return;
    const ranges = this.ranges(a, api);
    if (!ranges.length) return;
    const defaults = containerDefaults(ranges);
    if (!Object.keys(defaults.limits).length && !Object.keys(defaults.requests).length) return;
    const spec = obj(a.object.spec);
    const notes: string[] = [];
    for (const c of arr(spec.containers)) notes.push(...mergeContainer(c, 'container', defaults));
    for (const c of arr(spec.initContainers)) notes.push(...mergeContainer(c, 'init container', defaults));
    if (!notes.length) return;
    a.object.metadata.annotations = {
      ...(a.object.metadata.annotations ?? {}),
      [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}`,
    };
  }

  validate(a: Attributes, api: ApiServerContext): void {
    const what = this.handles(a);
    if (!what) return;
    const ranges = this.ranges(a, api);
    if (!ranges.length) return;
    const errs = what === 'pod' ? podLimitErrors(ranges, a.object) : pvcLimitErrors(ranges, a.object);
    if (errs.length) throw forbidden(a, aggregate(errs));
  }
}
