// The resources the API server serves: one module per resource (registry/<group>/<resource>.ts,
// as kube-apiserver's pkg/registry/<group>/<resource>), listed here in discovery order. Adding a
// resource means writing its module (info, strategy, subresources, printer) and its schema
// (src/api/schema), and naming the module below. Every module passes the start-up check.

import { apiVersionOf } from '../../api/object.js';
import type { ResourceInfo } from '../../api/resources.js';
import * as customresourcedefinitions from './apiextensions/customresourcedefinitions.js';
import * as controllerrevisions from './apps/controllerrevisions.js';
import * as daemonsets from './apps/daemonsets.js';
import * as deployments from './apps/deployments.js';
import * as replicasets from './apps/replicasets.js';
import * as statefulsets from './apps/statefulsets.js';
import * as selfsubjectreviews from './authentication/selfsubjectreviews.js';
import * as localsubjectaccessreviews from './authorization/localsubjectaccessreviews.js';
import * as selfsubjectaccessreviews from './authorization/selfsubjectaccessreviews.js';
import * as selfsubjectrulesreviews from './authorization/selfsubjectrulesreviews.js';
import * as subjectaccessreviews from './authorization/subjectaccessreviews.js';
import * as horizontalpodautoscalers from './autoscaling/horizontalpodautoscalers.js';
import * as cronjobs from './batch/cronjobs.js';
import * as jobs from './batch/jobs.js';
import * as certificatesigningrequests from './certificates/certificatesigningrequests.js';
import * as leases from './coordination/leases.js';
import * as bindings from './core/bindings.js';
import * as configmaps from './core/configmaps.js';
import * as endpoints from './core/endpoints.js';
import * as events from './core/events.js';
import * as limitranges from './core/limitranges.js';
import * as namespaces from './core/namespaces.js';
import * as nodes from './core/nodes.js';
import * as persistentvolumeclaims from './core/persistentvolumeclaims.js';
import * as persistentvolumes from './core/persistentvolumes.js';
import * as pods from './core/pods.js';
import * as replicationcontrollers from './core/replicationcontrollers.js';
import * as resourcequotas from './core/resourcequotas.js';
import * as secrets from './core/secrets.js';
import * as serviceaccounts from './core/serviceaccounts.js';
import * as services from './core/services.js';
import * as endpointslices from './discovery/endpointslices.js';
import * as ingressclasses from './networking/ingressclasses.js';
import * as ingresses from './networking/ingresses.js';
import * as networkpolicies from './networking/networkpolicies.js';
import * as poddisruptionbudgets from './policy/poddisruptionbudgets.js';
import * as clusterrolebindings from './rbac/clusterrolebindings.js';
import * as clusterroles from './rbac/clusterroles.js';
import * as rolebindings from './rbac/rolebindings.js';
import * as roles from './rbac/roles.js';
import { checkDefinition, type ResourceDefinition } from './rest.js';
import * as priorityclasses from './scheduling/priorityclasses.js';
import * as csidrivers from './storage/csidrivers.js';
import * as csinodes from './storage/csinodes.js';
import * as csistoragecapacities from './storage/csistoragecapacities.js';
import * as storageclasses from './storage/storageclasses.js';
import * as volumeattachments from './storage/volumeattachments.js';

export const DEFINITIONS: readonly ResourceDefinition[] = [
  namespaces,
  pods,
  bindings,
  services,
  endpoints,
  nodes,
  events,
  configmaps,
  secrets,
  serviceaccounts,
  replicationcontrollers,
  deployments,
  replicasets,
  daemonsets,
  statefulsets,
  controllerrevisions,
  leases,
  endpointslices,
  persistentvolumes,
  persistentvolumeclaims,
  poddisruptionbudgets,
  storageclasses,
  csidrivers,
  csinodes,
  csistoragecapacities,
  volumeattachments,
  jobs,
  cronjobs,
  clusterrolebindings,
  clusterroles,
  rolebindings,
  roles,
  selfsubjectreviews,
  localsubjectaccessreviews,
  selfsubjectaccessreviews,
  selfsubjectrulesreviews,
  subjectaccessreviews,
  certificatesigningrequests,
  resourcequotas,
  limitranges,
  priorityclasses,
  horizontalpodautoscalers,
  customresourcedefinitions,
  ingresses,
  ingressclasses,
  networkpolicies,
].map((m) => m.resource);

for (const def of DEFINITIONS) checkDefinition(def);

/** Every served resource's info: routing, discovery, OpenAPI and the store layout read it. */
export const RESOURCES: readonly ResourceInfo[] = DEFINITIONS.map((d) => d.info);

/** API groups in the order discovery lists them (core first). */
export function groupVersions(resources: readonly ResourceInfo[] = RESOURCES): { group: string; version: string }[] {
  const seen = new Set<string>();
  const out: { group: string; version: string }[] = [];
  for (const ri of resources) {
    const gv = apiVersionOf(ri.group, ri.version);
    if (!seen.has(gv)) {
      seen.add(gv);
      out.push({ group: ri.group, version: ri.version });
    }
  }
  return out;
}

export function findDefinition(group: string, version: string, resource: string): ResourceDefinition | undefined {
  return DEFINITIONS.find((d) => d.info.group === group && d.info.version === version && d.info.resource === resource);
}

export function findResource(group: string, version: string, resource: string): ResourceInfo | undefined {
  return findDefinition(group, version, resource)?.info;
}

export function findKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return RESOURCES.find((ri) => apiVersionOf(ri.group, ri.version) === apiVersion && ri.kind === kind);
}
