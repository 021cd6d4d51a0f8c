// kube-apiserver's NamespaceLifecycle admission plugin (plugin/pkg/admission/namespace/lifecycle):
// nothing is created in a namespace that does not exist or is being terminated, and the
// namespaces the cluster runs on may not be deleted. Kubernetes' immortal set is default,
// kube-system and kube-public; kube-node-lease is added here (issue #7): losing it would take
// every node's heartbeat with it.

import { errors } from '../../api/errors.js';
import type { ApiServerContext } from '../registry/context.js';
import { type AdmissionPlugin, type Attributes, forbidden } from './types.js';

export const IMMORTAL_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export class NamespaceLifecycle implements AdmissionPlugin {
  readonly name = 'NamespaceLifecycle';

  /** Creates only into a namespace that exists and is not terminating (a namespace's own writes pass). */
  async admit(a: Attributes, api: ApiServerContext): Promise<void> {
    if (a.operation !== 'CREATE' || !a.namespace || (a.group === '' && a.resource === 'namespaces')) return;
    // The watch cache first, as kube-apiserver's plugin reads its namespace lister; only a
    // namespace the cache does not have yet (made a moment ago through another API server) costs
    // a read of the store, which on etcd is a round trip on every create.
    const reg = api.registry('', 'namespaces');
    const ns = reg?.cache.get(`${reg.prefix()}${a.namespace}`) ?? (await api.getObject('', 'namespaces', undefined, a.namespace));
    if (!ns) throw errors.notFound('namespaces', '', a.namespace);
    if (ns.metadata.deletionTimestamp) {
      throw forbidden(a, `unable to create new content in namespace ${a.namespace} because it is being terminated`, [
        { reason: 'NamespaceTerminating', message: `namespace ${a.namespace} is being terminated`, field: 'metadata.namespace' },
      ]);
    }
  }

  validate(a: Attributes): void {
    if (
      a.operation === 'DELETE' &&
      a.group === '' &&
      a.resource === 'namespaces' &&
      !a.subresource &&
      IMMORTAL_NAMESPACES.includes(a.name)
    ) {
      throw forbidden(a, 'this namespace may not be deleted');
    }
  }
}
