// The roles of kube-controller-manager's controllers, as plugin/pkg/auth/authorizer/rbac/
// bootstrappolicy/controller_policy.go (v1.32): one ClusterRole system:controller:<name> per
// controller, bound to the service account kube-system/<name> its client authenticates as
// (--use-service-account-credentials). Only the controllers k8ts runs (and their close kin).

import { AUTOUPDATE_ANNOTATION, BOOTSTRAP_LABEL } from './bootstrappolicy.js';
import type { ClusterRole, PolicyRule, RoleBinding } from './types.js';
import { RBAC_GROUP } from './types.js';

const r = (verbs: string[], groups: string[], resources: string[], names?: string[]): PolicyRule => ({
  verbs,
  apiGroups: groups,
  resources,
  ...(names ? { resourceNames: names } : {}),
});
const events = (): PolicyRule => r(['create', 'update', 'patch'], ['', 'events.k8s.io'], ['events']);
const Read = ['get', 'list', 'watch'];

/** The prefix of controller roles and bindings (saRolePrefix). */
export const CONTROLLER_ROLE_PREFIX = 'system:controller:';

const ROLES: Record<string, PolicyRule[]> = {
  // csrapproving and csrsigning. k8ts' approver also approves kubelet-serving requests a node makes
  // for its own name and addresses, and its components' client certificates (controllers/
  // csrapproving.ts says why), hence those two signers too.
  'certificate-controller': [
    r(['get', 'list', 'watch', 'delete'], ['certificates.k8s.io'], ['certificatesigningrequests']),
    r(['update'], ['certificates.k8s.io'], ['certificatesigningrequests/status', 'certificatesigningrequests/approval']),
    r(
      ['approve'],
      ['certificates.k8s.io'],
      ['signers'],
      [
        'kubernetes.io/kube-apiserver-client-kubelet',
        'kubernetes.io/legacy-unknown',
        'kubernetes.io/kubelet-serving',
        'kubernetes.io/kube-apiserver-client',
      ],
    ),
    r(
      ['sign'],
      ['certificates.k8s.io'],
      ['signers'],
      [
        'kubernetes.io/legacy-unknown',
        'kubernetes.io/kube-apiserver-client',
        'kubernetes.io/kube-apiserver-client-kubelet',
        'kubernetes.io/kubelet-serving',
      ],
    ),
    r(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
    events(),
  ],
  'clusterrole-aggregation-controller': [r(['escalate', 'get', 'list', 'watch', 'update', 'patch'], [RBAC_GROUP], ['clusterroles'])],
  'cronjob-controller': [
    r(['get', 'list', 'watch', 'update'], ['batch'], ['cronjobs']),
    r(['get', 'list', 'watch', 'create', 'update', 'delete', 'patch'], ['batch'], ['jobs']),
    r(['update'], ['batch'], ['cronjobs/status']),
    r(['update'], ['batch'], ['cronjobs/finalizers']),
    r(['list', 'watch', 'delete'], [''], ['pods']),
    events(),
  ],
  'daemon-set-controller': [
    r(Read, ['apps', 'extensions'], ['daemonsets']),
    r(['update'], ['apps', 'extensions'], ['daemonsets/status']),
    r(['update'], ['apps', 'extensions'], ['daemonsets/finalizers']),
    r(['list', 'watch'], [''], ['nodes']),
    r(['list', 'watch', 'create', 'delete', 'patch'], [''], ['pods']),
    r(['create'], [''], ['pods/binding']),
    r(['get', 'list', 'watch', 'create', 'delete', 'update', 'patch'], ['apps'], ['controllerrevisions']),
    events(),
  ],
  'deployment-controller': [
    r(['get', 'list', 'watch', 'update'], ['apps', 'extensions'], ['deployments']),
    r(['update'], ['apps', 'extensions'], ['deployments/status']),
    r(['update'], ['apps', 'extensions'], ['deployments/finalizers']),
    r(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], ['apps', 'extensions'], ['replicasets']),
    // get and update pods for adoption (the ReplicaSets own them)
    r(['get', 'list', 'watch', 'update'], [''], ['pods']),
    events(),
  ],
  'disruption-controller': [
    r(Read, ['apps', 'extensions'], ['deployments']),
    r(Read, ['apps', 'extensions'], ['replicasets']),
    r(Read, [''], ['replicationcontrollers']),
    r(Read, ['policy'], ['poddisruptionbudgets']),
    r(Read, ['apps'], ['statefulsets']),
    r(['update'], ['policy'], ['poddisruptionbudgets/status']),
    r(['patch', 'update'], [''], ['pods/status']),
    r(['get'], ['*'], ['*/scale']),
    events(),
  ],
  'endpoint-controller': [
    r(Read, [''], ['services', 'pods']),
    r(['get', 'list', 'create', 'update', 'delete'], [''], ['endpoints']),
    r(['create'], [''], ['endpoints/restricted']),
    events(),
  ],
  'endpointslice-controller': [
    r(Read, [''], ['services', 'pods', 'nodes']),
    r(['update'], [''], ['services/finalizers']),
    r(['get', 'list', 'create', 'update', 'delete'], ['discovery.k8s.io'], ['endpointslices']),
    events(),
  ],
  'generic-garbage-collector': [r(['get', 'list', 'watch', 'patch', 'update', 'delete'], ['*'], ['*']), events()],
  'horizontal-pod-autoscaler': [
    r(Read, ['autoscaling'], ['horizontalpodautoscalers']),
    r(['update'], ['autoscaling'], ['horizontalpodautoscalers/status']),
    r(['get', 'update'], ['*'], ['*/scale']),
    r(['list'], [''], ['pods']),
    r(['list'], ['metrics.k8s.io'], ['pods']),
    r(['get', 'list'], ['custom.metrics.k8s.io'], ['*']),
    r(['get', 'list'], ['external.metrics.k8s.io'], ['*']),
    events(),
  ],
  'job-controller': [
    r(['get', 'list', 'watch', 'update', 'patch'], ['batch'], ['jobs']),
    r(['update'], ['batch'], ['jobs/status']),
    r(['update'], ['batch'], ['jobs/finalizers']),
    r(['list', 'watch', 'create', 'delete', 'patch'], [''], ['pods']),
    events(),
  ],
  'namespace-controller': [
    r(['get', 'list', 'watch', 'delete'], [''], ['namespaces']),
    r(['update'], [''], ['namespaces/finalize', 'namespaces/status']),
    r(['get', 'list', 'delete', 'deletecollection'], ['*'], ['*']),
  ],
  'node-controller': [
    r(['get', 'list', 'update', 'delete', 'patch'], [''], ['nodes']),
    r(['patch', 'update'], [''], ['nodes/status']),
    r(['patch', 'update'], [''], ['pods/status']),
    r(['get', 'list', 'watch', 'delete'], [''], ['pods']),
    events(),
  ],
  'persistent-volume-binder': [
    r(['get', 'list', 'watch', 'update', 'create', 'delete'], [''], ['persistentvolumes']),
    r(['update'], [''], ['persistentvolumes/status']),
    r(['get', 'list', 'watch', 'update'], [''], ['persistentvolumeclaims']),
    r(['update'], [''], ['persistentvolumeclaims/status']),
    r(['list', 'watch', 'get', 'create', 'delete'], [''], ['pods']),
    r(Read, ['storage.k8s.io'], ['storageclasses']),
    r(['list', 'watch'], [''], ['nodes']),
    events(),
    r(['watch'], [''], ['events']),
  ],
  'pod-garbage-collector': [
    r(['list', 'watch', 'delete'], [''], ['pods']),
    r(['get', 'list'], [''], ['nodes']),
    r(['patch'], [''], ['pods/status']),
  ],
  'pv-protection-controller': [r(['get', 'list', 'watch', 'update'], [''], ['persistentvolumes']), events()],
  'pvc-protection-controller': [
    r(['get', 'list', 'watch', 'update'], [''], ['persistentvolumeclaims']),
    r(['update'], [''], ['persistentvolumeclaims/status']),
    r(['list', 'watch', 'get'], [''], ['pods']),
    events(),
  ],
  'replicaset-controller': [
    r(['get', 'list', 'watch', 'update'], ['apps', 'extensions'], ['replicasets']),
    r(['update'], ['apps', 'extensions'], ['replicasets/status']),
    r(['update'], ['apps', 'extensions'], ['replicasets/finalizers']),
    r(['list', 'watch', 'patch', 'create', 'delete'], [''], ['pods']),
    events(),
  ],
  'replication-controller': [
    r(['get', 'list', 'watch', 'update'], [''], ['replicationcontrollers']),
    r(['update'], [''], ['replicationcontrollers/status']),
    r(['update'], [''], ['replicationcontrollers/finalizers']),
    r(['list', 'watch', 'patch', 'create', 'delete'], [''], ['pods']),
    events(),
  ],
  'resourcequota-controller': [r(['list', 'watch'], ['*'], ['*']), r(['update'], [''], ['resourcequotas/status']), events()],
  'root-ca-cert-publisher': [r(['create', 'update'], [''], ['configmaps']), events()],
  'service-account-controller': [r(['create'], [''], ['serviceaccounts']), events()],
  'service-controller': [
    r(Read, [''], ['services']),
    r(['patch', 'update'], [''], ['services/status']),
    r(['list', 'watch'], [''], ['nodes']),
    events(),
  ],
  'statefulset-controller': [
    r(['list', 'watch'], [''], ['pods']),
    r(Read, ['apps'], ['statefulsets']),
    r(['update'], ['apps'], ['statefulsets/status']),
    r(['update'], ['apps'], ['statefulsets/finalizers']),
    r(['get', 'create', 'delete', 'update', 'patch'], [''], ['pods']),
    r(['get', 'list', 'watch', 'create', 'delete', 'update', 'patch'], ['apps'], ['controllerrevisions']),
    r(['get', 'create'], [''], ['persistentvolumeclaims']),
    r(['update', 'delete'], [''], ['persistentvolumeclaims']),
    r(['update'], [''], ['pods/finalizers']),
    events(),
  ],
  'ttl-after-finished-controller': [r(['get', 'list', 'watch', 'delete'], ['batch'], ['jobs']), events()],
  // Not Kubernetes': k3s's local-path-provisioner role (its manifest), plus making its StorageClass,
  // which k3s ships as a manifest and k8ts's provisioner creates itself.
  'local-path-provisioner': [
    r(Read, [''], ['nodes', 'persistentvolumeclaims', 'configmaps', 'pods', 'pods/log']),
    r(['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'], [''], ['persistentvolumes']),
    r(['create', 'patch'], [''], ['events']),
    r(['get', 'list', 'watch', 'create'], ['storage.k8s.io'], ['storageclasses']),
  ],
};

/** The controller names (and service accounts in kube-system) with a role. */
export const CONTROLLER_NAMES = Object.keys(ROLES);

export function controllerRoles(): ClusterRole[] {
  return Object.entries(ROLES).map(([name, rules]) => ({
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRole',
    metadata: {
      name: `${CONTROLLER_ROLE_PREFIX}${name}`,
      labels: { ...BOOTSTRAP_LABEL },
      annotations: { [AUTOUPDATE_ANNOTATION]: 'true' },
    },
    rules: rules.map((x) => ({ ...x, verbs: [...x.verbs] })),
  }));
}

export function controllerRoleBindings(): RoleBinding[] {
  return CONTROLLER_NAMES.map((name) => ({
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: {
      name: `${CONTROLLER_ROLE_PREFIX}${name}`,
      labels: { ...BOOTSTRAP_LABEL },
      annotations: { [AUTOUPDATE_ANNOTATION]: 'true' },
    },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: `${CONTROLLER_ROLE_PREFIX}${name}` },
    subjects: [{ kind: 'ServiceAccount', name, namespace: 'kube-system' }],
  }));
}
