// Nodes, as kube-apiserver's pkg/registry/core/node: registered by their node agents, which
// then write status (conditions, addresses, capacity) through the status subresource; the
// API server relays node proxy requests. The printer is printNode.

import type { KObject } from '../../../api/object.js';
import { defaultNode } from '../../../api/defaults.js';
import { validateNodeCreate, validateNodeUpdate } from '../../../api/validation.js';
import { a, ageCol, col, D, nameCol, o, s, timestampSince, type Obj, type Printer } from '../../tables.js';
import { defineResource } from '../rest.js';
import { keepStatus, statusStrategy as statusOf, type Strategy } from '../strategy.js';

// A node agent registers its node with its status, so a create keeps it; later updates of the
// node itself keep the stored status.
export const strategy: Strategy = {
  fieldLabels: ['spec.unschedulable'],
  defaults: defaultNode,
  prepareForUpdate: keepStatus,
  validate: validateNodeCreate,
  validateUpdate: validateNodeUpdate,
};

export const statusStrategy = statusOf(validateNodeUpdate);

/** ROLES: node-role.kubernetes.io/<role> label keys and the kubernetes.io/role label's value. */
function nodeRoles(node: KObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role !== '') roles.add(role);
    } else if (k === 'kubernetes.io/role' && v !== '') {
      roles.add(v);
    }
  }
  return roles.size === 0 ? '<none>' : [...roles].sort().join(',');
}

function nodeAddress(node: KObject, type: string): string {
  const ad = a(o(node.status).addresses).map(o).find((x) => x.type === type);
  return ad ? s(ad.address) : '<none>';
}

export const printer: Printer = {
  columns: [
    nameCol,
    col('Status', 'string', 'The status of the node'),
    col('Roles', 'string', 'The roles of the node'),
    ageCol,
    col('Version', 'string', 'Kubelet Version reported by the node.'),
    col('Internal-IP', 'string', D.nodeAddresses, 1),
    col('External-IP', 'string', D.nodeAddresses, 1),
    col('OS-Image', 'string', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
    col('Kernel-Version', 'string', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
    col('Container-Runtime', 'string', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
  ],
  row(node, now) {
    const status = o(node.status);
    // Only the Ready condition makes the STATUS column; the last one of that type wins.
    let ready: Obj | undefined;
    for (const c of a(status.conditions).map(o)) if (c.type === 'Ready') ready = c;
    const parts = [ready === undefined ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady'];
    if (o(node.spec).unschedulable === true) parts.push('SchedulingDisabled');
    const info = o(status.nodeInfo);
    return {
      cells: [
        s(node.metadata.name), parts.join(','), nodeRoles(node), timestampSince(node.metadata.creationTimestamp, now), s(info.kubeletVersion),
        nodeAddress(node, 'InternalIP'), nodeAddress(node, 'ExternalIP'),
        s(info.osImage) || '<unknown>', s(info.kernelVersion) || '<unknown>', s(info.containerRuntimeVersion) || '<unknown>',
      ],
    };
  },
};

export const resource = defineResource({
  info: { group: '', version: 'v1', resource: 'nodes', kind: 'Node', namespaced: false, schema: 'io.k8s.api.core.v1.Node', shortNames: ['no'] },
  strategy,
  subresources: {
    status: { kind: 'Node', verbs: ['get', 'patch', 'update'], rest: { type: 'update', strategy: statusStrategy } },
    proxy: { kind: 'NodeProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'], rest: { type: 'connect' } },
  },
  printer,
});
