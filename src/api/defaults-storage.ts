// The versioned defaulters of the storage kinds (pkg/apis/core/v1/defaults.go for
// PersistentVolume and PersistentVolumeClaim, pkg/apis/storage/v1/defaults.go for StorageClass
// and CSIDriver): what kube-apiserver fills in before it validates and stores them.

import { isObject, type KObject } from './object.js';

type Obj = Record<string, unknown>;
const unset = (v: unknown): boolean => v === undefined || v === null;
const spec = (o: KObject): Obj => {
  if (!isObject(o.spec)) o.spec = {};
  return o.spec as Obj;
};
const status = (o: KObject): Obj => {
  if (!isObject(o.status)) o.status = {};
  return o.status as Obj;
};

/** SetDefaults_PersistentVolume: phase Pending, reclaim policy Retain, volume mode Filesystem. */
export function defaultPersistentVolume(pv: KObject): void {
  const s = spec(pv);
  if (unset(s.persistentVolumeReclaimPolicy) || s.persistentVolumeReclaimPolicy === '') s.persistentVolumeReclaimPolicy = 'Retain';
  if (unset(s.volumeMode)) s.volumeMode = 'Filesystem';
  if (isObject(s.hostPath) && unset(s.hostPath.type)) s.hostPath.type = '';
  const st = status(pv);
  if (unset(st.phase) || st.phase === '') st.phase = 'Pending';
}

/** SetDefaults_PersistentVolumeClaim (and the claim spec of templates): phase Pending, volume mode Filesystem. */
export function defaultPersistentVolumeClaim(pvc: KObject): void {
  const s = spec(pvc);
  if (unset(s.volumeMode)) s.volumeMode = 'Filesystem';
  const st = status(pvc);
  if (unset(st.phase) || st.phase === '') st.phase = 'Pending';
}

/** SetDefaults_StorageClass: reclaim policy Delete, binding mode Immediate. */
export function defaultStorageClass(sc: KObject): void {
  const o = sc as KObject & Obj;
  if (unset(o.reclaimPolicy) || o.reclaimPolicy === '') o.reclaimPolicy = 'Delete';
  if (unset(o.volumeBindingMode) || o.volumeBindingMode === '') o.volumeBindingMode = 'Immediate';
}

/** SetDefaults_CSIDriver. */
export function defaultCSIDriver(d: KObject): void {
  const s = spec(d);
  if (unset(s.attachRequired)) s.attachRequired = true;
  if (unset(s.podInfoOnMount)) s.podInfoOnMount = false;
  if (unset(s.storageCapacity)) s.storageCapacity = false;
  if (unset(s.fsGroupPolicy)) s.fsGroupPolicy = 'ReadWriteOnceWithFSType';
  if (!Array.isArray(s.volumeLifecycleModes) || s.volumeLifecycleModes.length === 0) s.volumeLifecycleModes = ['Persistent'];
  if (unset(s.requiresRepublish)) s.requiresRepublish = false;
  if (unset(s.seLinuxMount)) s.seLinuxMount = false;
}
