// The protection controllers' shared steps, as kube-controller-manager's
// pkg/controller/volume/protectionutil (NeedToAddFinalizer, IsDeletionCandidate) with the
// addFinalizer/removeFinalizer both pvc_protection_controller.go and pv_protection_controller.go
// write: a live object gets its protection finalizer; one being deleted loses it once the
// controller finds it unused, and its deletion completes.

import type { KObject } from '../api/object.js';
import { isNotFound, type ResourceRef, type RestClient } from '../client/rest.js';

/** NeedToAddFinalizer: the object is not being deleted and lacks the finalizer. */
export function needToAddFinalizer(obj: KObject, finalizer: string): boolean {
  return !obj.metadata.deletionTimestamp && !(obj.metadata.finalizers ?? []).includes(finalizer);
}

/** IsDeletionCandidate: the object is being deleted and still holds the finalizer. */
export function isDeletionCandidate(obj: KObject, finalizer: string): boolean {
  return !!obj.metadata.deletionTimestamp && (obj.metadata.finalizers ?? []).includes(finalizer);
}

export function addFinalizer(client: RestClient, ref: ResourceRef, obj: KObject, finalizer: string): Promise<void> {
  return setFinalizers(client, ref, obj, [...(obj.metadata.finalizers ?? []), finalizer]);
}

export function removeFinalizer(client: RestClient, ref: ResourceRef, obj: KObject, finalizer: string): Promise<void> {
  const finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
  return setFinalizers(client, ref, obj, finalizers);
}

/**
 * An update conditional on the resourceVersion (the controllers' roles allow update, not patch):
 * an object changed meanwhile is a conflict, looked at again; one already gone needs nothing.
 */
async function setFinalizers(client: RestClient, ref: ResourceRef, obj: KObject, finalizers: string[]): Promise<void> {
  try {
    await client.update(ref, { ...obj, metadata: { ...obj.metadata, finalizers } });
  } catch (e) {
    if (isNotFound(e)) return;
    throw e;
  }
}
