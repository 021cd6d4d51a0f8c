// What the DaemonSet controller decides without the API, as kube-controller-manager's
// pkg/controller/daemon/util and the predicates of daemon_controller.go: the tolerations every
// daemon pod gets, the pod template with its generation and revision labels, the node affinity
// on metadata.name that places a pod on its node through the scheduler, whether a node should
// run (or keep running) a daemon pod, which pods are up to date, and the surge/unavailable
// budgets of a rolling update.

import { matchNodeSelectorTerm } from '../api/nodeaffinity.js';
import { deepCopy } from '../api/object.js';
import { toleratesTaint } from '../api/taints.js';
import * as v1 from '../api/types.js';
import { CONTROLLER_REVISION_HASH_LABEL } from './history.js';
import { isPodAvailable, scaledValueFromIntOrPercent } from './podutil.js';

/** extensions.DaemonSetTemplateGenerationKey: the pod label carrying the template generation. */
export const POD_TEMPLATE_GENERATION_LABEL = 'pod-template-generation';

/**
 * AddOrUpdateDaemonPodTolerations: daemon pods stay on not-ready and unreachable nodes (no
 * eviction timer), run on nodes under disk, memory or pid pressure and on unschedulable nodes,
 * and, with host networking, on nodes whose network is not ready yet.
 */
export function addDaemonPodTolerations(spec: { tolerations?: v1.Toleration[]; hostNetwork?: boolean }): void {
  const add: v1.Toleration[] = [
    { key: v1.TAINT_NODE_NOT_READY, operator: 'Exists', effect: 'NoExecute' },
    { key: v1.TAINT_NODE_UNREACHABLE, operator: 'Exists', effect: 'NoExecute' },
    { key: v1.TAINT_NODE_DISK_PRESSURE, operator: 'Exists', effect: 'NoSchedule' },
    { key: v1.TAINT_NODE_MEMORY_PRESSURE, operator: 'Exists', effect: 'NoSchedule' },
    { key: v1.TAINT_NODE_PID_PRESSURE, operator: 'Exists', effect: 'NoSchedule' },
    { key: v1.TAINT_NODE_UNSCHEDULABLE, operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (spec.hostNetwork) add.push({ key: v1.TAINT_NODE_NETWORK_UNAVAILABLE, operator: 'Exists', effect: 'NoSchedule' });
  const tols = [...(spec.tolerations ?? [])];
  // v1helper.AddOrUpdateTolerationInPodSpec: one toleration per key/operator/value/effect, the new one replacing.
  for (const t of add) {
    const i = tols.findIndex(
      (x) => x.key === t.key && (x.operator ?? 'Equal') === t.operator && (x.value ?? '') === (t.value ?? '') && x.effect === t.effect,
    );
    if (i >= 0) tols[i] = t;
    else tols.push(t);
  }
  spec.tolerations = tols;
}

/** The template generation of a DaemonSet (apps/v1 carries it in an annotation), if set. */
export function templateGeneration(ds: v1.DaemonSet): number | undefined {
  const v = Number(ds.metadata.annotations?.[v1.DAEMONSET_TEMPLATE_GENERATION_ANNOTATION]);
  return Number.isSafeInteger(v) && v > 0 ? v : undefined;
}

/** CreatePodTemplate: the template with the daemon tolerations, the generation label and the revision hash. */
export function createPodTemplate(ds: v1.DaemonSet, hash: string): v1.PodTemplateSpec {
  const t = deepCopy(ds.spec.template ?? {}) as v1.PodTemplateSpec;
  t.spec ??= { containers: [] };
  addDaemonPodTolerations(t.spec);
  const labels = { ...(t.metadata?.labels ?? {}) };
  const gen = templateGeneration(ds);
  if (gen !== undefined) labels[POD_TEMPLATE_GENERATION_LABEL] = String(gen);
  if (hash) labels[CONTROLLER_REVISION_HASH_LABEL] = hash;
  t.metadata = { ...(t.metadata ?? {}), labels };
  return t;
}

/**
 * ReplaceDaemonSetPodNodeNameNodeAffinity: the pod's required node affinity becomes one term on
 * metadata.name (the controller has already checked the other terms against the node), so the
 * scheduler binds it to that node and only that node; preferred terms stay.
 */
export function nodeNameAffinity(affinity: v1.Affinity | undefined, nodeName: string): v1.Affinity {
  const term = { matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] };
  const out = deepCopy(affinity ?? {}) as v1.Affinity;
  out.nodeAffinity = { ...(out.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term] } };
  return out;
}

/** The first of the node's taints with these effects that the tolerations do not tolerate. */
function untoleratedTaint(taints: v1.Taint[], tolerations: v1.Toleration[], effects: string[]): v1.Taint | undefined {
  return taints.find((t) => effects.includes(t.effect) && !tolerations.some((tol) => toleratesTaint(tol, t)));
}

/** nodeaffinity.GetRequiredNodeAffinity(pod).Match(node): nodeSelector AND one of the required terms. */
function fitsNodeAffinity(spec: { nodeSelector?: Record<string, string>; affinity?: v1.Affinity }, node: v1.Node): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms === undefined) return true;
  return terms.some((t) => matchNodeSelectorTerm(t as Parameters<typeof matchNodeSelectorTerm>[0], labels, node.metadata.name ?? ''));
}

/**
 * NodeShouldRunDaemonPod: shouldRun (a new daemon pod belongs there) and shouldContinueRunning
 * (an existing one may stay: only an untolerated NoExecute taint evicts it).
 */
export function nodeShouldRunDaemonPod(node: v1.Node, ds: v1.DaemonSet): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const spec = deepCopy(ds.spec.template?.spec ?? { containers: [] });
  if (spec.nodeName && spec.nodeName !== node.metadata.name) return { shouldRun: false, shouldContinueRunning: false };
  addDaemonPodTolerations(spec);
  if (!fitsNodeAffinity(spec, node)) return { shouldRun: false, shouldContinueRunning: false };
  const taints = node.spec?.taints ?? [];
  const tolerations = spec.tolerations ?? [];
  if (untoleratedTaint(taints, tolerations, ['NoSchedule', 'NoExecute'])) {
    return { shouldRun: false, shouldContinueRunning: !untoleratedTaint(taints, tolerations, ['NoExecute']) };
  }
  return { shouldRun: true, shouldContinueRunning: true };
}

/** IsPodUpdated: the pod carries the current revision's hash, or the current template generation. */
export function isPodUpdated(pod: v1.Pod, hash: string, generation: number | undefined): boolean {
  const labels = pod.metadata.labels ?? {};
  const templateMatches = generation !== undefined && labels[POD_TEMPLATE_GENERATION_LABEL] === String(generation);
  const hashMatches = hash.length > 0 && labels[CONTROLLER_REVISION_HASH_LABEL] === hash;
  return hashMatches || templateMatches;
}

/**
 * findUpdatedPodsOnNode: the node's one up-to-date pod and its one old pod (pods being deleted
 * are left out); ok is false when there are two of either (the manage loop removes extras).
 */
export function findUpdatedPodsOnNode(ds: v1.DaemonSet, pods: v1.Pod[], hash: string): { newPod?: v1.Pod; oldPod?: v1.Pod; ok: boolean } {
  let newPod: v1.Pod | undefined, oldPod: v1.Pod | undefined;
  const gen = templateGeneration(ds);
  for (const p of pods) {
    if (p.metadata.deletionTimestamp) continue;
    if (isPodUpdated(p, hash, gen)) {
      if (newPod) return { ok: false };
      newPod = p;
    } else {
      if (oldPod) return { ok: false };
      oldPod = p;
    }
  }
  return { newPod, oldPod, ok: true };
}

/** The rolling update's surge and unavailability budgets for this many desired pods (never both 0). */
export function updateBudgets(ds: v1.DaemonSet, desired: number): { maxSurge: number; maxUnavailable: number } {
  const ru = ds.spec.updateStrategy?.type === 'RollingUpdate' ? ds.spec.updateStrategy.rollingUpdate : undefined;
  let maxSurge = 0,
    maxUnavailable = 0;
  if (ru) {
    // SurgeCount and UnavailableCount: percentages of the desired count, rounded up.
    maxSurge = ru.maxSurge === undefined ? 0 : scaledValueFromIntOrPercent(ru.maxSurge, desired, true);
    maxUnavailable = ru.maxUnavailable === undefined ? 0 : scaledValueFromIntOrPercent(ru.maxUnavailable, desired, true);
  }
  // updatedDesiredNodeCounts: never stall a rollout with both at 0.
  if (desired > 0 && maxUnavailable === 0 && maxSurge === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

/** The pod is ready for minReadySeconds (podutil.IsPodAvailable). */
export function daemonPodAvailable(ds: v1.DaemonSet, pod: v1.Pod, now: number): boolean {
  return isPodAvailable(pod, ds.spec.minReadySeconds ?? 0, now);
}

/** util.AllowsSurge: a RollingUpdate with a non-zero maxSurge. */
export function allowsSurge(ds: v1.DaemonSet): boolean {
  const ru = ds.spec.updateStrategy?.type === 'RollingUpdate' ? ds.spec.updateStrategy.rollingUpdate : undefined;
  if (!ru || ru.maxSurge === undefined) return false;
  return scaledValueFromIntOrPercent(ru.maxSurge, 1, true) !== 0;
}

/**
 * getPatch: the revision's data, a strategic merge patch that replaces spec.template, which
 * `kubectl rollout undo` applies to the DaemonSet as it is.
 */
export function daemonSetPatch(ds: v1.DaemonSet): Record<string, unknown> {
  return { spec: { template: { ...deepCopy(ds.spec.template ?? {}), $patch: 'replace' } } };
}
