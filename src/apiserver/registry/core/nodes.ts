// Nodes, as kube-apiserver's pkg/registry/core/node: registered by their node agents, which
// then write status (conditions, addresses, capacity) through the status subresource; the
// API server relays node proxy requests. The printer is printNode.

import { defaultNode } from '../../../api/defaults.js';
import type { KObject } from '../../../api/object.js';
import { printerColumns } from '../../../api/schema/columns.js';
import { validateNodeCreate, validateNodeUpdate } from '../../../api/validation.js';
import { a, type Obj, o, type Printer, s, timestampSince } from '../../tables.js';
import { defineResource, statusSubresource } from '../rest.js';
import { keepStatus, type Strategy, statusStrategy as statusOf } from '../strategy.js';

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
  const ad = a(o(node.status).addresses)
    .map(o)
    .find((x) => x.type === type);
  return ad ? s(ad.address) : '<none>';
}

export const printer: Printer = {
  columns: printerColumns('io.k8s.api.core.v1.Node'),
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
        s(node.metadata.name),
        parts.join(','),
        nodeRoles(node),
        timestampSince(node.metadata.creationTimestamp, now),
        s(info.kubeletVersion),
        nodeAddress(node, 'InternalIP'),
        nodeAddress(node, 'ExternalIP'),
        s(info.osImage) || '<unknown>',
        s(info.kernelVersion) || '<unknown>',
        s(info.containerRuntimeVersion) || '<unknown>',
      ],
    };
  },
};

export const resource = defineResource({
  info: {
    group: '',
    version: 'v1',
    resource: 'nodes',
    kind: 'Node',
    namespaced: false,
    schema: 'io.k8s.api.core.v1.Node',
    shortNames: ['no'],
  },
  strategy,
  subresources: {
    status: statusSubresource('Node', statusStrategy),
    proxy: { kind: 'NodeProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'], rest: { type: 'connect' } },
  },
  printer,
});
