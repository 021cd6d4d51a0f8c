// The NodeRestriction admission plugin, as plugin/pkg/admission/noderestriction: what a node's
// credential (system:node:NAME) writes is its own: its Node (no taints changed, no labels outside
// the kubelet's set), its Lease, its CSINode, the status of pods bound to it (labels unchanged),
// deletion of pods bound to it, mirror pods bound to it that it owns and that name no other API
// object, and tokens bound to pods bound to it. The Node authorizer decides what it may read:
// since it reads through the pods bound to a node, a pod a node may make itself must not name a
// Secret, ConfigMap, claim or service account, or the node could read any of them.

import { errors } from '../../api/errors.js';
import { isObject, type KObject, objectsAt as list, obj } from '../../api/object.js';
import type { UserInfo } from '../authn/user.js';
import { nodeIdentity } from '../authz/node/authorizer.js';
import { podReferences } from '../authz/node/graph.js';
import type { ApiServerContext } from '../registry/context.js';
import { type AdmissionPlugin, type Attributes, forbidden } from './types.js';

const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
const nodeNameOf = (o: unknown): unknown => (isObject(o) && isObject(o.spec) ? o.spec.nodeName : undefined);

export class NodeRestriction implements AdmissionPlugin {
  readonly name = 'NodeRestriction';

  async validate(a: Attributes, api: ApiServerContext): Promise<void> {
    const { isNode, name: node } = nodeIdentity(a.user);
    if (!isNode) return;
    if (!node) throw forbidden(a, `could not determine node from user ${JSON.stringify(a.user.name)}`);
    const gr = `${a.group}/${a.resource}`;
    if (gr === '/pods') await this.pod(node, a, api);
    else if (gr === '/nodes') this.node(node, a);
    else if (gr === '/persistentvolumeclaims') this.claim(node, a);
    else if (gr === 'coordination.k8s.io/leases') this.named(node, a, 'node lease');
    else if (gr === 'storage.k8s.io/csinodes') this.named(node, a, 'CSINode');
  }

  private async pod(node: string, a: Attributes, api: ApiServerContext): Promise<void> {
    switch (a.subresource ?? '') {
      case '':
        if (a.operation === 'CREATE') return this.podCreate(node, a, api);
        if (a.operation === 'DELETE') {
          if (nodeNameOf(a.oldObject ?? a.object) !== node)
            throw forbidden(a, `node "${node}" can only delete pods with spec.nodeName set to itself`);
          return;
        }
        throw forbidden(a, `unexpected operation "${a.operation}", node "${node}" can only create and delete mirror pods`);
      case 'status':
        if (a.operation !== 'UPDATE') throw forbidden(a, `unexpected operation "${a.operation}"`);
        if (nodeNameOf(a.oldObject) !== node)
          throw forbidden(a, `node "${node}" can only update pod status for pods with spec.nodeName set to itself`);
        if (modifiedLabels(a.object.metadata.labels, a.oldObject?.metadata.labels).length)
          throw forbidden(a, `node "${node}" cannot update labels through pod status`);
        return;
      default:
        throw forbidden(a, `unexpected pod subresource "${a.subresource}", only 'status' and 'eviction' are allowed`);
    }
  }

  /**
   * admitPodCreate: a mirror pod, bound to the node, owned (as controller) by the node's own Node
   * object, naming no service account, Secret, ConfigMap or claim. Without the last rule a node
   * could make a pod naming anything in any namespace and then read it (the Node authorizer
   * follows the pods bound to a node).
   */
  private async podCreate(node: string, a: Attributes, api: ApiServerContext): Promise<void> {
    const pod = a.object;
    const ann = pod.metadata.annotations ?? {};
    if (!(MIRROR_POD_ANNOTATION in ann))
      throw forbidden(a, `pod does not have "${MIRROR_POD_ANNOTATION}" annotation, node "${node}" can only create mirror pods`);
    if (nodeNameOf(pod) !== node) throw forbidden(a, `node "${node}" can only create pods with spec.nodeName set to itself`);
    const owners = pod.metadata.ownerReferences ?? [];
    if (owners.length > 1) throw forbidden(a, `node "${node}" can only create pods with a single owner reference set to itself`);
    const owner = owners[0];
    if (owner?.apiVersion !== 'v1' || owner.kind !== 'Node' || owner.name !== node)
      throw forbidden(a, `node "${node}" can only create pods with an owner reference set to itself`);
    if (owner.controller !== true)
      throw forbidden(a, `node "${node}" can only create pods with a controller owner reference set to itself`);
    if (owner.blockOwnerDeletion === true) throw forbidden(a, `node "${node}" must not set blockOwnerDeletion on an owner reference`);
    const nodeObject = await api.getObject('', 'nodes', undefined, node);
    if (!nodeObject) throw errors.notFound('nodes', '', node);
    if (owner.uid !== nodeObject.metadata.uid)
      throw forbidden(a, `node ${node} UID mismatch: expected ${owner.uid} got ${nodeObject.metadata.uid}`);
    const spec = obj(pod.spec);
    if (spec.serviceAccountName) throw forbidden(a, `node "${node}" can not create pods that reference a service account`);
    const refs = podReferences(pod);
    if (refs.secrets.size) throw forbidden(a, `node "${node}" can not create pods that reference secrets`);
    if (refs.configmaps.size) throw forbidden(a, `node "${node}" can not create pods that reference configmaps`);
    for (const v of list(spec.volumes)) {
      if (isObject(v.projected) && list(v.projected.sources).some((src) => isObject(src.clusterTrustBundle)))
        throw forbidden(a, `node "${node}" can not create pods that reference clustertrustbundles`);
    }
    if (list(spec.volumes).some((v) => isObject(v.persistentVolumeClaim)))
      throw forbidden(a, `node "${node}" can not create pods that reference persistentvolumeclaims`);
  }

  /**
   * admitPVCStatus: a node writes only a claim's status.capacity and status.conditions (and the
   * allocated resources of volume expansion); metadata, spec and the rest of status stay as they
   * are. (Kubernetes appends a cmp.Diff of the two objects to the message; here the fields.)
   */
  private claim(node: string, a: Attributes): void {
    if (a.subresource !== 'status') throw forbidden(a, 'may only update PVC status');
    if (a.operation !== 'UPDATE' || !a.oldObject) throw forbidden(a, `unexpected operation "${a.operation}"`);
    const strip = (o: KObject): Record<string, unknown> => {
      const { resourceVersion: _rv, managedFields: _mf, ...metadata } = o.metadata;
      const { capacity: _c, conditions: _k, allocatedResources: _ar, allocatedResourceStatuses: _ars, ...status } = obj(o.status);
      return { ...o, metadata, status };
    };
    const was = strip(a.oldObject);
    const now = strip(a.object);
    const changed = [...new Set([...Object.keys(was), ...Object.keys(now)])].flatMap((k) => {
      if (k !== 'metadata' && k !== 'status') return JSON.stringify(was[k]) === JSON.stringify(now[k]) ? [] : [k];
      const x = obj(was[k]);
      const y = obj(now[k]);
      return [...new Set([...Object.keys(x), ...Object.keys(y)])]
        .filter((f) => JSON.stringify(x[f]) !== JSON.stringify(y[f]))
        .map((f) => `${k}.${f}`);
    });
    if (changed.length)
      throw forbidden(
        a,
        `node "${node}" is not allowed to update fields other than status.capacity and status.conditions: ${changed.sort().join(', ')}`,
      );
  }

  /** admitNode: its own Node; no taints changed, no labels the kubelet may not set (they steer workloads to it). */
  private node(node: string, a: Attributes): void {
    if (a.name !== node) throw forbidden(a, `node "${node}" is not allowed to modify node "${a.name}"`);
    if (a.operation === 'CREATE') {
      const bad = forbiddenLabels(modifiedLabels(a.object.metadata.labels, undefined));
      if (bad.length) throw forbidden(a, `node "${node}" is not allowed to set the following labels: ${bad.join(', ')}`);
    }
    if (a.operation === 'UPDATE' && a.oldObject) {
      const taints = (o: unknown) => JSON.stringify((isObject(o) && isObject(o.spec) ? o.spec.taints : undefined) ?? []);
      if (taints(a.object) !== taints(a.oldObject)) throw forbidden(a, `node "${node}" is not allowed to modify taints`);
      const bad = forbiddenLabels(modifiedLabels(a.object.metadata.labels, a.oldObject.metadata.labels));
      if (bad.length) throw forbidden(a, `is not allowed to modify labels: ${bad.join(', ')}`);
    }
  }

  private named(node: string, a: Attributes, what: string): void {
    if (a.resource === 'leases' && a.namespace !== 'kube-node-lease')
      throw forbidden(a, 'can only access leases in the "kube-node-lease" system namespace');
    if (a.name !== node) throw forbidden(a, `can only access ${what} with the same name as the requesting node`);
  }
}

/** getModifiedLabels: keys added, removed or changed between two label maps. */
function modifiedLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): string[] {
  const x = a ?? {},
    y = b ?? {};
  const out = new Set<string>();
  for (const k of Object.keys(x)) if (!Object.hasOwn(y, k) || x[k] !== y[k]) out.add(k);
  for (const k of Object.keys(y)) if (!Object.hasOwn(x, k) || x[k] !== y[k]) out.add(k);
  return [...out];
}

const labelNamespace = (key: string): string => (key.includes('/') ? key.slice(0, key.indexOf('/')) : '');
const inDomain = (ns: string, domain: string): boolean => ns === domain || ns.endsWith(`.${domain}`);

/** kubeletapis.IsKubeletLabel: the well-known labels a kubelet sets on its own Node, and [*.]kubelet.kubernetes.io/, [*.]node.kubernetes.io/. */
const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'kubernetes.io/os',
  'kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/arch',
]);
function isKubeletLabel(key: string): boolean {
  if (KUBELET_LABELS.has(key)) return true;
  const ns = labelNamespace(key);
  return inDomain(ns, 'kubelet.kubernetes.io') || inDomain(ns, 'node.kubernetes.io');
}

/** getForbiddenLabels, sorted as sets.String.List(): node-restriction.kubernetes.io/ labels, and kubernetes.io / k8s.io labels not the kubelet's. */
function forbiddenLabels(keys: string[]): string[] {
  return keys
    .filter((k) => {
      const ns = labelNamespace(k);
      if (inDomain(ns, 'node-restriction.kubernetes.io')) return true;
      return (inDomain(ns, 'kubernetes.io') || inDomain(ns, 'k8s.io')) && !isKubeletLabel(k);
    })
    .sort();
}

/**
 * admitServiceAccount, for serviceaccounts/token (a create handler of its own, so the token
 * request calls it): a node's token must be bound to a pod, by uid, that is bound to that node;
 * otherwise a node could mint unbound tokens for any service account its pods use.
 */
export function admitNodeTokenRequest(
  user: UserInfo,
  serviceAccount: string,
  ref: { apiVersion?: string; kind?: string; name?: string; uid?: string } | undefined,
  pod: KObject | undefined,
): void {
  const { isNode, name: node } = nodeIdentity(user);
  if (!isNode) return;
  const a = { group: '', resource: 'serviceaccounts', name: serviceAccount };
  if (!node) throw forbidden(a, `could not determine node from user ${JSON.stringify(user.name)}`);
  if (ref?.apiVersion !== 'v1' || ref.kind !== 'Pod' || !ref.name) throw forbidden(a, 'node requested token not bound to a pod');
  if (!ref.uid) throw forbidden(a, 'node requested token with a pod binding without a uid');
  if (!pod) throw errors.notFound('pods', '', ref.name);
  if (ref.uid !== pod.metadata.uid)
    throw forbidden(
      a,
      `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
    );
  if (nodeNameOf(pod) !== node) throw forbidden(a, 'node requested token bound to a pod scheduled on a different node');
}
