// The Deployment controller's rollout steps, as Kubernetes' rolling.go, recreate.go and
// progress.go: each call makes one step of progress (scale the new ReplicaSet up, or old ones
// down, within maxSurge/maxUnavailable; or, for Recreate, everything old to zero first), then
// writes the status with the Progressing condition that tells how the rollout goes.

import type { Deployment, DeploymentCondition, DeploymentStatus, Pod, ReplicaSet } from '../api/types.js';
import {
  actualReplicaCount,
  availableReplicaCount,
  byCreationTimestamp,
  calculateStatus,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  filterActiveReplicaSets,
  getCondition,
  hasProgressDeadline,
  maxUnavailable,
  NewRSAvailableReason,
  newCondition,
  newRSNewReplicas,
  ReplicaSetUpdatedReason,
  removeCondition,
  replicaCount,
  replicasOf,
  setCondition,
  statusEqual,
  TimedOutReason,
} from './deployment-util.js';

/** What the rollout steps need of the controller. */
export interface RolloutOps {
  getAllReplicaSetsAndSyncRevision(
    d: Deployment,
    rsList: ReplicaSet[],
    createIfNotExisted: boolean,
  ): Promise<{ newRS?: ReplicaSet; oldRSs: ReplicaSet[] }>;
  scaleReplicaSetAndRecordEvent(rs: ReplicaSet, newScale: number, d: Deployment): Promise<{ scaled: boolean; rs: ReplicaSet }>;
  cleanupDeployment(oldRSs: ReplicaSet[], d: Deployment): Promise<void>;
  updateDeploymentStatus(d: Deployment): Promise<void>;
}

/** Returned by the rollout steps: a delay after which to look at the deployment again. */
export type Requeue = number | void;

// ---- RollingUpdate ----

export async function rolloutRolling(ops: RolloutOps, d: Deployment, rsList: ReplicaSet[]): Promise<Requeue> {
  const { newRS, oldRSs } = await ops.getAllReplicaSetsAndSyncRevision(d, rsList, true);
  const allRSs = [...oldRSs, newRS];
  if (await reconcileNewReplicaSet(ops, allRSs, newRS!, d)) return syncRolloutStatus(ops, allRSs, newRS, d);
  if (await reconcileOldReplicaSets(ops, allRSs, filterActiveReplicaSets(oldRSs), newRS!, d))
    return syncRolloutStatus(ops, allRSs, newRS, d);
  if (deploymentComplete(d, d.status ?? {})) await ops.cleanupDeployment(oldRSs, d);
  return syncRolloutStatus(ops, allRSs, newRS, d);
}

async function reconcileNewReplicaSet(
  ops: RolloutOps,
  allRSs: (ReplicaSet | undefined)[],
  newRS: ReplicaSet,
  d: Deployment,
): Promise<boolean> {
  if (replicasOf(newRS) === replicasOf(d)) return false;
  if (replicasOf(newRS) > replicasOf(d)) return (await ops.scaleReplicaSetAndRecordEvent(newRS, replicasOf(d), d)).scaled;
  return (await ops.scaleReplicaSetAndRecordEvent(newRS, newRSNewReplicas(d, allRSs, newRS), d)).scaled;
}

async function reconcileOldReplicaSets(
  ops: RolloutOps,
  allRSs: (ReplicaSet | undefined)[],
  oldRSs: ReplicaSet[],
  newRS: ReplicaSet,
  d: Deployment,
): Promise<boolean> {
  if (replicaCount(oldRSs) === 0) return false;
  const allPods = replicaCount(allRSs);
  const minAvailable = replicasOf(d) - maxUnavailable(d);
  const newRSUnavailable = replicasOf(newRS) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = allPods - minAvailable - newRSUnavailable;
  if (maxScaledDown <= 0) return false;
  // Unhealthy old replicas go first: they would otherwise block the rollout until it times out.
  const { oldRSs: cleaned, count: cleanedUp } = await cleanupUnhealthyReplicas(ops, oldRSs, d, maxScaledDown);
  const scaledDown = await scaleDownOldReplicaSetsForRollingUpdate(ops, [...cleaned, newRS], cleaned, d);
  return cleanedUp + scaledDown > 0;
}

async function cleanupUnhealthyReplicas(
  ops: RolloutOps,
  oldRSs: ReplicaSet[],
  d: Deployment,
  maxCleanup: number,
): Promise<{ oldRSs: ReplicaSet[]; count: number }> {
  const sorted = [...oldRSs].sort(byCreationTimestamp);
  let total = 0;
  for (let i = 0; i < sorted.length; i++) {
    const rs = sorted[i];
    if (total >= maxCleanup) break;
    if (replicasOf(rs) === 0) continue;
    const available = rs.status?.availableReplicas ?? 0;
    if (replicasOf(rs) === available) continue;
    const down = Math.min(maxCleanup - total, replicasOf(rs) - available);
    const next = replicasOf(rs) - down;
    if (next > replicasOf(rs))
      throw new Error(
        `when cleaning up unhealthy replicas, got invalid request to scale down ${rs.metadata.namespace}/${rs.metadata.name} ${replicasOf(rs)} -> ${next}`,
      );
    sorted[i] = (await ops.scaleReplicaSetAndRecordEvent(rs, next, d)).rs;
    total += down;
  }
  return { oldRSs: sorted, count: total };
}

async function scaleDownOldReplicaSetsForRollingUpdate(
  ops: RolloutOps,
  allRSs: ReplicaSet[],
  oldRSs: ReplicaSet[],
  d: Deployment,
): Promise<number> {
  const minAvailable = replicasOf(d) - maxUnavailable(d);
  const available = availableReplicaCount(allRSs);
  if (available <= minAvailable) return 0;
  const sorted = [...oldRSs].sort(byCreationTimestamp);
  const toScaleDown = available - minAvailable;
  let total = 0;
  for (const rs of sorted) {
    if (total >= toScaleDown) break;
    if (replicasOf(rs) === 0) continue;
    const down = Math.min(replicasOf(rs), toScaleDown - total);
    await ops.scaleReplicaSetAndRecordEvent(rs, replicasOf(rs) - down, d);
    total += down;
  }
  return total;
}

// ---- Recreate ----

export async function rolloutRecreate(ops: RolloutOps, d: Deployment, rsList: ReplicaSet[], podMap: Map<string, Pod[]>): Promise<Requeue> {
  // The new ReplicaSet is not created yet, so that nothing scales up before the old is gone.
  let { newRS, oldRSs } = await ops.getAllReplicaSetsAndSyncRevision(d, rsList, false);
  let allRSs = [...oldRSs, newRS];
  const activeOld = filterActiveReplicaSets(oldRSs);
  let scaledDown = false;
  for (const rs of activeOld) {
    if (replicasOf(rs) === 0) continue;
    if ((await ops.scaleReplicaSetAndRecordEvent(rs, 0, d)).scaled) scaledDown = true;
  }
  if (scaledDown) return syncRolloutStatus(ops, allRSs, newRS, d);
  if (oldPodsRunning(newRS, oldRSs, podMap)) return syncRolloutStatus(ops, allRSs, newRS, d);
  if (!newRS) {
    ({ newRS, oldRSs } = await ops.getAllReplicaSetsAndSyncRevision(d, rsList, true));
    allRSs = [...oldRSs, newRS];
  }
  await ops.scaleReplicaSetAndRecordEvent(newRS!, replicasOf(d), d);
  if (deploymentComplete(d, d.status ?? {})) await ops.cleanupDeployment(oldRSs, d);
  return syncRolloutStatus(ops, allRSs, newRS, d);
}

/** Whether any pod of an old ReplicaSet may still run (terminal pods do not count). */
export function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[], podMap: Map<string, Pod[]>): boolean {
  if (actualReplicaCount(oldRSs) > 0) return true;
  for (const [uid, pods] of podMap) {
    if (newRS && newRS.metadata.uid === uid) continue;
    for (const p of pods) {
      const phase = p.status?.phase;
      if (phase === 'Failed' || phase === 'Succeeded') continue;
      return true;
    }
  }
  return false;
}

// ---- progress ----

/** ReplicaSetToDeploymentCondition: the ReplicaSets' ReplicaFailure, new ReplicaSet first. */
function replicaFailures(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): DeploymentCondition[] {
  const conv = (rs: ReplicaSet | undefined): DeploymentCondition[] =>
    (rs?.status?.conditions ?? [])
      .filter((c) => c.type === 'ReplicaFailure')
      .map((c) => ({
        type: c.type,
        status: c.status,
        lastUpdateTime: c.lastTransitionTime,
        lastTransitionTime: c.lastTransitionTime,
        reason: c.reason,
        message: c.message,
      }));
  const fromNew = conv(newRS);
  if (fromNew.length) return fromNew;
  return allRSs.flatMap(conv);
}

/** syncRolloutStatus: the status with the Progressing condition for where the rollout is. */
export async function syncRolloutStatus(
  ops: RolloutOps,
  allRSs: (ReplicaSet | undefined)[],
  newRS: ReplicaSet | undefined,
  d: Deployment,
): Promise<Requeue> {
  const status: DeploymentStatus = calculateStatus(allRSs, newRS, d);
  if (!hasProgressDeadline(d)) removeCondition(status, 'Progressing');
  const current = getCondition(d.status, 'Progressing');
  const isComplete = status.replicas === status.updatedReplicas && current?.reason === NewRSAvailableReason;
  if (hasProgressDeadline(d) && !isComplete) {
    if (deploymentComplete(d, status)) {
      const msg = newRS
        ? `ReplicaSet "${newRS.metadata.name}" has successfully progressed.`
        : `Deployment "${d.metadata.name}" has successfully progressed.`;
      setCondition(status, newCondition('Progressing', 'True', NewRSAvailableReason, msg));
    } else if (deploymentProgressing(d, status)) {
      const msg = newRS ? `ReplicaSet "${newRS.metadata.name}" is progressing.` : `Deployment "${d.metadata.name}" is progressing.`;
      const cond = newCondition('Progressing', 'True', ReplicaSetUpdatedReason, msg);
      // Progress refreshes lastUpdateTime (the deadline counts from it), even with the same reason.
      if (current) {
        if (current.status === 'True') cond.lastTransitionTime = current.lastTransitionTime;
        removeCondition(status, 'Progressing');
      }
      setCondition(status, cond);
    } else if (deploymentTimedOut(d, status)) {
      const msg = newRS
        ? `ReplicaSet "${newRS.metadata.name}" has timed out progressing.`
        : `Deployment "${d.metadata.name}" has timed out progressing.`;
      setCondition(status, newCondition('Progressing', 'False', TimedOutReason, msg));
    }
  }
  const failures = replicaFailures(allRSs, newRS);
  if (failures.length) setCondition(status, failures[0]);
  else removeCondition(status, 'ReplicaFailure');
  if (statusEqual(d.status, status)) return requeueStuckDeployment(d, status);
  d.status = status;
  await ops.updateDeploymentStatus(d);
}

/** When to check again whether a rollout without progress has passed its deadline. */
function requeueStuckDeployment(d: Deployment, status: DeploymentStatus): Requeue {
  const current = getCondition(d.status, 'Progressing');
  if (!hasProgressDeadline(d) || !current) return;
  if (deploymentComplete(d, status) || current.reason === TimedOutReason) return;
  const from = current.lastUpdateTime ? Date.parse(current.lastUpdateTime) : Date.now();
  const after = from + (d.spec.progressDeadlineSeconds ?? 0) * 1000 - Date.now();
  // Less than a second left: look again soon (Kubernetes re-adds it rate-limited).
  if (after < 1000) return Math.max(after, 0) + 100;
  return after;
}
