// Server-side printing: the meta.k8s.io Table that `kubectl get` asks for with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`. kubectl prints these cells as
// they come, so the columns and every cell's text are those of kube-apiserver v1.32's
// printers (pkg/printers/internalversion). Like the real server, rows always carry the
// wide (priority 1) cells; kubectl drops those columns itself unless `-o wide`. Each resource's
// printer lives in its module (registry/<group>/<resource>.ts); this file has what they share.

import { labelSelectorString } from '../api/labels.js';
import type { ResourceInfo } from '../api/resources.js';
import { apiVersionOf, isObject, type KObject, type ObjectMeta } from '../api/object.js';

export interface TableColumnDefinition { name: string; type: string; format: string; description: string; priority: number }
export interface TableRowCondition { type: string; status: string; reason?: string; message?: string }
export interface TableRow { cells: unknown[]; object?: unknown; conditions?: unknown[] }
export interface Table {
  kind: 'Table';
  /** meta.k8s.io/v1 unless the client negotiated the older v1beta1 Table. */
  apiVersion: 'meta.k8s.io/v1' | 'meta.k8s.io/v1beta1';
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface BuildTableOptions {
  /**
   * What each row embeds; without the includeObject parameter the API embeds 'Metadata'.
   * kubectl asks for 'Object' only with --sort-by, to read the objects with jsonpath.
   */
  includeObject?: IncludeObject;
  /** The list's metadata for a list; without it a single object's resourceVersion is used (as for a GET). */
  listMeta?: Table['metadata'];
  /** The clock AGE and other durations are measured against. */
  now?: Date;
  /**
   * The Table's own group version as negotiated: 'meta.k8s.io/v1' (default) or 'meta.k8s.io/v1beta1'.
   * PartialObjectMetadata rows carry the same group version, as kube-apiserver does.
   */
  apiVersion?: string;
  /** TableOptions.noHeaders: the server leaves the column definitions out. */
  noHeaders?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Reading plain JSON objects without trusting their shape.

export type Obj = Record<string, unknown>;
export const o = (v: unknown): Obj => (isObject(v) ? v : {});
export const a = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const s = (v: unknown): string => (typeof v === 'string' ? v : '');
export const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0);
export const keys = (v: unknown): string[] => Object.keys(o(v));

// ---------------------------------------------------------------------------------------------
// Durations, as k8s.io/apimachinery/pkg/util/duration.HumanDuration prints them.

/** HumanDuration: about two significant figures, from seconds up to years. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  // A couple of seconds in the future still reads as "now": clocks of machines drift.
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const sec = seconds % 60;
    return sec === 0 ? `${minutes}m` : `${minutes}m${sec}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const min = minutes % 60;
    return min === 0 ? `${hours}h` : `${hours}h${min}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.trunc(hours / 24);
    const dy = days % 365;
    return dy === 0 ? `${Math.trunc(days / 365)}y` : `${Math.trunc(days / 365)}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** Milliseconds since the epoch of a metav1.Time / MicroTime, or undefined for a missing or zero time. */
export function parseTime(v: unknown): number | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  const t = Date.parse(v);
  // Go's zero time (0001-01-01T00:00:00Z) is how an unset time round-trips through JSON.
  if (Number.isNaN(t) || v.startsWith('0001-01-01T00:00:00')) return undefined;
  return t;
}

/** translateTimestampSince: the age of a timestamp, '<unknown>' when it is unset. */
export function timestampSince(v: unknown, now: Date): string {
  const t = parseTime(v);
  return t === undefined ? '<unknown>' : humanDuration(now.getTime() - t);
}

// ---------------------------------------------------------------------------------------------
// Label formatting, as labels.FormatLabels and metav1.LabelSelectorAsSelector(...).String().

export function formatLabels(m: unknown): string {
  const ks = keys(m).sort();
  if (ks.length === 0) return '<none>';
  const map = o(m);
  return ks.map((k) => `${k}=${s(map[k])}`).join(',');
}

/** metav1.FormatLabelSelector: '<none>' for an empty selector, '<error>' for an invalid one. */
export function formatLabelSelector(sel: unknown): string {
  const str = labelSelectorString(sel);
  if (str === undefined) return '<error>';
  return str === '' ? '<none>' : str;
}

/** Containers laid out on one line: names and images, comma separated. */
export function containerCells(podSpec: unknown): [string, string] {
  const cs = a(o(podSpec).containers).map(o);
  return [cs.map((c) => s(c.name)).join(','), cs.map((c) => s(c.image)).join(',')];
}

// ---------------------------------------------------------------------------------------------
// Column descriptions: the API documentation of the field each column shows.

export const D = {
  name: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  creationTimestamp: 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
  containers: 'Names of each container in the template.',
  images: 'Images referenced by each container in the template.',
  nodeAddresses: "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/concepts/nodes/node/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).",
};

export function col(name: string, type: string, description: string, priority = 0, format = ''): TableColumnDefinition {
  return { name, type, format, description, priority };
}
export const nameCol = col('Name', 'string', D.name, 0, 'name');
export const ageCol = col('Age', 'string', D.creationTimestamp);

// ---------------------------------------------------------------------------------------------
// A printer: a resource's columns and the cells of one object's row. Each resource module
// (registry/<group>/<resource>.ts) has its own, after pkg/printers/internalversion.

export interface Printer {
  columns: TableColumnDefinition[];
  row(obj: KObject, now: Date): { cells: unknown[]; conditions?: TableRowCondition[] };
}

/** The generic registry's table for resources without printers: NAME and the creation time. */
export const defaultPrinter: Printer = {
  columns: [nameCol, col('Created At', 'date', D.creationTimestamp)],
  row(obj) {
    // Go formats an unset time as its zero time.
    const t = parseTime(obj.metadata.creationTimestamp);
    const created = t === undefined ? '0001-01-01T00:00:00Z' : new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return { cells: [s(obj.metadata.name), created] };
  },
};

// ---------------------------------------------------------------------------------------------

function partialObjectMetadata(meta: ObjectMeta, apiVersion: string): unknown {
  return { kind: 'PartialObjectMetadata', apiVersion, metadata: meta };
}

/**
 * The Table for a list (or a single object) of one resource, as kube-apiserver answers a
 * request with `Accept: application/json;as=Table;g=meta.k8s.io;v=v1`.
 */
export function buildTable(printer: Printer, ri: ResourceInfo, objects: KObject[], opts: BuildTableOptions = {}): Table {
  const now = opts.now ?? new Date();
  const include = opts.includeObject ?? 'Metadata';
  const tableApiVersion: Table['apiVersion'] = opts.apiVersion === 'meta.k8s.io/v1beta1' ? 'meta.k8s.io/v1beta1' : 'meta.k8s.io/v1';
  const objectApiVersion = apiVersionOf(ri.group, ri.version);

  const rows: TableRow[] = objects.map((obj) => {
    const r = printer.row(obj, now);
    const row: TableRow = { cells: r.cells };
    if (r.conditions) row.conditions = r.conditions;
    if (include === 'Object') row.object = { ...obj, apiVersion: obj.apiVersion ?? objectApiVersion, kind: obj.kind ?? ri.kind };
    else if (include === 'Metadata') row.object = partialObjectMetadata(obj.metadata, tableApiVersion);
    return row;
  });

  const metadata: Table['metadata'] = {};
  const lm = opts.listMeta ?? (objects.length === 1 ? { resourceVersion: objects[0].metadata.resourceVersion } : {});
  if (lm.resourceVersion !== undefined) metadata.resourceVersion = lm.resourceVersion;
  if (lm.continue) metadata.continue = lm.continue;
  if (lm.remainingItemCount !== undefined) metadata.remainingItemCount = lm.remainingItemCount;

  return {
    kind: 'Table',
    apiVersion: tableApiVersion,
    metadata,
    columnDefinitions: opts.noHeaders ? [] : printer.columns.map((c) => ({ ...c })),
    rows,
  };
}
