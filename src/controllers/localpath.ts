// The local-path provisioner, as k3s ships rancher's local-path-provisioner (an external
// provisioner built on sig-storage-lib-external-provisioner), for the default StorageClass
// `local-path`: WaitForFirstConsumer, reclaim policy Delete. A claim of that class, once the
// scheduler has chosen its node (volume.kubernetes.io/selected-node) and the PV controller has
// handed it to this provisioner, gets a hostPath volume pvc-<claim uid> at
// <node storage dir>/pvc-<uid>_<namespace>_<claim>, DirectoryOrCreate, with node affinity to that
// node, pre-bound to the claim; the PV controller then binds them. The directory itself is the
// node's to make and remove (src/node/kubelet/localpath.ts): this controller deletes what needs
// no disk (a volume kept with Retain, a volume of a node that is gone or keeps no volumes on
// disk, as a simulated node). The StorageClass is created at start when missing, as k3s deploys it.

import { errorMessage } from '../api/errors.js';
import type { KObject } from '../api/object.js';
import {
  ANN_DYNAMICALLY_PROVISIONED,
  ANN_LOCAL_PATH_NODE,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  claimClassName,
  claimReference,
  LOCAL_PATH_PROVISIONER,
  localPathDirName,
  NODE_STORAGE_DIR_ANNOTATION,
  type PersistentVolume,
  type PersistentVolumeClaim,
  PROVISIONER_FINALIZER,
  type StorageClass,
} from '../api/persistentvolume.js';
import { NODES, PERSISTENTVOLUMECLAIMS, PERSISTENTVOLUMES, STORAGECLASSES } from '../api/types.js';
import { ControllerLoop } from '../client/controller.js';
import { EventRecorder } from '../client/events.js';
import { type Informer, objectKey, type SharedInformerFactory } from '../client/informer.js';
import { isAlreadyExists, isNotFound, type RestClient } from '../client/rest.js';

export const LOCAL_PATH_CLASS = 'local-path';
/** Where a node that does not say keeps its volumes (k3s: /var/lib/rancher/k3s/storage): simulated nodes keep none. */
export const DEFAULT_STORAGE_DIR = '/var/lib/k8ts/storage';

/** The default StorageClass, as k3s' local-storage manifest declares it. */
export function localPathStorageClass(): StorageClass {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: LOCAL_PATH_CLASS, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: LOCAL_PATH_PROVISIONER,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  };
}

export class LocalPathProvisioner {
  readonly name = 'local-path-provisioner';
  readonly claimLoop: ControllerLoop;
  readonly volumeLoop: ControllerLoop;
  private readonly pvcInf: Informer<PersistentVolumeClaim>;
  private readonly pvInf: Informer<PersistentVolume>;
  private readonly scInf: Informer<StorageClass>;
  private readonly nodeInf: Informer;
  private readonly recorder: EventRecorder;
  private readonly log: (m: string) => void;

  constructor(
    private readonly client: RestClient,
    factory: SharedInformerFactory,
    opts: { log?: (m: string) => void } = {},
  ) {
    this.log = opts.log ?? (() => {});
    this.recorder = new EventRecorder(client, {
      component: `${LOCAL_PATH_PROVISIONER}_k8ts`,
      onError: (e) => this.log(`local-path events: ${errorMessage(e)}`),
    });
    this.claimLoop = new ControllerLoop({ name: 'local-path-claims', reconcile: (k) => this.syncClaim(k) }, 2, this.log);
    this.volumeLoop = new ControllerLoop({ name: 'local-path-volumes', reconcile: (k) => this.syncVolume(k) }, 1, this.log);
    this.pvcInf = factory.informerFor<PersistentVolumeClaim>(PERSISTENTVOLUMECLAIMS);
    this.pvInf = factory.informerFor<PersistentVolume>(PERSISTENTVOLUMES);
    this.scInf = factory.informerFor<StorageClass>(STORAGECLASSES);
    this.nodeInf = factory.informerFor(NODES);
    this.pvcInf.addEventHandler({
      onAdd: (c) => this.claimLoop.enqueue(objectKey(c)),
      onUpdate: (_o, c) => this.claimLoop.enqueue(objectKey(c)),
    });
    this.pvInf.addEventHandler({
      onAdd: (v) => this.volumeLoop.enqueue(v.metadata.name!),
      onUpdate: (_o, v) => this.volumeLoop.enqueue(v.metadata.name!),
    });
    // A node that goes away leaves its volumes to this controller.
    this.nodeInf.addEventHandler({
      onDelete: () => {
        for (const v of this.pvInf.list()) this.volumeLoop.enqueue(v.metadata.name!);
      },
    });
  }

  start(): void {
    this.claimLoop.start();
    this.volumeLoop.start();
    void this.ensureStorageClass().catch((e) => this.log(`local-path: creating StorageClass ${LOCAL_PATH_CLASS}: ${errorMessage(e)}`));
  }

  async stop(): Promise<void> {
    await Promise.all([this.claimLoop.stop(), this.volumeLoop.stop()]);
    await this.recorder.stop();
  }

  private async ensureStorageClass(): Promise<void> {
    try {
      await this.client.create(STORAGECLASSES, localPathStorageClass());
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
  }

  private ourClass(claim: PersistentVolumeClaim): StorageClass | undefined {
    const sc = this.scInf.get(claimClassName(claim));
    return sc?.provisioner === LOCAL_PATH_PROVISIONER ? sc : undefined;
  }

  /** sig-storage-lib's shouldProvision and provisionClaimOperation, with local-path's Provision. */
  private async syncClaim(key: string): Promise<void> {
    const claim = this.pvcInf.get(key);
    if (!claim || claim.spec?.volumeName || claim.metadata.deletionTimestamp) return;
    if (claim.metadata.annotations?.[ANN_STORAGE_PROVISIONER] !== LOCAL_PATH_PROVISIONER) return;
    const sc = this.ourClass(claim);
    if (!sc) return;
    const pvName = `pvc-${claim.metadata.uid}`;
    if (this.pvInf.get(pvName)) return;
    const failed = (why: string) =>
      this.recorder.event(
        claim,
        'Warning',
        'ProvisioningFailed',
        `failed to provision volume with StorageClass "${sc.metadata.name}": ${why}`,
      );
    const nodeName = claim.metadata.annotations?.[ANN_SELECTED_NODE];
    if (!nodeName) {
      // Immediate binding: no node to put a local volume on.
      if (sc.volumeBindingMode !== 'WaitForFirstConsumer') failed('configuration error, no node was specified');
      return;
    }
    const node = this.nodeInf.get(nodeName);
    if (!node) {
      failed(`failed to get target node: node "${nodeName}" not found`);
      return;
    }
    if (claim.spec?.selector) {
      failed('claim.Spec.Selector is not supported');
      return;
    }
    if ((claim.spec?.accessModes ?? []).some((m) => m !== 'ReadWriteOnce' && m !== 'ReadWriteOncePod')) {
      failed('NodePath only supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes');
      return;
    }
    if (claim.spec?.volumeMode === 'Block') {
      failed('local-path volumes are directories: volumeMode Block is not supported');
      return;
    }
    this.recorder.event(claim, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${key}"`);
    const base = node.metadata.annotations?.[NODE_STORAGE_DIR_ANNOTATION] || DEFAULT_STORAGE_DIR;
    const path = `${base.replace(/\/+$/, '')}/${localPathDirName(pvName, claim.metadata.namespace!, claim.metadata.name!)}`;
    const hostname = node.metadata.labels?.['kubernetes.io/hostname'] ?? nodeName;
    const reclaim = sc.reclaimPolicy ?? 'Delete';
    const pv: PersistentVolume = {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: {
        name: pvName,
        annotations: { [ANN_DYNAMICALLY_PROVISIONED]: LOCAL_PATH_PROVISIONER, [ANN_LOCAL_PATH_NODE]: nodeName },
        ...(reclaim === 'Delete' ? { finalizers: [PROVISIONER_FINALIZER] } : {}),
      },
      spec: {
        capacity: { storage: claim.spec?.resources?.requests?.storage ?? '0' },
        accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: reclaim,
        storageClassName: sc.metadata.name,
        volumeMode: 'Filesystem',
        hostPath: { path, type: 'DirectoryOrCreate' },
        nodeAffinity: {
          required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [hostname] }] }] },
        },
        claimRef: claimReference(claim),
        ...(sc.mountOptions?.length ? { mountOptions: sc.mountOptions } : {}),
      },
    };
    try {
      await this.client.create(PERSISTENTVOLUMES, pv);
    } catch (e) {
      if (!isAlreadyExists(e)) {
        failed(errorMessage(e));
        throw e;
      }
    }
    this.log(`local-path: provisioned ${pvName} for ${key} at ${nodeName}:${path}`);
    this.recorder.event(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pvName}`);
  }

  /** The deletions that need no node: Retain volumes being deleted, volumes of nodes that are gone or keep no disk. */
  private async syncVolume(name: string): Promise<void> {
    const pv = this.pvInf.get(name);
    if (!pv || pv.metadata.annotations?.[ANN_DYNAMICALLY_PROVISIONED] !== LOCAL_PATH_PROVISIONER) return;
    const fins = pv.metadata.finalizers ?? [];
    const deleting = !!pv.metadata.deletionTimestamp;
    const released = pv.status?.phase === 'Released' || pv.status?.phase === 'Failed';
    if (pv.spec?.persistentVolumeReclaimPolicy !== 'Delete') {
      // Retained: its data stays where it is; the object may go.
      if (deleting && fins.includes(PROVISIONER_FINALIZER)) await this.dropFinalizer(pv);
      return;
    }
    if (!deleting && !released) return;
    const nodeName = pv.metadata.annotations?.[ANN_LOCAL_PATH_NODE] ?? '';
    const node = this.nodeInf.get(nodeName) as KObject | undefined;
    // A node that keeps its volumes on disk removes them itself, then the object.
    if (node?.metadata.annotations?.[NODE_STORAGE_DIR_ANNOTATION]) return;
    this.log(`local-path: node ${nodeName || '(none)'} keeps no directory for ${name}: deleting the volume object only`);
    try {
      if (!deleting) await this.client.delete({ ...PERSISTENTVOLUMES, name });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    await this.dropFinalizer(pv);
  }

  private async dropFinalizer(pv: PersistentVolume): Promise<void> {
    try {
      const cur = await this.client.get<PersistentVolume>({ ...PERSISTENTVOLUMES, name: pv.metadata.name });
      const fins = cur.metadata.finalizers ?? [];
      if (!fins.includes(PROVISIONER_FINALIZER)) return;
      await this.client.patch(
        { ...PERSISTENTVOLUMES, name: pv.metadata.name },
        [
          { op: 'test', path: '/metadata/resourceVersion', value: cur.metadata.resourceVersion },
          { op: 'add', path: '/metadata/finalizers', value: fins.filter((f) => f !== PROVISIONER_FINALIZER) },
        ],
        'json',
      );
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}
