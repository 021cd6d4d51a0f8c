// The object model as it crosses the API: plain JSON objects shaped like Kubernetes'.
// Everything inside k8ts (store, registry, controllers) handles objects in this form;
// protobuf and YAML are only ways in, decoded to this at the edge.

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: 'Apply' | 'Update';
  apiVersion?: string;
  time?: string;
  fieldsType?: 'FieldsV1';
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

/**
 * metav1.ObjectMeta as the server handles it: kubernetes-types' declares uid, resourceVersion,
 * generation and the timestamps read-only, and the API server is the one that writes them.
 */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: ManagedFieldsEntry[];
  selfLink?: string;
}

/** Any Kubernetes object: typed meta plus whatever the kind carries. */
export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface KList<T extends KObject = KObject> {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: T[];
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// Readers of untyped JSON (request bodies, stored objects before defaulting, custom resources), as
// apimachinery's unstructured.Nested* helpers: what is missing or of another type reads as empty.
export type Obj = Record<string, unknown>;
export const obj = (v: unknown): Obj => (isObject(v) ? v : {});
/** The objects of a list, others left out. */
export const objects = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObject) : []);
/** Every item of a list as an object, in place (an item's index stays its index in field paths). */
export const objectsAt = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(obj) : []);
export const items = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');
/** A scalar as text (validation quotes what was sent, a number or a bool too). */
export const text = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
export const present = (v: unknown): boolean => v !== undefined && v !== null;

/** A deep copy for JSON-shaped data (structuredClone is slower for small objects). */
export function deepCopy<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/**
 * Freezes a JSON-shaped value and everything in it (idempotent: a frozen object was frozen
 * whole). Objects the API server shares with in-process readers are handed out this way, so
 * that a reader that changes one without copying it first fails at once (a TypeError in strict
 * mode) instead of changing what every other reader, and the watch cache, sees.
 */
export function deepFreeze<T>(v: T): T {
  if (typeof v !== 'object' || v === null || Object.isFrozen(v) || ArrayBuffer.isView(v)) return v;
  const o = v as Record<string, unknown>;
  for (const k in o) {
    const c = o[k];
    if (typeof c === 'object' && c !== null) deepFreeze(c);
  }
  return Object.freeze(v);
}

/** "group/version" as written in apiVersion: the core group has no group part. */
export function apiVersionOf(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** RFC 3339 with second precision, as metav1.Time serialises. */
export function nowRFC3339(d: Date = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** RFC 3339 with microsecond precision, as metav1.MicroTime serialises (leases, events). */
export function nowMicro(d: Date = new Date()): string {
  return d.toISOString().replace(/Z$/, '000Z');
}
