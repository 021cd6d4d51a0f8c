// The PV protection controller (pkg/controller/volume/pvprotection): a volume carries the
// kubernetes.io/pv-protection finalizer, and a volume being deleted keeps it while it is Bound
// to a claim; once it is not, the finalizer goes and the deletion completes.

import type { KObject } from '../api/object.js';
import type { PersistentVolume } from '../api/persistentvolume.js';
import { PERSISTENTVOLUMES } from '../api/types.js';
import { ControllerLoop, type Reconciler } from '../client/controller.js';
import type { Informer, SharedInformerFactory } from '../client/informer.js';
import { isNotFound, type RestClient } from '../client/rest.js';

export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';

export class PVProtectionController implements Reconciler {
  readonly name = 'pv-protection';
  readonly loop: ControllerLoop;
  private readonly pvInf: Informer<PersistentVolume>;

  constructor(
    private readonly client: RestClient,
    factory: SharedInformerFactory,
    opts: { log?: (m: string) => void } = {},
  ) {
    this.loop = new ControllerLoop(this, 1, opts.log);
    this.pvInf = factory.informerFor<PersistentVolume>(PERSISTENTVOLUMES);
    this.pvInf.addEventHandler({
      onAdd: (v) => this.loop.enqueue(v.metadata.name!),
      onUpdate: (_o, v) => this.loop.enqueue(v.metadata.name!),
    });
  }

  start(): void {
    this.loop.start();
  }
  stop(): Promise<void> {
    return this.loop.stop();
  }

  async reconcile(name: string): Promise<void> {
    const pv = this.pvInf.get(name);
    if (!pv) return;
    const fins = pv.metadata.finalizers ?? [];
    if (!pv.metadata.deletionTimestamp) {
      if (!fins.includes(PV_PROTECTION_FINALIZER)) await this.patchFinalizers(pv, [...fins, PV_PROTECTION_FINALIZER]);
      return;
    }
    if (!fins.includes(PV_PROTECTION_FINALIZER)) return;
    // isVolumeUsed: a Bound volume is in use.
    if (pv.status?.phase === 'Bound') return;
    await this.patchFinalizers(
      pv,
      fins.filter((f) => f !== PV_PROTECTION_FINALIZER),
    );
  }

  private async patchFinalizers(pv: KObject, finalizers: string[]): Promise<void> {
    try {
      // An update conditional on the resourceVersion (the role allows update, not patch): a
      // volume changed meanwhile is a conflict, looked at again.
      await this.client.update({ ...PERSISTENTVOLUMES, name: pv.metadata.name }, { ...pv, metadata: { ...pv.metadata, finalizers } });
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
  }
}
