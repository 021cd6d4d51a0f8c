// Kubernetes' default RBAC policy, as plugin/pkg/auth/authorizer/rbac/bootstrappolicy
// (policy.go: ClusterRoles, ClusterRoleBindings; v1.32): the user-facing roles cluster-admin,
// admin, edit and view (the last three aggregated from system:aggregate-to-*), the system:
// roles the components and every authenticated user need, and their bindings. The API server
// reconciles them at start (reconcile.ts). Rules are written as Kubernetes writes them, for
// the resources Kubernetes has (whether or not k8ts serves them), so the objects read the same.

import type { ClusterRole, PolicyRule, RoleBinding, Subject } from './types.js';
import { RBAC_GROUP } from './types.js';

const ReadWrite = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
const Read = ['get', 'list', 'watch'];
const ReadUpdate = ['get', 'list', 'watch', 'update', 'patch'];
const Write = ['create', 'update', 'patch', 'delete', 'deletecollection'];

const legacy = '';
const apps = 'apps';
const authentication = 'authentication.k8s.io';
const authorization = 'authorization.k8s.io';
const autoscaling = 'autoscaling';
const batch = 'batch';
const certificates = 'certificates.k8s.io';
const coordination = 'coordination.k8s.io';
const discovery = 'discovery.k8s.io';
const events = 'events.k8s.io';
const extensions = 'extensions';
const networking = 'networking.k8s.io';
const node = 'node.k8s.io';
const policy = 'policy';
const rbac = RBAC_GROUP;
const storage = 'storage.k8s.io';

export const BOOTSTRAP_LABEL = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';

/** rbacv1helpers.NewRule(verbs...).Groups(...).Resources(...).Names(...). */
function rule(verbs: string[], groups: string[], resources: string[], names?: string[]): PolicyRule {
  const r: PolicyRule = { verbs: [...verbs], apiGroups: groups, resources };
  if (names) r.resourceNames = names;
  return r;
}
function urls(verbs: string[], nonResourceURLs: string[]): PolicyRule {
  return { verbs, nonResourceURLs };
}
const eventsRule = (): PolicyRule => rule(['create', 'update', 'patch'], [legacy, events], ['events']);

function clusterRole(name: string, rules: PolicyRule[], labels: Record<string, string> = {}, aggregateFrom?: string): ClusterRole {
  const r: ClusterRole = {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRole',
    metadata: { name, labels: { ...BOOTSTRAP_LABEL, ...labels }, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } },
    rules,
  };
  if (aggregateFrom) {
    r.aggregationRule = {
      clusterRoleSelectors: [{ matchLabels: { [`rbac.authorization.k8s.io/aggregate-to-${aggregateFrom}`]: 'true' } }],
    };
    r.rules = [];
  }
  return r;
}

const aggregateTo = (role: string): Record<string, string> => ({ [`rbac.authorization.k8s.io/aggregate-to-${role}`]: 'true' });

export function clusterRoles(): ClusterRole[] {
  return [
    // a "root" role which can do absolutely anything
    clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
    // enough to discover API versions for negotiation
    clusterRole('system:discovery', [
      urls(
        ['get'],
        ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'],
      ),
    ]),
    // what is public: health and version
    clusterRole('system:public-info-viewer', [urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])]),
    clusterRole('system:monitoring', [
      urls(['get'], ['/metrics', '/metrics/slis', '/livez', '/readyz', '/healthz', '/livez/*', '/readyz/*', '/healthz/*']),
    ]),
    // a "normal" user learns about themselves
    clusterRole('system:basic-user', [
      rule(['create'], [authorization], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
      rule(['create'], [authentication], ['selfsubjectreviews']),
    ]),
    // user-facing roles, their rules aggregated from the system:aggregate-to-* roles below
    clusterRole('admin', [], {}, 'admin'),
    clusterRole('edit', [], aggregateTo('admin'), 'edit'),
    clusterRole('view', [], aggregateTo('edit'), 'view'),
    clusterRole(
      'system:aggregate-to-admin',
      [rule(['create'], [authorization], ['localsubjectaccessreviews']), rule(ReadWrite, [rbac], ['roles', 'rolebindings'])],
      aggregateTo('admin'),
    ),
    clusterRole(
      'system:aggregate-to-edit',
      [
        // edit may read secrets, impersonate service accounts and exec into pods: it can act as any service account of the namespace
        rule(Read, [legacy], ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy']),
        rule(['impersonate'], [legacy], ['serviceaccounts']),
        rule(Write, [legacy], ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']),
        rule(['create'], [legacy], ['pods/eviction']),
        rule(
          Write,
          [legacy],
          [
            'replicationcontrollers',
            'replicationcontrollers/scale',
            'serviceaccounts',
            'services',
            'services/proxy',
            'persistentvolumeclaims',
            'configmaps',
            'secrets',
            'events',
          ],
        ),
        rule(['create'], [legacy], ['serviceaccounts/token']),
        rule(
          Write,
          [apps],
          [
            'statefulsets',
            'statefulsets/scale',
            'daemonsets',
            'deployments',
            'deployments/scale',
            'deployments/rollback',
            'replicasets',
            'replicasets/scale',
          ],
        ),
        rule(Write, [autoscaling], ['horizontalpodautoscalers']),
        rule(Write, [batch], ['jobs', 'cronjobs']),
        rule(
          Write,
          [extensions],
          [
            'daemonsets',
            'deployments',
            'deployments/scale',
            'deployments/rollback',
            'ingresses',
            'replicasets',
            'replicasets/scale',
            'replicationcontrollers/scale',
            'networkpolicies',
          ],
        ),
        rule(Write, [policy], ['poddisruptionbudgets']),
        rule(Write, [networking], ['networkpolicies', 'ingresses']),
        rule(ReadWrite, [coordination], ['leases']),
      ],
      aggregateTo('edit'),
    ),
    clusterRole(
      'system:aggregate-to-view',
      [
        rule(
          Read,
          [legacy],
          [
            'pods',
            'replicationcontrollers',
            'replicationcontrollers/scale',
            'serviceaccounts',
            'services',
            'services/status',
            'endpoints',
            'persistentvolumeclaims',
            'persistentvolumeclaims/status',
            'configmaps',
          ],
        ),
        rule(
          Read,
          [legacy],
          [
            'limitranges',
            'resourcequotas',
            'bindings',
            'events',
            'pods/status',
            'resourcequotas/status',
            'namespaces/status',
            'replicationcontrollers/status',
            'pods/log',
          ],
        ),
        // read access to namespaces at the namespace scope means you can read *this* namespace
        rule(Read, [legacy], ['namespaces']),
        rule(Read, [discovery], ['endpointslices']),
        rule(
          Read,
          [apps],
          [
            'controllerrevisions',
            'statefulsets',
            'statefulsets/status',
            'statefulsets/scale',
            'daemonsets',
            'daemonsets/status',
            'deployments',
            'deployments/status',
            'deployments/scale',
            'replicasets',
            'replicasets/status',
            'replicasets/scale',
          ],
        ),
        rule(Read, [autoscaling], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
        rule(Read, [batch], ['jobs', 'cronjobs', 'cronjobs/status', 'jobs/status']),
        rule(
          Read,
          [extensions],
          [
            'daemonsets',
            'daemonsets/status',
            'deployments',
            'deployments/scale',
            'deployments/status',
            'ingresses',
            'ingresses/status',
            'replicasets',
            'replicasets/scale',
            'replicasets/status',
            'replicationcontrollers/scale',
            'networkpolicies',
          ],
        ),
        rule(Read, [policy], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
        rule(Read, [networking], ['networkpolicies', 'ingresses', 'ingresses/status']),
      ],
      aggregateTo('view'),
    ),
    clusterRole('system:heapster', [
      rule(Read, [legacy], ['events', 'pods', 'nodes', 'namespaces']),
      rule(Read, [extensions], ['deployments']),
    ]),
    // what nodes need to run pods (the Node authorizer narrows it to their own objects)
    clusterRole('system:node', [
      rule(['create'], [authentication], ['tokenreviews']),
      rule(['create'], [authorization], ['subjectaccessreviews', 'localsubjectaccessreviews']),
      rule(Read, [legacy], ['services']),
      rule(['create', 'get', 'list', 'watch'], [legacy], ['nodes']),
      rule(['update', 'patch'], [legacy], ['nodes/status']),
      rule(['update', 'patch'], [legacy], ['nodes']),
      rule(['create', 'update', 'patch'], [legacy], ['events']),
      rule(Read, [legacy], ['pods']),
      rule(['create', 'delete'], [legacy], ['pods']),
      rule(['update', 'patch'], [legacy], ['pods/status']),
      rule(['create'], [legacy], ['pods/eviction']),
      rule(Read, [legacy], ['secrets', 'configmaps']),
      rule(['get'], [legacy], ['persistentvolumeclaims', 'persistentvolumes']),
      rule(['get'], [legacy], ['endpoints']),
      rule(['create', 'get', 'list', 'watch'], [certificates], ['certificatesigningrequests']),
      rule(['get', 'create', 'update', 'patch', 'delete'], [coordination], ['leases']),
      rule(['get'], [storage], ['volumeattachments']),
      rule(['create'], [legacy], ['serviceaccounts/token']),
      rule(['get', 'update', 'patch'], [legacy], ['persistentvolumeclaims/status']),
      rule(Read, [storage], ['csidrivers']),
      rule(['get', 'create', 'update', 'patch', 'delete'], [storage], ['csinodes']),
      rule(Read, [node], ['runtimeclasses']),
    ]),
    clusterRole('system:node-problem-detector', [
      rule(['get'], [legacy], ['nodes']),
      rule(['patch'], [legacy], ['nodes/status']),
      eventsRule(),
    ]),
    clusterRole('system:kubelet-api-admin', [
      rule(Read, [legacy], ['nodes']),
      rule(['proxy'], [legacy], ['nodes']),
      rule(['*'], [legacy], ['nodes/proxy', 'nodes/metrics', 'nodes/stats', 'nodes/log']),
    ]),
    clusterRole('system:node-bootstrapper', [rule(['create', 'get', 'list', 'watch'], [certificates], ['certificatesigningrequests'])]),
    clusterRole('system:auth-delegator', [
      rule(['create'], [authentication], ['tokenreviews']),
      rule(['create'], [authorization], ['subjectaccessreviews']),
    ]),
    clusterRole('system:kube-aggregator', [rule(Read, [legacy], ['services', 'endpoints'])]),
    // the controller manager's own identity (its controllers use their service accounts' roles, controller_policy.go)
    clusterRole('system:kube-controller-manager', [
      eventsRule(),
      rule(['create'], [coordination], ['leases']),
      rule(['get', 'update'], [coordination], ['leases'], ['kube-controller-manager']),
      rule(['create'], [legacy], ['secrets', 'serviceaccounts']),
      rule(['delete'], [legacy], ['secrets']),
      rule(['get'], [legacy], ['namespaces', 'secrets', 'serviceaccounts', 'configmaps']),
      rule(['update'], [legacy], ['secrets', 'serviceaccounts']),
      rule(['create'], [authentication], ['tokenreviews']),
      rule(['create'], [authorization], ['subjectaccessreviews']),
      rule(['list', 'watch'], ['*'], ['*']),
      rule(['create'], [legacy], ['serviceaccounts/token']),
    ]),
    clusterRole('system:kube-dns', [rule(['list', 'watch'], [legacy], ['endpoints', 'services'])]),
    clusterRole('system:persistent-volume-provisioner', [
      rule(['get', 'list', 'watch', 'create', 'delete'], [legacy], ['persistentvolumes']),
      rule(['get', 'list', 'watch', 'update'], [legacy], ['persistentvolumeclaims']),
      rule(Read, [storage], ['storageclasses']),
      rule(['watch'], [legacy], ['events']),
      eventsRule(),
    ]),
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:nodeclient', [
      rule(['create'], [certificates], ['certificatesigningrequests/nodeclient']),
    ]),
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [
      rule(['create'], [certificates], ['certificatesigningrequests/selfnodeclient']),
    ]),
    clusterRole('system:volume-scheduler', [
      rule(ReadUpdate, [legacy], ['persistentvolumes']),
      rule(Read, [storage], ['storageclasses']),
      rule(ReadUpdate, [legacy], ['persistentvolumeclaims']),
    ]),
    clusterRole('system:certificates.k8s.io:legacy-unknown-approver', [
      rule(['approve'], [certificates], ['signers'], ['kubernetes.io/legacy-unknown']),
    ]),
    clusterRole('system:certificates.k8s.io:kubelet-serving-approver', [
      rule(['approve'], [certificates], ['signers'], ['kubernetes.io/kubelet-serving']),
    ]),
    clusterRole('system:certificates.k8s.io:kube-apiserver-client-approver', [
      rule(['approve'], [certificates], ['signers'], ['kubernetes.io/kube-apiserver-client']),
    ]),
    clusterRole('system:certificates.k8s.io:kube-apiserver-client-kubelet-approver', [
      rule(['approve'], [certificates], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet']),
    ]),
    clusterRole('system:service-account-issuer-discovery', [
      urls(['get'], ['/.well-known/openid-configuration', '/.well-known/openid-configuration/', '/openid/v1/jwks', '/openid/v1/jwks/']),
    ]),
    // the scheduler
    clusterRole('system:kube-scheduler', [
      eventsRule(),
      rule(['create'], [coordination], ['leases']),
      rule(['get', 'update'], [coordination], ['leases'], ['kube-scheduler']),
      rule(Read, [legacy], ['nodes']),
      rule(['get', 'list', 'watch', 'delete'], [legacy], ['pods']),
      rule(['create'], [legacy], ['bindings', 'pods/binding']),
      rule(['patch', 'update'], [legacy], ['pods/status']),
      rule(Read, [legacy], ['replicationcontrollers', 'services']),
      rule(Read, [apps, extensions], ['replicasets']),
      rule(Read, [apps], ['statefulsets']),
      rule(Read, [policy], ['poddisruptionbudgets']),
      rule(Read, [legacy], ['persistentvolumeclaims', 'persistentvolumes']),
      rule(['create'], [authentication], ['tokenreviews']),
      rule(['create'], [authorization], ['subjectaccessreviews']),
      rule(Read, [storage], ['csinodes']),
      rule(Read, [legacy], ['namespaces']),
      rule(Read, [storage], ['csidrivers']),
      rule(Read, [storage], ['csistoragecapacities']),
    ]),
    // kube-proxy
    clusterRole('system:node-proxier', [
      rule(['list', 'watch'], [legacy], ['services', 'endpoints']),
      rule(Read, [legacy], ['nodes']),
      eventsRule(),
      rule(['list', 'watch'], [discovery], ['endpointslices']),
    ]),
  ];
}

const group = (name: string): Subject => ({ kind: 'Group', apiGroup: RBAC_GROUP, name });
const user = (name: string): Subject => ({ kind: 'User', apiGroup: RBAC_GROUP, name });
const serviceAccount = (namespace: string, name: string): Subject => ({ kind: 'ServiceAccount', name, namespace });

function clusterBinding(roleName: string, subjects: Subject[], name = roleName): RoleBinding {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name, labels: { ...BOOTSTRAP_LABEL }, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: roleName },
    subjects,
  };
}

export function clusterRoleBindings(): RoleBinding[] {
  return [
    clusterBinding('cluster-admin', [group('system:masters')]),
    clusterBinding('system:monitoring', [group('system:monitoring')]),
    clusterBinding('system:discovery', [group('system:authenticated')]),
    clusterBinding('system:basic-user', [group('system:authenticated')]),
    clusterBinding('system:public-info-viewer', [group('system:authenticated'), group('system:unauthenticated')]),
    clusterBinding('system:node-proxier', [user('system:kube-proxy')]),
    clusterBinding('system:kube-controller-manager', [user('system:kube-controller-manager')]),
    clusterBinding('system:kube-dns', [serviceAccount('kube-system', 'kube-dns')]),
    clusterBinding('system:kube-scheduler', [user('system:kube-scheduler')]),
    clusterBinding('system:volume-scheduler', [user('system:kube-scheduler')]),
    // Nodes are authorized by the Node authorizer, not by this binding (it has no subjects since v1.8).
    clusterBinding('system:node', []),
    clusterBinding('system:service-account-issuer-discovery', [group('system:serviceaccounts')]),
  ];
}
