// The Node authorizer, as plugin/pkg/auth/authorizer/node.NodeAuthorizer: a node's credential
// (user system:node:NAME in group system:nodes) may read only the Secrets, ConfigMaps, claims
// and volumes of pods bound to it, create tokens only for their service accounts, touch only
// its own Lease and CSINode; everything else is what the system:node ClusterRole's rules allow
// (the NodeRestriction admission plugin narrows the writes to its own Node and pods).

import { NodesGroup, NodeUserPrefix, type UserInfo } from '../../authn/user.js';
import type { Attributes, AuthorizationResult, Authorizer } from '../authorizer.js';
import { clusterRoles } from '../rbac/bootstrappolicy.js';
import { ruleAllows } from '../rbac/rule.js';
import type { PolicyRule } from '../rbac/types.js';
import type { NodeGraph } from './graph.js';

/** NodeIdentity: the node's name when the user is a node (name system:node:<name>, group system:nodes). */
export function nodeIdentity(u: UserInfo): { isNode: boolean; name: string } {
  if (!u.name.startsWith(NodeUserPrefix) || !u.groups.includes(NodesGroup)) return { isNode: false, name: '' };
  return { isNode: true, name: u.name.slice(NodeUserPrefix.length) };
}

const allow: AuthorizationResult = { decision: 'Allow', reason: '' };
const noOpinion = (reason: string): AuthorizationResult => ({ decision: 'NoOpinion', reason });

export class NodeAuthorizer implements Authorizer {
  private readonly nodeRules: PolicyRule[] = clusterRoles().find((r) => r.metadata.name === 'system:node')?.rules ?? [];

  constructor(private readonly graph: NodeGraph) {}

  authorize(a: Attributes): AuthorizationResult {
    const { isNode, name: node } = nodeIdentity(a.user);
    if (!isNode) return noOpinion('');
    if (!node) return noOpinion(`unknown node for user ${JSON.stringify(a.user.name)}`);
    if (a.isResourceRequest) {
      const gr = `${a.apiGroup ?? ''}/${a.resource ?? ''}`;
      switch (gr) {
        case '/secrets':
          return this.readNamespaced(node, 'secret', a);
        case '/configmaps':
          return this.readNamespaced(node, 'configmap', a);
        case '/persistentvolumeclaims':
          if (a.subresource === 'status') return this.statusUpdate(node, a);
          return this.get(node, a, () => this.graph.related(node, 'pvc', a.namespace ?? '', a.name ?? ''));
        case '/persistentvolumes':
          return this.get(node, a, () => this.graph.relatedPV(node, a.name ?? ''));
        case '/serviceaccounts':
          return this.createToken(node, a);
        case 'coordination.k8s.io/leases':
          return this.lease(node, a);
        case 'storage.k8s.io/csinodes':
          return this.csiNode(node, a);
      }
    }
    // Everything else is not subdivided: the system:node role's rules.
    return this.nodeRules.some((r) => ruleAllows(a, r)) ? allow : noOpinion('');
  }

  private related(node: string, kind: 'secret' | 'configmap' | 'pvc' | 'serviceaccount', a: Attributes): AuthorizationResult {
    if (!a.name) return noOpinion('No Object name found');
    return this.graph.related(node, kind, a.namespace ?? '', a.name)
      ? allow
      : noOpinion(`no relationship found between node '${node}' and this object`);
  }

  /** authorizeReadNamespacedObject: get (or list/watch of one named object) of what its pods use. */
  private readNamespaced(node: string, kind: 'secret' | 'configmap', a: Attributes): AuthorizationResult {
    if (!['get', 'list', 'watch'].includes(a.verb)) return noOpinion('can only read resources of this type');
    if (a.subresource) return noOpinion('cannot read subresource');
    if (!a.namespace) return noOpinion('can only read namespaced object of this type');
    return this.related(node, kind, a);
  }

  /** authorizeGet: a single get of an object its pods use. */
  private get(node: string, a: Attributes, related: () => boolean): AuthorizationResult {
    if (a.verb !== 'get') return noOpinion('can only get individual resources of this type');
    if (a.subresource) return noOpinion('cannot get subresource');
    if (!a.name) return noOpinion('No Object name found');
    return related() ? allow : noOpinion(`no relationship found between node '${node}' and this object`);
  }

  /** authorizeStatusUpdate: a claim's status, of claims its pods use (volume expansion on the node). */
  private statusUpdate(node: string, a: Attributes): AuthorizationResult {
    if (!['update', 'patch', 'get'].includes(a.verb)) return noOpinion('can only get, update or patch status of this type');
    return this.related(node, 'pvc', a);
  }

  /** authorizeCreateToken: serviceaccounts/token of the service accounts its pods run as. */
  private createToken(node: string, a: Attributes): AuthorizationResult {
    if (a.verb !== 'create' || a.subresource !== 'token') return noOpinion('can only create tokens for individual service accounts');
    return this.related(node, 'serviceaccount', a);
  }

  /** authorizeLease: its own Lease in kube-node-lease. */
  private lease(node: string, a: Attributes): AuthorizationResult {
    if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb))
      return noOpinion('can only get, create, update, patch, or delete a node lease');
    if (a.namespace !== 'kube-node-lease') return noOpinion('can only access leases in the "kube-node-lease" system namespace');
    // A create names no object in its path: NodeRestriction checks its name.
    if (a.verb !== 'create' && a.name !== node) return noOpinion('can only access node lease with the same name as the requesting node');
    return allow;
  }

  /** authorizeCSINode: its own CSINode. */
  private csiNode(node: string, a: Attributes): AuthorizationResult {
    if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb))
      return noOpinion('can only get, create, update, patch, or delete a CSINode');
    if (a.subresource) return noOpinion('cannot authorize CSINode subresources');
    if (a.verb !== 'create' && a.name !== node) return noOpinion('can only access CSINode with the same name as the requesting node');
    return allow;
  }
}
