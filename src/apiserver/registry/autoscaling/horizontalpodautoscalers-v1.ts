// autoscaling/v1 HorizontalPodAutoscalers: the same objects as autoscaling/v2 (stored as v2, as
// kube-apiserver stores them), converted on the way in and out as pkg/apis/autoscaling/v1's
// conversion does: targetCPUUtilizationPercentage is the CPU Utilization metric, and what v1
// cannot say (other metrics, behavior, conditions, current metrics) travels in the
// autoscaling.alpha.kubernetes.io/* annotations. `kubectl autoscale` (v1.32) creates through v1.
// Served verbs: create, get, list, update, delete (patch, watch and deletecollection of v1 are
// not served: clients use v2, the preferred version).

import { errors } from '../../../api/errors.js';
import { isObject, type KObject, type Obj, obj } from '../../../api/object.js';
import { readBody, writeJSON } from '../../http.js';
import { decodeBody } from '../../negotiation.js';
import type { RequestInfo, ResourceRequestHandler } from '../../request.js';
import type { GenericRegistry } from '../generic.js';
import { defineResource, type ResourceDefinition } from '../rest.js';
import { requestContext } from '../strategy.js';
import { printer } from './horizontalpodautoscalers.js';

const ANN_METRICS = 'autoscaling.alpha.kubernetes.io/metrics';
const ANN_CURRENT_METRICS = 'autoscaling.alpha.kubernetes.io/current-metrics';
const ANN_CONDITIONS = 'autoscaling.alpha.kubernetes.io/conditions';
const ANN_BEHAVIOR = 'autoscaling.alpha.kubernetes.io/behavior';
const ANNOTATIONS = [ANN_METRICS, ANN_CURRENT_METRICS, ANN_CONDITIONS, ANN_BEHAVIOR];

const isCPUUtilization = (m: Obj): boolean =>
  m.type === 'Resource' && obj(m.resource).name === 'cpu' && obj(obj(m.resource).target).type === 'Utilization';

function parseAnnotation(ann: Record<string, string>, key: string): unknown {
  if (ann[key] === undefined) return undefined;
  try {
    return JSON.parse(ann[key]);
  } catch {
    throw errors.badRequest(`${key}: invalid JSON`);
  }
}

/** v1 -> v2 (the stored form). */
export function toV2(v1: KObject): KObject {
  const spec = obj(v1.spec);
  const ann = { ...(v1.metadata.annotations ?? {}) };
  const extraMetrics = (parseAnnotation(ann, ANN_METRICS) as Obj[] | undefined) ?? [];
  const behavior = parseAnnotation(ann, ANN_BEHAVIOR);
  for (const k of ANNOTATIONS) delete ann[k];
  const metrics: Obj[] = [];
  if (typeof spec.targetCPUUtilizationPercentage === 'number') {
    metrics.push({
      type: 'Resource',
      resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } },
    });
  }
  metrics.push(...extraMetrics.filter((m) => !isCPUUtilization(m)));
  const out: KObject = {
    ...v1,
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { ...v1.metadata, ...(Object.keys(ann).length ? { annotations: ann } : {}) },
    spec: {
      scaleTargetRef: spec.scaleTargetRef,
      ...(spec.minReplicas !== undefined ? { minReplicas: spec.minReplicas } : {}),
      maxReplicas: spec.maxReplicas,
      ...(metrics.length ? { metrics } : {}),
      ...(behavior ? { behavior } : {}),
    },
  };
  if (!Object.keys(ann).length) delete out.metadata.annotations;
  delete out.status;
  return out;
}

/** v2 (stored) -> v1. */
export function toV1(v2: KObject): KObject {
  const spec = obj(v2.spec),
    status = obj(v2.status);
  const metrics = (Array.isArray(spec.metrics) ? spec.metrics : []).map(obj);
  const cpu = metrics.find(isCPUUtilization);
  const others = metrics.filter((m) => !isCPUUtilization(m));
  const ann: Record<string, string> = { ...(v2.metadata.annotations ?? {}) };
  if (others.length) ann[ANN_METRICS] = JSON.stringify(others);
  if (spec.behavior) ann[ANN_BEHAVIOR] = JSON.stringify(spec.behavior);
  const current = (Array.isArray(status.currentMetrics) ? status.currentMetrics : []).map(obj);
  const curCPU = current.find((m) => m.type === 'Resource' && obj(m.resource).name === 'cpu');
  const curOthers = current.filter((m) => m !== curCPU);
  if (curOthers.length) ann[ANN_CURRENT_METRICS] = JSON.stringify(curOthers);
  if (Array.isArray(status.conditions) && status.conditions.length) ann[ANN_CONDITIONS] = JSON.stringify(status.conditions);
  const util = obj(obj(curCPU?.resource).current).averageUtilization;
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { ...v2.metadata, ...(Object.keys(ann).length ? { annotations: ann } : {}) },
    spec: {
      scaleTargetRef: spec.scaleTargetRef,
      ...(spec.minReplicas !== undefined ? { minReplicas: spec.minReplicas } : {}),
      maxReplicas: spec.maxReplicas,
      ...(cpu ? { targetCPUUtilizationPercentage: obj(obj(cpu.resource).target).averageUtilization } : {}),
    },
    status: {
      ...(status.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {}),
      ...(status.lastScaleTime ? { lastScaleTime: status.lastScaleTime } : {}),
      currentReplicas: status.currentReplicas ?? 0,
      desiredReplicas: status.desiredReplicas ?? 0,
      ...(typeof util === 'number' ? { currentCPUUtilizationPercentage: util } : {}),
    },
  };
}

/** Listed in discovery beside v2 (which stays the preferred version). */
export const V1_DEFINITION: ResourceDefinition = defineResource({
  info: {
    group: 'autoscaling',
    version: 'v1',
    resource: 'horizontalpodautoscalers',
    kind: 'HorizontalPodAutoscaler',
    namespaced: true,
    schema: 'io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler',
    shortNames: ['hpa'],
    categories: ['all'],
    verbs: ['create', 'delete', 'get', 'list', 'update'],
  },
  printer: { columns: printer.columns, row: (o, now) => printer.row(toV2(o), now) },
});

export function isV1HPARequest(info: RequestInfo): boolean {
  return info.group === 'autoscaling' && info.version === 'v1' && info.resource === 'horizontalpodautoscalers';
}

/** Answers an autoscaling/v1 request through the v2 registry. */
export const handleV1HPA: ResourceRequestHandler<GenericRegistry> = async (reg, info, req, res, q, user) => {
  if (info.subresource && info.subresource !== 'status') throw errors.notFound('horizontalpodautoscalers', 'autoscaling', info.name ?? '');
  const ctx = requestContext(req, q, user);
  const ns = info.namespace;
  const body = async (): Promise<KObject> => {
    const decoded = decodeBody(req.headers['content-type'], await readBody(req)).value;
    if (!isObject(decoded) || (decoded.apiVersion !== undefined && decoded.apiVersion !== 'autoscaling/v1'))
      throw errors.badRequest('the body must be an autoscaling/v1 HorizontalPodAutoscaler');
    const o = decoded as KObject;
    if (!isObject(o.metadata)) o.metadata = {};
    return o;
  };
  switch (info.verb) {
    case 'get':
      return writeJSON(res, 200, toV1(await reg.get(ns, info.name!)));
    case 'list': {
      const list = await reg.list(ns, {
        labelSelector: q.get('labelSelector'),
        fieldSelector: q.get('fieldSelector'),
        resourceVersion: q.get('resourceVersion'),
      });
      return writeJSON(res, 200, {
        apiVersion: 'autoscaling/v1',
        kind: 'HorizontalPodAutoscalerList',
        metadata: list.metadata,
        items: list.items.map(toV1),
      });
    }
    case 'create': {
      if (info.subresource) throw errors.methodNotAllowed();
      const created = await reg.create(ns, toV2(await body()), ctx);
      return writeJSON(res, 201, toV1(created));
    }
    case 'update': {
      const v1 = await body();
      if (info.subresource === 'status') throw errors.methodNotAllowed('the autoscaling/v1 status is written through autoscaling/v2');
      const current = await reg.get(ns, info.name!);
      // What v1 cannot carry stays as stored unless the v1 body's annotations say otherwise.
      const next = toV2({
        ...v1,
        metadata: { ...v1.metadata, annotations: { ...(toV1(current).metadata.annotations ?? {}), ...(v1.metadata.annotations ?? {}) } },
      });
      next.metadata.resourceVersion = v1.metadata.resourceVersion;
      const r = await reg.update(ns, info.name!, next, ctx);
      return writeJSON(res, r.created ? 201 : 200, toV1(r.obj));
    }
    case 'delete': {
      const r = await reg.delete(ns, info.name!, {}, ctx);
      return writeJSON(
        res,
        200,
        r.deleted
          ? {
              kind: 'Status',
              apiVersion: 'v1',
              metadata: {},
              status: 'Success',
              details: { name: info.name, group: 'autoscaling', kind: 'horizontalpodautoscalers', uid: r.obj.metadata.uid },
            }
          : toV1(r.obj),
      );
    }
    default:
      throw errors.methodNotAllowed();
  }
};
