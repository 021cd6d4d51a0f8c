// pods/eviction, as kube-apiserver's pkg/registry/core/pod/storage/eviction.go: a delete that
// honours PodDisruptionBudgets. A pod that is not running (Pending, finished) or already being
// deleted goes at once; otherwise the one budget covering it must allow a disruption, which the
// handler takes (disruptionsAllowed - 1, the pod recorded in disruptedPods) with a
// compare-and-swap on the budget's status before it marks the pod with the DisruptionTarget
// condition and deletes it. A budget that cannot allow it answers 429 TooManyRequests with
// Kubernetes' message, which `kubectl drain` retries.

import { conditionsOf, withPodCondition } from '../../../api/conditions.js';
import { errors, StatusError } from '../../../api/errors.js';
import { isObject, nowRFC3339 } from '../../../api/object.js';
import {
  budgetCoversPod,
  DISRUPTION_TARGET_CONDITION,
  isPodReady,
  type PodDisruptionBudget,
  updateDisruptionAllowedCondition,
} from '../../../api/poddisruptionbudget.js';
import type { Pod } from '../../../api/types.js';
import { checkPreconditions, type DeleteOptions, type GenericRegistry } from '../generic.js';
import type { CreateHandler } from '../rest.js';
import type { RequestContext } from '../strategy.js';

/** MaxDisruptedPodSize: evictions approved but not yet seen by the disruption controller. */
const MAX_DISRUPTED_POD_SIZE = 2000;
/** EvictionsRetry: conflicting writers get this many tries. */
const RETRIES = 20;
const DISRUPTION_BUDGET_CAUSE = 'DisruptionBudget';
export const EVICTION_REFUSED = "Cannot evict pod as it would violate the pod's disruption budget.";

const success = { code: 201, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } };

function tooManyRequests(retryAfterSeconds: number, cause: string): StatusError {
  const details: StatusError['details'] = { causes: [{ reason: DISRUPTION_BUDGET_CAUSE, message: cause }] };
  if (retryAfterSeconds > 0) details.retryAfterSeconds = retryAfterSeconds;
  return new StatusError(429, 'TooManyRequests', EVICTION_REFUSED, details);
}

const stillProcessing = (pdb: string) => tooManyRequests(10, `The disruption budget ${pdb} is still being processed by the server.`);

function forbiddenBudget(name: string, why: string): StatusError {
  return errors.forbidden(`poddisruptionbudget.policy "${name}" is forbidden: ${why}`, {
    name,
    group: 'policy',
    kind: 'poddisruptionbudget',
  });
}

/** canIgnorePDB: a pod that is not running, or already on its way out, disrupts nothing more. */
function canIgnorePDB(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || !!pod.metadata.deletionTimestamp;
}

/** shouldEnforceResourceVersion: only a live pod may turn ready between our read and the delete. */
function shouldEnforceResourceVersion(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return !(phase === 'Succeeded' || phase === 'Failed' || pod.metadata.deletionTimestamp);
}

const rvUnset = (o: DeleteOptions): boolean => !o.preconditions?.resourceVersion;
const withRV = (o: DeleteOptions, rv: string | undefined): DeleteOptions => ({
  ...o,
  preconditions: { ...(o.preconditions ?? {}), resourceVersion: rv },
});
const isConflict = (e: unknown): boolean => e instanceof StatusError && e.code === 409 && e.reason === 'Conflict';

/**
 * addConditionAndDeletePod: DisruptionTarget=True (reason EvictionByEvictionAPI) on the pod, then
 * the delete, both under the caller's preconditions (a newer pod is a conflict).
 */
async function addConditionAndDeletePod(
  pods: GenericRegistry,
  namespace: string,
  name: string,
  options: DeleteOptions,
  ctx: RequestContext,
): Promise<void> {
  let opts = options;
  if (!ctx.dryRun) {
    const { obj } = await pods.guaranteedUpdate(namespace, name, ctx, 'status', (cur) => {
      if (!cur) throw pods.notFound(name);
      checkPreconditions(opts.preconditions, cur, 'pods', '', name);
      // podutil.UpdatePodCondition: the transition time moves only when the status changes.
      const conditions = withPodCondition(conditionsOf(cur), {
        type: DISRUPTION_TARGET_CONDITION,
        status: 'True',
        reason: 'EvictionByEvictionAPI',
        message: 'Eviction API: evicting',
        lastProbeTime: null,
      });
      return conditions ? { ...cur, status: { ...(cur.status as object), conditions } } : cur;
    });
    // The condition is ours: the delete's resourceVersion precondition moves on with it.
    if (!rvUnset(opts)) opts = withRV(opts, obj.metadata.resourceVersion);
  }
  await pods.delete(namespace, name, opts, ctx);
}

/**
 * checkAndDecrement: the budget must be observed and allow a disruption; it then allows one
 * fewer and records the pod, with the budget's resourceVersion as precondition.
 */
async function checkAndDecrement(pdbs: GenericRegistry, podName: string, pdb: PodDisruptionBudget, ctx: RequestContext): Promise<void> {
  const name = pdb.metadata.name!;
  const status = pdb.status ?? { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  if ((status.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) throw stillProcessing(name);
  if (status.disruptionsAllowed < 0) throw forbiddenBudget(name, 'pdb disruptions allowed is negative');
  if (Object.keys(status.disruptedPods ?? {}).length > MAX_DISRUPTED_POD_SIZE)
    throw forbiddenBudget(name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
  if (status.disruptionsAllowed === 0) {
    throw tooManyRequests(
      0,
      `The disruption budget ${name} needs ${status.desiredHealthy} healthy pods and has ${status.currentHealthy} currently`,
    );
  }
  const next: PodDisruptionBudget = { ...pdb, status: { ...status, disruptionsAllowed: status.disruptionsAllowed - 1 } };
  if (next.status!.disruptionsAllowed === 0) updateDisruptionAllowedCondition(next.status!);
  if (ctx.dryRun) return;
  next.status!.disruptedPods = { ...(status.disruptedPods ?? {}), [podName]: nowRFC3339() };
  await pdbs.update(pdb.metadata.namespace, name, next, ctx, 'status');
}

/** pods/eviction (policy/v1 Eviction). */
export const evict: CreateHandler = async (env, namespace, name, decoded, ctx) => {
  if (!isObject(decoded)) throw errors.badRequest('Eviction must be an object');
  const ev = decoded as { metadata?: { name?: string }; deleteOptions?: DeleteOptions & { dryRun?: string[] } };
  if ((ev.metadata?.name ?? '') !== name) throw errors.badRequest('name in URL does not match name in Eviction object');
  const ns = namespace!;
  const pods = env.registry('', 'pods')!;
  const pdbs = env.registry('policy', 'poddisruptionbudgets');
  const original: DeleteOptions = { ...(ev.deleteOptions ?? {}) };
  // propagateDryRun: either one alone decides (kubectl drain --dry-run=server sets only the
  // body's); when both are given they must agree.
  const bodyDry = original.dryRun ?? [];
  if (!Array.isArray(bodyDry) || bodyDry.some((d) => d !== 'All'))
    throw errors.badRequest(`dryRun: Unsupported value: ${JSON.stringify(bodyDry)}: supported values: "All"`);
  if (bodyDry.length && ctx.dryRun && !bodyDry.includes('All'))
    throw errors.badRequest(`Non-matching dry-run options in request and content: [${ctx.dryRun ? 'All' : ''}] and [${bodyDry.join(' ')}]`);
  const rctx: RequestContext = { ...ctx, dryRun: ctx.dryRun || bodyDry.includes('All') };
  delete original.dryRun;

  // A pod that can be deleted without asking any budget goes now.
  let pod: Pod | undefined;
  for (let attempt = 0; ; attempt++) {
    pod = (await pods.get(ns, name)) as Pod;
    if (!canIgnorePDB(pod)) break;
    let opts = original;
    if (shouldEnforceResourceVersion(pod) && rvUnset(original)) opts = withRV(original, pod.metadata.resourceVersion);
    try {
      await addConditionAndDeletePod(pods, ns, name, opts, rctx);
      return success;
    } catch (e) {
      if (isConflict(e) && rvUnset(original) && attempt < RETRIES) continue;
      throw e;
    }
  }

  const covering = pdbs
    ? ((await pdbs.list(ns, {})).items.filter((b) => budgetCoversPod(b as PodDisruptionBudget, pod!)) as PodDisruptionBudget[])
    : [];
  if (covering.length > 1) {
    return {
      code: 500,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
        code: 500,
      },
    };
  }
  let pdbName = '';
  let updateDeletionOptions = false;
  if (covering.length === 1 && pdbs) {
    let pdb = covering[0];
    pdbName = pdb.metadata.name!;
    const status = pdb.status;
    const unhealthyMayGo =
      !isPodReady(pod) &&
      (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow' ||
        ((status?.currentHealthy ?? 0) >= (status?.desiredHealthy ?? 0) && (status?.desiredHealthy ?? 0) > 0));
    if (unhealthyMayGo) {
      // An unready pod counts for nothing: it may go without a disruption taken, if it stays unready.
      updateDeletionOptions = true;
    } else {
      for (let attempt = 0; ; attempt++) {
        try {
          await checkAndDecrement(pdbs, name, pdb, rctx);
          break;
        } catch (e) {
          if (!isConflict(e)) throw e;
          if (attempt >= RETRIES) throw errors.timeout(`couldn't update PodDisruptionBudget "${pdbName}" due to conflicts`);
          pdb = (await pdbs.get(ns, pdbName)) as PodDisruptionBudget;
        }
      }
    }
  }

  const opts = updateDeletionOptions ? withRV(original, pod.metadata.resourceVersion) : original;
  try {
    await addConditionAndDeletePod(pods, ns, name, opts, rctx);
  } catch (e) {
    if (isConflict(e) && updateDeletionOptions && rvUnset(original)) throw stillProcessing(pdbName);
    throw e;
  }
  return success;
};
