// The horizontal pod autoscaler's arithmetic, as kube-controller-manager's
// pkg/controller/podautoscaler (replica_calculator.go and the normalisation in horizontal.go):
// desired replicas from resource metrics with the 0.1 tolerance and the treatment of unready
// and missing pods, the stabilization windows, and the scale rate limits of behavior policies
// (or, without a behavior, the legacy limit of max(2×current, 4)). Pure functions; the
// controller keeps the recommendation and scale-event histories they read.

export const TOLERANCE = 0.1;
/** --horizontal-pod-autoscaler-cpu-initialization-period (5 m) and --horizontal-pod-autoscaler-initial-readiness-delay (30 s). */
export const CPU_INITIALIZATION_PERIOD_MS = 5 * 60_000;
export const INITIAL_READINESS_DELAY_MS = 30_000;

export interface PodInfoForScaling {
  name: string;
  phase?: string;
  deleting: boolean;
  /** Unix ms, undefined before the pod started. */
  startTime?: number;
  ready?: { status: string; lastTransitionTime: number };
  /** The resource's request summed over the pod's containers (milli-units), undefined when a container has none. */
  request?: number;
}

export interface PodMetric {
  value: number;
  timestamp: number;
  windowMs: number;
}

/** groupPods: ready pods with a metric count; unready, missing (no metric) and ignored (deleted, failed) pods are set apart. */
export function groupPods(
  pods: PodInfoForScaling[],
  metrics: Map<string, PodMetric>,
  resource: string,
  now: number,
): { readyPodCount: number; unready: Set<string>; missing: Set<string>; ignored: Set<string> } {
  let readyPodCount = 0;
  const unready = new Set<string>(),
    missing = new Set<string>(),
    ignored = new Set<string>();
  for (const pod of pods) {
    if (pod.deleting || pod.phase === 'Failed') {
      ignored.add(pod.name);
      continue;
    }
    if (pod.phase === 'Pending') {
      unready.add(pod.name);
      continue;
    }
    const metric = metrics.get(pod.name);
    if (!metric) {
      missing.add(pod.name);
      continue;
    }
    if (resource === 'cpu') {
      let isUnready: boolean;
      const cond = pod.ready;
      if (!cond || pod.startTime === undefined) isUnready = true;
      else if (pod.startTime + CPU_INITIALIZATION_PERIOD_MS > now) {
        // In its first minutes a pod counts only once a full metric window was read after it became ready.
        isUnready = cond.status === 'False' || metric.timestamp < cond.lastTransitionTime + metric.windowMs;
      } else {
        // Later, only a pod that has never been ready is left out.
        isUnready = cond.status === 'False' && pod.startTime + INITIAL_READINESS_DELAY_MS > cond.lastTransitionTime;
      }
      if (isUnready) {
        unready.add(pod.name);
        continue;
      }
    }
    readyPodCount++;
  }
  return { readyPodCount, unready, missing, ignored };
}

/** GetResourceUtilizationRatio: usage over requests of the pods that have both, against the target percentage. */
export function utilizationRatio(
  metrics: Map<string, PodMetric>,
  requests: Map<string, number>,
  targetUtilization: number,
): { ratio: number; utilization: number; rawAverage: number } {
  let usage = 0,
    req = 0,
    count = 0;
  for (const [pod, m] of metrics) {
    const r = requests.get(pod);
    if (r === undefined) continue;
    usage += m.value;
    req += r;
    count++;
  }
  if (req === 0) throw new Error('no metrics returned matched known pods');
  const utilization = Math.trunc((usage * 100) / req);
  return { ratio: utilization / targetUtilization, utilization, rawAverage: Math.trunc(usage / count) };
}

export interface ReplicaResult {
  replicas: number;
  utilization?: number;
  rawAverage: number;
}

/**
 * GetResourceReplicas (target: utilization %) and GetRawResourceReplicas (target: average value,
 * milli-units): the replica count that brings usage to the target, keeping the current count
 * within the tolerance and never moving against the direction the ready pods point to.
 */
export function resourceReplicas(
  currentReplicas: number,
  pods: PodInfoForScaling[],
  metricsIn: Map<string, PodMetric>,
  resource: string,
  target: { utilization?: number; averageValue?: number },
  now: number,
  tolerance = TOLERANCE,
): ReplicaResult {
  if (!pods.length) throw new Error('no pods returned by selector while calculating replica count');
  const metrics = new Map(metricsIn);
  const { readyPodCount, unready, missing, ignored } = groupPods(pods, metrics, resource, now);
  for (const p of [...ignored, ...unready]) metrics.delete(p);
  if (!metrics.size) throw new Error('did not receive metrics for targeted pods (pods might be unready)');
  const requests = new Map<string, number>();
  for (const p of pods) {
    if (target.utilization !== undefined && p.request === undefined) throw new Error(`missing request for ${resource} in pod ${p.name}`);
    if (p.request !== undefined) requests.set(p.name, p.request);
  }
  const ratioOf = (m: Map<string, PodMetric>) => {
    if (target.utilization !== undefined) return utilizationRatio(m, requests, target.utilization);
    let total = 0;
    for (const v of m.values()) total += v.value;
    const avg = total / m.size;
    return { ratio: avg / target.averageValue!, utilization: undefined, rawAverage: Math.trunc(avg) };
  };
  const first = ratioOf(metrics);
  const scaleUpWithUnready = unready.size > 0 && first.ratio > 1.0;
  if (!scaleUpWithUnready && missing.size === 0) {
    if (Math.abs(1.0 - first.ratio) <= tolerance)
      return { replicas: currentReplicas, utilization: first.utilization, rawAverage: first.rawAverage };
    return { replicas: Math.ceil(first.ratio * readyPodCount), utilization: first.utilization, rawAverage: first.rawAverage };
  }
  // Missing pods count as using their whole request when scaling down, nothing when scaling up;
  // unready pods count as using nothing when scaling up.
  const fallback = (pod: string): number => (target.utilization !== undefined ? (requests.get(pod) ?? 0) : target.averageValue!);
  for (const p of missing) metrics.set(p, { value: first.ratio < 1.0 ? fallback(p) : 0, timestamp: now, windowMs: 0 });
  if (scaleUpWithUnready) for (const p of unready) metrics.set(p, { value: 0, timestamp: now, windowMs: 0 });
  const next = ratioOf(metrics);
  if (Math.abs(1.0 - next.ratio) <= tolerance || (first.ratio < 1.0 && next.ratio > 1.0) || (first.ratio > 1.0 && next.ratio < 1.0)) {
    return { replicas: currentReplicas, utilization: first.utilization, rawAverage: first.rawAverage };
  }
  const replicas = Math.ceil(next.ratio * metrics.size);
  if ((next.ratio < 1.0 && replicas > currentReplicas) || (next.ratio > 1.0 && replicas < currentReplicas)) {
    return { replicas: currentReplicas, utilization: first.utilization, rawAverage: first.rawAverage };
  }
  return { replicas, utilization: first.utilization, rawAverage: first.rawAverage };
}

// ---- normalisation ----

export interface Recommendation {
  replicas: number;
  timestamp: number;
}
export interface ScaleEvent {
  change: number;
  timestamp: number;
  outdated: boolean;
}
export interface ScalingPolicy {
  type: string;
  value: number;
  periodSeconds: number;
}
export interface ScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: string;
  policies?: ScalingPolicy[];
}
export interface Limited {
  replicas: number;
  reason: string;
  message: string;
}

/** stabilizeRecommendation (no behavior): the highest recommendation of the downscale window. */
export function stabilizeLegacy(history: Recommendation[], desired: number, windowMs: number, now: number): number {
  let max = desired;
  let oldIndex = -1;
  const cutoff = now - windowMs;
  history.forEach((r, i) => {
    if (r.timestamp < cutoff) oldIndex = i;
    else if (r.replicas > max) max = r.replicas;
  });
  if (oldIndex >= 0) history[oldIndex] = { replicas: desired, timestamp: now };
  else history.push({ replicas: desired, timestamp: now });
  return max;
}

/** convertDesiredReplicasWithRules (no behavior): scale up at most to max(2×current, 4), then the min/max bounds. */
export function limitLegacy(current: number, desired: number, min: number, max: number): Limited {
  const scaleUpLimit = Math.max(2 * current, 4);
  let maximumAllowed: number, reason: string, message: string;
  if (max > scaleUpLimit) {
    maximumAllowed = scaleUpLimit;
    reason = 'ScaleUpLimit';
    message = 'the desired replica count is increasing faster than the maximum scale rate';
  } else {
    maximumAllowed = max;
    reason = 'TooManyReplicas';
    message = 'the desired replica count is more than the maximum replica count';
  }
  if (desired < min)
    return { replicas: min, reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };
  if (desired > maximumAllowed) return { replicas: maximumAllowed, reason, message };
  return { replicas: desired, reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
}

/** stabilizeRecommendationWithBehaviors: within both windows, the current count moves only as far as every recent recommendation agrees. */
export function stabilizeWithBehaviors(
  history: Recommendation[],
  current: number,
  desired: number,
  upWindowSeconds: number,
  downWindowSeconds: number,
  now: number,
): Limited {
  let up = desired,
    down = desired;
  const upCutoff = now - upWindowSeconds * 1000,
    downCutoff = now - downWindowSeconds * 1000;
  let oldIndex = -1;
  history.forEach((r, i) => {
    if (r.timestamp > upCutoff) up = Math.min(r.replicas, up);
    if (r.timestamp > downCutoff) down = Math.max(r.replicas, down);
    if (r.timestamp < upCutoff && r.timestamp < downCutoff) oldIndex = i;
  });
  let rec = current;
  if (rec < up) rec = up;
  if (rec > down) rec = down;
  if (oldIndex >= 0) history[oldIndex] = { replicas: desired, timestamp: now };
  else history.push({ replicas: desired, timestamp: now });
  return desired >= current
    ? {
        replicas: rec,
        reason: 'ScaleUpStabilized',
        message: 'recent recommendations were lower than current one, applying the lowest recent recommendation',
      }
    : {
        replicas: rec,
        reason: 'ScaleDownStabilized',
        message: 'recent recommendations were higher than current one, applying the highest recent recommendation',
      };
}

function changeInPeriod(periodSeconds: number, events: ScaleEvent[], now: number): number {
  const cutoff = now - periodSeconds * 1000;
  let sum = 0;
  for (const e of events) if (e.timestamp > cutoff) sum += e.change;
  return sum;
}

/** calculateScaleUpLimitWithScalingRules. */
export function scaleUpLimit(current: number, ups: ScaleEvent[], downs: ScaleEvent[], rules: ScalingRules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const useMin = rules.selectPolicy === 'Min';
  let result = useMin ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  for (const p of rules.policies ?? []) {
    const start = current - changeInPeriod(p.periodSeconds, ups, now) + changeInPeriod(p.periodSeconds, downs, now);
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = useMin ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return result;
}

/** calculateScaleDownLimitWithBehaviors. */
export function scaleDownLimit(current: number, ups: ScaleEvent[], downs: ScaleEvent[], rules: ScalingRules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  // For scaling down, the smallest change ("Min") is the highest count.
  const useMin = rules.selectPolicy === 'Min';
  let result = useMin ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
  for (const p of rules.policies ?? []) {
    const start = current - changeInPeriod(p.periodSeconds, ups, now) + changeInPeriod(p.periodSeconds, downs, now);
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = useMin ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

/** convertDesiredReplicasWithBehaviorRate. */
export function limitWithBehaviors(
  current: number,
  desired: number,
  min: number,
  max: number,
  up: ScalingRules,
  down: ScalingRules,
  ups: ScaleEvent[],
  downs: ScaleEvent[],
  now: number,
): Limited {
  if (desired > current) {
    let limit = scaleUpLimit(current, ups, downs, up, now);
    if (limit < current) limit = current;
    let maximumAllowed = max,
      reason = 'TooManyReplicas',
      message = 'the desired replica count is more than the maximum replica count';
    if (maximumAllowed > limit) {
      maximumAllowed = limit;
      reason = 'ScaleUpLimit';
      message = 'the desired replica count is increasing faster than the maximum scale rate';
    }
    if (desired > maximumAllowed) return { replicas: maximumAllowed, reason, message };
  } else if (desired < current) {
    let limit = scaleDownLimit(current, ups, downs, down, now);
    if (limit > current) limit = current;
    let minimumAllowed = min,
      reason = 'TooFewReplicas',
      message = 'the desired replica count is less than the minimum replica count';
    if (minimumAllowed < limit) {
      minimumAllowed = limit;
      reason = 'ScaleDownLimit';
      message = 'the desired replica count is decreasing faster than the maximum scale rate';
    }
    if (desired < minimumAllowed) return { replicas: minimumAllowed, reason, message };
  }
  return { replicas: desired, reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
}

/** storeScaleEvent: an event older than the longest policy period is reused for the new one. */
export function recordScaleEvent(events: ScaleEvent[], rules: ScalingRules | undefined, change: number, now: number): void {
  const longest = Math.max(0, ...(rules?.policies ?? []).map((p) => p.periodSeconds));
  const cutoff = now - longest * 1000;
  for (const e of events) if (e.timestamp < cutoff) e.outdated = true;
  const i = events.findIndex((e) => e.outdated);
  const ev = { change, timestamp: now, outdated: false };
  if (i >= 0) events[i] = ev;
  else events.push(ev);
}
