// The PVC protection controller (pkg/controller/volume/pvcprotection): a claim carries the
// kubernetes.io/pvc-protection finalizer (put there at creation by admission, or here for older
// claims), and a claim being deleted keeps it while any scheduled pod still names the claim; once
// none does (checked against the server too, as the informer may lag), the finalizer goes and the
// deletion completes, which releases the claim's volume.

import type { KObject } from '../api/object.js';
import { claimKey, type PersistentVolumeClaim, podClaimNames } from '../api/persistentvolume.js';
import { PERSISTENTVOLUMECLAIMS, PODS } from '../api/types.js';
import { QueueController } from '../client/controller.js';
import { type Informer, objectKey, type SharedInformerFactory } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import { POD_PVC_INDEX, podPVCIndexFunc } from './persistentvolume.js';
import { addFinalizer, isDeletionCandidate, needToAddFinalizer, removeFinalizer } from './protectionutil.js';

export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';

const isShutDown = (pod: KObject): boolean => {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
};

/**
 * podUsesPVC: a pod uses the claim once it is scheduled (the kubelet sees it from then on): by
 * a persistentVolumeClaim volume, or by a generic ephemeral volume while the pod still runs.
 */
export function podUsesClaim(pod: KObject, claim: PersistentVolumeClaim): boolean {
  if (pod.metadata.namespace !== claim.metadata.namespace) return false;
  if (!(pod.spec as { nodeName?: string } | undefined)?.nodeName) return false;
  const vols =
    (pod.spec as { volumes?: { name: string; persistentVolumeClaim?: { claimName?: string }; ephemeral?: unknown }[] }).volumes ?? [];
  return vols.some(
    (v) =>
      v.persistentVolumeClaim?.claimName === claim.metadata.name ||
      (v.ephemeral !== undefined && !isShutDown(pod) && `${pod.metadata.name}-${v.name}` === claim.metadata.name),
  );
}

export class PVCProtectionController extends QueueController {
  private readonly pvcInf: Informer<PersistentVolumeClaim>;
  private readonly podInf: Informer;

  constructor(
    private readonly client: RestClient,
    factory: SharedInformerFactory,
    opts: { log?: (m: string) => void } = {},
  ) {
    super('pvc-protection', 1, opts.log);
    this.pvcInf = factory.informerFor<PersistentVolumeClaim>(PERSISTENTVOLUMECLAIMS);
    this.podInf = factory.informerFor({ ...PODS, indexers: { [POD_PVC_INDEX]: podPVCIndexFunc } });
    this.pvcInf.addEventHandler({ onAdd: (c) => this.loop.enqueue(objectKey(c)), onUpdate: (_o, c) => this.loop.enqueue(objectKey(c)) });
    // A pod that goes (or stops using its claims) may let a claim being deleted go too.
    const podChanged = (p: KObject) => {
      for (const c of podClaimNames(p)) this.loop.enqueue(claimKey(p.metadata.namespace, c));
    };
    this.podInf.addEventHandler({ onAdd: podChanged, onUpdate: (_o, p) => podChanged(p), onDelete: podChanged });
  }

  async reconcile(key: string): Promise<void> {
    const claim = this.pvcInf.get(key);
    if (!claim) return;
    const ref = { ...PERSISTENTVOLUMECLAIMS, namespace: claim.metadata.namespace, name: claim.metadata.name };
    if (needToAddFinalizer(claim, PVC_PROTECTION_FINALIZER)) return addFinalizer(this.client, ref, claim, PVC_PROTECTION_FINALIZER);
    if (!isDeletionCandidate(claim, PVC_PROTECTION_FINALIZER)) return;
    if (this.podInf.byIndex(POD_PVC_INDEX, key).some((p) => podUsesClaim(p, claim))) return;
    // The informer may not have seen a pod created a moment ago: ask the server.
    const live = await this.client.list({ ...PODS, namespace: claim.metadata.namespace });
    if (live.items.some((p) => podUsesClaim(p, claim))) return;
    await removeFinalizer(this.client, ref, claim, PVC_PROTECTION_FINALIZER);
  }
}
