// Who a request comes from, as k8s.io/apiserver/pkg/authentication/user (user.Info and the
// well-known names): what authentication hands to authorization, admission and the registries.

export interface UserInfo {
  /** The user's name: "kubernetes-admin", "system:serviceaccount:ns:name", "system:node:worker-1". */
  name: string;
  /** A unique id, when the authenticator knows one (service accounts: the ServiceAccount's uid). */
  uid?: string;
  groups: string[];
  /** Anything else the authenticator knows (service accounts: the pod's name and uid). */
  extra?: Record<string, string[]>;
}

export const SystemPrivilegedGroup = 'system:masters';
export const NodesGroup = 'system:nodes';
export const MonitoringGroup = 'system:monitoring';
export const AllUnauthenticated = 'system:unauthenticated';
export const AllAuthenticated = 'system:authenticated';
export const Anonymous = 'system:anonymous';
export const APIServerUser = 'system:apiserver';
export const KubeProxy = 'system:kube-proxy';
export const KubeControllerManager = 'system:kube-controller-manager';
export const KubeScheduler = 'system:kube-scheduler';
export const ServiceAccountsGroup = 'system:serviceaccounts';
export const ServiceAccountUsernamePrefix = 'system:serviceaccount:';
export const NodeUserPrefix = 'system:node:';

/** The identity kubeadm's admin.conf carries: a cluster-admin through system:masters. */
export function adminUser(name = 'kubernetes-admin'): UserInfo {
  return { name, groups: [SystemPrivilegedGroup] };
}
