// The versioned defaulters of LimitRange and PriorityClass (pkg/apis/core/v1/defaults.go
// SetDefaults_LimitRangeItem, pkg/apis/scheduling/v1/defaults.go SetDefaults_PriorityClass).

import { isObject, type KObject } from './object.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (isObject(v) ? v : {});

/**
 * A Container item: a default limit falls back to max, a default request to the default limit
 * and then to min, so LimitRanger always has both to give a container that names neither.
 */
export function defaultLimitRange(lr: KObject): void {
  const limits = obj(lr.spec).limits;
  if (!Array.isArray(limits)) return;
  for (const it of limits) {
    if (!isObject(it) || it.type !== 'Container') continue;
    const def: Obj = { ...obj(it.default) }, defReq: Obj = { ...obj(it.defaultRequest) };
    for (const [k, v] of Object.entries(obj(it.max))) if (!(k in def)) def[k] = v;
    for (const [k, v] of Object.entries(def)) if (!(k in defReq)) defReq[k] = v;
    for (const [k, v] of Object.entries(obj(it.min))) if (!(k in defReq)) defReq[k] = v;
    if (Object.keys(def).length) it.default = def;
    if (Object.keys(defReq).length) it.defaultRequest = defReq;
  }
}

export function defaultPriorityClass(pc: KObject): void {
  if (pc.preemptionPolicy === undefined || pc.preemptionPolicy === null) pc.preemptionPolicy = 'PreemptLowerPriority';
}
