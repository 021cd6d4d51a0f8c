// Objects every cluster has from the start, as kube-apiserver's bootstrap controllers make
// them: the system namespaces (the `kubernetes` service is kubernetesservice.ts's); and the
// `kube-dns` service of kube-system, as kubeadm's CoreDNS addon installs it (here without a
// selector: each node agent's DNS server publishes its own EndpointSlice, see proxy/dns/nodedns.ts).

import { CLUSTER_INFO_CONFIGMAP, CLUSTER_INFO_NAMESPACE, clusterInfoConfigMap, KUBECONFIG_KEY } from '../api/bootstraptoken.js';
import { StatusError } from '../api/errors.js';
import { intToIp } from '../api/net.js';
import type { KObject } from '../api/object.js';
import { SYSTEM_PRIORITY_CLASSES } from '../api/validation/policy-quota.js';
import { createOrAwaitOther } from './kubernetesservice.js';
import { apiserverContext } from './registry/strategy.js';
import type { ApiServer } from './server.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

async function ensure(api: ApiServer, group: string, resource: string, namespace: string | undefined, obj: KObject): Promise<void> {
  const reg = api.registry(group, resource)!;
  // Already there (a restart on the same data dir): leave it as it is.
  if (await api.getObject(group, resource, namespace, obj.metadata.name!)) return;
  // Another API server may be making it at the same moment (its fixed cluster IP taken first).
  await createOrAwaitOther(
    () => reg.create(namespace, structuredClone(obj), apiserverContext()),
    () => api.getObject(group, resource, namespace, obj.metadata.name!),
  );
}

/** The kube-dns service's address is the 10th of the service range (10.96.0.10 by default), as kubeadm picks it. */
export const KUBE_DNS_IP_OFFSET = 10;

/**
 * kube-system/kube-dns: ports dns/53 UDP and dns-tcp/53 TCP (kubeadm's, less metrics), no
 * selector (the node agents' DNS servers are its endpoints) and internalTrafficPolicy Local:
 * a pod's query goes to the DNS server of its own node.
 */
export function kubeDNSService(clusterIP: string): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'kube-dns',
      namespace: 'kube-system',
      labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' },
    },
    spec: {
      type: 'ClusterIP',
      clusterIP,
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Local',
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
      ],
    },
  };
}

export async function bootstrapCluster(api: ApiServer): Promise<void> {
  // Independent objects are made at once, so that a new data dir's creates share the store's
  // group commit (one fsync) rather than each waiting for its own in turn (#13).
  await Promise.all([
    ...SYSTEM_NAMESPACES.map((ns) =>
      ensure(api, '', 'namespaces', undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
    ),
    // The scheduling post-start hook's system priority classes.
    ...SYSTEM_PRIORITY_CLASSES.map((pc) =>
      ensure(api, 'scheduling.k8s.io', 'priorityclasses', undefined, {
        apiVersion: 'scheduling.k8s.io/v1',
        kind: 'PriorityClass',
        metadata: { name: pc.name },
        value: pc.value,
        description: pc.description,
        preemptionPolicy: 'PreemptLowerPriority',
      }),
    ),
    // The bundled ingress controller's class (k3s ships traefik's the same way), the default one.
    ensure(api, 'networking.k8s.io', 'ingressclasses', undefined, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: 'k8ts', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
      spec: { controller: 'k8ts.io/ingress' },
    }),
  ]);
  // In kube-system, made just above.
  await ensure(api, '', 'services', 'kube-system', kubeDNSService(intToIp(api.allocators.clusterIPs.alloc.base + KUBE_DNS_IP_OFFSET)));
  // The `kubernetes` service and its endpoints: KubernetesServiceController (kubernetesservice.ts).
}

/**
 * kube-public/cluster-info, as `kubeadm init` makes it (phases/bootstraptoken/clusterinfo): the
 * address joiners reach this API server at and the cluster CA, for token discovery. Made when
 * missing; its kubeconfig is written again when this server's address or CA differ from it.
 */
export async function ensureClusterInfo(api: ApiServer, server: string, caPEM: string): Promise<void> {
  const want = clusterInfoConfigMap(server, caPEM);
  const reg = api.registry('', 'configmaps')!;
  const cur = await api.getObject('', 'configmaps', CLUSTER_INFO_NAMESPACE, CLUSTER_INFO_CONFIGMAP);
  if (!cur) return ensure(api, '', 'configmaps', CLUSTER_INFO_NAMESPACE, want);
  const data = (cur.data ?? {}) as Record<string, string>;
  const wantData = want.data as Record<string, string>;
  if (data[KUBECONFIG_KEY] === wantData[KUBECONFIG_KEY]) return;
  const next = { ...cur, data: { ...data, [KUBECONFIG_KEY]: wantData[KUBECONFIG_KEY] } };
  try {
    await reg.update(CLUSTER_INFO_NAMESPACE, CLUSTER_INFO_CONFIGMAP, next, apiserverContext());
  } catch (e) {
    if (e instanceof StatusError && e.code === 409) return;
    throw e;
  }
}
