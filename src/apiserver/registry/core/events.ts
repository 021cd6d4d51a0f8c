// Events (core/v1), as kube-apiserver's pkg/registry/core/event: written by every component's
// event recorder, which may PUT to create; they expire after the event TTL (eventttl.ts). The
// printer is printEvent.

import { isObject } from '../../../api/object.js';
import { printerColumns } from '../../../api/schema/columns.js';
import { validateEventCreate, validateEventUpdate } from '../../../api/validation.js';
import { n, o, type Printer, parseTime, s, timestampSince } from '../../tables.js';
import { defineResource } from '../rest.js';
import type { Strategy } from '../strategy.js';

export const strategy: Strategy = {
  allowCreateOnUpdate: true,
  fieldLabels: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  validate: validateEventCreate,
  validateUpdate: validateEventUpdate,
};

export const printer: Printer = {
  columns: printerColumns('io.k8s.api.core.v1.Event'),
  row(ev, now) {
    const firstSeen =
      parseTime(ev.firstTimestamp) !== undefined ? timestampSince(ev.firstTimestamp, now) : timestampSince(ev.eventTime, now);
    let lastSeen = parseTime(ev.lastTimestamp) !== undefined ? timestampSince(ev.lastTimestamp, now) : firstSeen;
    let count = n(ev.count);
    if (isObject(ev.series)) {
      lastSeen = timestampSince(ev.series.lastObservedTime, now);
      count = n(ev.series.count);
    } else if (count === 0) {
      count = 1; // events of the events.k8s.io API leave count unset for a single occurrence
    }
    const involved = o(ev.involvedObject);
    const kind = s(involved.kind).toLowerCase();
    const target = s(involved.name) !== '' ? `${kind}/${s(involved.name)}` : kind;
    const source = o(ev.source);
    const component = s(source.component) || s(ev.reportingComponent);
    const host = s(source.host) || s(ev.reportingInstance);
    return {
      cells: [
        lastSeen,
        s(ev.type),
        s(ev.reason),
        target,
        s(involved.fieldPath),
        host === '' ? component : `${component}, ${host}`,
        s(ev.message).trim(),
        firstSeen,
        count,
        s(ev.metadata.name),
      ],
    };
  },
};

export const resource = defineResource({
  info: {
    group: '',
    version: 'v1',
    resource: 'events',
    kind: 'Event',
    namespaced: true,
    schema: 'io.k8s.api.core.v1.Event',
    shortNames: ['ev'],
  },
  strategy,
  printer,
});
