// The 403 an unauthorized request gets, worded as kube-apiserver's
// endpoints/handlers/responsewriters.Forbidden and apierrors.NewForbidden:
// 'pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "dev"'.

import { StatusError } from '../../api/errors.js';
import type { Attributes } from './authorizer.js';

export function forbiddenMessage(a: Attributes): string {
  const user = a.user.name;
  if (!a.isResourceRequest) return `User ${JSON.stringify(user)} cannot ${a.verb} path ${JSON.stringify(a.path ?? '')}`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : (a.resource ?? '');
  if (a.namespace)
    return `User ${JSON.stringify(user)} cannot ${a.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(a.apiGroup ?? '')} in the namespace ${JSON.stringify(a.namespace)}`;
  return `User ${JSON.stringify(user)} cannot ${a.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(a.apiGroup ?? '')} at the cluster scope`;
}

/** apierrors.NewForbidden(groupResource, name, err): "<resource>[.<group>] [\"name\"] is forbidden: <why>". */
export function newForbidden(group: string, resource: string, name: string | undefined, why: string): StatusError {
  const qr = resource ? (group ? `${resource}.${group}` : resource) : '';
  const message = !qr ? `forbidden: ${why}` : name ? `${qr} ${JSON.stringify(name)} is forbidden: ${why}` : `${qr} is forbidden: ${why}`;
  return new StatusError(403, 'Forbidden', message, { name: name || undefined, group: group || undefined, kind: resource || undefined });
}

/** The Status a request the authorizers did not allow is answered with. */
export function forbidden(a: Attributes, reason: string): StatusError {
  const msg = forbiddenMessage(a);
  return newForbidden(
    a.isResourceRequest ? (a.apiGroup ?? '') : '',
    a.isResourceRequest ? (a.resource ?? '') : '',
    a.name,
    reason ? `${msg}: ${reason}` : msg,
  );
}
