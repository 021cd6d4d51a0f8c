// The PV protection controller (pkg/controller/volume/pvprotection): a volume carries the
// kubernetes.io/pv-protection finalizer, and a volume being deleted keeps it while it is Bound
// to a claim; once it is not, the finalizer goes and the deletion completes.

import type { PersistentVolume } from '../api/persistentvolume.js';
import { PERSISTENTVOLUMES } from '../api/types.js';
import { QueueController } from '../client/controller.js';
import type { Informer, SharedInformerFactory } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import { addFinalizer, isDeletionCandidate, needToAddFinalizer, removeFinalizer } from './protectionutil.js';

export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';

export class PVProtectionController extends QueueController {
  private readonly pvInf: Informer<PersistentVolume>;

  constructor(
    private readonly client: RestClient,
    factory: SharedInformerFactory,
    opts: { log?: (m: string) => void } = {},
  ) {
    super('pv-protection', 1, opts.log);
    this.pvInf = factory.informerFor<PersistentVolume>(PERSISTENTVOLUMES);
    this.pvInf.addEventHandler({
      onAdd: (v) => this.loop.enqueue(v.metadata.name!),
      onUpdate: (_o, v) => this.loop.enqueue(v.metadata.name!),
    });
  }

  async reconcile(name: string): Promise<void> {
    const pv = this.pvInf.get(name);
    if (!pv) return;
    const ref = { ...PERSISTENTVOLUMES, name };
    if (needToAddFinalizer(pv, PV_PROTECTION_FINALIZER)) return addFinalizer(this.client, ref, pv, PV_PROTECTION_FINALIZER);
    // isVolumeUsed: a Bound volume is in use.
    if (isDeletionCandidate(pv, PV_PROTECTION_FINALIZER) && pv.status?.phase !== 'Bound') {
      await removeFinalizer(this.client, ref, pv, PV_PROTECTION_FINALIZER);
    }
  }
}
