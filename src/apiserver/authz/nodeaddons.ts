// What a node's add-on credential (system:k8ts:node-addons:NODE in system:k8ts:node-addons) may
// read of Secrets: those an Ingress names for TLS, one by one, and nothing else; and which
// PersistentVolumes it may delete or patch (the local-path cleanup): those provisioned on that
// node (annotation local.path.provisioner/selected-node), not any volume of the cluster. Kubernetes has no
// counterpart: its ingress controllers run as pods whose service account RBAC lets read every
// Secret (k3s' traefik role); here the ingress controller runs on every node, so that right on
// every node's credential would give any node every Secret of the cluster (service-account and
// bootstrap tokens included), past what the Node authorizer narrows. Modelled on the Node
// authorizer (plugin/pkg/auth/authorizer/node): a relationship read from the watch cache when
// asked; get, and list/watch of one named object (metadata.name field selector, which
// requestinfo turns into the name).

import { isObject, type KObject, obj } from '../../api/object.js';
import { ANN_LOCAL_PATH_NODE } from '../../api/persistentvolume.js';
import type { Attributes, AuthorizationResult, Authorizer } from './authorizer.js';
import { NODE_ADDONS_GROUP, NODE_ADDONS_USER_PREFIX } from './rbac/k8tspolicy.js';

const allow: AuthorizationResult = { decision: 'Allow', reason: '' };
const noOpinion = (reason: string): AuthorizationResult => ({ decision: 'NoOpinion', reason });

/** Whether an Ingress names the Secret in its spec.tls (secretName is in the Ingress' namespace). */
export function ingressNamesSecret(ingress: KObject, name: string): boolean {
  const tls = obj(ingress.spec).tls;
  return Array.isArray(tls) && tls.some((t) => isObject(t) && t.secretName === name);
}

export class NodeAddonsAuthorizer implements Authorizer {
  /** ingresses(namespace): the Ingresses of a namespace; persistentVolume(name): a volume; both from the watch caches. */
  constructor(
    private readonly ingresses: (namespace: string) => KObject[],
    private readonly persistentVolume: (name: string) => KObject | undefined = () => undefined,
  ) {}

  authorize(a: Attributes): AuthorizationResult {
    if (!a.isResourceRequest || (a.apiGroup ?? '') !== '' || !a.user.groups.includes(NODE_ADDONS_GROUP)) return noOpinion('');
    if (a.resource === 'persistentvolumes') return this.volumeWrite(a);
    if (a.resource !== 'secrets') return noOpinion('');
    if (!['get', 'list', 'watch'].includes(a.verb) || a.subresource) return noOpinion('can only read secrets named by an Ingress for TLS');
    if (!a.namespace || !a.name) return noOpinion('can only read secrets named by an Ingress for TLS, one by name');
    const name = a.name;
    return this.ingresses(a.namespace).some((i) => ingressNamesSecret(i, name))
      ? allow
      : noOpinion(`no Ingress in namespace ${JSON.stringify(a.namespace)} names secret ${JSON.stringify(name)} for TLS`);
  }

  /** delete and patch of a volume provisioned on the requesting node (reads are the role's). */
  private volumeWrite(a: Attributes): AuthorizationResult {
    if (a.verb !== 'delete' && a.verb !== 'patch') return noOpinion('');
    if (a.subresource || !a.name) return noOpinion('can only delete or patch a volume by name');
    const node = a.user.name.startsWith(NODE_ADDONS_USER_PREFIX) ? a.user.name.slice(NODE_ADDONS_USER_PREFIX.length) : '';
    const pv = this.persistentVolume(a.name);
    const on = pv?.metadata.annotations?.[ANN_LOCAL_PATH_NODE];
    return node && on === node
      ? allow
      : noOpinion(`persistent volume ${JSON.stringify(a.name)} was not provisioned on node ${JSON.stringify(node)}`);
  }
}
