// The ResourceQuota admission plugin, as kube-apiserver's plugin/pkg/admission/resourcequota
// (controller.go CheckRequest): every quota of the namespace whose status.hard names a resource
// the object costs (pods, cpu, count/deployments.apps...) must have room for it; the object's
// usage is then added to the quotas' status.used before the object is written. The write is a
// compare-and-swap on each quota's resourceVersion, so two creates racing for the last slot
// cannot both pass: the loser reads the quota again and is refused. The resource quota
// controller (src/controllers/resourcequota.ts) recalculates status.used from what is stored,
// giving back what was charged for writes that did not happen.

import { StatusError } from '../../api/errors.js';
import { deepCopy, type KObject, obj } from '../../api/object.js';
import {
  addUsage,
  type Evaluator,
  evaluatorFor,
  fromUsage,
  prettyPrintUsage,
  subtractUsage,
  toUsage,
  type Usage,
} from '../../api/quota.js';
import type { ApiServerContext } from '../registry/context.js';
import { apiserverContext } from '../registry/strategy.js';
import { type AdmissionPlugin, type Attributes, forbidden } from './types.js';

/** How often a charge is tried again after losing a compare-and-swap on a quota. */
const MAX_ATTEMPTS = 20;

const mask = (u: Usage, names: Iterable<string>): Usage => {
  const out: Usage = new Map();
  for (const n of names) {
    const q = u.get(n);
    if (q) out.set(n, q);
  }
  return out;
};

/** Resources whose usage may change on update: claims grow, services change type. */
const UPDATE_EVALUATED = new Set(['services', 'persistentvolumeclaims']);

export class ResourceQuotaAdmission implements AdmissionPlugin {
  readonly name = 'ResourceQuota';

  async validate(a: Attributes, api: ApiServerContext): Promise<void> {
    if (!a.namespace || a.subresource) return;
    if (a.operation === 'UPDATE' && !(a.group === '' && UPDATE_EVALUATED.has(a.resource))) return;
    if (a.operation !== 'CREATE' && a.operation !== 'UPDATE') return;
    // Quotas themselves are not charged against their own count while being edited.
    if (a.group === '' && a.resource === 'resourcequotas' && a.operation === 'UPDATE') return;
    const reg = api.registry('', 'resourcequotas');
    if (!reg) return;
    if (api.listObjects('', 'resourcequotas', a.namespace).length === 0) return;
    const ev = evaluatorFor(a.group, a.resource);
    for (let attempt = 0; ; attempt++) {
      // Read the quotas from the store, not the cache: a charge made a moment ago must count.
      const quotas = (await reg.list(a.namespace, {})).items;
      const charged = this.check(a, ev, quotas);
      if (!charged.length || a.dryRun) return;
      try {
        for (const q of charged) await reg.update(a.namespace, q.metadata.name!, q, apiserverContext(), 'status');
        return;
      } catch (e) {
        // Another write moved the quota on: evaluate again against what it says now.
        if (e instanceof StatusError && e.code === 409 && attempt < MAX_ATTEMPTS) continue;
        if (e instanceof StatusError && e.code === 409)
          throw forbidden(a, `Operation cannot be fulfilled on resourcequotas: too many concurrent quota updates, try again`);
        throw e;
      }
    }
  }

  /** CheckRequest: the quotas with their new status.used, or a Forbidden error. */
  private check(a: Attributes, ev: Evaluator, quotas: KObject[]): KObject[] {
    const interesting: KObject[] = [];
    for (const q of [...quotas].sort((x, y) => (x.metadata.name ?? '').localeCompare(y.metadata.name ?? ''))) {
      if (!ev.matchesScopes(q, a.object)) continue;
      const status = obj(q.status);
      const hardNames = Object.keys(obj(status.hard));
      const restricted = ev.matchingResources(hardNames);
      if (!restricted.length) continue;
      const missing = ev.constraints?.(restricted, a.object);
      if (missing) throw forbidden(a, `failed quota: ${q.metadata.name}: ${missing}`);
      const used = obj(status.used);
      if (hardNames.some((n) => restricted.includes(n) && !(n in used))) {
        throw forbidden(a, `status unknown for quota: ${q.metadata.name}, resources: ${[...restricted].sort().join(',')}`);
      }
      interesting.push(q);
    }
    if (!interesting.length) return [];
    let delta = ev.usage(a.object);
    if (a.operation === 'UPDATE' && a.oldObject) {
      // Only growth is charged (SubtractWithNonNegativeResult).
      const prev = ev.usage(a.oldObject);
      delta = new Map([...subtractUsage(delta, prev)].filter(([, v]) => v.sign() > 0));
    }
    if (![...delta.values()].some((v) => !v.isZero())) return [];
    const out: KObject[] = [];
    for (const q of interesting) {
      const status = obj(q.status);
      const hard = toUsage(status.hard),
        used = toUsage(status.used);
      const requested = mask(delta, hard.keys());
      if (!requested.size) continue;
      const next = addUsage(used, requested);
      const exceeded = [...requested.keys()].filter((n) => next.get(n)!.cmp(hard.get(n)!) > 0);
      if (exceeded.length) {
        throw forbidden(
          a,
          `exceeded quota: ${q.metadata.name}, requested: ${prettyPrintUsage(mask(requested, exceeded))}, used: ${prettyPrintUsage(mask(used, exceeded))}, limited: ${prettyPrintUsage(mask(hard, exceeded))}`,
        );
      }
      const updated = deepCopy(q);
      updated.status = { ...obj(updated.status), used: { ...obj(obj(updated.status).used), ...fromUsage(mask(next, requested.keys())) } };
      out.push(updated);
    }
    return out;
  }
}
