// CustomResourceDefinitions (apiextensions.k8s.io/v1), as apiextensions-apiserver's
// pkg/registry/customresourcedefinition: the defaults of SetDefaults_CustomResourceDefinitionSpec,
// status.storedVersions kept by the strategy, and deletion that first marks the CRD Terminating
// and adds the customresourcecleanup.apiextensions.k8s.io finalizer (its REST.Delete), so that the
// CRD handler (src/apiserver/apiextensions/crdhandler.ts) can delete every custom object before
// the definition goes. The printer is the default one (NAME, CREATED AT), as kube-apiserver's.

import { isObject, type KObject, nowRFC3339, type Obj, obj as o } from '../../../api/object.js';
import { validateCRDCreate, validateCRDStatusUpdate, validateCRDUpdate } from '../../../api/validation/apiextensions.js';
import { defaultPrinter } from '../../tables.js';
import { defineResource, statusSubresource } from '../rest.js';
import { bumpGeneration, keepStatus, type Strategy, statusStrategy } from '../strategy.js';

export const CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

/** SetDefaults_CustomResourceDefinitionSpec (v1). */
export function defaultCRD(crd: KObject): void {
  if (!isObject(crd.spec)) return;
  const spec = crd.spec as Obj;
  const names = o(spec.names);
  if (isObject(spec.names)) {
    if (!names.singular && typeof names.kind === 'string') names.singular = names.kind.toLowerCase();
    if (!names.listKind && typeof names.kind === 'string' && names.kind !== '') names.listKind = `${names.kind}List`;
  }
  if (spec.conversion === undefined || spec.conversion === null) spec.conversion = { strategy: 'None' };
}

/** Every version ever made the storage version stays in status.storedVersions. */
function recordStorageVersion(crd: KObject): void {
  const status = (crd.status ??= {}) as Obj;
  const stored = Array.isArray(status.storedVersions) ? (status.storedVersions as string[]) : [];
  for (const v of Array.isArray(o(crd.spec).versions) ? (o(crd.spec).versions as unknown[]) : []) {
    const ver = o(v);
    if (ver.storage === true && typeof ver.name === 'string' && !stored.includes(ver.name)) stored.push(ver.name);
  }
  status.storedVersions = stored;
}

export const strategy: Strategy = {
  defaults: defaultCRD,
  prepareForCreate(crd) {
    crd.status = { acceptedNames: { plural: '', kind: '' } };
    crd.metadata.generation = 1;
    recordStorageVersion(crd);
  },
  prepareForUpdate(crd, old) {
    keepStatus(crd, old);
    bumpGeneration(crd, old);
    recordStorageVersion(crd);
  },
  validate: validateCRDCreate,
  validateUpdate: validateCRDUpdate,
  // The first delete only marks the CRD: its custom objects go first (REST.Delete).
  canFinishDeletion: (crd) => !!crd.metadata.deletionTimestamp,
  markDeleting(crd) {
    const fins = crd.metadata.finalizers ?? [];
    if (!fins.includes(CLEANUP_FINALIZER)) crd.metadata.finalizers = [...fins, CLEANUP_FINALIZER];
    setCondition(crd, {
      type: 'Terminating',
      status: 'True',
      reason: 'InstanceDeletionPending',
      message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon',
    });
  },
};

export interface CRDCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** SetCRDCondition: replaces the condition of that type; the transition time moves only when the status does. */
export function setCondition(crd: KObject, c: CRDCondition): void {
  const status = (crd.status ??= {}) as Obj;
  const list = Array.isArray(status.conditions) ? (status.conditions as CRDCondition[]) : [];
  const i = list.findIndex((x) => x.type === c.type);
  const next: CRDCondition = { type: c.type, status: c.status, lastTransitionTime: nowRFC3339(), reason: c.reason, message: c.message };
  if (i >= 0) {
    if (list[i].status === c.status) next.lastTransitionTime = list[i].lastTransitionTime;
    list[i] = next;
  } else list.push(next);
  status.conditions = list;
}

export function conditionOf(crd: KObject, type: string): CRDCondition | undefined {
  const list = o(crd.status).conditions;
  return Array.isArray(list) ? (list as CRDCondition[]).find((c) => c.type === type) : undefined;
}

export const resource = defineResource({
  info: {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    resource: 'customresourcedefinitions',
    kind: 'CustomResourceDefinition',
    namespaced: false,
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
    schema: 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition',
  },
  strategy,
  subresources: { status: statusSubresource('CustomResourceDefinition', statusStrategy(validateCRDStatusUpdate)) },
  printer: defaultPrinter,
});
