// Anonymous requests, as kube-apiserver's anonymous authenticator restricted by the v1.32
// AuthenticationConfiguration `anonymous.conditions` (AnonymousAuthConfigurableEndpoints): a
// request with no credential at all is system:anonymous only for the paths listed here, and is
// 401 elsewhere. The one path is what kubeadm's token discovery needs before the joiner trusts
// anything: GET kube-public/cluster-info, which RBAC (kubeadm:bootstrap-signer-clusterinfo)
// lets system:anonymous read and which holds nothing secret (the CA certificate and the
// server's address, signed with each bootstrap token).

import { AllUnauthenticated, Anonymous, type UserInfo } from './user.js';

const ANONYMOUS_PATHS = new Set(['/api/v1/namespaces/kube-public/configmaps/cluster-info']);

export function anonymousAllowed(method: string | undefined, path: string): boolean {
  return (method === 'GET' || method === 'HEAD') && ANONYMOUS_PATHS.has(path);
}

export function anonymousUser(): UserInfo {
  return { name: Anonymous, groups: [AllUnauthenticated] };
}
