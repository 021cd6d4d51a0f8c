// ControllerRevisions, as kube-apiserver's pkg/registry/apps/controllerrevision: immutable
// snapshots of a DaemonSet's or StatefulSet's template that their controllers write and
// `kubectl rollout history/undo` read; data cannot change once stored. The printer is
// printControllerRevision (CONTROLLER as kind.group/name).

import type { OwnerReference } from '../../../api/object.js';
import { printerColumns } from '../../../api/schema/columns.js';
import { validateControllerRevisionCreate, validateControllerRevisionUpdate } from '../../../api/validation/apps-sets.js';
import { n, type Obj, type Printer, s, timestampSince } from '../../tables.js';
import { defineResource } from '../rest.js';
import type { Strategy } from '../strategy.js';

export const strategy: Strategy = {
  validate: validateControllerRevisionCreate,
  validateUpdate: validateControllerRevisionUpdate,
};

/** formatResourceName with its kind: lower-cased Kind.group/name ("daemonset.apps/fluentd"). */
function controllerName(ref: OwnerReference | undefined): string {
  if (!ref) return '<none>';
  const slash = ref.apiVersion.indexOf('/');
  const group = slash >= 0 ? ref.apiVersion.slice(0, slash) : '';
  return `${(group ? `${ref.kind}.${group}` : ref.kind).toLowerCase()}/${ref.name}`;
}

export const printer: Printer = {
  columns: printerColumns('io.k8s.api.apps.v1.ControllerRevision'),
  row(cr, now) {
    const ref = cr.metadata.ownerReferences?.find((r) => r.controller === true);
    return {
      cells: [
        s(cr.metadata.name),
        controllerName(ref),
        n((cr as typeof cr & Obj).revision),
        timestampSince(cr.metadata.creationTimestamp, now),
      ],
    };
  },
};

export const resource = defineResource({
  info: {
    group: 'apps',
    version: 'v1',
    resource: 'controllerrevisions',
    kind: 'ControllerRevision',
    namespaced: true,
    schema: 'io.k8s.api.apps.v1.ControllerRevision',
  },
  strategy,
  printer,
});
