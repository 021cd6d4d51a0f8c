// metrics.k8s.io/v1beta1 (k8s.io/metrics): NodeMetrics, PodMetrics and ContainerMetrics, the
// resource usage metrics-server serves. Field numbers from k8s.io/metrics
// pkg/apis/metrics/v1beta1/generated.proto.

import type { GroupVersionKind, TypeDef } from './types.js';

const m = (name: string): string => `io.k8s.metrics.pkg.apis.metrics.v1beta1.${name}`;
const meta = (name: string): string => `io.k8s.apimachinery.pkg.apis.meta.v1.${name}`;
const gvk = (kind: string): GroupVersionKind[] => [{ group: 'metrics.k8s.io', version: 'v1beta1', kind }];

export const METRICS_V1BETA1_TYPES: TypeDef[] = [
  {
    name: m('NodeMetrics'),
    description: 'NodeMetrics sets resource usage metrics of a node.',
    gvk: gvk('NodeMetrics'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), description: "Standard object's metadata." },
      { json: 'timestamp', proto: 2, type: 'Time', keepZero: true, required: true, description: 'The following fields define time interval from which metrics were collected from the interval [Timestamp-Window, Timestamp].' },
      { json: 'window', proto: 3, type: 'Duration', keepZero: true, required: true, description: 'The window of time the usage was averaged over.' },
      { json: 'usage', proto: 4, type: 'Quantity', map: true, required: true, description: 'The memory usage is the memory working set.' },
    ],
  },
  {
    name: m('NodeMetricsList'),
    description: 'NodeMetricsList is a list of NodeMetrics.',
    gvk: gvk('NodeMetricsList'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ListMeta'), description: 'Standard list metadata.' },
      { json: 'items', proto: 2, type: m('NodeMetrics'), list: true, required: true, description: 'List of node metrics.' },
    ],
  },
  {
    name: m('PodMetrics'),
    description: 'PodMetrics sets resource usage metrics of a pod.',
    gvk: gvk('PodMetrics'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), description: "Standard object's metadata." },
      { json: 'timestamp', proto: 2, type: 'Time', keepZero: true, required: true, description: 'The following fields define time interval from which metrics were collected from the interval [Timestamp-Window, Timestamp].' },
      { json: 'window', proto: 3, type: 'Duration', keepZero: true, required: true, description: 'The window of time the usage was averaged over.' },
      { json: 'containers', proto: 4, type: m('ContainerMetrics'), list: true, required: true, description: 'Metrics for all containers are collected within the same time window.' },
    ],
  },
  {
    name: m('PodMetricsList'),
    description: 'PodMetricsList is a list of PodMetrics.',
    gvk: gvk('PodMetricsList'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ListMeta'), description: 'Standard list metadata.' },
      { json: 'items', proto: 2, type: m('PodMetrics'), list: true, required: true, description: 'List of pod metrics.' },
    ],
  },
  {
    name: m('ContainerMetrics'),
    description: 'ContainerMetrics sets resource usage metrics of a container.',
    fields: [
      { json: 'name', proto: 1, type: 'string', keepZero: true, required: true, description: 'Container name corresponding to the one from pod.spec.containers.' },
      { json: 'usage', proto: 2, type: 'Quantity', map: true, required: true, description: 'The memory usage is the memory working set.' },
    ],
  },
];
