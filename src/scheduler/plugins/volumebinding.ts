// VolumeBinding, as kube-scheduler's plugin of that name with its volume binder: a pod's claims
// decide where it may run. PreFilter refuses a pod whose claims are missing, being deleted or
// lost, or Immediate-mode claims not bound yet. Filter, per node: a bound claim's volume must
// fit the node (node affinity); a WaitForFirstConsumer claim needs an Available matching volume
// that fits the node, or a class that can provision there (allowedTopologies). Reserve holds the
// volumes chosen so that pods scheduled meanwhile do not take them; PreBind writes the bindings
// (a chosen volume's claimRef, or the claim's selected-node annotation for its provisioner) and
// waits until the PV controller has bound every claim, then the pod is bound.

import type { KObject } from '../../api/object.js';
import { deepCopy } from '../../api/object.js';
import {
  ANN_BIND_COMPLETED,
  ANN_BOUND_BY_CONTROLLER,
  ANN_SELECTED_NODE,
  checkAccessModes,
  claimClassName,
  claimReference,
  findMatchingVolume,
  hasAnnotation,
  isVolumeBoundToClaim,
  matchTopologySelectorTerms,
  NOT_SUPPORTED_PROVISIONER,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type StorageClass,
  volumeFitsNode,
} from '../../api/persistentvolume.js';
import { PERSISTENTVOLUMECLAIMS, PERSISTENTVOLUMES, STORAGECLASSES } from '../../api/types.js';
import type { Informer } from '../../client/informer.js';
import { isNotFound } from '../../client/rest.js';
import type { NodeInfo, PodInfo } from '../cache.js';
import {
  Code,
  type CycleState,
  type FilterPlugin,
  type Handle,
  type PreBindPlugin,
  type PreFilterOutcome,
  type PreFilterPlugin,
  type ReservePlugin,
  SKIP,
  Status,
} from '../framework.js';

export const ERR_REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const ERR_REASON_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const ERR_REASON_PV_NOT_EXIST = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';
export const ERR_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';
const NAME = 'VolumeBinding';
const STATE_KEY = 'PreFilterVolumeBinding';
/** bindTimeoutSeconds of the VolumeBinding plugin's default arguments. */
const DEFAULT_BIND_TIMEOUT_MS = 600_000;

interface PodVolumes {
  staticBindings: { pv: PersistentVolume; pvc: PersistentVolumeClaim }[];
  dynamicProvisions: PersistentVolumeClaim[];
}

interface StateData {
  boundClaims: PersistentVolumeClaim[];
  unboundDelay: PersistentVolumeClaim[];
  byNode: Map<string, PodVolumes>;
  allBound: boolean;
}

/** isPVCBound: the claim names its volume and the PV controller has completed the binding. */
const fullyBound = (c: PersistentVolumeClaim): boolean => !!c.spec?.volumeName && hasAnnotation(c, ANN_BIND_COMPLETED);

/** The claims the pod's volumes use, as (volume is ephemeral, claim name). */
function podClaims(pod: KObject): { name: string; ephemeral: boolean }[] {
  const vols =
    (pod.spec as { volumes?: { name: string; persistentVolumeClaim?: { claimName?: string }; ephemeral?: unknown }[] } | undefined)
      ?.volumes ?? [];
  const out: { name: string; ephemeral: boolean }[] = [];
  for (const v of vols) {
    if (v.persistentVolumeClaim) out.push({ name: v.persistentVolumeClaim.claimName ?? '', ephemeral: false });
    else if (v.ephemeral) out.push({ name: `${pod.metadata.name}-${v.name}`, ephemeral: true });
  }
  return out;
}

export interface VolumeBindingOptions {
  bindTimeoutMs?: number;
  /** How often PreBind looks whether the bindings are done (the informers' caches are read). */
  pollMs?: number;
}

export class VolumeBinding implements PreFilterPlugin, FilterPlugin, ReservePlugin, PreBindPlugin {
  readonly name = NAME;
  private readonly pvcs?: Informer<PersistentVolumeClaim>;
  private readonly pvs?: Informer<PersistentVolume>;
  private readonly classes?: Informer<StorageClass>;
  /** Volumes reserved for a claim of a pod on its way to being bound (pv name -> claim key). */
  private readonly assumed = new Map<string, string>();

  constructor(
    private readonly handle: Handle,
    private readonly opts: VolumeBindingOptions = {},
  ) {
    const f = handle.informers;
    if (!f) return;
    this.pvcs = f.informerFor<PersistentVolumeClaim>(PERSISTENTVOLUMECLAIMS);
    this.pvs = f.informerFor<PersistentVolume>(PERSISTENTVOLUMES);
    this.classes = f.informerFor<StorageClass>(STORAGECLASSES);
    // EventsToRegister: claims, volumes and classes that appear or change may let pods in.
    const requeue = (label: string) => () => handle.requeue?.({ label, plugins: new Set([NAME]) });
    this.pvcs.addEventHandler({ onAdd: requeue('PersistentVolumeClaimAdd'), onUpdate: requeue('PersistentVolumeClaimUpdate') });
    this.pvs.addEventHandler({ onAdd: requeue('PersistentVolumeAdd'), onUpdate: requeue('PersistentVolumeUpdate') });
    this.classes.addEventHandler({ onAdd: requeue('StorageClassAdd'), onUpdate: requeue('StorageClassUpdate') });
  }

  private claim(namespace: string, name: string): PersistentVolumeClaim | undefined {
    return this.pvcs?.getByName(namespace, name);
  }

  private isDelayBinding(claim: PersistentVolumeClaim): boolean {
    const cls = claimClassName(claim);
    return !!cls && this.classes?.get(cls)?.volumeBindingMode === 'WaitForFirstConsumer';
  }

  preFilter(state: CycleState, pod: PodInfo): PreFilterOutcome | undefined {
    const claims = podClaims(pod.pod);
    if (claims.length === 0) return { status: SKIP };
    const unresolvable = (msg: string) => ({ status: new Status(Code.UnschedulableAndUnresolvable, [msg]) });
    const data: StateData = { boundClaims: [], unboundDelay: [], byNode: new Map(), allBound: false };
    let unboundImmediate = 0;
    for (const { name, ephemeral } of claims) {
      const pvc = this.claim(pod.namespace, name);
      if (!pvc)
        return unresolvable(
          ephemeral
            ? `waiting for ephemeral volume controller to create the persistentvolumeclaim "${name}"`
            : `persistentvolumeclaim "${name}" not found`,
        );
      if (pvc.status?.phase === 'Lost')
        return unresolvable(`persistentvolumeclaim "${name}" bound to non-existent persistentvolume "${pvc.spec?.volumeName ?? ''}"`);
      if (pvc.metadata.deletionTimestamp) return unresolvable(`persistentvolumeclaim "${name}" is being deleted`);
      if (ephemeral && !(pvc.metadata.ownerReferences ?? []).some((r) => r.uid === pod.uid && r.controller)) {
        return unresolvable(`PVC ${pod.namespace}/${name} was not created for pod ${pod.key} (pod is not owner)`);
      }
      if (fullyBound(pvc)) data.boundClaims.push(pvc);
      else if (this.isDelayBinding(pvc) && !pvc.spec?.volumeName) data.unboundDelay.push(pvc);
      else unboundImmediate++;
    }
    if (unboundImmediate > 0) return unresolvable(ERR_UNBOUND_IMMEDIATE);
    state.write(STATE_KEY, data);
    return undefined;
  }

  filter(state: CycleState, _pod: PodInfo, node: NodeInfo): Status | undefined {
    const data = state.read<StateData>(STATE_KEY);
    if (!data) return undefined;
    const reasons = new Set<string>();
    for (const pvc of data.boundClaims) {
      const pv = this.pvs?.get(pvc.spec!.volumeName!);
      if (!pv) reasons.add(ERR_REASON_PV_NOT_EXIST);
      else if (!volumeFitsNode(pv, node.labels, node.name)) reasons.add(ERR_REASON_NODE_CONFLICT);
    }
    const podVolumes: PodVolumes = { staticBindings: [], dynamicProvisions: [] };
    if (data.unboundDelay.length > 0) {
      const chosen = new Set(this.assumed.keys());
      const volumes = this.pvs?.list() ?? [];
      for (const pvc of data.unboundDelay) {
        const candidates = volumes.filter(
          (v) => checkAccessModes(pvc, v) && !(this.assumed.has(v.metadata.name!) && !isVolumeBoundToClaim(v, pvc)),
        );
        const pv = findMatchingVolume(pvc, candidates, { node: { name: node.name, labels: node.labels }, excluded: chosen });
        if (pv) {
          podVolumes.staticBindings.push({ pv, pvc });
          chosen.add(pv.metadata.name!);
          continue;
        }
        // checkVolumeProvisions: the claim's class must provision, on this node.
        const cls = claimClassName(pvc);
        const sc = cls ? this.classes?.get(cls) : undefined;
        if (!cls) return new Status(Code.Error, [`no class for claim "${pvc.metadata.name}"`]);
        if (!sc) return new Status(Code.Error, [`failed to find storage class "${cls}"`]);
        if (
          !sc.provisioner ||
          sc.provisioner === NOT_SUPPORTED_PROVISIONER ||
          !matchTopologySelectorTerms(sc.allowedTopologies, node.labels)
        ) {
          reasons.add(ERR_REASON_BIND_CONFLICT);
          continue;
        }
        podVolumes.dynamicProvisions.push(pvc);
      }
    }
    if (reasons.size > 0) return new Status(Code.UnschedulableAndUnresolvable, [...reasons]);
    data.byNode.set(node.name, podVolumes);
    return undefined;
  }

  reserve(state: CycleState, _pod: PodInfo, nodeName: string): Status | undefined {
    const data = state.read<StateData>(STATE_KEY);
    const pv = data?.byNode.get(nodeName);
    if (!data || !pv) {
      if (data) data.allBound = true;
      return undefined;
    }
    data.allBound = pv.staticBindings.length === 0 && pv.dynamicProvisions.length === 0;
    for (const b of pv.staticBindings) this.assumed.set(b.pv.metadata.name!, `${b.pvc.metadata.namespace}/${b.pvc.metadata.name}`);
    return undefined;
  }

  unreserve(state: CycleState, _pod: PodInfo, nodeName: string): void {
    for (const b of state.read<StateData>(STATE_KEY)?.byNode.get(nodeName)?.staticBindings ?? []) this.assumed.delete(b.pv.metadata.name!);
  }

  async preBind(state: CycleState, _pod: PodInfo, nodeName: string): Promise<Status | undefined> {
    const data = state.read<StateData>(STATE_KEY);
    if (!data || data.allBound) return undefined;
    const vols = data.byNode.get(nodeName);
    if (!vols) return new Status(Code.Error, [`no pod volumes found for node "${nodeName}"`]);
    try {
      const written = await this.bindAPIUpdate(vols, nodeName);
      await this.waitForBindings(vols, nodeName, written);
      return undefined;
    } catch (e) {
      return new Status(Code.Error, [`binding volumes: ${(e as Error)?.message ?? String(e)}`]);
    } finally {
      for (const b of vols.staticBindings) this.assumed.delete(b.pv.metadata.name!);
    }
  }

  /**
   * bindAPIUpdate: each chosen volume gets its claimRef; each claim to provision, the chosen node.
   * Returns the resourceVersions written, so that a cache that has not caught up is not misread.
   */
  private async bindAPIUpdate(vols: PodVolumes, nodeName: string): Promise<Map<string, number>> {
    const written = new Map<string, number>();
    const client = this.handle.client;
    if (!client) throw new Error('the scheduler has no API client');
    for (const { pv, pvc } of vols.staticBindings) {
      const cur = this.pvs?.get(pv.metadata.name!) ?? pv;
      if (isVolumeBoundToClaim(cur, pvc) && cur.spec?.claimRef?.uid === pvc.metadata.uid) continue;
      const next = deepCopy(cur);
      next.spec = { ...next.spec, claimRef: claimReference(pvc) };
      if (!isVolumeBoundToClaim(cur, pvc))
        next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [ANN_BOUND_BY_CONTROLLER]: 'yes' };
      await client.update({ ...PERSISTENTVOLUMES, name: cur.metadata.name }, next);
    }
    for (const pvc of vols.dynamicProvisions) {
      const cur = this.claim(pvc.metadata.namespace!, pvc.metadata.name!) ?? pvc;
      if (cur.metadata.annotations?.[ANN_SELECTED_NODE] === nodeName) continue;
      const next = deepCopy(cur);
      next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [ANN_SELECTED_NODE]: nodeName };
      const out = await client.update({ ...PERSISTENTVOLUMECLAIMS, namespace: cur.metadata.namespace, name: cur.metadata.name }, next);
      written.set(out.metadata.uid ?? '', Number(out.metadata.resourceVersion ?? 0));
    }
    return written;
  }

  /** checkBindings until every claim is fully bound to a volume that fits the node, or it cannot be. */
  private async waitForBindings(vols: PodVolumes, nodeName: string, written: Map<string, number>): Promise<void> {
    const deadline = Date.now() + (this.opts.bindTimeoutMs ?? DEFAULT_BIND_TIMEOUT_MS);
    const claims = [...vols.staticBindings.map((b) => b.pvc), ...vols.dynamicProvisions];
    const provisioned = new Set(vols.dynamicProvisions.map((c) => c.metadata.uid));
    for (;;) {
      let done = true;
      for (const want of claims) {
        const pvc = this.claim(want.metadata.namespace!, want.metadata.name!) ?? (await this.fetchClaim(want));
        if (!pvc || pvc.metadata.uid !== want.metadata.uid)
          throw new Error(`pvc "${want.metadata.namespace}/${want.metadata.name}" was deleted`);
        // Not yet the version this binding wrote: the cache is behind.
        if (Number(pvc.metadata.resourceVersion ?? 0) < (written.get(pvc.metadata.uid ?? '') ?? 0)) {
          done = false;
          continue;
        }
        if (provisioned.has(pvc.metadata.uid) && pvc.metadata.annotations?.[ANN_SELECTED_NODE] === undefined && !pvc.spec?.volumeName) {
          throw new Error(`selectedNode annotation reset for PVC "${pvc.metadata.name}"`);
        }
        if (!fullyBound(pvc)) {
          done = false;
          continue;
        }
        const pv = this.pvs?.get(pvc.spec!.volumeName!);
        if (!pv) {
          done = false;
          continue;
        }
        if (!isVolumeBoundToClaim(pv, pvc)) {
          done = false;
          continue;
        }
        if (!volumeFitsNode(pv, this.handle.cache.getNode(nodeName)?.labels ?? {}, nodeName)) {
          throw new Error(`pv "${pv.metadata.name}" node affinity doesn't match node "${nodeName}"`);
        }
      }
      if (done) return;
      if (Date.now() > deadline) throw new Error('context deadline exceeded');
      await new Promise((r) => setTimeout(r, this.opts.pollMs ?? 100));
      if (!this.handle.cache.getNode(nodeName)) throw new Error(`node "${nodeName}" is gone`);
    }
  }

  private async fetchClaim(want: PersistentVolumeClaim): Promise<PersistentVolumeClaim | undefined> {
    try {
      return await this.handle.client?.get<PersistentVolumeClaim>({
        ...PERSISTENTVOLUMECLAIMS,
        namespace: want.metadata.namespace,
        name: want.metadata.name,
      });
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }
}
