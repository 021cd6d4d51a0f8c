// The NodeRestriction admission plugin, as plugin/pkg/admission/noderestriction: what a node's
// credential (system:node:NAME) writes is its own: its Node (no taints changed), its Lease, its
// CSINode, the status of pods bound to it, deletion of pods bound to it, and mirror pods bound
// to it only. The Node authorizer decides what it may read.

import { isObject } from '../../api/object.js';
import { nodeIdentity } from '../authz/node/authorizer.js';
import type { ApiServerContext } from '../registry/context.js';
import { type AdmissionPlugin, type Attributes, forbidden } from './types.js';

const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
const nodeNameOf = (o: unknown): unknown => (isObject(o) && isObject(o.spec) ? o.spec.nodeName : undefined);

export class NodeRestriction implements AdmissionPlugin {
  readonly name = 'NodeRestriction';

  validate(a: Attributes, _api: ApiServerContext): void {
    const { isNode, name: node } = nodeIdentity(a.user);
    if (!isNode) return;
    if (!node) throw forbidden(a, `could not determine node from user ${JSON.stringify(a.user.name)}`);
    const gr = `${a.group}/${a.resource}`;
    if (gr === '/pods') this.pod(node, a);
    else if (gr === '/nodes') this.node(node, a);
    else if (gr === 'coordination.k8s.io/leases') this.named(node, a, 'node lease');
    else if (gr === 'storage.k8s.io/csinodes') this.named(node, a, 'CSINode');
  }

  private pod(node: string, a: Attributes): void {
    switch (a.subresource ?? '') {
      case '':
        if (a.operation === 'CREATE') {
          const ann = a.object.metadata.annotations ?? {};
          if (!(MIRROR_POD_ANNOTATION in ann))
            throw forbidden(a, `pod does not have "${MIRROR_POD_ANNOTATION}" annotation, node "${node}" can only create mirror pods`);
          if (nodeNameOf(a.object) !== node) throw forbidden(a, `node "${node}" can only create pods with spec.nodeName set to itself`);
          return;
        }
        if (a.operation === 'DELETE') {
          if (nodeNameOf(a.oldObject ?? a.object) !== node)
            throw forbidden(a, `node "${node}" can only delete pods with spec.nodeName set to itself`);
          return;
        }
        throw forbidden(a, `unexpected operation "${a.operation}", node "${node}" can only create and delete mirror pods`);
      case 'status':
        if (a.operation !== 'UPDATE') throw forbidden(a, `unexpected operation "${a.operation}"`);
        if (nodeNameOf(a.oldObject) !== node)
          throw forbidden(a, `node "${node}" can only update pod status for pods with spec.nodeName set to itself`);
        return;
      default:
        throw forbidden(a, `unexpected pod subresource "${a.subresource}", only 'status' and 'eviction' are allowed`);
    }
  }

  private node(node: string, a: Attributes): void {
    if (a.name !== node) throw forbidden(a, `node "${node}" is not allowed to modify node "${a.name}"`);
    if (a.operation === 'UPDATE' && a.oldObject) {
      const taints = (o: unknown) => JSON.stringify((isObject(o) && isObject(o.spec) ? o.spec.taints : undefined) ?? []);
      if (taints(a.object) !== taints(a.oldObject)) throw forbidden(a, `node "${node}" is not allowed to modify taints`);
    }
  }

  private named(node: string, a: Attributes, what: string): void {
    if (a.resource === 'leases' && a.namespace !== 'kube-node-lease')
      throw forbidden(a, 'can only access leases in the "kube-node-lease" system namespace');
    if (a.name !== node) throw forbidden(a, `can only access ${what} with the same name as the requesting node`);
  }
}
