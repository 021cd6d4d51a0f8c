// A pod's status as the kubelet generates it (kubelet_pods.go generateAPIPodStatus, getPhase,
// convertToAPIContainerStatuses, status/generate.go): container states from the runtime, the
// reasons of the last failed start, the probe results; the phase from restartPolicy and those
// states; the conditions, whose lastTransitionTime moves only when their status does.

import { transitionTime } from '../../api/conditions.js';
import { nowRFC3339 } from '../../api/object.js';
import type { ContainerStatus as ApiContainerStatus, Container, ContainerState, PodCondition, PodStatus } from '../../api/types.js';
import type { ContainerStatus, PodSandboxStatus } from '../runtime/types.js';
import { ANNOTATION_RESTART_COUNT, LABEL_CONTAINER_NAME, type PodObject } from './types.js';

export interface WaitingReason {
  reason: string;
  message?: string;
}

export interface StatusInput {
  pod: PodObject;
  /** The pod's current sandbox, if any. */
  sandbox?: PodSandboxStatus;
  /** Every runtime container of the pod (any sandbox, any state). */
  containers: ContainerStatus[];
  /** Why a container could not be started in the last sync (ErrImagePull, CrashLoopBackOff ...). */
  reasons: Map<string, WaitingReason>;
  ready(containerId: string): boolean;
  started(containerId: string): boolean;
  runtimeName: string;
  hostIPs: string[];
  startTime: string;
  /** The pod is being deleted or has finished: its containers will not be restarted. */
  terminal: boolean;
}

const ms = (t: number): string => nowRFC3339(new Date(t));

/** The runtime's containers with this name, newest first. */
export function containersNamed(all: ContainerStatus[], name: string): ContainerStatus[] {
  return all
    .filter((c) => (c.labels?.[LABEL_CONTAINER_NAME] ?? c.metadata.name) === name)
    .sort((a, b) => b.createdAt - a.createdAt || b.metadata.attempt - a.metadata.attempt);
}

export function restartCountOf(c: ContainerStatus): number {
  const v = Number(c.annotations?.[ANNOTATION_RESTART_COUNT] ?? c.metadata.attempt);
  return Number.isFinite(v) ? v : 0;
}

/** Whether the container would be started again (kubecontainer.ShouldContainerBeRestarted). */
export function shouldRestart(pod: PodObject, latest: ContainerStatus | undefined, terminal: boolean): boolean {
  if (terminal) return false;
  if (!latest) return true;
  if (latest.state === 'CONTAINER_RUNNING' || latest.state === 'CONTAINER_CREATED') return false;
  const policy = pod.spec?.restartPolicy ?? 'Always';
  if (policy === 'Never') return false;
  if (policy === 'OnFailure') return latest.exitCode !== 0;
  return true;
}

function terminatedState(c: ContainerStatus, runtimeName: string): ContainerState {
  return {
    terminated: {
      exitCode: c.exitCode,
      reason: c.reason || (c.exitCode === 0 ? 'Completed' : 'Error'),
      ...(c.message ? { message: c.message } : {}),
      startedAt: c.startedAt ? ms(c.startedAt) : undefined,
      finishedAt: c.finishedAt ? ms(c.finishedAt) : undefined,
      containerID: `${runtimeName}://${c.id}`,
    },
  };
}

function containerStatuses(inp: StatusInput, specs: Container[], init: boolean, hasInit: boolean): ApiContainerStatus[] {
  const { pod } = inp;
  const defaultWaiting = hasInit ? 'PodInitializing' : 'ContainerCreating';
  return specs.map((spec) => {
    const [latest, previous] = containersNamed(inp.containers, spec.name);
    const st: ApiContainerStatus = {
      name: spec.name,
      state: { waiting: { reason: defaultWaiting } },
      lastState: {},
      ready: false,
      restartCount: 0,
      image: spec.image ?? '',
      imageID: '',
      started: false,
    };
    if (latest) {
      st.image = latest.image || st.image;
      st.imageID = latest.imageRef ?? '';
      st.containerID = `${inp.runtimeName}://${latest.id}`;
      st.restartCount = restartCountOf(latest);
      if (latest.state === 'CONTAINER_RUNNING') {
        st.state = { running: { startedAt: ms(latest.startedAt) } };
        st.started = inp.started(latest.id);
        st.ready = !init && inp.ready(latest.id);
      } else if (latest.state === 'CONTAINER_EXITED') {
        st.state = terminatedState(latest, inp.runtimeName);
        // A finished init container stays ready, as the kubelet reports it.
        if (init && latest.exitCode === 0) st.ready = true;
      } else if (latest.state === 'CONTAINER_CREATED') {
        st.state = { waiting: { reason: 'ContainerCreating' } };
      } else {
        st.state = {
          waiting: { reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated' },
        };
      }
      if (previous && previous.state === 'CONTAINER_EXITED') st.lastState = terminatedState(previous, inp.runtimeName);
    }
    // A container the next sync will start again shows why it is waiting.
    const doneInit = init && latest?.state === 'CONTAINER_EXITED' && latest.exitCode === 0;
    const why = inp.reasons.get(spec.name);
    if (why && !doneInit && shouldRestart(pod, latest, inp.terminal)) {
      if (st.state?.terminated) st.lastState = st.state;
      st.state = { waiting: { reason: why.reason, ...(why.message ? { message: why.message } : {}) } };
      st.ready = false;
      st.started = false;
    }
    const mounts = (spec.volumeMounts ?? []).map((m) => ({
      name: m.name,
      mountPath: m.mountPath,
      ...(m.readOnly ? { readOnly: true, recursiveReadOnly: 'Disabled' } : {}),
    }));
    if (mounts.length) st.volumeMounts = mounts;
    return st;
  });
}

/** kubelet's getPhase. */
export function podPhase(pod: PodObject, init: ApiContainerStatus[], regular: ApiContainerStatus[], terminal: boolean): string {
  const policy = pod.spec?.restartPolicy ?? 'Always';
  let pendingInit = 0,
    failedInit = 0;
  for (const c of pod.spec?.initContainers ?? []) {
    const s = init.find((x) => x.name === c.name);
    if (!s?.state) {
      pendingInit++;
      continue;
    }
    if (s.state.running) pendingInit++;
    else if (s.state.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInit++;
    } else if (s.state.waiting) {
      if (s.lastState?.terminated) {
        if (s.lastState.terminated.exitCode !== 0) failedInit++;
      } else pendingInit++;
    } else pendingInit++;
  }
  let unknown = 0,
    running = 0,
    waiting = 0,
    stopped = 0,
    succeeded = 0;
  for (const c of pod.spec?.containers ?? []) {
    const s = regular.find((x) => x.name === c.name);
    if (!s?.state) {
      unknown++;
      continue;
    }
    if (s.state.running) running++;
    else if (s.state.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }
  if (failedInit > 0 && policy === 'Never') return 'Failed';
  const anyRegularStarted = regular.some((s) => s.state?.running || s.state?.terminated || s.lastState?.terminated);
  if ((pendingInit > 0 && !anyRegularStarted) || waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (terminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function condition(type: string, ok: boolean, reason?: string, message?: string): PodCondition {
  const c: PodCondition = { type, status: ok ? 'True' : 'False', lastProbeTime: null as unknown as undefined };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

/** The whole status the agent would write now; conditions keep their lastTransitionTime unless they flipped. */
export function generatePodStatus(inp: StatusInput): PodStatus {
  const { pod } = inp;
  const old = (pod.status ?? {}) as PodStatus;
  const initSpecs = pod.spec?.initContainers ?? [];
  const hasInit = initSpecs.length > 0;
  const initStatuses = containerStatuses(inp, initSpecs, true, hasInit);
  const statuses = containerStatuses(inp, pod.spec?.containers ?? [], false, hasInit);
  let phase = podPhase(pod, initStatuses, statuses, inp.terminal);
  // A pod that reached a terminal phase never leaves it.
  if (old.phase === 'Succeeded' || old.phase === 'Failed') phase = old.phase;

  const sandboxReady = inp.sandbox?.state === 'SANDBOX_READY' && (!!inp.sandbox.ip || pod.spec?.hostNetwork === true);
  const incompleteInit = initStatuses.filter((s) => !(s.state?.terminated?.exitCode === 0)).map((s) => s.name);
  const unready = statuses.filter((s) => !s.ready).map((s) => s.name);
  const conds: PodCondition[] = [];
  conds.push(condition('PodReadyToStartContainers', sandboxReady));
  if (phase === 'Succeeded' && incompleteInit.length === 0) conds.push(condition('Initialized', true, 'PodCompleted'));
  else if (incompleteInit.length)
    conds.push(
      condition('Initialized', false, 'ContainersNotInitialized', `containers with incomplete status: [${incompleteInit.join(' ')}]`),
    );
  else conds.push(condition('Initialized', true));
  conds.push(...readyConditions(pod, phase, incompleteInit, unready, old.conditions));
  if (!old.conditions?.some((c) => c.type === 'PodScheduled')) conds.push(condition('PodScheduled', true));
  const merged = mergeConditions(conds, old.conditions);

  const status: PodStatus = {
    ...old,
    phase,
    conditions: merged,
    hostIP: inp.hostIPs[0],
    hostIPs: inp.hostIPs.map((ip) => ({ ip })),
    startTime: inp.startTime,
    containerStatuses: statuses,
  };
  if (hasInit) status.initContainerStatuses = initStatuses;
  else delete status.initContainerStatuses;
  const ephemeral = (pod.spec?.ephemeralContainers ?? []) as Container[];
  if (ephemeral.length) status.ephemeralContainerStatuses = containerStatuses(inp, ephemeral, false, false);
  else delete status.ephemeralContainerStatuses;
  // A pod on the host network has the node's address (its InternalIP, as kubelet reports it),
  // whatever the runtime says: the runtime only knows a host address, which may be loopback.
  const ip = inp.sandbox?.state === 'SANDBOX_READY' ? (pod.spec?.hostNetwork ? inp.hostIPs[0] : undefined) || inp.sandbox.ip : undefined;
  if (ip) {
    status.podIP = ip;
    status.podIPs = [{ ip }];
  }
  // A terminal pod keeps the reason and message it ended with (Evicted and its message stay on the
  // pod, as `kubectl get pod` shows them); none are carried into a terminal phase from before it.
  if ((phase === 'Succeeded' || phase === 'Failed') && old.phase !== phase) {
    delete status.reason;
    delete status.message;
  }
  return status;
}

/** The Ready and ContainersReady conditions (kubelet's GeneratePodReadyCondition and GenerateContainersReadyCondition). */
function readyConditions(
  pod: PodObject,
  phase: string,
  incompleteInit: string[],
  unready: string[],
  old: PodCondition[] | undefined,
): PodCondition[] {
  const readyGates = (pod.spec?.readinessGates ?? []).map((g) => g.conditionType);
  const gateFailing = readyGates.filter((t) => old?.find((c) => c.type === t)?.status !== 'True');
  if (phase === 'Succeeded') return [condition('Ready', false, 'PodCompleted'), condition('ContainersReady', false, 'PodCompleted')];
  if (incompleteInit.length) {
    const msg = `containers with incomplete status: [${incompleteInit.join(' ')}]`;
    return [
      condition('Ready', false, 'ContainersNotInitialized', msg),
      condition('ContainersReady', false, 'ContainersNotInitialized', msg),
    ];
  }
  if (unready.length) {
    const msg = `containers with unready status: [${unready.join(' ')}]`;
    return [condition('Ready', false, 'ContainersNotReady', msg), condition('ContainersReady', false, 'ContainersNotReady', msg)];
  }
  if (gateFailing.length) {
    return [
      condition(
        'Ready',
        false,
        'ReadinessGatesNotReady',
        `corresponding condition of pod readiness gate "${gateFailing[0]}" does not exist.`,
      ),
      condition('ContainersReady', true),
    ];
  }
  return [condition('Ready', true), condition('ContainersReady', true)];
}

/** Ours replace the old conditions of the same type (keeping lastTransitionTime unless they flipped); others' are kept as they are. */
function mergeConditions(conds: PodCondition[], old: PodCondition[] | undefined): PodCondition[] {
  const now = nowRFC3339();
  for (const c of conds) c.lastTransitionTime = transitionTime(old, c.type, c.status, now);
  // Conditions other parts own (PodScheduled, DisruptionTarget, readiness gates) are kept as they are.
  const ours = new Set(conds.map((c) => c.type));
  const order = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'];
  return [...conds, ...(old ?? []).filter((c) => !ours.has(c.type))].sort((a, b) => rank(order, a.type) - rank(order, b.type));
}

/**
 * The last status with the running containers' readiness as the probes now say, and the Ready
 * conditions that follow (kubelet's statusManager.SetContainerReadiness: readiness reaches the
 * API even while the pod worker is busy, say killing a container through its grace period).
 * Undefined when nothing changed.
 */
export function withContainerReadiness(pod: PodObject, status: PodStatus, ready: (containerId: string) => boolean): PodStatus | undefined {
  const idOf = (s: ApiContainerStatus) => s.containerID?.slice(s.containerID.indexOf('://') + 3) ?? '';
  let changed = false;
  const statuses = (status.containerStatuses ?? []).map((s) => {
    if (!s.state?.running || !s.containerID) return s;
    const r = ready(idOf(s));
    if (r === s.ready) return s;
    changed = true;
    return { ...s, ready: r };
  });
  if (!changed) return undefined;
  const phase = status.phase ?? 'Pending';
  const incompleteInit = (status.initContainerStatuses ?? []).filter((s) => !(s.state?.terminated?.exitCode === 0)).map((s) => s.name);
  const unready = statuses.filter((s) => !s.ready).map((s) => s.name);
  const conds = readyConditions(pod, phase, incompleteInit, unready, status.conditions);
  return { ...status, containerStatuses: statuses, conditions: mergeConditions(conds, status.conditions) };
}

function rank(order: string[], t: string): number {
  const i = order.indexOf(t);
  return i < 0 ? order.length : i;
}
