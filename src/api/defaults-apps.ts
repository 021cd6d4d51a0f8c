// The versioned defaulters of the apps/v1 kinds DaemonSet and StatefulSet
// (pkg/apis/apps/v1/defaults.go with its generated nested defaults: pod templates, and each
// volumeClaimTemplate as a PersistentVolumeClaim) and of core/v1 ReplicationController
// (pkg/apis/core/v1/defaults.go SetDefaults_ReplicationController).

import { defaultPodTemplate } from './defaults.js';
import { defaultPersistentVolumeClaim } from './defaults-storage.js';
import { isObject, type KObject } from './object.js';

type Obj = Record<string, unknown>;
const unset = (v: unknown): boolean => v === undefined || v === null;
const child = (o: Obj, k: string): Obj => {
  if (!isObject(o[k])) o[k] = {};
  return o[k] as Obj;
};
const spec = (o: KObject): Obj => child(o as Obj, 'spec');

/** SetDefaults_DaemonSet: RollingUpdate with maxUnavailable 1 and maxSurge 0, history 10. */
export function defaultDaemonSet(ds: KObject): void {
  const s = spec(ds);
  const us = child(s, 'updateStrategy');
  if (unset(us.type) || us.type === '') us.type = 'RollingUpdate';
  if (us.type === 'RollingUpdate') {
    const ru = child(us, 'rollingUpdate');
    if (unset(ru.maxUnavailable)) ru.maxUnavailable = 1;
    if (unset(ru.maxSurge)) ru.maxSurge = 0;
  }
  if (unset(s.revisionHistoryLimit)) s.revisionHistoryLimit = 10;
  defaultPodTemplate(s.template);
}

/**
 * SetDefaults_StatefulSet: OrderedReady, RollingUpdate with partition 0, the claim retention
 * policy Retain/Retain (StatefulSetAutoDeletePVC is on in v1.32), 1 replica, history 10.
 * maxUnavailable stays unset: MaxUnavailableStatefulSet is alpha (off) in v1.32.
 */
export function defaultStatefulSet(sts: KObject): void {
  const s = spec(sts);
  if (unset(s.podManagementPolicy) || s.podManagementPolicy === '') s.podManagementPolicy = 'OrderedReady';
  const us = child(s, 'updateStrategy');
  if (unset(us.type) || us.type === '') {
    us.type = 'RollingUpdate';
    if (!isObject(us.rollingUpdate)) us.rollingUpdate = {};
  }
  if (us.type === 'RollingUpdate' && isObject(us.rollingUpdate) && unset(us.rollingUpdate.partition)) us.rollingUpdate.partition = 0;
  const rp = child(s, 'persistentVolumeClaimRetentionPolicy');
  if (unset(rp.whenDeleted) || rp.whenDeleted === '') rp.whenDeleted = 'Retain';
  if (unset(rp.whenScaled) || rp.whenScaled === '') rp.whenScaled = 'Retain';
  if (unset(s.replicas)) s.replicas = 1;
  if (unset(s.revisionHistoryLimit)) s.revisionHistoryLimit = 10;
  defaultPodTemplate(s.template);
  if (Array.isArray(s.volumeClaimTemplates))
    for (const t of s.volumeClaimTemplates) if (isObject(t)) defaultPersistentVolumeClaim(t as KObject);
}

/**
 * SetDefaults_ReplicationController: an empty selector and empty labels take the template's
 * labels; replicas 1.
 */
export function defaultReplicationController(rc: KObject): void {
  const s = spec(rc);
  const t = isObject(s.template) ? s.template : undefined;
  const labels = isObject(t?.metadata) ? (t.metadata as Obj).labels : undefined;
  if (isObject(labels) && Object.keys(labels).length) {
    if (!isObject(s.selector) || Object.keys(s.selector).length === 0) s.selector = { ...labels };
    if (!rc.metadata.labels || Object.keys(rc.metadata.labels).length === 0) rc.metadata.labels = { ...(labels as Record<string, string>) };
  }
  if (unset(s.replicas)) s.replicas = 1;
  defaultPodTemplate(s.template);
}
