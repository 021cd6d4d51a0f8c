// Pods, as kube-apiserver's pkg/registry/core/pod (strategy.go, storage/storage.go): the pod
// strategy with the admission defaults every pod gets (service account, default tolerations,
// QoS class), graceful deletion of bound pods, and the subresources: status, binding (the
// scheduler's write), eviction (eviction.ts), and the streams relayed to the pod's node. The printer is
// printPod of pkg/printers/internalversion.

import { type Condition, withPodCondition } from '../../../api/conditions.js';
import { defaultPod, defaultTolerations } from '../../../api/defaults.js';
import { errors, type FieldError } from '../../../api/errors.js';
import { isObject, type KObject } from '../../../api/object.js';
import { Quantity } from '../../../api/quantity.js';
import { printerColumns } from '../../../api/schema/columns.js';
import { validatePodCreate, validatePodStatusUpdate, validatePodUpdate } from '../../../api/validation.js';
import { a, humanDuration, n, type Obj, o, type Printer, parseTime, s, type TableRowCondition, timestampSince } from '../../tables.js';
import { type CreateHandler, defineResource, type Subresource, statusSubresource } from '../rest.js';
import { field, keepStatus, type Strategy, statusStrategy as statusOf, type UpdateStrategy } from '../strategy.js';
import { evict } from './eviction.js';

interface ResourceList {
  cpu?: string | number;
  memory?: string | number;
  [k: string]: unknown;
}
interface ContainerLike {
  resources?: { requests?: ResourceList; limits?: ResourceList };
}

const sameQuantity = (a: unknown, b: unknown): boolean => {
  const qa = Quantity.tryParse(a),
    qb = Quantity.tryParse(b);
  return qa !== undefined && qb !== undefined && qa.cmp(qb) === 0;
};

/** The QoS class Kubernetes derives from requests and limits (pkg/apis/core/helper/qos). */
export function podQOSClass(spec: { containers?: ContainerLike[]; initContainers?: ContainerLike[] }): string {
  const all = [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
  let anySet = false;
  let guaranteed = all.length > 0;
  for (const c of all) {
    const req = c.resources?.requests ?? {},
      lim = c.resources?.limits ?? {};
    for (const r of ['cpu', 'memory']) {
      if (req[r] !== undefined || lim[r] !== undefined) anySet = true;
      if (lim[r] === undefined) guaranteed = false;
      else if (req[r] !== undefined && !sameQuantity(req[r], lim[r])) guaranteed = false;
    }
  }
  if (!anySet) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

export const strategy: Strategy = {
  fieldLabels: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  returnDeletedObject: true,
  defaults: defaultPod,
  prepareForCreate(pod) {
    const spec = field(pod.spec) as { containers?: ContainerLike[]; initContainers?: ContainerLike[] };
    // The ServiceAccount admission plugin (service account, token volume, pull secrets) ran before: admission/serviceaccount.ts.
    // The DefaultTolerationSeconds admission plugin.
    defaultTolerations(pod);
    pod.status = { phase: 'Pending', qosClass: podQOSClass(spec) };
  },
  prepareForUpdate: keepStatus,
  validate: validatePodCreate,
  validateUpdate: validatePodUpdate,
  planDeletion(pod, grace) {
    const spec = field(pod.spec) as { nodeName?: string; terminationGracePeriodSeconds?: number };
    const phase = (field(pod.status) as { phase?: string }).phase;
    if (!spec.nodeName || phase === 'Succeeded' || phase === 'Failed') return { kind: 'now' };
    const g = grace ?? spec.terminationGracePeriodSeconds ?? 30;
    if (g <= 0) return { kind: 'now' };
    return { kind: 'graceful', graceSeconds: g };
  },
};

export const statusStrategy = statusOf(validatePodStatusUpdate);

// ---- ephemeralcontainers ----

type EphemeralLike = {
  name?: string;
  image?: string;
  terminationMessagePath?: string;
  terminationMessagePolicy?: string;
  imagePullPolicy?: string;
  [k: string]: unknown;
};
const ephemeralOf = (o: KObject) =>
  ((isObject(o.spec) ? o.spec : {}) as { ephemeralContainers?: EphemeralLike[] }).ephemeralContainers ?? [];

/**
 * pods/ephemeralcontainers (EphemeralContainersREST): only spec.ephemeralContainers changes, only by
 * additions (ValidatePodEphemeralContainersUpdate): existing ones may be neither changed nor removed.
 */
export const ephemeralContainersStrategy: UpdateStrategy = {
  prepareForUpdate(obj, old) {
    const next = structuredClone(old);
    const list = ephemeralOf(obj).map((c) => ({ ...c }));
    for (const c of list) {
      c.terminationMessagePath ??= '/dev/termination-log';
      c.terminationMessagePolicy ??= 'File';
      const img = c.image ?? '';
      const last = img.slice(img.lastIndexOf('/') + 1);
      const tag = img.includes('@') ? '' : last.includes(':') ? last.slice(last.indexOf(':') + 1) : 'latest';
      c.imagePullPolicy ??= tag === 'latest' ? 'Always' : 'IfNotPresent';
    }
    (field(next.spec) as { ephemeralContainers?: EphemeralLike[] }).ephemeralContainers = list;
    return next;
  },
  validateUpdate(obj, old) {
    const errs: FieldError[] = [];
    const next = ephemeralOf(obj);
    for (const o2 of ephemeralOf(old)) {
      const n2 = next.find((c) => c.name === o2.name);
      if (!n2)
        errs.push({
          type: 'FieldValueForbidden',
          field: 'spec.ephemeralContainers',
          detail: `existing ephemeral containers "${o2.name}" may not be removed`,
        });
      else if (JSON.stringify(n2) !== JSON.stringify(o2))
        errs.push({
          type: 'FieldValueForbidden',
          field: 'spec.ephemeralContainers',
          detail: `existing ephemeral containers "${o2.name}" may not be changed`,
        });
    }
    const spec = field(old.spec) as { containers?: EphemeralLike[]; initContainers?: EphemeralLike[] };
    const names = new Set([...(spec.containers ?? []), ...(spec.initContainers ?? [])].map((c) => c.name));
    next.forEach((c, i) => {
      const f = `spec.ephemeralContainers[${i}]`;
      if (!c.name) errs.push({ type: 'FieldValueRequired', field: `${f}.name`, detail: '' });
      else if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(c.name) || c.name.length > 63)
        errs.push({
          type: 'FieldValueInvalid',
          field: `${f}.name`,
          value: c.name,
          detail:
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
        });
      else if (names.has(c.name)) errs.push({ type: 'FieldValueDuplicate', field: `${f}.name`, value: c.name });
      if (c.name) names.add(c.name);
      if (!c.image) errs.push({ type: 'FieldValueRequired', field: `${f}.image`, detail: '' });
      for (const k of ['ports', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle']) {
        if (c[k] !== undefined)
          errs.push({ type: 'FieldValueForbidden', field: `${f}.${k}`, detail: 'cannot be set for an Ephemeral Container' });
      }
    });
    return errs;
  },
};

// ---- binding ----

/**
 * The write a binding makes: the binding handler has set spec.nodeName and the PodScheduled
 * condition on the stored pod and nothing else, as BindingREST's GuaranteedUpdate, which runs
 * no pod validation either, and no field manager: it updates the store directly, so a bound pod
 * carries no managedFields entry for the binding (nor the cost of one on every pod scheduled).
 */
export const bindingStrategy: UpdateStrategy = {
  validateUpdate: () => [],
  bypassFieldManager: true,
};

/** pods/binding and the bindings resource: assign a pod to a node (the scheduler's write). */
export const bind: CreateHandler = async (env, namespace, podName, decoded, ctx) => {
  if (!isObject(decoded)) throw errors.badRequest('Binding must be an object');
  const binding = decoded as KObject & { target?: { kind?: string; name?: string } };
  const name = podName ?? binding.metadata?.name;
  if (!name) throw errors.badRequest('name is required for a Binding');
  const target = binding.target;
  if (!target?.name) throw errors.invalid('Binding', '', name, [{ type: 'FieldValueRequired', field: 'target.name', detail: '' }]);
  if (target.kind && target.kind !== 'Node')
    throw errors.invalid('Binding', '', name, [
      { type: 'FieldValueNotSupported', field: 'target.kind', value: target.kind, supported: ['Node', '<empty>'] },
    ]);
  const pods = env.registry('', 'pods')!;
  await pods.guaranteedUpdate(
    namespace,
    name,
    ctx,
    'binding',
    // pod is only read (maybe the watch cache's own, frozen): the bound pod is a new object
    // whose spec and status are new, their unchanged parts (containers, volumes) pod's own, so
    // that the watch cache's adopt of the write finds them unchanged by identity.
    (pod) => {
      if (!pod) throw pods.notFound(name);
      if (binding.metadata?.uid && binding.metadata.uid !== pod.metadata.uid)
        throw errors.conflict(
          'pods',
          '',
          name,
          `Precondition failed: UID in precondition: ${binding.metadata.uid}, UID in object meta: ${pod.metadata.uid}`,
        );
      if (pod.metadata.deletionTimestamp)
        throw errors.conflict('pods', '', name, `pod ${name} is being deleted, cannot be assigned to a host`);
      const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
      if (nodeName) throw errors.conflict('pods', '', name, `pod ${name} is already assigned to node "${nodeName}"`);
      const spec = { ...(pod.spec as object), nodeName: target.name };
      const metadata = { ...pod.metadata };
      const annotations = Object.entries(binding.metadata?.annotations ?? {});
      if (annotations.length) {
        const own: Record<string, string> = { ...(metadata.annotations ?? {}) };
        for (const [k, v] of annotations) own[k] = v;
        metadata.annotations = own;
      }
      const status: { conditions?: Condition[] } = { ...((pod.status ?? {}) as object) };
      // Scheduled now: no reason or message left from the failed attempts before.
      status.conditions =
        withPodCondition(status.conditions ?? [], { type: 'PodScheduled', status: 'True', reason: undefined, message: undefined }) ??
        status.conditions;
      return { ...pod, metadata, spec, status };
    },
    { strategy: bindingStrategy, readsCurrent: true },
  );
  return { code: 201, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } };
};

// ---- eviction: PodDisruptionBudgets decide (eviction.ts) ----

// ---- printer ----

export const printer: Printer = {
  columns: printerColumns('io.k8s.api.core.v1.Pod'),
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
  if (phase === 'Succeeded')
    rowConditions = [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
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
      s(pod.metadata.name),
      `${readyContainers}/${totalContainers}`,
      reason,
      restartsCell,
      timestampSince(pod.metadata.creationTimestamp, now),
      podIP,
      nodeName,
      nominated,
      readinessGates,
    ],
    conditions: rowConditions,
  };
}

const connect = (kind: string, verbs: string[]): Subresource => ({ kind, verbs, rest: { type: 'connect' } });

export const resource = defineResource({
  info: {
    group: '',
    version: 'v1',
    resource: 'pods',
    kind: 'Pod',
    namespaced: true,
    schema: 'io.k8s.api.core.v1.Pod',
    shortNames: ['po'],
    categories: ['all'],
  },
  strategy,
  subresources: {
    status: statusSubresource('Pod', statusStrategy),
    binding: { kind: 'Binding', verbs: ['create'], rest: { type: 'create', create: bind } },
    eviction: { kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'], rest: { type: 'create', create: evict } },
    log: connect('Pod', ['get']),
    exec: connect('PodExecOptions', ['create', 'get']),
    attach: connect('PodAttachOptions', ['create', 'get']),
    portforward: connect('PodPortForwardOptions', ['create', 'get']),
    proxy: connect('PodProxyOptions', ['create', 'delete', 'get', 'patch', 'update']),
    ephemeralcontainers: {
      kind: 'Pod',
      verbs: ['get', 'patch', 'update'],
      rest: { type: 'update', strategy: ephemeralContainersStrategy },
    },
  },
  printer,
});
