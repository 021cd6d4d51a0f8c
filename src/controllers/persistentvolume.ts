// The PersistentVolume controller (the binder), as kube-controller-manager's
// pkg/controller/volume/persistentvolume: claims and volumes synced on two queues of one worker
// each. An unbound claim gets the smallest matching Available volume (volume first: claimRef,
// phase Bound; then the claim: volumeName, bind-completed, phase Bound with the volume's
// capacity and access modes); with none, a claim without a class waits with FailedBinding, a
// WaitForFirstConsumer claim waits for the scheduler's selected node, and one with a class asks
// its (external) provisioner through the storage-provisioner annotations. A volume whose claim is
// gone is Released and reclaimed: Retain keeps it, Delete leaves it to the provisioner that made
// it, and a volume no deleter serves (or Recycle, which has no recycler here) goes Failed.
// Claims without a class get the default class once one exists (retroactive default).
//
// Every write is remembered (the last written version of each object), so a sync that runs
// before the informer has caught up does not undo the binding it just made.

import { errorMessage } from '../api/errors.js';
import type { KObject } from '../api/object.js';
import { deepCopy } from '../api/object.js';
import {
  ANN_BETA_STORAGE_PROVISIONER,
  ANN_BIND_COMPLETED,
  ANN_BOUND_BY_CONTROLLER,
  ANN_DYNAMICALLY_PROVISIONED,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  checkAccessModes,
  claimClassName,
  claimHasClass,
  claimKey,
  claimReference,
  findBestMatchForClaim,
  hasAnnotation,
  isVolumeBoundToClaim,
  type PersistentVolume,
  type PersistentVolumeClaim,
  podClaimNames,
  requestedStorage,
  type StorageClass,
  volumeClassName,
  volumeModeMismatch,
  volumeStorage,
} from '../api/persistentvolume.js';
import { PERSISTENTVOLUMECLAIMS, PERSISTENTVOLUMES, PODS, STORAGECLASSES } from '../api/types.js';
import { ControllerLoop } from '../client/controller.js';
import { EventRecorder } from '../client/events.js';
import { type Informer, objectKey, type SharedInformerFactory } from '../client/informer.js';
import { isNotFound, type RestClient } from '../client/rest.js';

/** Pods by the claims they use ("namespace/claim"): the PV and PVC protection controllers look them up. */
export const POD_PVC_INDEX = 'pod-pvc';
const DEFAULT_CLASS_ANNOTATIONS = ['storageclass.kubernetes.io/is-default-class', 'storageclass.beta.kubernetes.io/is-default-class'];

export function podPVCIndexFunc(pod: KObject): string[] {
  return podClaimNames(pod).map((c) => claimKey(pod.metadata.namespace, c));
}

export interface PersistentVolumeControllerOptions {
  log?: (m: string) => void;
  /** Every claim and volume is synced again this often (kube-controller-manager: 15 s). */
  resyncPeriodMs?: number;
}

const rv = (o: KObject | undefined): number => Number(o?.metadata.resourceVersion ?? 0) || 0;

/** A claim's status phase, as the controller reads it. */
const claimPhase = (c: PersistentVolumeClaim): string => c.status?.phase ?? '';
const volumePhase = (v: PersistentVolume): string => v.status?.phase ?? '';

/**
 * The informer's copy of key, or the controller's own write of it while that is newer (the
 * informer has not caught up yet), as the PV controller's assume cache; a stale write is dropped.
 */
function newestOf<T extends KObject>(cached: T | undefined, written: Map<string, T>, key: string): T | undefined {
  const mine = written.get(key);
  if (!cached) return undefined;
  if (mine && mine.metadata.uid === cached.metadata.uid && rv(mine) > rv(cached)) return mine;
  if (mine) written.delete(key);
  return cached;
}

export class PersistentVolumeController {
  readonly name = 'persistentvolume-binder';
  readonly claimLoop: ControllerLoop;
  readonly volumeLoop: ControllerLoop;
  private readonly pvInf: Informer<PersistentVolume>;
  private readonly pvcInf: Informer<PersistentVolumeClaim>;
  private readonly scInf: Informer<StorageClass>;
  private readonly podInf: Informer;
  private readonly recorder: EventRecorder;
  private readonly log: (m: string) => void;
  /** The last version this controller wrote of each object, newer than the informer's until it catches up. */
  private readonly writtenVolumes = new Map<string, PersistentVolume>();
  private readonly writtenClaims = new Map<string, PersistentVolumeClaim>();
  private resync?: NodeJS.Timeout;

  constructor(
    private readonly client: RestClient,
    factory: SharedInformerFactory,
    private readonly opts: PersistentVolumeControllerOptions = {},
  ) {
    this.log = opts.log ?? (() => {});
    this.recorder = new EventRecorder(client, {
      component: 'persistentvolume-controller',
      onError: (e) => this.log(`persistentvolume events: ${errorMessage(e)}`),
    });
    this.claimLoop = new ControllerLoop({ name: 'persistentvolume-claims', reconcile: (k) => this.syncClaimKey(k) }, 1, this.log);
    this.volumeLoop = new ControllerLoop({ name: 'persistentvolume-volumes', reconcile: (k) => this.syncVolumeKey(k) }, 1, this.log);
    this.pvInf = factory.informerFor<PersistentVolume>(PERSISTENTVOLUMES);
    this.pvcInf = factory.informerFor<PersistentVolumeClaim>(PERSISTENTVOLUMECLAIMS);
    this.scInf = factory.informerFor<StorageClass>(STORAGECLASSES);
    this.podInf = factory.informerFor({ ...PODS, indexers: { [POD_PVC_INDEX]: podPVCIndexFunc } });
    this.pvInf.addEventHandler({
      onAdd: (v) => this.volumeLoop.enqueue(v.metadata.name!),
      onUpdate: (_o, v) => this.volumeLoop.enqueue(v.metadata.name!),
      onDelete: (v) => {
        this.writtenVolumes.delete(v.metadata.name!);
        // A claim bound to a volume that is gone is Lost.
        const ref = v.spec?.claimRef;
        if (ref?.name) this.claimLoop.enqueue(claimKey(ref.namespace, ref.name));
      },
    });
    this.pvcInf.addEventHandler({
      onAdd: (c) => this.claimLoop.enqueue(objectKey(c)),
      onUpdate: (_o, c) => this.claimLoop.enqueue(objectKey(c)),
      onDelete: (c) => {
        this.writtenClaims.delete(objectKey(c));
        // Its volume is Released now.
        if (c.spec?.volumeName) this.volumeLoop.enqueue(c.spec.volumeName);
      },
    });
    // A new default class may give classless claims one; a new class may let claims provision.
    this.scInf.addEventHandler({ onAdd: () => this.enqueueUnboundClaims(), onUpdate: () => this.enqueueUnboundClaims() });
  }

  start(): void {
    this.claimLoop.start();
    this.volumeLoop.start();
    const period = this.opts.resyncPeriodMs ?? 15_000;
    this.resync = setInterval(() => {
      for (const v of this.pvInf.list()) this.volumeLoop.enqueue(v.metadata.name!);
      for (const c of this.pvcInf.list()) this.claimLoop.enqueue(objectKey(c));
    }, period);
  }

  async stop(): Promise<void> {
    if (this.resync) clearInterval(this.resync);
    await Promise.all([this.claimLoop.stop(), this.volumeLoop.stop()]);
    await this.recorder.stop();
  }

  private enqueueUnboundClaims(): void {
    for (const c of this.pvcInf.list()) if (!c.spec?.volumeName) this.claimLoop.enqueue(objectKey(c));
  }

  // ---- the controller's view: informer caches overlaid with its own newer writes ----

  private volume(name: string): PersistentVolume | undefined {
    return newestOf(this.pvInf.get(name), this.writtenVolumes, name);
  }

  private volumes(): PersistentVolume[] {
    return this.pvInf
      .list()
      .map((v) => this.volume(v.metadata.name!)!)
      .filter(Boolean);
  }

  private claim(key: string): PersistentVolumeClaim | undefined {
    return newestOf(this.pvcInf.get(key), this.writtenClaims, key);
  }

  private storeVolume(v: PersistentVolume): PersistentVolume {
    this.writtenVolumes.set(v.metadata.name!, v);
    return v;
  }

  private storeClaim(c: PersistentVolumeClaim): PersistentVolumeClaim {
    this.writtenClaims.set(objectKey(c), c);
    return c;
  }

  // ---- claims ----

  private async syncClaimKey(key: string): Promise<void> {
    const claim = this.claim(key);
    if (!claim) return;
    if (!hasAnnotation(claim, ANN_BIND_COMPLETED)) await this.syncUnboundClaim(claim);
    else await this.syncBoundClaim(claim);
  }

  /** IsDelayBindingMode: the claim's class (if it exists) binds at the first consumer. */
  private isDelayBinding(claim: PersistentVolumeClaim): boolean {
    const cls = claimClassName(claim);
    if (!cls) return false;
    const sc = this.scInf.get(cls);
    if (!sc) return false;
    return sc.volumeBindingMode === 'WaitForFirstConsumer';
  }

  private async syncUnboundClaim(claim: PersistentVolumeClaim): Promise<void> {
    const volumeName = claim.spec?.volumeName ?? '';
    if (!volumeName) {
      const delayBinding = this.isDelayBinding(claim);
      const volume = findBestMatchForClaim(claim, this.volumes(), delayBinding);
      if (volume) {
        await this.bind(volume, claim);
        return;
      }
      if (await this.assignDefaultStorageClass(claim)) return;
      if (delayBinding && !hasAnnotation(claim, ANN_SELECTED_NODE)) {
        this.emitEventForUnboundDelayBindingClaim(claim);
      } else if (claimClassName(claim) !== '') {
        await this.provisionClaim(claim);
        return;
      } else {
        this.recorder.event(claim, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
      }
      await this.updateClaimStatus(claim, 'Pending', undefined);
      return;
    }
    // The user asked for a particular volume.
    const volume = this.volume(volumeName);
    if (!volume) {
      await this.updateClaimStatus(claim, 'Pending', undefined);
      return;
    }
    if (!volume.spec?.claimRef) {
      const why = checkVolumeSatisfyClaim(volume, claim);
      if (why) {
        this.recorder.event(claim, 'Warning', 'VolumeMismatch', `Cannot bind to requested volume "${volume.metadata.name}": ${why}`);
        await this.updateClaimStatus(claim, 'Pending', undefined);
        return;
      }
      await this.bind(volume, claim);
      return;
    }
    if (isVolumeBoundToClaim(volume, claim)) {
      await this.bind(volume, claim);
      return;
    }
    this.recorder.event(claim, 'Warning', 'FailedBinding', `volume "${volume.metadata.name}" already bound to a different claim.`);
    if (!hasAnnotation(claim, ANN_BOUND_BY_CONTROLLER)) {
      await this.updateClaimStatus(claim, 'Pending', undefined);
      return;
    }
    throw new Error(
      `invalid binding of claim "${objectKey(claim)}" to volume "${volumeName}": volume already claimed by "${claimKey(volume.spec.claimRef.namespace, volume.spec.claimRef.name)}"`,
    );
  }

  private async syncBoundClaim(claim: PersistentVolumeClaim): Promise<void> {
    const volumeName = claim.spec?.volumeName ?? '';
    const lost = (why: string) => this.updateClaimStatusWithEvent(claim, 'Lost', undefined, 'Warning', 'ClaimLost', why);
    if (!volumeName) {
      await lost('Bound claim has lost reference to PersistentVolume. Data on the volume is lost!');
      return;
    }
    const volume = this.volume(volumeName);
    if (!volume) {
      await lost('Bound claim has lost its PersistentVolume. Data on the volume is lost!');
      return;
    }
    if (!volume.spec?.claimRef || volume.spec.claimRef.uid === claim.metadata.uid) {
      await this.bind(volume, claim);
      return;
    }
    await this.updateClaimStatusWithEvent(
      claim,
      'Lost',
      undefined,
      'Warning',
      'ClaimMisbound',
      'Two claims are bound to the same volume, this one is bound incorrectly',
    );
  }

  /** emitEventForUnboundDelayBindingClaim. */
  private emitEventForUnboundDelayBindingClaim(claim: PersistentVolumeClaim): void {
    const waiting = this.podInf
      .byIndex(POD_PVC_INDEX, objectKey(claim))
      .filter((p) => !isTerminated(p) && !(p.spec as { nodeName?: string } | undefined)?.nodeName)
      .map((p) => p.metadata.name!);
    if (waiting.length === 0) {
      this.recorder.event(claim, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
    } else {
      this.recorder.event(
        claim,
        'Normal',
        'WaitForPodScheduled',
        waiting.length > 1 ? `waiting for pods ${waiting.join(',')} to be scheduled` : `waiting for pod ${waiting[0]} to be scheduled`,
      );
    }
  }

  /** The retroactive default StorageClass: a claim that names no class gets the default once one exists. */
  private async assignDefaultStorageClass(claim: PersistentVolumeClaim): Promise<boolean> {
    if (claimHasClass(claim)) return false;
    const defaults = this.scInf.list().filter((sc) => DEFAULT_CLASS_ANNOTATIONS.some((a) => sc.metadata.annotations?.[a] === 'true'));
    defaults.sort(
      (a, b) =>
        (Date.parse(b.metadata.creationTimestamp ?? '') || 0) - (Date.parse(a.metadata.creationTimestamp ?? '') || 0) ||
        ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1),
    );
    const def = defaults[0];
    if (!def) return false;
    const next = deepCopy(claim);
    next.spec = { ...next.spec, storageClassName: def.metadata.name };
    this.storeClaim(
      await this.client.update<PersistentVolumeClaim>(
        { ...PERSISTENTVOLUMECLAIMS, namespace: claim.metadata.namespace, name: claim.metadata.name },
        next,
      ),
    );
    return true;
  }

  /**
   * provisionClaim for an external provisioner: the claim is annotated with its class's
   * provisioner (who then creates the volume) and an ExternalProvisioning event says so.
   */
  private async provisionClaim(claim: PersistentVolumeClaim): Promise<void> {
    const cls = claimClassName(claim);
    const sc = this.scInf.get(cls);
    if (!sc) {
      this.recorder.event(claim, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${cls}" not found`);
      await this.updateClaimStatus(claim, 'Pending', undefined);
      return;
    }
    const provisioner = sc.provisioner ?? '';
    if (provisioner.startsWith('kubernetes.io/')) {
      // In-tree provisioners are gone; kubernetes.io/no-provisioner means "static volumes only".
      this.recorder.event(claim, 'Warning', 'ProvisioningFailed', `no volume plugin matched name: ${provisioner}`);
      await this.updateClaimStatus(claim, 'Pending', undefined);
      return;
    }
    let cur = claim;
    const ann = cur.metadata.annotations ?? {};
    if (ann[ANN_STORAGE_PROVISIONER] !== provisioner || ann[ANN_BETA_STORAGE_PROVISIONER] !== provisioner) {
      const next = deepCopy(cur);
      next.metadata.annotations = { ...ann, [ANN_BETA_STORAGE_PROVISIONER]: provisioner, [ANN_STORAGE_PROVISIONER]: provisioner };
      cur = this.storeClaim(
        await this.client.update<PersistentVolumeClaim>(
          { ...PERSISTENTVOLUMECLAIMS, namespace: claim.metadata.namespace, name: claim.metadata.name },
          next,
        ),
      );
    }
    this.recorder.event(
      cur,
      'Normal',
      'ExternalProvisioning',
      `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
    );
    await this.updateClaimStatus(cur, 'Pending', undefined);
  }

  // ---- volumes ----

  private async syncVolumeKey(name: string): Promise<void> {
    const volume = this.volume(name);
    if (!volume) return;
    await this.syncVolume(volume);
  }

  private async syncVolume(volume: PersistentVolume): Promise<void> {
    const ref = volume.spec?.claimRef;
    if (!ref) {
      await this.updateVolumePhase(volume, 'Available');
      return;
    }
    if (!ref.uid) {
      // Pre-bound to a claim that has not been bound to it yet: the claim's sync does that.
      await this.updateVolumePhase(volume, 'Available');
      return;
    }
    const key = claimKey(ref.namespace, ref.name);
    let claim = this.claim(key);
    if (!claim && volumePhase(volume) !== 'Released' && volumePhase(volume) !== 'Failed') {
      // The claim may be newer than the informer: ask the server before releasing anything.
      claim = await this.getClaim(ref.namespace, ref.name);
    }
    if (claim && claim.metadata.uid !== ref.uid) {
      const fresh = await this.getClaim(ref.namespace, ref.name);
      claim = fresh && fresh.metadata.uid === ref.uid ? fresh : undefined;
    }
    if (!claim) {
      let v = volume;
      if (volumePhase(v) !== 'Released' && volumePhase(v) !== 'Failed') v = await this.updateVolumePhase(v, 'Released');
      await this.reclaimVolume(v);
      return;
    }
    if (!claim.spec?.volumeName) {
      if (volumeModeMismatch(claim, volume)) {
        this.recorder.event(
          volume,
          'Warning',
          'VolumeMismatch',
          `Cannot bind PersistentVolume to requested PersistentVolumeClaim "${claim.metadata.name}" due to incompatible volumeMode.`,
        );
        this.recorder.event(
          claim,
          'Warning',
          'VolumeMismatch',
          `Cannot bind PersistentVolume "${volume.metadata.name}" to requested PersistentVolumeClaim due to incompatible volumeMode.`,
        );
        return;
      }
      // Bound on the volume's side only: the claim's sync finishes it.
      this.claimLoop.enqueue(key);
      return;
    }
    if (claim.spec.volumeName === volume.metadata.name) {
      await this.updateVolumePhase(volume, 'Bound');
      return;
    }
    // The claim went to another volume.
    if (hasAnnotation(volume, ANN_DYNAMICALLY_PROVISIONED) && volume.spec?.persistentVolumeReclaimPolicy === 'Delete') {
      let v = volume;
      if (volumePhase(v) !== 'Released' && volumePhase(v) !== 'Failed') v = await this.updateVolumePhase(v, 'Released');
      await this.reclaimVolume(v);
      return;
    }
    await this.unbindVolume(volume);
  }

  private async getClaim(namespace: string | undefined, name: string | undefined): Promise<PersistentVolumeClaim | undefined> {
    try {
      return await this.client.get<PersistentVolumeClaim>({ ...PERSISTENTVOLUMECLAIMS, namespace, name });
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** reclaimVolume: the volume's reclaim policy, acted on. */
  private async reclaimVolume(volume: PersistentVolume): Promise<void> {
    switch (volume.spec?.persistentVolumeReclaimPolicy) {
      case 'Retain':
        return;
      case 'Recycle':
        // No volume plugin here can scrub a volume (the recycler is deprecated).
        await this.updateVolumePhaseWithEvent(
          volume,
          'Failed',
          'Warning',
          'VolumeFailedRecycle',
          'No recycler plugin found for the volume!',
        );
        return;
      case 'Delete': {
        const provisionedBy = volume.metadata.annotations?.[ANN_DYNAMICALLY_PROVISIONED];
        if (provisionedBy && !provisionedBy.startsWith('kubernetes.io/')) return; // its external provisioner deletes it
        if (volume.spec?.csi) return; // a CSI driver's external provisioner deletes it
        await this.updateVolumePhaseWithEvent(
          volume,
          'Failed',
          'Warning',
          'VolumeFailedDelete',
          `error getting deleter volume plugin for volume "${volume.metadata.name}": no deletable volume plugin matched`,
        );
        return;
      }
      default:
        await this.updateVolumePhaseWithEvent(
          volume,
          'Failed',
          'Warning',
          'VolumeUnknownReclaimPolicy',
          'Volume has unrecognized PersistentVolumeReclaimPolicy',
        );
    }
  }

  // ---- binding ----

  /** bind: the volume first (claimRef, then phase Bound), then the claim (volumeName, annotations, then phase Bound). */
  private async bind(volume: PersistentVolume, claim: PersistentVolumeClaim): Promise<void> {
    let v = await this.bindVolumeToClaim(volume, claim);
    v = await this.updateVolumePhase(v, 'Bound');
    const c = await this.bindClaimToVolume(claim, v);
    await this.updateClaimStatus(c, 'Bound', v);
  }

  /** GetBindVolumeToClaim + the update: claimRef to this claim, bound-by-controller unless the user pre-bound it. */
  private async bindVolumeToClaim(volume: PersistentVolume, claim: PersistentVolumeClaim): Promise<PersistentVolume> {
    const ref = volume.spec?.claimRef;
    const next = deepCopy(volume);
    let dirty = false;
    const setByController = !isVolumeBoundToClaim(volume, claim);
    if (!ref || ref.name !== claim.metadata.name || ref.namespace !== claim.metadata.namespace || ref.uid !== claim.metadata.uid) {
      next.spec = { ...next.spec, claimRef: claimReference(claim) };
      dirty = true;
    }
    if (setByController && !hasAnnotation(next, ANN_BOUND_BY_CONTROLLER)) {
      next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [ANN_BOUND_BY_CONTROLLER]: 'yes' };
      dirty = true;
    }
    if (!dirty) return volume;
    return this.storeVolume(await this.client.update<PersistentVolume>({ ...PERSISTENTVOLUMES, name: volume.metadata.name }, next));
  }

  private async bindClaimToVolume(claim: PersistentVolumeClaim, volume: PersistentVolume): Promise<PersistentVolumeClaim> {
    const next = deepCopy(claim);
    let dirty = false;
    const ann = { ...(next.metadata.annotations ?? {}) };
    if (claim.spec?.volumeName !== volume.metadata.name) {
      next.spec = { ...next.spec, volumeName: volume.metadata.name };
      if (ann[ANN_BOUND_BY_CONTROLLER] === undefined) ann[ANN_BOUND_BY_CONTROLLER] = 'yes';
      dirty = true;
    }
    if (ann[ANN_BIND_COMPLETED] === undefined) {
      ann[ANN_BIND_COMPLETED] = 'yes';
      dirty = true;
    }
    if (!dirty) return claim;
    next.metadata.annotations = ann;
    return this.storeClaim(
      await this.client.update<PersistentVolumeClaim>(
        { ...PERSISTENTVOLUMECLAIMS, namespace: claim.metadata.namespace, name: claim.metadata.name },
        next,
      ),
    );
  }

  /** unbindVolume: a controller-made binding is undone; a user's pre-binding keeps the claim but loses the uid. */
  private async unbindVolume(volume: PersistentVolume): Promise<void> {
    const next = deepCopy(volume);
    if (hasAnnotation(volume, ANN_BOUND_BY_CONTROLLER)) {
      if (next.spec) delete next.spec.claimRef;
      const ann = { ...(next.metadata.annotations ?? {}) };
      delete ann[ANN_BOUND_BY_CONTROLLER];
      next.metadata.annotations = Object.keys(ann).length ? ann : undefined;
      if (!next.metadata.annotations) delete next.metadata.annotations;
    } else if (next.spec?.claimRef) {
      next.spec.claimRef = { ...next.spec.claimRef, uid: undefined };
      delete next.spec.claimRef.uid;
    }
    const v = this.storeVolume(await this.client.update<PersistentVolume>({ ...PERSISTENTVOLUMES, name: volume.metadata.name }, next));
    await this.updateVolumePhase(v, 'Available');
  }

  // ---- status writes ----

  private async updateVolumePhase(volume: PersistentVolume, phase: string, message = ''): Promise<PersistentVolume> {
    if (volumePhase(volume) === phase) return volume;
    const next = deepCopy(volume);
    next.status = { ...(next.status ?? {}), phase, message: message || undefined };
    if (!message) delete next.status.message;
    return this.storeVolume(
      await this.client.update<PersistentVolume>({ ...PERSISTENTVOLUMES, name: volume.metadata.name, subresource: 'status' }, next),
    );
  }

  private async updateVolumePhaseWithEvent(
    volume: PersistentVolume,
    phase: string,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): Promise<PersistentVolume> {
    if (volumePhase(volume) === phase) return volume;
    const v = await this.updateVolumePhase(volume, phase, message);
    this.recorder.event(v, type, reason, message);
    return v;
  }

  /** updateClaimStatus: the phase, and the volume's access modes and (on becoming Bound) capacity. */
  private async updateClaimStatus(
    claim: PersistentVolumeClaim,
    phase: string,
    volume: PersistentVolume | undefined,
  ): Promise<PersistentVolumeClaim> {
    const status = { ...(claim.status ?? {}) };
    let dirty = false;
    if (claimPhase(claim) !== phase) {
      status.phase = phase;
      dirty = true;
    }
    if (!volume) {
      if (status.accessModes !== undefined) {
        delete status.accessModes;
        dirty = true;
      }
      if (status.capacity !== undefined) {
        delete status.capacity;
        dirty = true;
      }
    } else {
      const modes = volume.spec?.accessModes ?? [];
      if (JSON.stringify(status.accessModes ?? null) !== JSON.stringify(modes)) {
        status.accessModes = modes;
        dirty = true;
      }
      if (claimPhase(claim) !== phase) {
        const cap = volume.spec?.capacity?.storage;
        if (cap === undefined) throw new Error(`PersistentVolume "${volume.metadata.name}" is without a storage capacity`);
        if (JSON.stringify(status.capacity ?? null) !== JSON.stringify(volume.spec?.capacity)) {
          status.capacity = { ...volume.spec!.capacity };
          dirty = true;
        }
      }
    }
    if (!dirty) return claim;
    const next = deepCopy(claim);
    next.status = status;
    return this.storeClaim(
      await this.client.update<PersistentVolumeClaim>(
        { ...PERSISTENTVOLUMECLAIMS, namespace: claim.metadata.namespace, name: claim.metadata.name, subresource: 'status' },
        next,
      ),
    );
  }

  private async updateClaimStatusWithEvent(
    claim: PersistentVolumeClaim,
    phase: string,
    volume: PersistentVolume | undefined,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): Promise<void> {
    if (claimPhase(claim) === phase) return;
    const c = await this.updateClaimStatus(claim, phase, volume);
    this.recorder.event(c, type, reason, message);
  }
}

/** checkVolumeSatisfyClaim: why a volume the claim names cannot be its volume, if it cannot. */
export function checkVolumeSatisfyClaim(volume: PersistentVolume, claim: PersistentVolumeClaim): string | undefined {
  if (volume.metadata.deletionTimestamp) return `the volume is marked for deletion "${volume.metadata.name}"`;
  if (volumeStorage(volume).cmp(requestedStorage(claim)) < 0) return 'requested PV is too small';
  if (volumeClassName(volume) !== claimClassName(claim)) return 'storageClassName does not match';
  if (volumeModeMismatch(claim, volume)) return 'incompatible volumeMode';
  if (!checkAccessModes(claim, volume)) return 'incompatible accessMode';
  return undefined;
}

function isTerminated(pod: KObject): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}
