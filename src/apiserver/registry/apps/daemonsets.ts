// DaemonSets, as kube-apiserver's pkg/registry/apps/daemonset: generation counts spec changes,
// spec.templateGeneration (in apps/v1 the annotation deprecated.daemonset.template.generation)
// counts changes of the pod template, status is the daemon set controller's to write. The
// printer is printDaemonSet.

import { defaultDaemonSet } from '../../../api/defaults-apps.js';
import type { KObject } from '../../../api/object.js';
import { DAEMONSET_TEMPLATE_GENERATION_ANNOTATION } from '../../../api/types.js';
import { validateDaemonSetCreate, validateDaemonSetStatusUpdate, validateDaemonSetUpdate } from '../../../api/validation/apps-sets.js';
import { semanticEqual } from '../../../api/validation/compare.js';
import { formatLabelSelector, formatLabels, n, o, s, workloadPrinter } from '../../tables.js';
import { defineResource, statusSubresource } from '../rest.js';
import { bumpGeneration, clearStatus, keepStatus, type Strategy, statusStrategy as statusOf } from '../strategy.js';

const TEMPLATE_GENERATION_ANNOTATION = DAEMONSET_TEMPLATE_GENERATION_ANNOTATION;

function templateGeneration(ds: KObject): number {
  const v = Number(ds.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION]);
  return Number.isSafeInteger(v) && v > 0 ? v : 0;
}

function setTemplateGeneration(ds: KObject, g: number): void {
  ds.metadata.annotations = { ...(ds.metadata.annotations ?? {}), [TEMPLATE_GENERATION_ANNOTATION]: String(g) };
}

export const strategy: Strategy = {
  fieldLabels: [],
  defaults: defaultDaemonSet,
  prepareForCreate(ds) {
    clearStatus(ds);
    ds.status = {};
    ds.metadata.generation = 1;
    setTemplateGeneration(ds, Math.max(1, templateGeneration(ds)));
  },
  prepareForUpdate(ds, old) {
    keepStatus(ds, old);
    bumpGeneration(ds, old);
    // The template generation is the server's: one more when the template changed.
    const prev = Math.max(1, templateGeneration(old));
    const changed = !semanticEqual(o(ds.spec).template, o(old.spec).template);
    setTemplateGeneration(ds, changed ? prev + 1 : prev);
  },
  validate: validateDaemonSetCreate,
  validateUpdate: validateDaemonSetUpdate,
};

export const statusStrategy = statusOf(validateDaemonSetStatusUpdate);

export const printer = workloadPrinter(
  'io.k8s.api.apps.v1.DaemonSet',
  (ds, { spec, status }) => [
    s(ds.metadata.name),
    n(status.desiredNumberScheduled),
    n(status.currentNumberScheduled),
    n(status.numberReady),
    n(status.updatedNumberScheduled),
    n(status.numberAvailable),
    formatLabels(o(o(spec.template).spec).nodeSelector),
  ],
  (spec) => formatLabelSelector(spec.selector),
);

export const resource = defineResource({
  info: {
    group: 'apps',
    version: 'v1',
    resource: 'daemonsets',
    kind: 'DaemonSet',
    namespaced: true,
    schema: 'io.k8s.api.apps.v1.DaemonSet',
    shortNames: ['ds'],
    categories: ['all'],
  },
  strategy,
  subresources: { status: statusSubresource('DaemonSet', statusStrategy) },
  printer,
});
