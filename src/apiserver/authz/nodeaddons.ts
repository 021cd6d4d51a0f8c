// What a node's add-on credential (system:k8ts:node-addons:NODE in system:k8ts:node-addons) may
// read of Secrets: those an Ingress names for TLS, one by one, and nothing else. Kubernetes has no
// counterpart: its ingress controllers run as pods whose service account RBAC lets read every
// Secret (k3s' traefik role); here the ingress controller runs on every node, so that right on
// every node's credential would give any node every Secret of the cluster (service-account and
// bootstrap tokens included), past what the Node authorizer narrows. Modelled on the Node
// authorizer (plugin/pkg/auth/authorizer/node): a relationship read from the watch cache when
// asked; get, and list/watch of one named object (metadata.name field selector, which
// requestinfo turns into the name).

import { isObject, type KObject, obj } from '../../api/object.js';
import type { Attributes, AuthorizationResult, Authorizer } from './authorizer.js';
import { NODE_ADDONS_GROUP } from './rbac/k8tspolicy.js';

const allow: AuthorizationResult = { decision: 'Allow', reason: '' };
const noOpinion = (reason: string): AuthorizationResult => ({ decision: 'NoOpinion', reason });

/** Whether an Ingress names the Secret in its spec.tls (secretName is in the Ingress' namespace). */
export function ingressNamesSecret(ingress: KObject, name: string): boolean {
  const tls = obj(ingress.spec).tls;
  return Array.isArray(tls) && tls.some((t) => isObject(t) && t.secretName === name);
}

export class NodeAddonsAuthorizer implements Authorizer {
  /** ingresses(namespace): the Ingresses of a namespace, from the watch cache. */
  constructor(private readonly ingresses: (namespace: string) => KObject[]) {}

  authorize(a: Attributes): AuthorizationResult {
    if (!a.isResourceRequest || a.resource !== 'secrets' || (a.apiGroup ?? '') !== '') return noOpinion('');
    if (!a.user.groups.includes(NODE_ADDONS_GROUP)) return noOpinion('');
    if (!['get', 'list', 'watch'].includes(a.verb) || a.subresource) return noOpinion('can only read secrets named by an Ingress for TLS');
    if (!a.namespace || !a.name) return noOpinion('can only read secrets named by an Ingress for TLS, one by name');
    const name = a.name;
    return this.ingresses(a.namespace).some((i) => ingressNamesSecret(i, name))
      ? allow
      : noOpinion(`no Ingress in namespace ${JSON.stringify(a.namespace)} names secret ${JSON.stringify(name)} for TLS`);
  }
}
