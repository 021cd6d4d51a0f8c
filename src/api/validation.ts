// What kube-apiserver's registry checks before it stores an object: per-kind validation on
// create, update (including immutable fields) and status update, with Kubernetes' field
// paths and messages. Pure functions over JSON objects; errors.invalid turns the result into
// the 422 Status. The rules live in ./validation/*.ts, one file per API area.

import type { FieldError } from './errors.js';
import type { KObject } from './object.js';
import { findKind } from './resources.js';
import {
  validateDeploymentCreate, validateDeploymentStatusUpdate, validateDeploymentUpdate,
  validateReplicaSetCreate, validateReplicaSetStatusUpdate, validateReplicaSetUpdate,
} from './validation/apps.js';
import {
  validateConfigMapCreate, validateConfigMapUpdate, validateEndpointsCreate, validateEndpointsUpdate,
  validateEventCreate, validateEventUpdate, validateNamespaceCreate, validateNamespaceStatusUpdate,
  validateNamespaceUpdate, validateNodeCreate, validateNodeUpdate, validateSecretCreate, validateSecretUpdate,
  validateServiceAccountCreate, validateServiceAccountUpdate, validateServiceCreate, validateServiceStatusUpdate,
  validateServiceUpdate,
} from './validation/core.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './validation/meta.js';
import { nameIsDNSSubdomain } from './validation/names.js';
import { validateEndpointSliceCreate, validateEndpointSliceUpdate, validateLeaseCreate, validateLeaseUpdate } from './validation/other.js';
import { validatePodCreate, validatePodStatusUpdate, validatePodUpdate } from './validation/pod.js';

export { validateNamespaceFinalizeUpdate } from './validation/core.js';
export { validatePodSpec, validatePodTemplateSpec } from './validation/pod.js';
export { selectorMatches } from './validation/meta.js';

type Create = (obj: KObject) => FieldError[];
type Update = (obj: KObject, old: KObject) => FieldError[];

interface KindRules { create: Create; update: Update; status?: Update }

const rules: Record<string, KindRules> = {
  '/Pod': { create: validatePodCreate, update: validatePodUpdate, status: validatePodStatusUpdate },
  '/Service': { create: validateServiceCreate, update: validateServiceUpdate, status: validateServiceStatusUpdate },
  '/Namespace': { create: validateNamespaceCreate, update: validateNamespaceUpdate, status: validateNamespaceStatusUpdate },
  '/Node': { create: validateNodeCreate, update: validateNodeUpdate, status: validateNodeUpdate },
  '/ConfigMap': { create: validateConfigMapCreate, update: validateConfigMapUpdate },
  '/Secret': { create: validateSecretCreate, update: validateSecretUpdate },
  '/ServiceAccount': { create: validateServiceAccountCreate, update: validateServiceAccountUpdate },
  '/Endpoints': { create: validateEndpointsCreate, update: validateEndpointsUpdate },
  '/Event': { create: validateEventCreate, update: validateEventUpdate },
  'apps/Deployment': { create: validateDeploymentCreate, update: validateDeploymentUpdate, status: validateDeploymentStatusUpdate },
  'apps/ReplicaSet': { create: validateReplicaSetCreate, update: validateReplicaSetUpdate, status: validateReplicaSetStatusUpdate },
  'coordination.k8s.io/Lease': { create: validateLeaseCreate, update: validateLeaseUpdate },
  'discovery.k8s.io/EndpointSlice': { create: validateEndpointSliceCreate, update: validateEndpointSliceUpdate },
};

/** A kind without rules of its own gets ObjectMeta validation (DNS subdomain names). */
function fallback(group: string, kind: string): KindRules {
  const ri = findKind(group ? `${group}/v1` : 'v1', kind);
  const namespaced = ri ? ri.namespaced : true;
  return {
    create: (obj) => validateObjectMeta(obj, namespaced, nameIsDNSSubdomain),
    update: (obj, old) => validateObjectMetaUpdate(obj, old),
  };
}

const rulesFor = (group: string, kind: string): KindRules => rules[`${group}/${kind}`] ?? fallback(group, kind);

/** Validation on create (after defaults, name generation and the strategy's PrepareForCreate). */
export function validateCreate(group: string, kind: string, obj: KObject): FieldError[] {
  return rulesFor(group, kind).create(obj);
}

/**
 * Validation on update (after defaults and PrepareForUpdate, which copies uid,
 * creationTimestamp, resourceVersion-if-unconditional and status from the old object).
 */
export function validateUpdate(group: string, kind: string, obj: KObject, old: KObject): FieldError[] {
  return rulesFor(group, kind).update(obj, old);
}

/** Validation of an update through the status subresource (spec copied from old first). */
export function validateStatusUpdate(group: string, kind: string, obj: KObject, old: KObject): FieldError[] {
  const r = rulesFor(group, kind);
  return r.status ? r.status(obj, old) : validateObjectMetaUpdate(obj, old);
}
