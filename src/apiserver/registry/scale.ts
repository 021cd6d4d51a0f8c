// The scale subresource: a workload read and written as an autoscaling/v1 Scale, as
// kube-apiserver's ScaleREST for Deployments and ReplicaSets (pkg/registry/apps/*/storage).
// status.selector is the selector's string form, as LabelSelectorAsSelector writes it.

import { errors } from '../../api/errors.js';
import { labelSelectorString } from '../../api/labels.js';
import type { KObject } from '../../api/object.js';
import type { Subresource } from './rest.js';

interface Scalable {
  spec?: { replicas?: number; selector?: unknown };
  status?: { replicas?: number };
}

/** status.selector of the Scale: a workload's selector as a string (a map for ReplicationControllers). */
type SelectorString = (selector: unknown) => string;
const labelSelectorText: SelectorString = (sel) => labelSelectorString(sel) ?? '';
const mapSelectorText: SelectorString = (sel) =>
  Object.entries((sel ?? {}) as Record<string, string>)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

export function scaleOf(obj: KObject, selectorText: SelectorString = labelSelectorText): KObject {
  const { spec = {}, status = {} } = obj as KObject & Scalable;
  return newScale(obj, spec.replicas ?? 0, status.replicas ?? 0, selectorText(spec.selector));
}

/** The autoscaling/v1 Scale of obj (a workload, a custom resource) with its replicas and selector. */
export function newScale(obj: KObject, replicas: number, statusReplicas: number, selector: string): KObject {
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas },
    status: { replicas: statusReplicas, selector },
  };
}

/** The workload with the Scale's spec.replicas (a Scale without replicas asks for 0, as Go's int32 reads it). */
function withReplicas(obj: KObject, scale: KObject): KObject {
  const replicas = (scale.spec as { replicas?: unknown } | undefined)?.replicas ?? 0;
  if (typeof replicas !== 'number') throw errors.badRequest('spec.replicas must be a number');
  ((obj.spec ??= {}) as { replicas?: number }).replicas = replicas;
  return obj;
}

export const scaleSubresource: Subresource = {
  kind: 'Scale',
  group: 'autoscaling',
  version: 'v1',
  verbs: ['get', 'patch', 'update'],
  rest: { type: 'view', view: { typeName: 'io.k8s.api.autoscaling.v1.Scale', toView: (o) => scaleOf(o), fromView: withReplicas } },
};

/** ReplicationControllers' scale: their selector is a map (labels.SelectorFromSet(...).String()). */
export const mapSelectorScaleSubresource: Subresource = {
  ...scaleSubresource,
  rest: {
    type: 'view',
    view: { typeName: 'io.k8s.api.autoscaling.v1.Scale', toView: (o) => scaleOf(o, mapSelectorText), fromView: withReplicas },
  },
};
