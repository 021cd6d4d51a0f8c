// Server-side printing: the meta.k8s.io Table that `kubectl get` asks for with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`. kubectl prints these cells as
// they come, so the columns and every cell's text are those of kube-apiserver v1.32's
// printers (pkg/printers/internalversion). Like the real server, rows always carry the
// wide (priority 1) cells; kubectl drops those columns itself unless `-o wide`.

import { labelSelectorString } from '../api/labels.js';
import type { ResourceInfo } from '../api/resources.js';
import { apiVersionOf, isObject, type KObject, type ObjectMeta } from '../api/object.js';

export interface TableColumnDefinition { name: string; type: string; format: string; description: string; priority: number }
export interface TableRowCondition { type: string; status: string; reason?: string; message?: string }
export interface TableRow { cells: unknown[]; object?: unknown; conditions?: unknown[] }
export interface Table {
  kind: 'Table';
  /** meta.k8s.io/v1 unless the client negotiated the older v1beta1 Table. */
  apiVersion: 'meta.k8s.io/v1' | 'meta.k8s.io/v1beta1';
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface BuildTableOptions {
  /**
   * What each row embeds; without the includeObject parameter the API embeds 'Metadata'.
   * kubectl asks for 'Object' only with --sort-by, to read the objects with jsonpath.
   */
  includeObject?: IncludeObject;
  /** The list's metadata for a list; without it a single object's resourceVersion is used (as for a GET). */
  listMeta?: Table['metadata'];
  /** The clock AGE and other durations are measured against. */
  now?: Date;
  /**
   * The Table's own group version as negotiated: 'meta.k8s.io/v1' (default) or 'meta.k8s.io/v1beta1'.
   * PartialObjectMetadata rows carry the same group version, as kube-apiserver does.
   */
  apiVersion?: string;
  /** TableOptions.noHeaders: the server leaves the column definitions out. */
  noHeaders?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Reading plain JSON objects without trusting their shape.

type Obj = Record<string, unknown>;
const o = (v: unknown): Obj => (isObject(v) ? v : {});
const a = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const s = (v: unknown): string => (typeof v === 'string' ? v : '');
const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0);
const keys = (v: unknown): string[] => Object.keys(o(v));

// ---------------------------------------------------------------------------------------------
// Durations, as k8s.io/apimachinery/pkg/util/duration.HumanDuration prints them.

/** HumanDuration: about two significant figures, from seconds up to years. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  // A couple of seconds in the future still reads as "now": clocks of machines drift.
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const sec = seconds % 60;
    return sec === 0 ? `${minutes}m` : `${minutes}m${sec}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const min = minutes % 60;
    return min === 0 ? `${hours}h` : `${hours}h${min}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.trunc(hours / 24);
    const dy = days % 365;
    return dy === 0 ? `${Math.trunc(days / 365)}y` : `${Math.trunc(days / 365)}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** Milliseconds since the epoch of a metav1.Time / MicroTime, or undefined for a missing or zero time. */
function parseTime(v: unknown): number | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  const t = Date.parse(v);
  // Go's zero time (0001-01-01T00:00:00Z) is how an unset time round-trips through JSON.
  if (Number.isNaN(t) || v.startsWith('0001-01-01T00:00:00')) return undefined;
  return t;
}

/** translateTimestampSince: the age of a timestamp, '<unknown>' when it is unset. */
export function timestampSince(v: unknown, now: Date): string {
  const t = parseTime(v);
  return t === undefined ? '<unknown>' : humanDuration(now.getTime() - t);
}

// ---------------------------------------------------------------------------------------------
// Label formatting, as labels.FormatLabels and metav1.LabelSelectorAsSelector(...).String().

function formatLabels(m: unknown): string {
  const ks = keys(m).sort();
  if (ks.length === 0) return '<none>';
  const map = o(m);
  return ks.map((k) => `${k}=${s(map[k])}`).join(',');
}

/** metav1.FormatLabelSelector: '<none>' for an empty selector, '<error>' for an invalid one. */
function formatLabelSelector(sel: unknown): string {
  const str = labelSelectorString(sel);
  if (str === undefined) return '<error>';
  return str === '' ? '<none>' : str;
}

/** Containers laid out on one line: names and images, comma separated. */
function containerCells(podSpec: unknown): [string, string] {
  const cs = a(o(podSpec).containers).map(o);
  return [cs.map((c) => s(c.name)).join(','), cs.map((c) => s(c.image)).join(',')];
}

// ---------------------------------------------------------------------------------------------
// Column descriptions: the API documentation of the field each column shows.

const D = {
  name: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  creationTimestamp: 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
  containers: 'Names of each container in the template.',
  images: 'Images referenced by each container in the template.',
  nodeAddresses: "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/concepts/nodes/node/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).",
};

function col(name: string, type: string, description: string, priority = 0, format = ''): TableColumnDefinition {
  return { name, type, format, description, priority };
}
const nameCol = col('Name', 'string', D.name, 0, 'name');
const ageCol = col('Age', 'string', D.creationTimestamp);

// ---------------------------------------------------------------------------------------------
// One printer per resource: its columns and the cells of one object's row.

interface Printer {
  columns: TableColumnDefinition[];
  row(obj: KObject, now: Date): { cells: unknown[]; conditions?: TableRowCondition[] };
}

const podPrinter: Printer = {
  columns: [
    nameCol,
    col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'string', 'The aggregate status of the containers in this pod.'),
    col('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    ageCol,
    col('IP', 'string', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', 1),
    col('Node', 'string', 'NodeName is a request to schedule this pod onto a specific node. If it is non-empty, the scheduler simply schedules this pod onto that node, assuming that it fits resource requirements.', 1),
    col('Nominated Node', 'string', 'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.', 1),
    col('Readiness Gates', 'string', 'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates', 1),
  ],
  row: podRow,
};

/** The row of printPod: READY, STATUS and RESTARTS summarise the containers' states. */
function podRow(pod: KObject, now: Date): { cells: unknown[]; conditions?: TableRowCondition[] } {
  const spec = o(pod.spec);
  const status = o(pod.status);
  const conditions = a(status.conditions).map(o);
  const specInit = a(spec.initContainers).map(o);
  const isSidecar = (c: Obj | undefined): boolean => c !== undefined && c.restartPolicy === 'Always';

  let restarts = 0;
  let sidecarRestarts = 0;
  let totalContainers = a(spec.containers).length;
  let readyContainers = 0;
  let lastRestart: number | undefined;
  let lastSidecarRestart: number | undefined;
  const later = (cur: number | undefined, t: number | undefined): number | undefined =>
    t !== undefined && (cur === undefined || t > cur) ? t : cur;
  // When a container last died: the time its previous run finished.
  const finishedAt = (cs: Obj): number | undefined => parseTime(o(o(cs.lastState).terminated).finishedAt);

  const phase = s(status.phase);
  let reason = s(status.reason) || phase;
  // A pod held back by scheduling gates says so rather than Pending.
  for (const c of conditions) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  let rowConditions: TableRowCondition[] | undefined;
  if (phase === 'Succeeded') rowConditions = [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
  else if (phase === 'Failed') rowConditions = [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];

  const initByName = new Map<string, Obj>();
  for (const c of specInit) {
    initByName.set(s(c.name), c);
    if (isSidecar(c)) totalContainers++;
  }

  let initializing = false;
  const initStatuses = a(status.initContainerStatuses).map(o);
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i];
    const sidecar = isSidecar(initByName.get(s(cs.name)));
    restarts += n(cs.restartCount);
    lastRestart = later(lastRestart, finishedAt(cs));
    if (sidecar) {
      sidecarRestarts += n(cs.restartCount);
      lastSidecarRestart = later(lastSidecarRestart, finishedAt(cs));
    }
    const state = o(cs.state);
    const terminated = isObject(state.terminated) ? state.terminated : undefined;
    const waiting = isObject(state.waiting) ? state.waiting : undefined;
    if (terminated && n(terminated.exitCode) === 0) continue;
    if (sidecar && cs.started === true) {
      if (cs.ready === true) readyContainers++;
      continue;
    }
    if (terminated) {
      if (s(terminated.reason) === '') {
        reason = n(terminated.signal) !== 0 ? `Init:Signal:${n(terminated.signal)}` : `Init:ExitCode:${n(terminated.exitCode)}`;
      } else {
        reason = `Init:${s(terminated.reason)}`;
      }
    } else if (waiting && s(waiting.reason) !== '' && waiting.reason !== 'PodInitializing') {
      reason = `Init:${s(waiting.reason)}`;
    } else {
      reason = `Init:${i}/${specInit.length}`;
    }
    initializing = true;
    break;
  }

  const initializedTrue = conditions.find((c) => c.type === 'Initialized')?.status === 'True';
  if (!initializing || initializedTrue) {
    // Once initialised, only sidecars' restarts count among the init containers'.
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = a(status.containerStatuses).map(o);
    // Backwards, so that the first container's state has the last word.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i];
      restarts += n(cs.restartCount);
      lastRestart = later(lastRestart, finishedAt(cs));
      const state = o(cs.state);
      const terminated = isObject(state.terminated) ? state.terminated : undefined;
      const waiting = isObject(state.waiting) ? state.waiting : undefined;
      if (waiting && s(waiting.reason) !== '') {
        reason = s(waiting.reason);
      } else if (terminated && s(terminated.reason) !== '') {
        reason = s(terminated.reason);
      } else if (terminated) {
        reason = n(terminated.signal) !== 0 ? `Signal:${n(terminated.signal)}` : `ExitCode:${n(terminated.exitCode)}`;
      } else if (cs.ready === true && isObject(state.running)) {
        hasRunning = true;
        readyContainers++;
      }
    }
    // One container completed while another still runs: the pod is not Completed.
    if (reason === 'Completed' && hasRunning) {
      reason = conditions.some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
    }
  }

  const deleting = typeof pod.metadata.deletionTimestamp === 'string' && pod.metadata.deletionTimestamp !== '';
  if (deleting && s(status.reason) === 'NodeLost') reason = 'Unknown';
  else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  let restartsCell = String(restarts);
  if (restarts !== 0 && lastRestart !== undefined) restartsCell = `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)`;

  const podIPs = a(status.podIPs).map(o);
  const podIP = (podIPs.length > 0 ? s(podIPs[0].ip) : s(status.podIP)) || '<none>';
  const nodeName = s(spec.nodeName) || '<none>';
  const nominated = s(status.nominatedNodeName) || '<none>';
  let readinessGates = '<none>';
  const gates = a(spec.readinessGates).map(o);
  if (gates.length > 0) {
    let trueConditions = 0;
    for (const g of gates) {
      const c = conditions.find((x) => x.type === g.conditionType);
      if (c?.status === 'True') trueConditions++;
    }
    readinessGates = `${trueConditions}/${gates.length}`;
  }

  return {
    cells: [
      s(pod.metadata.name), `${readyContainers}/${totalContainers}`, reason, restartsCell, timestampSince(pod.metadata.creationTimestamp, now),
      podIP, nodeName, nominated, readinessGates,
    ],
    conditions: rowConditions,
  };
}

const deploymentPrinter: Printer = {
  columns: [
    nameCol,
    col('Ready', 'string', 'Number of the pod with ready state'),
    col('Up-to-date', 'string', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
    col('Available', 'string', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
    ageCol,
    col('Containers', 'string', D.containers, 1),
    col('Images', 'string', D.images, 1),
    col('Selector', 'string', "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels.", 1),
  ],
  row(d, now) {
    const spec = o(d.spec), status = o(d.status);
    const desired = typeof spec.replicas === 'number' ? n(spec.replicas) : 1;
    const [names, images] = containerCells(o(spec.template).spec);
    return {
      cells: [
        s(d.metadata.name), `${n(status.readyReplicas)}/${desired}`, n(status.updatedReplicas), n(status.availableReplicas),
        timestampSince(d.metadata.creationTimestamp, now), names, images, labelSelectorString(spec.selector) ?? '<invalid>',
      ],
    };
  },
};

const replicaSetPrinter: Printer = {
  columns: [
    nameCol,
    col('Desired', 'integer', 'Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller'),
    col('Current', 'integer', 'Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller'),
    col('Ready', 'integer', 'readyReplicas is the number of pods targeted by this ReplicaSet with a Ready Condition.'),
    ageCol,
    col('Containers', 'string', D.containers, 1),
    col('Images', 'string', D.images, 1),
    col('Selector', 'string', "Selector is a label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors", 1),
  ],
  row(rs, now) {
    const spec = o(rs.spec), status = o(rs.status);
    const desired = typeof spec.replicas === 'number' ? n(spec.replicas) : 1;
    const [names, images] = containerCells(o(spec.template).spec);
    return {
      cells: [
        s(rs.metadata.name), desired, n(status.replicas), n(status.readyReplicas), timestampSince(rs.metadata.creationTimestamp, now),
        names, images, formatLabelSelector(spec.selector),
      ],
    };
  },
};

/** The load balancer's ingress points, sorted and de-duplicated (sets.String.List()). */
function loadBalancerIngress(svc: KObject): string {
  const out = new Set<string>();
  for (const ing of a(o(o(svc.status).loadBalancer).ingress).map(o)) {
    if (s(ing.ip) !== '') out.add(s(ing.ip));
    else if (s(ing.hostname) !== '') out.add(s(ing.hostname));
  }
  return [...out].sort().join(',');
}

/**
 * EXTERNAL-IP. The server prints wide, so a long load balancer list is never clipped to
 * 16 characters here (the clipping only happens for a server's non-wide output).
 */
function serviceExternalIP(svc: KObject): string {
  const spec = o(svc.spec);
  const externalIPs = a(spec.externalIPs).map(s);
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerIngress(svc);
      if (externalIPs.length > 0) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',');
      return lb !== '' ? lb : '<pending>';
    }
    case 'ExternalName':
      return s(spec.externalName);
    default:
      return '<unknown>';
  }
}

function servicePorts(spec: Obj): string {
  const text = a(spec.ports).map(o).map((p) => {
    const protocol = s(p.protocol) || 'TCP';
    return n(p.nodePort) > 0 ? `${n(p.port)}:${n(p.nodePort)}/${protocol}` : `${n(p.port)}/${protocol}`;
  }).join(',');
  return text === '' ? '<none>' : text;
}

const servicePrinter: Printer = {
  columns: [
    nameCol,
    col('Type', 'string', 'type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer. "ClusterIP" allocates a cluster-internal IP address for load-balancing to endpoints. Endpoints are determined by the selector or if that is not specified, by manual construction of an Endpoints object or EndpointSlice objects. If clusterIP is "None", no virtual IP is allocated and the endpoints are published as a set of endpoints rather than a virtual IP. "NodePort" builds on ClusterIP and allocates a port on every node which routes to the same endpoints as the clusterIP. "LoadBalancer" builds on NodePort and creates an external load-balancer (if supported in the current cloud) which routes to the same endpoints as the clusterIP. "ExternalName" aliases this service to the specified externalName. Several other fields do not apply to ExternalName services. More info: https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types'),
    col('Cluster-IP', 'string', 'clusterIP is the IP address of the service and is usually assigned randomly. If an address is specified manually, is in-range (as per system configuration), and is not in use, it will be allocated to the service; otherwise creation of the service will fail. This field may not be changed through updates unless the type field is also being changed to ExternalName (which requires this field to be blank) or the type field is being changed from ExternalName (in which case this field may optionally be specified, as describe above).  Valid values are "None", empty string (""), or a valid IP address. Setting this to "None" makes a "headless service" (no virtual IP), which is useful when direct endpoint connections are preferred and proxying is not required.  Only applies to types ClusterIP, NodePort, and LoadBalancer. If this field is specified when creating a Service of type ExternalName, creation will fail. This field will be wiped when updating a Service to type ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies'),
    col('External-IP', 'string', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.  These IPs are not managed by Kubernetes.  The user is responsible for ensuring that traffic arrives at a node with this IP.  A common example is external load-balancers that are not part of the Kubernetes system.'),
    col('Port(s)', 'string', 'The list of ports that are exposed by this service. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies'),
    ageCol,
    col('Selector', 'string', 'Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/', 1),
  ],
  row(svc, now) {
    const spec = o(svc.spec);
    const clusterIPs = a(spec.clusterIPs).map(s);
    const clusterIP = (clusterIPs.length > 0 ? clusterIPs[0] : s(spec.clusterIP)) || '<none>';
    return {
      cells: [
        s(svc.metadata.name), s(spec.type), clusterIP, serviceExternalIP(svc), servicePorts(spec),
        timestampSince(svc.metadata.creationTimestamp, now), formatLabels(spec.selector),
      ],
    };
  },
};

/** host:port as net.JoinHostPort writes it (IPv6 in brackets). */
const joinHostPort = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** At most three entries, then "+ N more...". */
function listWithMore(list: string[], count: number, max: number, empty: string): string {
  const text = list.slice(0, max).join(',');
  if (count > max) return `${text} + ${count - max} more...`;
  return text === '' ? empty : text;
}

function formatEndpoints(ep: KObject): string {
  const subsets = a(ep.subsets).map(o);
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  let count = 0;
  for (const ss of subsets) {
    const addrs = a(ss.addresses).map(o);
    const ports = a(ss.ports).map(o);
    if (ports.length === 0) {
      // Headless services may have no ports.
      count += addrs.length;
      for (const ad of addrs) list.push(s(ad.ip));
      continue;
    }
    for (const p of ports) {
      count += addrs.length;
      for (const ad of addrs) list.push(joinHostPort(s(ad.ip), n(p.port)));
    }
  }
  const text = list.slice(0, 3).join(',');
  return count > 3 ? `${text} + ${count - 3} more...` : text;
}

const endpointsPrinter: Printer = {
  columns: [
    nameCol,
    col('Endpoints', 'string', 'The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service.'),
    ageCol,
  ],
  row: (ep, now) => ({ cells: [s(ep.metadata.name), formatEndpoints(ep), timestampSince(ep.metadata.creationTimestamp, now)] }),
};

const endpointSlicePrinter: Printer = {
  columns: [
    nameCol,
    col('AddressType', 'string', 'addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name.'),
    col('Ports', 'string', 'ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. When ports is empty, it indicates that there are no defined ports. When a port is defined with a nil port value, it indicates "all ports". Each slice may include a maximum of 100 ports.'),
    col('Endpoints', 'string', 'endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints.'),
    ageCol,
  ],
  row(es, now) {
    const ports = a(es.ports).map(o).map((p) => (typeof p.port === 'number' ? String(n(p.port)) : typeof p.name === 'string' ? p.name : '*'));
    const addrs = a(es.endpoints).flatMap((e) => a(o(e).addresses).map(s));
    return {
      cells: [
        s(es.metadata.name), s(es.addressType), listWithMore(ports, ports.length, 3, '<unset>'), listWithMore(addrs, addrs.length, 3, '<unset>'),
        timestampSince(es.metadata.creationTimestamp, now),
      ],
    };
  },
};

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

const nodePrinter: Printer = {
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


const namespacePrinter: Printer = {
  columns: [nameCol, col('Status', 'string', 'The status of the namespace'), ageCol],
  row: (ns, now) => ({ cells: [s(ns.metadata.name), s(o(ns.status).phase), timestampSince(ns.metadata.creationTimestamp, now)] }),
};

const eventPrinter: Printer = {
  // The order of the real server: wide columns sit between and after the default ones.
  columns: [
    col('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
    col('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future'),
    col('Reason', 'string', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
    col('Object', 'string', 'The object that this event is about.'),
    col('Subobject', 'string', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: "spec.containers{name}" (where "name" refers to the name of the container that triggered the event) or if no container name is specified "spec.containers[2]" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.', 1),
    col('Source', 'string', 'The component reporting this event. Should be a short machine understandable string.', 1),
    col('Message', 'string', 'A human-readable description of the status of this operation.'),
    col('First Seen', 'string', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', 1),
    col('Count', 'string', 'The number of times this event has occurred.', 1),
    col('Name', 'string', D.name, 1, 'name'),
  ],
  row(ev, now) {
    const firstSeen = parseTime(ev.firstTimestamp) !== undefined ? timestampSince(ev.firstTimestamp, now) : timestampSince(ev.eventTime, now);
    let lastSeen = parseTime(ev.lastTimestamp) !== undefined ? timestampSince(ev.lastTimestamp, now) : firstSeen;
    let count = n(ev.count);
    if (isObject(ev.series)) {
      lastSeen = timestampSince(ev.series.lastObservedTime, now);
      count = n(ev.series.count);
    } else if (count === 0) {
      count = 1; // events of the events.k8s.io API leave count unset for a single occurrence
    }
    const involved = o(ev.involvedObject);
    const kind = s(involved.kind).toLowerCase();
    const target = s(involved.name) !== '' ? `${kind}/${s(involved.name)}` : kind;
    const source = o(ev.source);
    const component = s(source.component) || s(ev.reportingComponent);
    const host = s(source.host) || s(ev.reportingInstance);
    return {
      cells: [
        lastSeen, s(ev.type), s(ev.reason), target, s(involved.fieldPath), host === '' ? component : `${component}, ${host}`,
        s(ev.message).trim(), firstSeen, count, s(ev.metadata.name),
      ],
    };
  },
};

const configMapPrinter: Printer = {
  columns: [nameCol, col('Data', 'string', "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process."), ageCol],
  row: (cm, now) => ({ cells: [s(cm.metadata.name), keys(cm.data).length + keys(cm.binaryData).length, timestampSince(cm.metadata.creationTimestamp, now)] }),
};

const secretPrinter: Printer = {
  columns: [
    nameCol,
    col('Type', 'string', 'Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types'),
    col('Data', 'string', "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4"),
    ageCol,
  ],
  row(sec, now) {
    // stringData is write-only and merged into data; count a key present in both once.
    const dataKeys = new Set([...keys(sec.data), ...keys(sec.stringData)]);
    return { cells: [s(sec.metadata.name), s(sec.type), dataKeys.size, timestampSince(sec.metadata.creationTimestamp, now)] };
  },
};

const serviceAccountPrinter: Printer = {
  columns: [nameCol, col('Secrets', 'string', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. Pods are only limited to this list if this service account has a "kubernetes.io/enforce-mountable-secrets" annotation set to "true". This field should not be used to find auto-generated service account token secrets for use outside of pods. Instead, tokens can be requested directly using the TokenRequest API, or service account token secrets can be manually created. More info: https://kubernetes.io/docs/concepts/configuration/secret'), ageCol],
  row: (sa, now) => ({ cells: [s(sa.metadata.name), a(sa.secrets).length, timestampSince(sa.metadata.creationTimestamp, now)] }),
};

const leasePrinter: Printer = {
  columns: [nameCol, col('Holder', 'string', 'holderIdentity contains the identity of the holder of a current lease.'), ageCol],
  row: (l, now) => ({ cells: [s(l.metadata.name), s(o(l.spec).holderIdentity), timestampSince(l.metadata.creationTimestamp, now)] }),
};

/** The generic registry's table for resources without printers: NAME and the creation time. */
const defaultPrinter: Printer = {
  columns: [nameCol, col('Created At', 'date', D.creationTimestamp)],
  row(obj) {
    // Go formats an unset time as its zero time.
    const t = parseTime(obj.metadata.creationTimestamp);
    const created = t === undefined ? '0001-01-01T00:00:00Z' : new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return { cells: [s(obj.metadata.name), created] };
  },
};

const PRINTERS: Record<string, Printer> = {
  '/pods': podPrinter,
  'apps/deployments': deploymentPrinter,
  'apps/replicasets': replicaSetPrinter,
  '/services': servicePrinter,
  '/endpoints': endpointsPrinter,
  '/nodes': nodePrinter,
  '/namespaces': namespacePrinter,
  '/events': eventPrinter,
  '/configmaps': configMapPrinter,
  '/secrets': secretPrinter,
  '/serviceaccounts': serviceAccountPrinter,
  'coordination.k8s.io/leases': leasePrinter,
  'discovery.k8s.io/endpointslices': endpointSlicePrinter,
};

function printerFor(ri: Pick<ResourceInfo, 'group' | 'resource'>): Printer {
  return PRINTERS[`${ri.group}/${ri.resource}`] ?? defaultPrinter;
}

/** The column definitions the server returns for a resource (all priorities). */
export function tableColumns(ri: Pick<ResourceInfo, 'group' | 'resource'>): TableColumnDefinition[] {
  return printerFor(ri).columns.map((c) => ({ ...c }));
}

// ---------------------------------------------------------------------------------------------

function partialObjectMetadata(meta: ObjectMeta, apiVersion: string): unknown {
  return { kind: 'PartialObjectMetadata', apiVersion, metadata: meta };
}

/**
 * The Table for a list (or a single object) of one resource, as kube-apiserver answers a
 * request with `Accept: application/json;as=Table;g=meta.k8s.io;v=v1`.
 */
export function buildTable(ri: ResourceInfo, objects: KObject[], opts: BuildTableOptions = {}): Table {
  const now = opts.now ?? new Date();
  const include = opts.includeObject ?? 'Metadata';
  const tableApiVersion: Table['apiVersion'] = opts.apiVersion === 'meta.k8s.io/v1beta1' ? 'meta.k8s.io/v1beta1' : 'meta.k8s.io/v1';
  const objectApiVersion = apiVersionOf(ri.group, ri.version);
  const printer = printerFor(ri);

  const rows: TableRow[] = objects.map((obj) => {
    const r = printer.row(obj, now);
    const row: TableRow = { cells: r.cells };
    if (r.conditions) row.conditions = r.conditions;
    if (include === 'Object') row.object = { ...obj, apiVersion: obj.apiVersion ?? objectApiVersion, kind: obj.kind ?? ri.kind };
    else if (include === 'Metadata') row.object = partialObjectMetadata(obj.metadata, tableApiVersion);
    return row;
  });

  const metadata: Table['metadata'] = {};
  const lm = opts.listMeta ?? (objects.length === 1 ? { resourceVersion: objects[0].metadata.resourceVersion } : {});
  if (lm.resourceVersion !== undefined) metadata.resourceVersion = lm.resourceVersion;
  if (lm.continue) metadata.continue = lm.continue;
  if (lm.remainingItemCount !== undefined) metadata.remainingItemCount = lm.remainingItemCount;

  return {
    kind: 'Table',
    apiVersion: tableApiVersion,
    metadata,
    columnDefinitions: opts.noHeaders ? [] : printer.columns.map((c) => ({ ...c })),
    rows,
  };
}
