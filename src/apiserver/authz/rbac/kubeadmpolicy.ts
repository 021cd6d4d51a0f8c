// The RBAC objects node bootstrapping needs, beyond the cluster-wide default policy:
// - the bootstrap policy's namespaced roles (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/
//   namespace_policy.go) of the bootstrap-signer and token-cleaner controllers, in kube-system
//   and kube-public;
// - what `kubeadm init` makes (cmd/kubeadm/app/phases/bootstraptoken/{node,clusterinfo}):
//   tokens of group system:bootstrappers:kubeadm:default-node-token may create node CSRs
//   (kubeadm:kubelet-bootstrap) which are auto-approved (kubeadm:node-autoapprove-bootstrap),
//   nodes may renew their own client certificate (kubeadm:node-autoapprove-certificate-rotation),
//   joiners may read nodes (kubeadm:get-nodes), and anyone may read kube-public/cluster-info
//   (kubeadm:bootstrap-signer-clusterinfo). `k8ts up` is kubeadm init, so the API server keeps
//   them reconciled like the rest of the policy.

import { KUBEADM_DEFAULT_NODE_TOKEN_GROUP } from '../../../api/bootstraptoken.js';
import { AUTOUPDATE_ANNOTATION, BOOTSTRAP_LABEL } from './bootstrappolicy.js';
import type { ClusterRole, PolicyRule, Role, RoleBinding, Subject } from './types.js';
import { RBAC_GROUP } from './types.js';

const rule = (verbs: string[], groups: string[], resources: string[], names?: string[]): PolicyRule => ({
  verbs,
  apiGroups: groups,
  resources,
  ...(names ? { resourceNames: names } : {}),
});
const eventsRule = (): PolicyRule => rule(['create', 'update', 'patch'], ['', 'events.k8s.io'], ['events']);
const meta = (name: string, namespace?: string, bootstrap = true) => ({
  name,
  ...(namespace ? { namespace } : {}),
  ...(bootstrap ? { labels: { ...BOOTSTRAP_LABEL }, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } } : {}),
});
const group = (name: string): Subject => ({ kind: 'Group', apiGroup: RBAC_GROUP, name });
const user = (name: string): Subject => ({ kind: 'User', apiGroup: RBAC_GROUP, name });
const sa = (name: string): Subject => ({ kind: 'ServiceAccount', name, namespace: 'kube-system' });

function binding(
  kind: 'ClusterRoleBinding' | 'RoleBinding',
  name: string,
  role: string,
  subjects: Subject[],
  namespace?: string,
  bootstrap = false,
): RoleBinding {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind,
    metadata: meta(name, namespace, bootstrap),
    roleRef: { apiGroup: RBAC_GROUP, kind: kind === 'RoleBinding' ? 'Role' : 'ClusterRole', name: role },
    subjects,
  };
}

export function kubeadmClusterRoles(): ClusterRole[] {
  return [
    {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: 'ClusterRole',
      metadata: meta('kubeadm:get-nodes', undefined, false),
      rules: [rule(['get'], [''], ['nodes'])],
    },
  ];
}

export function kubeadmClusterRoleBindings(): RoleBinding[] {
  return [
    binding('ClusterRoleBinding', 'kubeadm:kubelet-bootstrap', 'system:node-bootstrapper', [group(KUBEADM_DEFAULT_NODE_TOKEN_GROUP)]),
    binding(
      'ClusterRoleBinding',
      'kubeadm:node-autoapprove-bootstrap',
      'system:certificates.k8s.io:certificatesigningrequests:nodeclient',
      [group(KUBEADM_DEFAULT_NODE_TOKEN_GROUP)],
    ),
    binding(
      'ClusterRoleBinding',
      'kubeadm:node-autoapprove-certificate-rotation',
      'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient',
      [group('system:nodes')],
    ),
    binding('ClusterRoleBinding', 'kubeadm:get-nodes', 'kubeadm:get-nodes', [group(KUBEADM_DEFAULT_NODE_TOKEN_GROUP)]),
  ];
}

function role(name: string, namespace: string, rules: PolicyRule[], bootstrap = true): Role {
  return { apiVersion: `${RBAC_GROUP}/v1`, kind: 'Role', metadata: meta(name, namespace, bootstrap), rules };
}

export function namespacedRoles(): Role[] {
  return [
    role('system:controller:bootstrap-signer', 'kube-system', [rule(['get', 'list', 'watch'], [''], ['secrets'])]),
    role('system:controller:token-cleaner', 'kube-system', [rule(['delete', 'get', 'list', 'watch'], [''], ['secrets']), eventsRule()]),
    role('system:controller:bootstrap-signer', 'kube-public', [
      rule(['get', 'list', 'watch'], [''], ['configmaps']),
      rule(['update'], [''], ['configmaps'], ['cluster-info']),
      eventsRule(),
    ]),
    role('kubeadm:bootstrap-signer-clusterinfo', 'kube-public', [rule(['get'], [''], ['configmaps'], ['cluster-info'])], false),
  ];
}

export function namespacedRoleBindings(): RoleBinding[] {
  return [
    binding(
      'RoleBinding',
      'system:controller:bootstrap-signer',
      'system:controller:bootstrap-signer',
      [sa('bootstrap-signer')],
      'kube-system',
      true,
    ),
    binding(
      'RoleBinding',
      'system:controller:token-cleaner',
      'system:controller:token-cleaner',
      [sa('token-cleaner')],
      'kube-system',
      true,
    ),
    binding(
      'RoleBinding',
      'system:controller:bootstrap-signer',
      'system:controller:bootstrap-signer',
      [sa('bootstrap-signer')],
      'kube-public',
      true,
    ),
    binding(
      'RoleBinding',
      'kubeadm:bootstrap-signer-clusterinfo',
      'kubeadm:bootstrap-signer-clusterinfo',
      [user('system:anonymous')],
      'kube-public',
    ),
  ];
}
