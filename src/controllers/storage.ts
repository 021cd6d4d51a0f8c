// The storage controllers of kube-controller-manager that k8ts runs (the PV binder, PVC and PV
// protection) and the local-path provisioner k3s ships with them, on the shared informers.

import type { SharedInformerFactory } from '../client/informer.js';
import { LocalPathProvisioner } from './localpath.js';
import type { ClientFor, Runnable } from './manager.js';
import { PersistentVolumeController } from './persistentvolume.js';
import { PVCProtectionController } from './pvcprotection.js';
import { PVProtectionController } from './pvprotection.js';

export function storageControllers(clients: ClientFor, factory: SharedInformerFactory, log?: (m: string) => void): Runnable[] {
  return [
    new PersistentVolumeController(clients('persistent-volume-binder'), factory, { log }),
    new PVCProtectionController(clients('pvc-protection-controller'), factory, { log }),
    new PVProtectionController(clients('pv-protection-controller'), factory, { log }),
    new LocalPathProvisioner(clients('local-path-provisioner'), factory, { log }),
  ];
}
