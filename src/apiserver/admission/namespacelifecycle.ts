// The deletion half of kube-apiserver's NamespaceLifecycle admission plugin
// (plugin/pkg/admission/namespace/lifecycle): the namespaces the cluster runs on may not be
// deleted. Kubernetes' immortal set is default, kube-system and kube-public; kube-node-lease
// is added here (issue #7): losing it would take every node's heartbeat with it. (Refusing
// writes into a terminating namespace, the plugin's other half, is the generic store's.)

import { type AdmissionPlugin, type Attributes, forbidden } from './types.js';

export const IMMORTAL_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export class NamespaceLifecycle implements AdmissionPlugin {
  readonly name = 'NamespaceLifecycle';

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
