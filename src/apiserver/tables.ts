// Server-side printing: the meta.k8s.io Table that `kubectl get` asks for with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`. kubectl prints these cells as
// they come, so the columns and every cell's text are those of kube-apiserver v1.32's
// printers (pkg/printers/internalversion). Like the real server, rows always carry the
// wide (priority 1) cells; kubectl drops those columns itself unless `-o wide`. Each resource's
// printer lives in its module (registry/<group>/<resource>.ts), its columns in
// src/api/schema/columns.ts; this file has what the printers share.

import { labelSelectorString } from '../api/labels.js';
import { apiVersionOf, isObject, type KObject, type ObjectMeta } from '../api/object.js';
import type { ResourceInfo } from '../api/resources.js';
import { col, D, nameCol, type PrinterColumn, printerColumns } from '../api/schema/columns.js';
import { encodeOnce, objectJSONBytes } from './cachingobject.js';

export type TableColumnDefinition = PrinterColumn;
export interface TableRowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
export interface TableRow {
  cells: unknown[];
  object?: unknown;
  conditions?: unknown[];
}
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

type WorkloadView = { spec: Obj; status: Obj; desired: number };

/**
 * The printer of a workload kind: its columns, and a row of the cells before AGE (made from what
 * every workload row reads), then AGE and the wide columns every workload printer ends with
 * (CONTAINERS, IMAGES, and SELECTOR where the kind prints one), as printReplicaSet and its kin do.
 */
export function workloadPrinter(
  schema: string,
  cells: (obj: KObject, w: WorkloadView) => unknown[],
  selector?: (spec: Obj) => unknown,
): Printer {
  return {
    columns: printerColumns(schema),
    row(obj, now) {
      const spec = o(obj.spec),
        status = o(obj.status);
      // desired: spec.replicas, 1 when unset.
      const desired = typeof spec.replicas === 'number' ? n(spec.replicas) : 1;
      return {
        cells: [...cells(obj, { spec, status, desired }), ...podTemplateCells(obj, now, spec.template, selector ? [selector(spec)] : [])],
      };
    },
  };
}

/**
 * The cells a kind that runs pods from a template ends its row with: AGE, then the wide
 * CONTAINERS and IMAGES of the template, then the kind's SELECTOR cell, if it prints one.
 */
export function podTemplateCells(obj: KObject, now: Date, template: unknown, selector: unknown[] = []): unknown[] {
  return [timestampSince(obj.metadata.creationTimestamp, now), ...containerCells(o(template).spec), ...selector];
}

/** Containers laid out on one line: names and images, comma separated. */
export function containerCells(podSpec: unknown): [string, string] {
  const cs = a(o(podSpec).containers).map(o);
  return [cs.map((c) => s(c.name)).join(','), cs.map((c) => s(c.image)).join(',')];
}

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

/**
 * JSON.stringify(buildTable(...)), byte for byte, as the bytes of its parts in order (for
 * writeJSONParts: a Table list of 10,000 is never one string, and never encoded to bytes
 * whole), with each row's embedded object (its PartialObjectMetadata, or the object itself)
 * the object's cached encoding (cachingobject.ts): only the cells, which depend on the clock,
 * are encoded per request. The objects must be shared, never-mutated ones (the watch cache's).
 */
export function tableJSONParts(printer: Printer, ri: ResourceInfo, objects: KObject[], opts: BuildTableOptions = {}): Buffer[] {
  const include = opts.includeObject ?? 'Metadata';
  const table = buildTable(printer, ri, objects, { ...opts, includeObject: 'None' });
  const { rows, ...head } = table;
  const headJSON = JSON.stringify(head).slice(0, -1);
  if (rows.length === 0) return [Buffer.from(`${headJSON},"rows":[]}`)];
  const parts: Buffer[] = [Buffer.from(`${headJSON},"rows":[`)];
  const last = rows.length - 1;
  for (let i = 0; i < rows.length; i++) {
    const row = JSON.stringify(rows[i]);
    const embedded = rowObjectBytes(objects[i], include, table.apiVersion, ri);
    if (embedded === undefined) {
      parts.push(Buffer.from(row), i === last ? ROWS_END : COMMA);
    } else {
      parts.push(Buffer.from(`${row.slice(0, -1)},"object":`), embedded, i === last ? ROW_ROWS_END : ROW_END_COMMA);
    }
  }
  return parts;
}

const COMMA = Buffer.from(',');
const ROWS_END = Buffer.from(']}');
const ROW_END_COMMA = Buffer.from('},');
const ROW_ROWS_END = Buffer.from('}]}');

/** tableJSONParts as one string (one object's Table, as a watch event carries it). */
export function tableJSON(printer: Printer, ri: ResourceInfo, objects: KObject[], opts: BuildTableOptions = {}): string {
  return Buffer.concat(tableJSONParts(printer, ri, objects, opts)).toString('utf8');
}

/** The JSON bytes of what buildTable embeds in a row for obj (undefined: nothing). */
function rowObjectBytes(obj: KObject, include: IncludeObject, tableApiVersion: string, ri: ResourceInfo): Buffer | undefined {
  if (include === 'Metadata')
    return encodeOnce(obj, `table-metadata:${tableApiVersion}`, () =>
      Buffer.from(JSON.stringify(partialObjectMetadata(obj.metadata, tableApiVersion))),
    );
  if (include !== 'Object') return undefined;
  // {...obj, apiVersion, kind} keeps obj's key order when both are set, as stored objects have them.
  if (obj.apiVersion !== undefined && obj.kind !== undefined) return objectJSONBytes(obj);
  return Buffer.from(
    JSON.stringify({ ...obj, apiVersion: obj.apiVersion ?? apiVersionOf(ri.group, ri.version), kind: obj.kind ?? ri.kind }),
  );
}
