// Which endpoints a service port's traffic may go to from this node: kube-proxy's
// pkg/proxy/topology.go CategorizeEndpoints (topology hints are not implemented). Ready
// endpoints first; only when a policy has no ready endpoint at all, the serving endpoints
// that are terminating (KEP-1669), so connections keep working while the last pods go away.

import type { EndpointInfo } from './endpoints.js';
import { type ServicePortInfo, usesClusterEndpoints, usesLocalEndpoints } from './serviceport.js';

export interface CategorizedEndpoints {
  /** Endpoints for "Cluster" traffic policy. */
  clusterEndpoints: EndpointInfo[];
  /** Endpoints for "Local" traffic policy (this node's). */
  localEndpoints: EndpointInfo[];
  /** The union: every endpoint a rule may lead to. */
  allReachableEndpoints: EndpointInfo[];
  /** Usable endpoints exist anywhere in the cluster. */
  hasAnyEndpoints: boolean;
}

const servingTerminating = (ep: EndpointInfo) => ep.serving && ep.terminating;

export function categorizeEndpoints(endpoints: EndpointInfo[], svc: ServicePortInfo): CategorizedEndpoints {
  let clusterEndpoints: EndpointInfo[] = [];
  let localEndpoints: EndpointInfo[] = [];
  let hasAnyEndpoints = false;
  if (usesClusterEndpoints(svc)) {
    clusterEndpoints = endpoints.filter((ep) => ep.ready);
    if (clusterEndpoints.length === 0) clusterEndpoints = endpoints.filter(servingTerminating);
    if (clusterEndpoints.length > 0) hasAnyEndpoints = true;
  }
  if (!usesLocalEndpoints(svc)) return { clusterEndpoints, localEndpoints, allReachableEndpoints: clusterEndpoints, hasAnyEndpoints };

  let localReady = false;
  let localServingTerminating = false;
  for (const ep of endpoints) {
    if (ep.ready) {
      hasAnyEndpoints = true;
      if (ep.isLocal) localReady = true;
    } else if (servingTerminating(ep)) {
      hasAnyEndpoints = true;
      if (ep.isLocal) localServingTerminating = true;
    }
  }
  if (localReady) localEndpoints = endpoints.filter((ep) => ep.isLocal && ep.ready);
  else if (localServingTerminating) localEndpoints = endpoints.filter((ep) => ep.isLocal && servingTerminating(ep));

  if (!usesClusterEndpoints(svc)) return { clusterEndpoints, localEndpoints, allReachableEndpoints: localEndpoints, hasAnyEndpoints };
  const seen = new Set(clusterEndpoints.map((e) => e.endpoint));
  const all = [...clusterEndpoints, ...localEndpoints.filter((e) => !seen.has(e.endpoint))];
  return { clusterEndpoints, localEndpoints, allReachableEndpoints: all, hasAnyEndpoints };
}
