// Node and pod builders for the scheduler's tests and benchmark.

import type { Node, Pod, Taint, Toleration } from '../api/types.js';

export interface NodeOptions {
  cpu?: string;
  memory?: string;
  pods?: number;
  ephemeralStorage?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  /** Ready condition status (default 'True'). */
  ready?: 'True' | 'False' | 'Unknown';
  extra?: Record<string, string>;
}

export function makeNode(name: string, o: NodeOptions = {}): Node {
  const allocatable: Record<string, string> = {
    cpu: o.cpu ?? '4',
    memory: o.memory ?? '8Gi',
    pods: String(o.pods ?? 110),
    'ephemeral-storage': o.ephemeralStorage ?? '100Gi',
    ...(o.extra ?? {}),
  };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', ...(o.labels ?? {}) } },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: {
      capacity: { ...allocatable },
      allocatable,
      conditions: [{ type: 'Ready', status: o.ready ?? 'True' }],
    },
  };
}

export interface PodOptions {
  namespace?: string;
  cpu?: string;
  memory?: string;
  labels?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  hostPort?: number;
  priority?: number;
  owner?: { kind: string; name: string; uid: string; apiVersion?: string };
  uid?: string;
  nodeName?: string;
  affinity?: NonNullable<Pod['spec']>['affinity'];
}

export function makePod(name: string, o: PodOptions = {}): Pod {
  const requests: Record<string, string> = {};
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: o.namespace ?? 'default',
      uid: o.uid ?? `uid-${name}`,
      labels: o.labels ?? {},
      ...(o.owner
        ? {
            ownerReferences: [
              { apiVersion: o.owner.apiVersion ?? 'apps/v1', kind: o.owner.kind, name: o.owner.name, uid: o.owner.uid, controller: true },
            ],
          }
        : {}),
    },
    spec: {
      schedulerName: 'default-scheduler',
      ...(o.nodeName ? { nodeName: o.nodeName } : {}),
      ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
      ...(o.tolerations ? { tolerations: o.tolerations } : {}),
      ...(o.affinity ? { affinity: o.affinity } : {}),
      ...(o.priority !== undefined ? { priority: o.priority } : {}),
      containers: [
        {
          name: 'c',
          image: 'busybox',
          ...(Object.keys(requests).length ? { resources: { requests } } : {}),
          ...(o.hostPort ? { ports: [{ containerPort: 80, hostPort: o.hostPort }] } : {}),
        },
      ],
    },
  };
}

/** A pod as sent to the API server (no uid: the server assigns it). */
export function podForCreate(name: string, o: PodOptions = {}): Pod {
  const p = makePod(name, o);
  delete p.metadata.uid;
  return p;
}
