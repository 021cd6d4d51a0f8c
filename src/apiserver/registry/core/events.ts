// Events (core/v1), as kube-apiserver's pkg/registry/core/event: written by every component's
// event recorder, which may PUT to create; they expire after the event TTL (eventttl.ts). The
// printer is printEvent.

import { isObject } from '../../../api/object.js';
import { validateEventCreate, validateEventUpdate } from '../../../api/validation.js';
import { col, D, n, o, parseTime, s, timestampSince, type Printer } from '../../tables.js';
import { defineResource } from '../rest.js';
import type { Strategy } from '../strategy.js';

export const strategy: Strategy = {
  allowCreateOnUpdate: true,
  fieldLabels: ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'],
  validate: validateEventCreate,
  validateUpdate: validateEventUpdate,
};

export const printer: Printer = {
  // The order of the real server: wide columns sit between and after the default ones.
  columns: [
    col('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
    col('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future'),
    col('Reason', 'string', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
    col('Object', 'string', 'The object that this event is about.'),
    col('Subobject', 'string', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: "spec.containers{name}" (where "name" refers to the name of the container that triggered the event) or if no container name is specified "spec.containers[2]" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.', 1),
    col('Source', 'string', 'The component reporting this event. Should be a short machine understandable string.', 1),
    col('Message', 'string', 'A human-readable description of the status of this operation.'),
    col('First Seen', 'string', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', 1),
    col('Count', 'string', 'The number of times this event has occurred.', 1),
    col('Name', 'string', D.name, 1, 'name'),
  ],
  row(ev, now) {
    const firstSeen = parseTime(ev.firstTimestamp) !== undefined ? timestampSince(ev.firstTimestamp, now) : timestampSince(ev.eventTime, now);
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
        lastSeen, s(ev.type), s(ev.reason), target, s(involved.fieldPath), host === '' ? component : `${component}, ${host}`,
        s(ev.message).trim(), firstSeen, count, s(ev.metadata.name),
      ],
    };
  },
};

export const resource = defineResource({
  info: { group: '', version: 'v1', resource: 'events', kind: 'Event', namespaced: true, schema: 'io.k8s.api.core.v1.Event', shortNames: ['ev'] },
  strategy,
  printer,
});
