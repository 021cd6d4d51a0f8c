// The columns `kubectl get` shows for DaemonSets, StatefulSets, ControllerRevisions and
// ReplicationControllers, as kube-apiserver v1.32's printers declare them
// (pkg/printers/internalversion); columns.ts looks here for them (a function: the two modules
// import each other, so nothing is built until first asked for).

import { ageCol, col, D, nameCol, type PrinterColumn } from './columns.js';

const RC_SELECTOR = 'Selector is a label query over pods that should match the Replicas count. If Selector is empty, it is defaulted to the labels present on the Pod template. Label keys and values that must match in order to be controlled by this replication controller, if empty defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors';

let built: Record<string, PrinterColumn[]> | undefined;

export const appsColumns = (): Record<string, PrinterColumn[]> => (built ??= {
  'io.k8s.api.apps.v1.DaemonSet': [
    nameCol,
    col('Desired', 'integer', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/'),
    col('Current', 'integer', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/'),
    col('Ready', 'integer', 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.'),
    col('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
    col('Available', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
    col('Node Selector', 'string', "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/"),
    ageCol,
    col('Containers', 'string', D.containers, 1),
    col('Images', 'string', D.images, 1),
    col('Selector', 'string', "A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors", 1),
  ],
  'io.k8s.api.apps.v1.StatefulSet': [
    nameCol,
    col('Ready', 'string', 'Number of the pod with ready state'),
    ageCol,
    col('Containers', 'string', D.containers, 1),
    col('Images', 'string', D.images, 1),
  ],
  'io.k8s.api.apps.v1.ControllerRevision': [
    nameCol,
    col('Controller', 'string', 'Controller of the object'),
    col('Revision', 'string', 'Revision indicates the revision of the state represented by Data.'),
    ageCol,
  ],
  'io.k8s.api.core.v1.ReplicationController': [
    nameCol,
    col('Desired', 'integer', 'Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller'),
    col('Current', 'integer', 'Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller'),
    col('Ready', 'integer', 'The number of ready replicas for this replication controller.'),
    ageCol,
    col('Containers', 'string', D.containers, 1),
    col('Images', 'string', D.images, 1),
    col('Selector', 'string', RC_SELECTOR, 1),
  ],
});
