// The storage controllers of kube-controller-manager that k8ts runs (the PV binder, PVC and PV
// protection) and the local-path provisioner k3s ships with them, on the shared informers.

import type { SharedInformerFactory } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import { LocalPathProvisioner } from './localpath.js';
import type { Runnable } from './manager.js';
import { PersistentVolumeController } from './persistentvolume.js';
import { PVCProtectionController } from './pvcprotection.js';
import { PVProtectionController } from './pvprotection.js';

export function storageControllers(client: RestClient, factory: SharedInformerFactory, log?: (m: string) => void): Runnable[] {
  return [
    new PersistentVolumeController(client, factory, { log }),
    new PVCProtectionController(client, factory, { log }),
    new PVProtectionController(client, factory, { log }),
    new LocalPathProvisioner(client, factory, { log }),
  ];
}
