// rbacregistry.IsOnlyMutatingGCFields: an update that changes nothing but owner references and
// finalizers (the garbage collector's work) needs no escalation check.

import type { KObject } from '../../../api/object.js';

export function onlyGCFieldsChanged(obj: KObject, old: KObject): boolean {
  const strip = (o: KObject) =>
    JSON.stringify({
      ...o,
      metadata: { ...o.metadata, ownerReferences: undefined, finalizers: undefined, resourceVersion: undefined, managedFields: undefined },
    });
  return strip(obj) === strip(old);
}
