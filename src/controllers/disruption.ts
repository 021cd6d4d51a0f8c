// The disruption controller (pkg/controller/disruption): keeps each PodDisruptionBudget's status.
// expectedPods is the pods selected (minAvailable as a number) or the sum of their controllers'
// scale (a percentage, or maxUnavailable): Deployments (through their ReplicaSets), ReplicaSets,
// and StatefulSets, ReplicationControllers and any kind with a scale subresource through the API.
// desiredHealthy follows from minAvailable or maxUnavailable (percentages rounded up),
// currentHealthy counts Ready pods not being deleted and not just evicted (disruptedPods, for
// two minutes), disruptionsAllowed = currentHealthy - desiredHealthy (0 while no pods are
// expected), with the DisruptionAllowed condition (SufficientPods/InsufficientPods, SyncFailed
// when the counts cannot be made). It also clears a DisruptionTarget condition that an eviction
// left on a pod that was not deleted after all.

import { errorMessage } from '../api/errors.js';
import type { KObject } from '../api/object.js';
import { deepCopy, nowRFC3339 } from '../api/object.js';
import {
  budgetCoversPod,
  conditionsAreUpToDate,
  DISRUPTION_ALLOWED_CONDITION,
  DISRUPTION_TARGET_CONDITION,
  isPodReady,
  type PodDisruptionBudget,
  type PodDisruptionBudgetStatus,
  SYNC_FAILED_REASON,
  setStatusCondition,
  updateDisruptionAllowedCondition,
} from '../api/poddisruptionbudget.js';
import { DEPLOYMENTS, PODS, type Pod, REPLICASETS } from '../api/types.js';
import { Controller, type ControllerLoop } from '../client/controller.js';
import { type Informer, NAMESPACE_INDEX, objectKey, type SharedInformerFactory, splitKey } from '../client/informer.js';
import { isConflict, isNotFound, type RestClient } from '../client/rest.js';
import { controllerOf, scaledValueFromIntOrPercent } from './podutil.js';

const PDBS = { group: 'policy', version: 'v1', resource: 'poddisruptionbudgets' };

/** DeletionTimeout: an eviction not followed by the pod's deletion within this long is forgotten. */
export const DELETION_TIMEOUT_MS = 2 * 60_000;
/** stalePodDisruptionTimeout: a DisruptionTarget left on a pod not being deleted is cleared after this. */
export const STALE_POD_DISRUPTION_TIMEOUT_MS = 2 * 60_000;

export interface DisruptionControllerOptions {
  log?: (m: string) => void;
  now?: () => number;
  /** For tests: a shorter stale DisruptionTarget timeout. */
  stalePodDisruptionTimeoutMs?: number;
}

const groupOf = (apiVersion: string): string => (apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '');

export class DisruptionController extends Controller {
  readonly staleLoop: ControllerLoop;
  private readonly pdbInf: Informer<PodDisruptionBudget>;
  private readonly podInf: Informer<Pod>;
  private readonly rsInf: Informer;
  private readonly deployInf: Informer;
  /** apiVersion/kind -> plural resource, from discovery (for the scale subresource). */
  private readonly resources = new Map<string, string>();

  constructor(
    private readonly client: RestClient,
    factory: SharedInformerFactory,
    private readonly opts: DisruptionControllerOptions = {},
  ) {
    super('disruption', client, 'controllermanager', { log: opts.log, now: opts.now, workers: 1 });
    this.staleLoop = this.addLoop('disruption-stale-pods', (k) => this.syncStalePodDisruption(k));
    this.pdbInf = factory.informerFor<PodDisruptionBudget>(PDBS);
    this.podInf = factory.informerFor<Pod>(PODS);
    this.rsInf = factory.informerFor(REPLICASETS);
    this.deployInf = factory.informerFor(DEPLOYMENTS);
    const pdb = (b: PodDisruptionBudget) => this.loop.enqueue(objectKey(b));
    this.pdbInf.addEventHandler({ onAdd: pdb, onUpdate: (_o, b) => pdb(b), onDelete: pdb });
    this.podInf.addEventHandler({
      onAdd: (p) => this.podChanged(p),
      onUpdate: (_o, p) => this.podChanged(p),
      onDelete: (p) => {
        const b = this.pdbForPod(p);
        if (b) pdb(b);
      },
    });
  }

  private podChanged(pod: Pod): void {
    const b = this.pdbForPod(pod);
    if (b) this.loop.enqueue(objectKey(b));
    const stale = this.staleDisruptionCondition(pod);
    if (stale !== undefined) this.staleLoop.queue.addAfter(objectKey(pod), stale);
  }

  /** getPdbForPod: the budget covering the pod (the first, with a warning, when several do). */
  private pdbForPod(pod: Pod): PodDisruptionBudget | undefined {
    const pdbs = this.pdbInf.byIndex(NAMESPACE_INDEX, pod.metadata.namespace ?? '').filter((b) => budgetCoversPod(b, pod));
    if (pdbs.length > 1) {
      const msg = `Pod "${pod.metadata.namespace}"/"${pod.metadata.name}" matches multiple PodDisruptionBudgets.  Chose "${pdbs[0].metadata.name}" arbitrarily.`;
      this.recorder.event(pod, 'Warning', 'MultiplePodDisruptionBudgets', msg);
    }
    return pdbs[0];
  }

  async reconcile(key: string): Promise<void> {
    const pdb = this.pdbInf.get(key);
    if (!pdb) return;
    try {
      await this.trySync(pdb);
    } catch (e) {
      if (isConflict(e)) throw e;
      this.log(`disruption: failed to sync PDB ${key}: ${errorMessage(e)}`);
      await this.failSafe(pdb, errorMessage(e));
    }
  }

  private async trySync(pdb: PodDisruptionBudget): Promise<void> {
    const pods = this.podInf.byIndex(NAMESPACE_INDEX, pdb.metadata.namespace ?? '').filter((p) => budgetCoversPod(pdb, p));
    if (pods.length === 0) this.recorder.event(pdb, 'Normal', 'NoPods', 'No matching pods found');
    let counts: { expected: number; desired: number; unmanaged: string[] };
    try {
      counts = await this.expectedPodCount(pdb, pods);
    } catch (e) {
      this.recorder.event(
        pdb,
        'Warning',
        'CalculateExpectedPodCountFailed',
        `Failed to calculate the number of expected pods: ${errorMessage(e)}`,
      );
      throw e;
    }
    if (counts.unmanaged.length > 0) {
      this.recorder.event(
        pdb,
        'Warning',
        'UnmanagedPods',
        `Pods selected by this PodDisruptionBudget (selector: ${selectorString(pdb)}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`,
      );
    }
    const now = this.now();
    const { disrupted, recheckAt } = this.buildDisruptedPodMap(pods, pdb, now);
    const currentHealthy = pods.filter(
      (p) =>
        !p.metadata.deletionTimestamp &&
        !(p.metadata.name! in disrupted && Date.parse(disrupted[p.metadata.name!]) + DELETION_TIMEOUT_MS > now) &&
        isPodReady(p),
    ).length;
    await this.updateStatus(pdb, currentHealthy, counts.desired, counts.expected, disrupted);
    if (recheckAt !== undefined) this.loop.queue.addAfter(objectKey(pdb), Math.max(0, recheckAt - now));
  }

  /** getExpectedPodCount. */
  private async expectedPodCount(
    pdb: PodDisruptionBudget,
    pods: Pod[],
  ): Promise<{ expected: number; desired: number; unmanaged: string[] }> {
    const spec = pdb.spec ?? {};
    if (spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) {
      const { expected, unmanaged } = await this.expectedScale(pods);
      const maxUnavailable = scaledIntOrPercent(spec.maxUnavailable, expected, true);
      return { expected, desired: Math.max(0, expected - maxUnavailable), unmanaged };
    }
    if (spec.minAvailable !== undefined && spec.minAvailable !== null) {
      if (typeof spec.minAvailable === 'number') return { expected: pods.length, desired: spec.minAvailable, unmanaged: [] };
      const { expected, unmanaged } = await this.expectedScale(pods);
      return { expected, desired: scaledIntOrPercent(spec.minAvailable, expected, true), unmanaged };
    }
    return { expected: 0, desired: 0, unmanaged: [] };
  }

  /** getExpectedScale: the sum of the scale of the controllers of the pods. */
  private async expectedScale(pods: Pod[]): Promise<{ expected: number; unmanaged: string[] }> {
    const scales = new Map<string, number>();
    const unmanaged: string[] = [];
    for (const pod of pods) {
      const ref = controllerOf(pod);
      if (!ref) {
        unmanaged.push(pod.metadata.name!);
        continue;
      }
      if (scales.has(ref.uid)) continue;
      const found = await this.controllerScale(ref, pod.metadata.namespace!);
      if (!found) throw new Error(`found no controllers for pod "${pod.metadata.name}"`);
      scales.set(found.uid, found.scale);
    }
    let expected = 0;
    for (const s of scales.values()) expected += s;
    return { expected, unmanaged };
  }

  /** The finders: a Deployment through its ReplicaSet, a ReplicaSet, else the owner's scale subresource. */
  private async controllerScale(
    ref: { apiVersion: string; kind: string; name: string; uid: string },
    namespace: string,
  ): Promise<{ uid: string; scale: number } | undefined> {
    const group = groupOf(ref.apiVersion);
    if (ref.kind === 'ReplicaSet' && (group === 'apps' || group === 'extensions')) {
      const rs = this.rsInf.getByName(namespace, ref.name);
      if (!rs || rs.metadata.uid !== ref.uid) return undefined;
      const owner = controllerOf(rs);
      if (owner && owner.kind === 'Deployment' && (groupOf(owner.apiVersion) === 'apps' || groupOf(owner.apiVersion) === 'extensions')) {
        const d = this.deployInf.getByName(namespace, owner.name);
        if (!d || d.metadata.uid !== owner.uid) return undefined;
        return { uid: d.metadata.uid!, scale: replicasOf(d) };
      }
      return { uid: rs.metadata.uid!, scale: replicasOf(rs) };
    }
    const resource = await this.resourceFor(ref.apiVersion, ref.kind);
    if (!resource) throw new Error(`no resource of the API serves ${ref.kind} in ${ref.apiVersion}`);
    const version = ref.apiVersion.includes('/') ? ref.apiVersion.slice(ref.apiVersion.indexOf('/') + 1) : ref.apiVersion;
    try {
      const scale = await this.client.get({ group, version, resource, namespace, name: ref.name, subresource: 'scale' });
      if (scale.metadata.uid !== ref.uid) return undefined;
      return { uid: ref.uid, scale: Number((scale.spec as { replicas?: number } | undefined)?.replicas ?? 0) };
    } catch (e) {
      if (isNotFound(e)) {
        // The object is gone, or its kind has no scale subresource (which the API would not list).
        return undefined;
      }
      throw e;
    }
  }

  private async resourceFor(apiVersion: string, kind: string): Promise<string | undefined> {
    const key = `${apiVersion}/${kind}`;
    if (this.resources.has(key)) return this.resources.get(key);
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const list = await this.client.request<{ resources?: { name: string; kind: string }[] }>('GET', path);
    for (const r of list.resources ?? []) if (!r.name.includes('/')) this.resources.set(`${apiVersion}/${r.kind}`, r.name);
    const scaled = (list.resources ?? []).some((r) => r.name === `${this.resources.get(key)}/scale`);
    if (this.resources.has(key) && !scaled)
      throw new Error(`${this.resources.get(key)}.${groupOf(apiVersion) || 'core'} does not implement the scale subresource`);
    return this.resources.get(key);
  }

  /** buildDisruptedPodMap: recent evictions of pods not yet being deleted, and when to look again. */
  private buildDisruptedPodMap(
    pods: Pod[],
    pdb: PodDisruptionBudget,
    now: number,
  ): { disrupted: Record<string, string>; recheckAt?: number } {
    const prev = pdb.status?.disruptedPods ?? {};
    const disrupted: Record<string, string> = {};
    let recheckAt: number | undefined;
    for (const pod of pods) {
      if (pod.metadata.deletionTimestamp) continue;
      const t = prev[pod.metadata.name!];
      if (!t) continue;
      const expected = Date.parse(t) + DELETION_TIMEOUT_MS;
      if (expected < now) {
        this.recorder.event(
          pod,
          'Warning',
          'NotDeleted',
          `Pod was expected by PDB ${pdb.metadata.namespace}/${pdb.metadata.name} to be deleted but it wasn't`,
        );
      } else {
        if (recheckAt === undefined || expected < recheckAt) recheckAt = expected;
        disrupted[pod.metadata.name!] = t;
      }
    }
    return { disrupted, recheckAt };
  }

  /** updatePdbStatus: written only when a count, the disrupted pods, the generation or the condition changed. */
  private async updateStatus(
    pdb: PodDisruptionBudget,
    currentHealthy: number,
    desiredHealthy: number,
    expectedPods: number,
    disruptedPods: Record<string, string>,
  ): Promise<void> {
    let disruptionsAllowed = currentHealthy - desiredHealthy;
    if (expectedPods <= 0 || disruptionsAllowed <= 0) disruptionsAllowed = 0;
    const s = pdb.status;
    const generation = pdb.metadata.generation ?? 0;
    if (
      s &&
      s.currentHealthy === currentHealthy &&
      s.desiredHealthy === desiredHealthy &&
      s.expectedPods === expectedPods &&
      s.disruptionsAllowed === disruptionsAllowed &&
      JSON.stringify(s.disruptedPods ?? {}) === JSON.stringify(disruptedPods) &&
      (s.observedGeneration ?? 0) === generation &&
      conditionsAreUpToDate(pdb)
    )
      return;
    const status: PodDisruptionBudgetStatus = {
      currentHealthy,
      desiredHealthy,
      expectedPods,
      disruptionsAllowed,
      observedGeneration: generation,
      conditions: deepCopy(s?.conditions ?? []),
    };
    if (Object.keys(disruptedPods).length) status.disruptedPods = disruptedPods;
    updateDisruptionAllowedCondition(status);
    await this.writeStatus(pdb, status);
  }

  /** failSafe: no disruptions while the counts cannot be made, and the condition says why. */
  private async failSafe(pdb: PodDisruptionBudget, message: string): Promise<void> {
    const status: PodDisruptionBudgetStatus = {
      ...(pdb.status ?? { currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, disruptionsAllowed: 0 }),
      disruptionsAllowed: 0,
    };
    status.conditions = deepCopy(status.conditions ?? []);
    setStatusCondition(status.conditions, {
      type: DISRUPTION_ALLOWED_CONDITION,
      status: 'False',
      reason: SYNC_FAILED_REASON,
      message,
      observedGeneration: status.observedGeneration ?? 0,
    });
    await this.writeStatus(pdb, status);
  }

  private async writeStatus(pdb: PodDisruptionBudget, status: PodDisruptionBudgetStatus): Promise<void> {
    const next = deepCopy(pdb);
    next.status = status;
    await this.client.update({ ...PDBS, namespace: pdb.metadata.namespace, name: pdb.metadata.name, subresource: 'status' }, next);
  }

  // ---- stale DisruptionTarget conditions ----

  /** How long until a DisruptionTarget=True on a pod that is not being deleted is stale (undefined: none). */
  private staleDisruptionCondition(pod: Pod): number | undefined {
    if (pod.metadata.deletionTimestamp) return undefined;
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return undefined;
    const cond = pod.status?.conditions?.find((c) => c.type === DISRUPTION_TARGET_CONDITION);
    if (cond?.status !== 'True' || cond.reason === 'TerminationByKubelet') return undefined;
    const since = Date.parse(cond.lastTransitionTime ?? '') || this.now();
    return Math.max(0, since + (this.opts.stalePodDisruptionTimeoutMs ?? STALE_POD_DISRUPTION_TIMEOUT_MS) - this.now());
  }

  private async syncStalePodDisruption(key: string): Promise<void> {
    const pod = this.podInf.get(key);
    if (!pod) return;
    const wait = this.staleDisruptionCondition(pod);
    if (wait === undefined) return;
    if (wait > 0) {
      this.staleLoop.queue.addAfter(key, wait);
      return;
    }
    const { namespace, name } = splitKey(key);
    const conditions = (pod.status?.conditions ?? []).map((c) =>
      c.type === DISRUPTION_TARGET_CONDITION
        ? { type: c.type, status: 'False', lastProbeTime: null, lastTransitionTime: nowRFC3339(new Date(this.now())) }
        : c,
    );
    await this.client.patch(
      { ...PODS, namespace, name, subresource: 'status' },
      { metadata: { resourceVersion: pod.metadata.resourceVersion }, status: { conditions } },
      'merge',
    );
  }
}

const replicasOf = (o: KObject): number => Number((o.spec as { replicas?: number } | undefined)?.replicas ?? 0);

/** intstr.GetScaledValueFromIntOrPercent. */
function scaledIntOrPercent(v: number | string, total: number, roundUp: boolean): number {
  if (typeof v === 'string' && !/^\d+%$/.test(v))
    throw new Error(`invalid value for IntOrString: invalid value "${v}": must be an integer or percentage (e.g '5%')`);
  return scaledValueFromIntOrPercent(v, total, roundUp);
}

function selectorString(pdb: PodDisruptionBudget): string {
  const sel = pdb.spec?.selector;
  if (!sel) return '&LabelSelector{MatchLabels:map[string]string{},MatchExpressions:[]LabelSelectorRequirement{},}';
  const ml = Object.entries(sel.matchLabels ?? {})
    .sort()
    .map(([k, v]) => `${k}: ${v},`)
    .join('');
  return `&LabelSelector{MatchLabels:map[string]string{${ml}},MatchExpressions:[]LabelSelectorRequirement{},}`;
}
