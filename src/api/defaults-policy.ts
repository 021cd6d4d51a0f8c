// The versioned defaulters of LimitRange and PriorityClass (pkg/apis/core/v1/defaults.go
// SetDefaults_LimitRangeItem, pkg/apis/scheduling/v1/defaults.go SetDefaults_PriorityClass).

import { isObject, type KObject, type Obj, obj } from './object.js';

/**
 * A Container item: a default limit falls back to max, a default request to the default limit
 * and then to min, so LimitRanger always has both to give a container that names neither.
 */
export function defaultLimitRange(lr: KObject): void {
  const limits = obj(lr.spec).limits;
  if (!Array.isArray(limits)) return;
  for (const it of limits) {
    if (!isObject(it) || it.type !== 'Container') continue;
    const def: Obj = { ...obj(it.default) },
      defReq: Obj = { ...obj(it.defaultRequest) };
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

/** autoscaling/v2 SetDefaults_HorizontalPodAutoscaler: 1 replica at least, 80 % CPU, and the behavior's unset rules. */
export function defaultHorizontalPodAutoscaler(hpa: KObject): void {
  const spec = obj(hpa.spec);
  hpa.spec = spec;
  if (spec.minReplicas === undefined || spec.minReplicas === null) spec.minReplicas = 1;
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  }
  // Only a behavior that is given is completed (GenerateHPAScaleUpRules / GenerateHPAScaleDownRules).
  if (isObject(spec.behavior)) {
    const b = spec.behavior;
    const up = isObject(b.scaleUp) ? b.scaleUp : {};
    b.scaleUp = {
      stabilizationWindowSeconds: up.stabilizationWindowSeconds ?? 0,
      selectPolicy: up.selectPolicy ?? 'Max',
      policies: Array.isArray(up.policies)
        ? up.policies
        : [
            { type: 'Pods', value: 4, periodSeconds: 15 },
            { type: 'Percent', value: 100, periodSeconds: 15 },
          ],
    };
    const down = isObject(b.scaleDown) ? b.scaleDown : {};
    b.scaleDown = {
      // Unset: the controller's --horizontal-pod-autoscaler-downscale-stabilization applies.
      ...(down.stabilizationWindowSeconds !== undefined ? { stabilizationWindowSeconds: down.stabilizationWindowSeconds } : {}),
      selectPolicy: down.selectPolicy ?? 'Max',
      policies: Array.isArray(down.policies) ? down.policies : [{ type: 'Percent', value: 100, periodSeconds: 15 }],
    };
  }
}
