// What kube-apiserver's registry checks before it stores an object: per-kind validation on
// create, update (including immutable fields) and status update, with Kubernetes' field
// paths and messages. Pure functions over JSON objects; errors.invalid turns the result into
// the 422 Status. The rules live in ./validation/*.ts, one file per API area; each resource's
// strategy (src/apiserver/registry/<group>/<resource>.ts) names the ones it uses.

export {
  validateDeploymentCreate,
  validateDeploymentStatusUpdate,
  validateDeploymentUpdate,
  validateReplicaSetCreate,
  validateReplicaSetStatusUpdate,
  validateReplicaSetUpdate,
} from './validation/apps.js';
export {
  validateConfigMapCreate,
  validateConfigMapUpdate,
  validateEndpointsCreate,
  validateEndpointsUpdate,
  validateEventCreate,
  validateEventUpdate,
  validateNamespaceCreate,
  validateNamespaceFinalizeUpdate,
  validateNamespaceStatusUpdate,
  validateNamespaceUpdate,
  validateNodeCreate,
  validateNodeUpdate,
  validateSecretCreate,
  validateSecretUpdate,
  validateServiceAccountCreate,
  validateServiceAccountUpdate,
  validateServiceCreate,
  validateServiceStatusUpdate,
  validateServiceUpdate,
} from './validation/core.js';
export { selectorMatches, validateObjectMeta, validateObjectMetaUpdate } from './validation/meta.js';
export { nameIsDNS1035Label, nameIsDNSLabel, nameIsDNSSubdomain } from './validation/names.js';
export { validateEndpointSliceCreate, validateEndpointSliceUpdate, validateLeaseCreate, validateLeaseUpdate } from './validation/other.js';
export {
  validatePodCreate,
  validatePodSpec,
  validatePodStatusUpdate,
  validatePodTemplateSpec,
  validatePodUpdate,
} from './validation/pod.js';
