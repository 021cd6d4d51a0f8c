// VolumeAttachments, as kube-apiserver's pkg/registry/storage/volumeattachment: the intent to
// attach a volume to a node, with a status subresource for the attacher; the spec cannot
// change. Served, not acted on (k8ts' volumes need no attach). The printer is printVolumeAttachment.

import { printerColumns } from '../../../api/schema/columns.js';
import {
  validateVolumeAttachmentCreate,
  validateVolumeAttachmentStatusUpdate,
  validateVolumeAttachmentUpdate,
} from '../../../api/validation/storage.js';
import { o, type Printer, s, timestampSince } from '../../tables.js';
import { defineResource } from '../rest.js';
import { keepStatus, type Strategy, statusStrategy as statusOf } from '../strategy.js';

export const strategy: Strategy = {
  prepareForCreate(va) {
    va.status = { attached: false };
  },
  prepareForUpdate: keepStatus,
  validate: validateVolumeAttachmentCreate,
  validateUpdate: validateVolumeAttachmentUpdate,
};

export const statusStrategy = statusOf(validateVolumeAttachmentStatusUpdate);

export const printer: Printer = {
  columns: printerColumns('io.k8s.api.storage.v1.VolumeAttachment'),
  row(va, now) {
    const spec = o(va.spec);
    return {
      cells: [
        s(va.metadata.name),
        s(spec.attacher),
        s(o(spec.source).persistentVolumeName),
        s(spec.nodeName),
        o(va.status).attached === true,
        timestampSince(va.metadata.creationTimestamp, now),
      ],
    };
  },
};

export const resource = defineResource({
  info: {
    group: 'storage.k8s.io',
    version: 'v1',
    resource: 'volumeattachments',
    kind: 'VolumeAttachment',
    namespaced: false,
    schema: 'io.k8s.api.storage.v1.VolumeAttachment',
  },
  strategy,
  subresources: {
    status: { kind: 'VolumeAttachment', verbs: ['get', 'patch', 'update'], rest: { type: 'update', strategy: statusStrategy } },
  },
  printer,
});
