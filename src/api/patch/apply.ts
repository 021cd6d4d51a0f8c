// Server-side apply and field ownership (metadata.managedFields), after
// sigs.k8s.io/structured-merge-diff as kube-apiserver's fieldmanager drives it.
//
// A field set is a set of paths; a path is a list of FieldsV1 path elements:
//   'f:<field>'            a struct field or map key
//   'k:{"name":"nginx"}'   an item of an associative list (listType map / merge key), keys sorted
//   'v:"foo"'              an item of a set list
//   'i:3'                  an item of a list without usable keys
// FieldsV1 nests those elements as objects; '.': {} marks a node that is itself a member
// and also has members below it.

import { errors, type StatusCause, StatusError } from '../errors.js';
import { deepCopy, isObject, type KObject, type ManagedFieldsEntry, nowRFC3339, splitApiVersion } from '../object.js';
import type { FieldDef, TypeDef } from '../schema/types.js';
import { jsonEqual } from './jsonpatch.js';
import {
  type Ctx,
  childField,
  isOpaqueType,
  type KindLookup,
  type ListKind,
  listKindOf,
  registryKindLookup,
  registryTypeLookup,
  type TypeLookup,
} from './typeinfo.js';

type JMap = Record<string, unknown>;
/** A path joined with SEP; path elements never contain it (keys are JSON-escaped). */
type FieldSet = Set<string>;
const SEP = '\u0000';

export interface FieldManagerOptions {
  /** The kind's TypeDef name; by default found from the object's apiVersion and kind. */
  typeName?: string;
  typeLookup?: TypeLookup;
  kindLookup?: KindLookup;
  /** The subresource the request writes ("status"), part of the manager's identity. */
  subresource?: string;
  /** The time recorded on changed entries (tests). */
  now?: Date;
}

// ---- schema walking -------------------------------------------------------------------

type Node = { t: 'leaf' } | { t: 'object'; ctx: Ctx } | { t: 'list'; kind: ListKind; elem: FieldDef };

const ANY_CTX: Ctx = { t: 'any' };

/** Default values of list-map keys that the API server fills in (ports' protocol). */
const LIST_KEY_DEFAULTS: Record<string, unknown> = { protocol: 'TCP' };

const LEAF: Node = { t: 'leaf' };
const ANY_OBJECT: Node = { t: 'object', ctx: ANY_CTX };
/**
 * Nodes made once (every write walks the same fields): a list's or map's by its FieldDef (what it
 * is follows from the field alone), a struct's by its TypeDef (the type name is looked up each
 * time: a custom resource's schema may come and go). Never changed once made.
 */
const fieldNodes = new WeakMap<FieldDef, Node>();
const structNodes = new WeakMap<TypeDef, Node>();

class Schema {
  constructor(private lookup: TypeLookup) {}

  node(field: FieldDef | undefined, value: unknown): Node {
    let n: Node | undefined;
    if (!field) n = isObject(value) ? ANY_OBJECT : LEAF;
    else if (field.list || field.map) {
      n = fieldNodes.get(field);
      if (n === undefined) {
        if (field.list) n = { t: 'list', kind: listKindOf(field), elem: { json: field.json, proto: 0, type: field.type } };
        else n = field.mapType === 'atomic' ? LEAF : { t: 'object', ctx: { t: 'map', valueType: field.type, field } };
        fieldNodes.set(field, n);
      }
    } else if (isOpaqueType(field.type) || field.mapType === 'atomic') n = LEAF;
    else {
      const def = this.lookup(field.type);
      if (def === undefined) n = LEAF;
      else {
        n = structNodes.get(def);
        if (n === undefined) structNodes.set(def, (n = { t: 'object', ctx: { t: 'struct', def } }));
      }
    }
    // A value of the wrong shape is compared and replaced as a whole.
    if (n.t === 'object' && !isObject(value) && value !== undefined) return LEAF;
    if (n.t === 'list' && !Array.isArray(value) && value !== undefined) return LEAF;
    return n;
  }
}

/**
 * A list map's keys in sorted order, by the schema's array of them (sorted once), and each one's
 * JSON name and colon when the key object's JSON can be written name by name in that order (no
 * name repeated, none that an object would order first (an array index) or not keep as its own
 * (__proto__)); undefined otherwise.
 */
interface KeyPlan {
  sorted: string[];
  names: string[] | undefined;
}
const keyPlans = new WeakMap<string[], KeyPlan>();
const PLAIN_KEY_NAME = /^[A-Za-z_$][\w$.\-/]*$/;

function keyPlanOf(keys: string[]): KeyPlan {
  let plan = keyPlans.get(keys);
  if (plan === undefined) {
    const sorted = [...keys].sort();
    const plain = sorted.every((k, i) => PLAIN_KEY_NAME.test(k) && k !== '__proto__' && k !== sorted[i - 1]);
    keyPlans.set(keys, (plan = { sorted, names: plain ? sorted.map((k) => `${JSON.stringify(k)}:`) : undefined }));
  }
  return plan;
}

function itemElement(kind: ListKind, item: unknown, index: number): string {
  if (kind.t === 'set') return `v:${JSON.stringify(item)}`;
  if (kind.t === 'map' && isObject(item)) {
    const plan = keyPlanOf(kind.keys);
    const keys = plan.sorted;
    const names = plan.names;
    if (names !== undefined) {
      // JSON.stringify of the key object below, written name by name without the object.
      let json = '';
      let present = false;
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i];
        const v = item[k] ?? LIST_KEY_DEFAULTS[k];
        if (v === undefined) continue;
        present = true;
        const j = JSON.stringify(v) as string | undefined;
        if (j === undefined) continue;
        json = json === '' ? names[i] + j : `${json},${names[i]}${j}`;
      }
      return present ? `k:{${json}}` : `i:${index}`;
    }
    const key: JMap = {};
    for (const k of keys) {
      const v = item[k] ?? LIST_KEY_DEFAULTS[k];
      if (v !== undefined) key[k] = v;
    }
    if (Object.keys(key).length) return `k:${JSON.stringify(key)}`;
  }
  return `i:${index}`;
}

const join = (path: string, el: string): string => (path ? path + SEP + el : el);

/**
 * A field's path element, 'f:' and its name: one instance per name (the same few hundred field
 * names are met in every object), so that building FieldsV1 objects and looking their keys up
 * does not hash a new string each time. Bounded: the table starts again when full.
 */
const fieldElements = new Map<string, string>();
const MAX_FIELD_ELEMENTS = 4096;

/** A key setToFieldsV1 would split (path elements are joined with SEP): the create is computed the general way. */
class SeparatorInKey extends Error {}

/** Throws SeparatorInKey for a key holding the separator (never in the table: a name found there is checked). */
function fieldElement(k: string): string {
  let el = fieldElements.get(k);
  if (el === undefined) {
    if (k.includes(SEP)) throw new SeparatorInKey();
    if (fieldElements.size >= MAX_FIELD_ELEMENTS) fieldElements.clear();
    fieldElements.set(k, (el = `f:${k}`));
  }
  return el;
}
const isItemElement = (el: string): boolean => !el.startsWith('f:');
const lastElement = (path: string): string => path.slice(path.lastIndexOf(SEP) + 1);

// Fields the field manager never tracks (fieldmanager's stripMetaManager).
const STRIPPED = new Set([
  'f:apiVersion',
  'f:kind',
  'f:metadata',
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion'].map(
    (f) => `f:metadata${SEP}f:${f}`,
  ),
]);
const MANAGED_FIELDS_PATH = `f:metadata${SEP}f:managedFields`;

/**
 * The fields a request may own: the main resource never owns status and the status
 * subresource owns only status (the strategies' reset fields, simplified).
 */
function tracked(path: string, subresource: string | undefined): boolean {
  if (STRIPPED.has(path) || path === MANAGED_FIELDS_PATH || path.startsWith(MANAGED_FIELDS_PATH + SEP)) return false;
  const top = path.split(SEP, 1)[0];
  if (subresource === 'status') return top === 'f:status';
  if (subresource === undefined) return top !== 'f:status';
  return true;
}

/** The root fields below which `tracked` may hold a path for a write through `subresource`. */
function rootKeysFor(subresource: string | undefined): ((k: string) => boolean) | undefined {
  if (subresource === 'status') return (k) => k === 'status';
  if (subresource === undefined) return (k) => k !== 'status';
  return undefined;
}

function filterSet(set: FieldSet, subresource: string | undefined): FieldSet {
  return new Set([...set].filter((p) => tracked(p, subresource)));
}

/** The fields an applied configuration sets (structured-merge-diff's ToFieldSet). */
function toFieldSet(s: Schema, value: unknown, field: FieldDef | undefined, path: string, out: FieldSet): void {
  if (path === MANAGED_FIELDS_PATH) return;
  const n = s.node(field, value);
  if (value === null || n.t === 'leaf') {
    if (path) out.add(path);
    return;
  }
  if (n.t === 'object') {
    const obj = value as JMap;
    const keys = Object.keys(obj);
    if (keys.length === 0 && path) out.add(path);
    for (const k of keys) {
      const cf = childField(n.ctx, k);
      const cp = join(path, `f:${k}`);
      toFieldSet(s, obj[k], cf, cp, out);
      // Map entries and fields the schema does not declare are members themselves.
      if (n.ctx.t !== 'struct' || !cf) out.add(cp);
    }
    return;
  }
  const list = value as unknown[];
  if (n.kind.t === 'atomic') {
    out.add(path);
    return;
  }
  list.forEach((item, i) => {
    const cp = join(path, itemElement(n.kind, item, i));
    if (n.kind.t === 'map') toFieldSet(s, item, n.elem, cp, out);
    out.add(cp);
  });
}

interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/**
 * What changed from `a` to `b`, path by path (structured-merge-diff's Compare). `rootKeys`, at
 * the root only, names the fields worth comparing (those the request may own: see tracked).
 */
function compare(
  s: Schema,
  a: unknown,
  b: unknown,
  field: FieldDef | undefined,
  path: string,
  c: Comparison,
  rootKeys?: (k: string) => boolean,
): void {
  // One value on both sides (a subresource's write shares what it leaves as it was) changed nothing.
  if (a === b) return;
  if (path === MANAGED_FIELDS_PATH) return;
  const n = s.node(field, b !== undefined ? b : a);
  const container = n.t !== 'leaf' && !(n.t === 'list' && n.kind.t === 'atomic');
  if (a === undefined || b === undefined) {
    // Go's zero value of a kind already holds its non-pointer structs and its lists without
    // omitempty (containers: null), so their appearing is not a change of their own.
    const structNode = n.t === 'object' && n.ctx.t === 'struct' && !isItemElement(lastElement(path));
    const zeroPresent = structNode || (n.t === 'list' && !!field?.required && !isItemElement(lastElement(path)));
    if (path && !(a === undefined && zeroPresent && b !== null)) (a === undefined ? c.added : c.removed).add(path);
    if (container && (a ?? b) !== null) eachChild(s, n, a, b, path, (x, y, f, p) => compare(s, x, y, f, p, c), rootKeys);
    return;
  }
  if (!container || a === null || b === null || Array.isArray(a) !== Array.isArray(b) || isObject(a) !== isObject(b)) {
    if (!jsonEqual(a, b) && path) c.modified.add(path);
    return;
  }
  eachChild(s, n, a, b, path, (x, y, f, p) => compare(s, x, y, f, p, c), rootKeys);
}

/** Visits the children of two values of one container node, matched by path element. */
function eachChild(
  _s: Schema,
  n: Node,
  a: unknown,
  b: unknown,
  path: string,
  visit: (a: unknown, b: unknown, field: FieldDef | undefined, path: string) => void,
  keys?: (k: string) => boolean,
): void {
  if (n.t === 'object') {
    const ao = isObject(a) ? a : {};
    const bo = isObject(b) ? b : {};
    for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
      if (keys && !keys(k)) continue;
      visit(ao[k], bo[k], childField(n.ctx, k), join(path, `f:${k}`));
    }
  } else if (n.t === 'list') {
    const am = indexItems(n.kind, Array.isArray(a) ? a : []);
    const bm = indexItems(n.kind, Array.isArray(b) ? b : []);
    for (const el of new Set([...am.keys(), ...bm.keys()])) {
      visit(am.get(el), bm.get(el), n.kind.t === 'map' ? n.elem : undefined, join(path, el));
    }
  }
}

function indexItems(kind: ListKind, list: unknown[]): Map<string, unknown> {
  const m = new Map<string, unknown>();
  // (A loop, not forEach and its callback; a hole is skipped as forEach skips it.)
  for (let i = 0; i < list.length; i++) {
    if (!(i in list)) continue;
    const item = list[i];
    m.set(itemElement(kind, item, i), item);
  }
  return m;
}

/** Merges an applied configuration into the live value; undefined means "absent". */
function mergeApplied(s: Schema, live: unknown, applied: unknown, field: FieldDef | undefined): unknown {
  if (applied === undefined) return live;
  if (applied === null) return undefined;
  const n = s.node(field, applied);
  if (n.t === 'object' && isObject(live)) {
    const out: JMap = { ...live };
    for (const [k, v] of Object.entries(applied as JMap)) {
      const merged = mergeApplied(s, live[k], v, childField(n.ctx, k));
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    }
    return out;
  }
  if (n.t === 'list' && n.kind.t !== 'atomic' && Array.isArray(live)) {
    const kind = n.kind;
    const rhs = applied as unknown[];
    const lhsEls = live.map((x, i) => itemElement(kind, x, i));
    const rhsEls = rhs.map((x, i) => itemElement(kind, x, i));
    const lhsBy = new Map(lhsEls.map((el, i) => [el, live[i]]));
    const inRhs = new Set(rhsEls);
    const emitted = new Set<string>();
    const out: unknown[] = [];
    let li = 0;
    let ri = 0;
    // Live-only items keep their place; applied items come in the applied order.
    while (li < live.length || ri < rhs.length) {
      if (li < live.length) {
        const el = lhsEls[li];
        if (emitted.has(el)) {
          li++;
          continue;
        }
        if (!inRhs.has(el)) {
          out.push(live[li]);
          emitted.add(el);
          li++;
          continue;
        }
      }
      if (ri < rhs.length) {
        const el = rhsEls[ri++];
        if (emitted.has(el)) continue;
        const merged = kind.t === 'map' ? mergeApplied(s, lhsBy.get(el), rhs[ri - 1], n.elem) : rhs[ri - 1];
        if (merged !== undefined) out.push(merged);
        emitted.add(el);
        continue;
      }
      li++;
    }
    return out;
  }
  return withoutNulls(applied);
}

function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (isObject(v)) {
    const out: JMap = {};
    for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = withoutNulls(x);
    return out;
  }
  return v;
}

/**
 * Removes the node at `path` from `root` (mutating it). Containers left empty by the removal
 * go too, unless `keep` says their own path is owned.
 */
function removePath(s: Schema, root: JMap, path: string, rootField: FieldDef, keep: (p: string) => boolean): void {
  const els = path.split(SEP);
  const walk = (value: unknown, field: FieldDef | undefined, i: number, prefix: string): boolean => {
    const n = s.node(field, value);
    const el = els[i];
    const here = join(prefix, el);
    if (n.t === 'object' && el.startsWith('f:') && isObject(value)) {
      const k = el.slice(2);
      if (!(k in value)) return false;
      if (i === els.length - 1 || walk(value[k], childField(n.ctx, k), i + 1, here)) delete value[k];
      return Object.keys(value).length === 0 && !keep(prefix);
    }
    if (n.t === 'list' && Array.isArray(value)) {
      const j = value.findIndex((item, idx) => itemElement(n.kind, item, idx) === el);
      if (j < 0) return false;
      if (i === els.length - 1 || walk(value[j], n.kind.t === 'map' ? n.elem : undefined, i + 1, here)) value.splice(j, 1);
      return value.length === 0 && !keep(prefix);
    }
    return false;
  };
  walk(root, rootField, 0, '');
}

// ---- FieldsV1 ----------------------------------------------------------------------------

export function fieldsV1ToSet(fields: unknown): FieldSet {
  const out: FieldSet = new Set();
  const walk = (node: unknown, path: string): void => {
    if (!isObject(node)) return;
    for (const [k, child] of Object.entries(node)) {
      if (k === '.') {
        if (path) out.add(path);
        continue;
      }
      const p = join(path, k);
      if (isObject(child) && Object.keys(child).length > 0) walk(child, p);
      else out.add(p);
    }
  };
  walk(fields, '');
  return out;
}

interface TreeNode {
  member: boolean;
  children: Map<string, TreeNode>;
}

const ELEMENT_ORDER: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };
/** The order of sibling path elements in FieldsV1 (fields, keys, values, indexes; each sorted). */
const compareElements = (a: string, b: string): number =>
  (ELEMENT_ORDER[a[0]] ?? 9) - (ELEMENT_ORDER[b[0]] ?? 9) || (a < b ? -1 : a > b ? 1 : 0);

/** ELEMENT_ORDER by the element's first code unit ('f', 'k', 'v', 'i'; 9 for any other, or none). */
const elementRank = (c: number): number => (c === 102 ? 0 : c === 107 ? 1 : c === 118 ? 2 : c === 105 ? 3 : 9);
/** compareElements(a, b) < 0, for two different elements. */
const elementBefore = (a: string, b: string): boolean => {
  const ra = elementRank(a.charCodeAt(0));
  const rb = elementRank(b.charCodeAt(0));
  return ra !== rb ? ra < rb : a < b;
};

/** Past this many children, sortPairs sorts with Array.prototype.sort (an insertion sort is quadratic). */
const INSERTION_SORT_MAX = 24;

/**
 * Sorts a flat array of distinct path elements each followed by its value (element, value,
 * element, value...) by compareElements, pairs kept together: an insertion sort in place for
 * the few children of most nodes (no comparator calls through the builtin sort, no pair arrays;
 * nothing moves when they are in order already).
 */
function sortPairs(kv: unknown[]): void {
  const n = kv.length;
  if (n <= 2) return;
  if (n > 2 * INSERTION_SORT_MAX) {
    const pairs: [string, unknown][] = [];
    for (let i = 0; i < n; i += 2) pairs.push([kv[i] as string, kv[i + 1]]);
    pairs.sort(([a], [b]) => compareElements(a, b));
    for (let i = 0; i < pairs.length; i++) {
      kv[2 * i] = pairs[i][0];
      kv[2 * i + 1] = pairs[i][1];
    }
    return;
  }
  for (let i = 2; i < n; i += 2) {
    const k = kv[i] as string;
    if (!elementBefore(k, kv[i - 2] as string)) continue;
    const v = kv[i + 1];
    let j = i - 2;
    do {
      kv[j + 2] = kv[j];
      kv[j + 3] = kv[j + 1];
      j -= 2;
    } while (j >= 0 && elementBefore(k, kv[j] as string));
    kv[j + 2] = k;
    kv[j + 3] = v;
  }
}

export function setToFieldsV1(set: FieldSet): JMap {
  const root: TreeNode = { member: false, children: new Map() };
  for (const p of set) {
    let node = root;
    for (const el of p.split(SEP)) {
      let next = node.children.get(el);
      if (!next) node.children.set(el, (next = { member: false, children: new Map() }));
      node = next;
    }
    node.member = true;
  }
  const emit = (node: TreeNode): JMap => {
    const out: JMap = {};
    if (node.member && node.children.size) out['.'] = {};
    const keys = [...node.children.keys()].sort(compareElements);
    for (const k of keys) out[k] = emit(node.children.get(k)!);
    return out;
  };
  return emit(root);
}

/** A path as Kubernetes prints it in conflicts: .spec.template.spec.containers[name="nginx"].image */
export function pathString(path: string): string {
  return path
    .split(SEP)
    .map((el) => {
      const body = el.slice(2);
      switch (el[0]) {
        case 'f':
          return `.${body}`;
        case 'k': {
          const key = JSON.parse(body) as JMap;
          return `[${Object.entries(key)
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(',')}]`;
        }
        case 'v':
          return `[=${body}]`;
        default:
          return `[${body}]`;
      }
    })
    .join('');
}

// ---- managers ----------------------------------------------------------------------------

interface Manager {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  subresource?: string;
  set: FieldSet;
  /**
   * The stored entry, when it is exactly what encodeManagers would write for it (canonicalEntry)
   * and its fields were not read yet: `set` is empty until fieldsOf fills it from this, and an
   * entry nobody touched is written back as it was, neither decoded nor encoded again.
   */
  raw?: ManagedFieldsEntry;
  /** The fields as a canonical FieldsV1 tree (updateByTrees), used instead of `set` when present. */
  fields?: JMap;
}

/** The manager's fields, decoded from its stored entry the first time they are needed. */
function fieldsOf(m: Manager): FieldSet {
  if (m.raw) {
    m.set = fieldsV1ToSet(m.raw.fieldsV1);
    m.raw = undefined;
  }
  return m.set;
}

/** Whether setToFieldsV1(fieldsV1ToSet(node)) is node again, key order included. */
function canonicalFields(node: unknown, root: boolean): boolean {
  if (!isObject(node)) return false;
  // Walked with for-in (an entry is checked on every write that carries it: no key arrays).
  let i = 0;
  let dotted = false;
  let prev = '';
  for (const k in node) {
    if (!Object.hasOwn(node, k)) continue;
    if (i === 0 && k === '.') {
      // '.' marks a member that has members below it: first, empty, never alone, never at the root.
      if (root || !isObject(node['.']) || !isEmptyNode(node['.'])) return false;
      dotted = true;
      i++;
      continue;
    }
    if (k === '' || k === '.' || k.includes(SEP)) return false;
    if (prev !== '' && compareElements(prev, k) >= 0) return false;
    prev = k;
    i++;
    const child = node[k];
    if (!isObject(child)) return false;
    if (!isEmptyNode(child) && !canonicalFields(child, false)) return false;
  }
  if (dotted && i === 1) return false;
  if (root && i === 0) return false;
  return true;
}

/** Whether the entry is exactly what encodeManagers writes for the manager it decodes to. */
function canonicalEntry(e: Record<string, unknown>): boolean {
  const keys = Object.keys(e);
  let i = 0;
  const next = (k: string) => keys[i] === k && ++i > 0;
  if (!next('manager') || !next('operation') || !next('apiVersion')) return false;
  if (typeof e.manager !== 'string' || (e.operation !== 'Apply' && e.operation !== 'Update') || typeof e.apiVersion !== 'string')
    return false;
  if (next('time') && (typeof e.time !== 'string' || e.time === '')) return false;
  if (!next('fieldsType') || e.fieldsType !== 'FieldsV1' || !next('fieldsV1')) return false;
  if (next('subresource') && (typeof e.subresource !== 'string' || e.subresource === '')) return false;
  return i === keys.length && canonicalTree(e.fieldsV1);
}

/**
 * FieldsV1 trees found canonical that are frozen throughout: the watch cache's own (an entry a
 * write leaves alone is the same object in the versions after it), which nothing can change, so
 * that each is walked once, not on every write that carries it.
 */
const canonicalTrees = new WeakSet<object>();

/** canonicalFields of an entry's tree, remembered for a tree frozen throughout. */
function canonicalTree(f: unknown): boolean {
  if (isObject(f) && canonicalTrees.has(f)) return true;
  if (!canonicalFields(f, true)) return false;
  if (Object.isFrozen(f) && frozenThroughout(f as JMap)) canonicalTrees.add(f as JMap);
  return true;
}

/** Whether every node below a canonical tree's (frozen) root is frozen too. */
function frozenThroughout(node: JMap): boolean {
  for (const k in node) {
    const child = node[k];
    if (!Object.isFrozen(child) || !frozenThroughout(child as JMap)) return false;
  }
  return true;
}

/** Whether the path is a member of the (canonical) FieldsV1 tree. */
function fieldsHave(fields: unknown, path: string): boolean {
  let node = fields;
  for (const el of path.split(SEP)) {
    if (!isObject(node) || !Object.hasOwn(node, el)) return false;
    node = node[el];
  }
  return isObject(node) && (Object.hasOwn(node, '.') || Object.keys(node).length === 0);
}

/**
 * Manager identities made so far, by manager, operation, apiVersion and subresource ('' for one
 * left out): the same few are asked for on every write. Bounded: the table starts again when full.
 */
const managerIds = new Map<string, Map<string, Map<string, Map<string, string>>>>();
let managerIdCount = 0;
const MAX_MANAGER_IDS = 4096;
const MAX_ID_PART = 256;

/** The identity of a managedFields entry (fieldmanager's BuildManagerIdentifier). */
function managerId(m: { manager?: string; operation?: string; apiVersion?: string; subresource?: string }): string {
  const manager = m.manager || undefined;
  const operation = m.operation || undefined;
  const apiVersion = m.operation === 'Apply' ? undefined : m.apiVersion || undefined;
  const subresource = m.subresource || undefined;
  // An entry decoded from a request may hold anything: only strings are looked up, short ones.
  if (
    (manager !== undefined && (typeof manager !== 'string' || manager.length > MAX_ID_PART)) ||
    (operation !== undefined && (typeof operation !== 'string' || operation.length > MAX_ID_PART)) ||
    (apiVersion !== undefined && (typeof apiVersion !== 'string' || apiVersion.length > MAX_ID_PART)) ||
    (subresource !== undefined && (typeof subresource !== 'string' || subresource.length > MAX_ID_PART))
  ) {
    return JSON.stringify({ manager, operation, apiVersion, subresource });
  }
  if (managerIdCount >= MAX_MANAGER_IDS) {
    managerIds.clear();
    managerIdCount = 0;
  }
  let byOperation = managerIds.get(manager ?? '');
  if (byOperation === undefined) managerIds.set(manager ?? '', (byOperation = new Map()));
  let byVersion = byOperation.get(operation ?? '');
  if (byVersion === undefined) byOperation.set(operation ?? '', (byVersion = new Map()));
  let bySubresource = byVersion.get(apiVersion ?? '');
  if (bySubresource === undefined) byVersion.set(apiVersion ?? '', (bySubresource = new Map()));
  let id = bySubresource.get(subresource ?? '');
  if (id === undefined) {
    bySubresource.set(subresource ?? '', (id = JSON.stringify({ manager, operation, apiVersion, subresource })));
    managerIdCount++;
  }
  return id;
}

/** The entries by manager identity (entries of one identity merged); `lazy`: see Manager.raw. */
function decodeManagers(entries: unknown, lazy = false): Map<string, Manager> {
  const out = new Map<string, Manager>();
  if (!Array.isArray(entries)) return out;
  for (const raw of entries as unknown[]) {
    if (!isObject(raw)) continue;
    const e = raw as ManagedFieldsEntry;
    const id = managerId(e);
    const prev = out.get(id);
    if (prev) {
      const into = fieldsOf(prev);
      for (const p of fieldsV1ToSet(e.fieldsV1)) into.add(p);
      continue;
    }
    const kept = lazy && canonicalEntry(raw);
    const set = kept ? new Set<string>() : fieldsV1ToSet(e.fieldsV1);
    out.set(id, {
      raw: kept ? e : undefined,
      manager: e.manager ?? '',
      operation: e.operation === 'Apply' ? 'Apply' : 'Update',
      apiVersion: e.apiVersion ?? '',
      time: e.time,
      subresource: e.subresource || undefined,
      set,
    });
  }
  return out;
}

function encodeManagers(managers: Map<string, Manager>): ManagedFieldsEntry[] {
  const list = [...managers.values()].filter((m) => m.raw || m.fields || m.set.size > 0);
  const secs = (t?: string) => (t ? Math.floor(Date.parse(t) / 1000) : 0);
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  list.sort(
    (p, q) =>
      cmp(p.operation, q.operation) ||
      secs(p.time) - secs(q.time) ||
      cmp(p.manager, q.manager) ||
      cmp(p.apiVersion, q.apiVersion) ||
      cmp(p.subresource ?? '', q.subresource ?? ''),
  );
  return list.map((m) => {
    if (m.raw) return m.raw;
    const e: ManagedFieldsEntry = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion };
    if (m.time) e.time = m.time;
    e.fieldsType = 'FieldsV1';
    e.fieldsV1 = m.fields ?? setToFieldsV1(m.set);
    if (m.subresource) e.subresource = m.subresource;
    return e;
  });
}

function printManager(m: Manager): string {
  let s = JSON.stringify(m.manager);
  if (m.subresource) s += ` with subresource ${JSON.stringify(m.subresource)}`;
  if (m.operation === 'Update') s += ` using ${m.apiVersion}`;
  return s;
}

function conflictError(conflicts: { m: Manager; id: string; path: string }[]): StatusError {
  const causes: StatusCause[] = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${printManager(c.m)}`,
    field: pathString(c.path),
  }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0].m)}: ${pathString(conflicts[0].path)}`;
  } else {
    const byId = new Map<string, { m: Manager; paths: string[] }>();
    for (const c of conflicts) {
      const g = byId.get(c.id) ?? { m: c.m, paths: [] };
      g.paths.push(c.path);
      byId.set(c.id, g);
    }
    const lines: string[] = [];
    for (const id of [...byId.keys()].sort()) {
      const g = byId.get(id)!;
      lines.push(`conflicts with ${printManager(g.m)}:`);
      for (const p of g.paths) lines.push(`- ${pathString(p)}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new StatusError(409, 'Conflict', message, { causes });
}

function resolveRoot(obj: KObject, opts: FieldManagerOptions, apiVersion: string | undefined): { schema: Schema; root: FieldDef } {
  const lookup = opts.typeLookup ?? registryTypeLookup;
  let typeName = opts.typeName;
  if (!typeName && apiVersion && typeof obj.kind === 'string') {
    const { group, version } = splitApiVersion(apiVersion);
    typeName = (opts.kindLookup ?? registryKindLookup)(group, version, obj.kind)?.name;
  }
  return { schema: new Schema(lookup), root: { json: '', proto: 0, type: typeName ?? '' } };
}

/**
 * A node of FieldsV1 from its children as a flat array of path elements and their nodes
 * (`kv`: element, node, element, node...; undefined for none), sorted here into
 * setToFieldsV1's order.
 */
function emitNode(member: boolean, kv: unknown[] | undefined): JMap | undefined {
  const n = kv === undefined ? 0 : kv.length;
  if (!member && n === 0) return undefined;
  const out: JMap = {};
  if (n > 0) {
    if (member) out['.'] = {};
    sortPairs(kv!);
    for (let i = 0; i < n; i += 2) out[kv![i] as string] = kv![i + 1];
  }
  return out;
}

/**
 * What a create makes its manager own, as FieldsV1, built in one walk of the new object: the
 * same tree as setToFieldsV1(filterSet(compare({}, value).added, subresource)) without a path
 * string per field. `el` is the node's own path element, `depth` its length in elements.
 */
function createdFields(
  s: Schema,
  value: unknown,
  field: FieldDef | undefined,
  el: string,
  depth: number,
  top: string,
  subresource: string | undefined,
): JMap | undefined {
  const n = s.node(field, value);
  const container = n.t !== 'leaf' && !(n.t === 'list' && n.kind.t === 'atomic');
  let member = false;
  if (depth > 0) {
    // compare's rule for a field that appears (see there), then tracked's.
    const item = isItemElement(el);
    const structNode = n.t === 'object' && n.ctx.t === 'struct' && !item;
    const zeroPresent = structNode || (n.t === 'list' && !!field?.required && !item);
    const stripped =
      (depth === 1 && (el === 'f:apiVersion' || el === 'f:kind' || el === 'f:metadata')) ||
      (depth === 2 && top === 'f:metadata' && STRIPPED_IN_METADATA.has(el));
    member = !(zeroPresent && value !== null) && !stripped;
  }
  // The children, flat: element, node, element, node... (see emitNode).
  let kv: unknown[] | undefined;
  if (container && value !== null) {
    if (n.t === 'object') {
      const o = isObject(value) ? value : NO_FIELDS;
      const ctx = n.ctx;
      for (const k of Object.keys(o)) {
        const childEl = fieldElement(k);
        const v = o[k];
        if (v === undefined) continue;
        // compare stops at metadata.managedFields; tracked keeps only what the subresource may own.
        if (depth === 1 && top === 'f:metadata' && childEl === 'f:managedFields') continue;
        if (depth === 0 && (subresource === 'status' ? childEl !== 'f:status' : subresource === undefined && childEl === 'f:status'))
          continue;
        const sub = createdFields(s, v, childField(ctx, k), childEl, depth + 1, depth === 0 ? childEl : top, subresource);
        if (sub !== undefined) (kv ??= []).push(childEl, sub);
      }
    } else if (n.t === 'list') {
      const kind = n.kind;
      const elem = kind.t === 'map' ? n.elem : undefined;
      for (const [itemEl, item] of indexItems(kind, Array.isArray(value) ? value : [])) {
        if (item === undefined) continue;
        const sub = createdFields(s, item, elem, itemEl, depth + 1, depth === 0 ? itemEl : top, subresource);
        if (sub !== undefined) (kv ??= []).push(itemEl, sub);
      }
    }
  }
  return emitNode(member, kv);
}

/** Set by applyPatch on the managedFields it computed, so updateManagedFields keeps them. */
const APPLY_RESULT = Symbol.for('k8ts.patch.applyResult');

// ---- server-side apply ---------------------------------------------------------------------

/**
 * Server-side apply: merges `applied` (the configuration sent as application/apply-patch+yaml)
 * into `live` (undefined when creating), drops fields this manager applied before and no
 * longer applies (unless someone else owns them), and records ownership under an 'Apply'
 * entry. Throws 409 Conflict when a field owned by another manager would change, unless
 * `force`, which takes the field over. Returns a new object.
 */
export function applyPatch(
  live: KObject | undefined,
  applied: KObject,
  manager: string,
  force: boolean,
  opts: FieldManagerOptions = {},
): KObject {
  if (!isObject(applied)) throw errors.badRequest('error decoding YAML: the applied configuration must be an object');
  const apiVersion = typeof applied.apiVersion === 'string' ? applied.apiVersion : live?.apiVersion;
  if (!apiVersion || typeof applied.kind !== 'string' || !applied.kind) {
    throw errors.badRequest('invalid object type: apiVersion and kind must be set in an applied configuration');
  }
  const { schema, root } = resolveRoot(applied, opts, apiVersion);
  const sub = opts.subresource || undefined;
  const config = deepCopy(applied);
  if (isObject(config.metadata)) delete config.metadata.managedFields;

  const liveObj: JMap = live ? deepCopy(live) : {};
  const managers = decodeManagers((liveObj.metadata as JMap | undefined)?.managedFields);
  if (isObject(liveObj.metadata)) delete liveObj.metadata.managedFields;

  const merged = (mergeApplied(schema, liveObj, config, root) ?? {}) as JMap;

  const id = managerId({ manager, operation: 'Apply', subresource: sub });
  const previous = managers.get(id);
  const lastSet = previous?.set ?? new Set<string>();
  const newSet: FieldSet = new Set();
  toFieldSet(schema, config, root, '', newSet);
  const applier: Manager = { manager, operation: 'Apply', apiVersion, time: previous?.time, subresource: sub, set: filterSet(newSet, sub) };
  managers.set(id, applier);

  // Drop what this manager applied last time, no longer applies, and nobody else owns.
  const owned = new Set<string>();
  const ownedPrefixes = new Set<string>();
  for (const m of managers.values()) {
    for (const p of m.set) {
      owned.add(p);
      for (let i = p.indexOf(SEP); i >= 0; i = p.indexOf(SEP, i + 1)) ownedPrefixes.add(p.slice(0, i));
    }
  }
  const keep = (p: string) => p === '' || owned.has(p) || ownedPrefixes.has(p);
  for (const p of lastSet) {
    if (!keep(p)) removePath(schema, merged, p, root, keep);
  }

  const c: Comparison = { added: new Set(), modified: new Set(), removed: new Set() };
  compare(schema, liveObj, merged, root, '', c);
  const changed = filterSet(new Set([...c.added, ...c.modified]), sub);
  const removed = filterSet(c.removed, sub);

  const conflicts: { m: Manager; id: string; path: string }[] = [];
  for (const [mid, m] of managers) {
    if (mid === id) continue;
    for (const p of [...m.set].sort()) if (changed.has(p)) conflicts.push({ m, id: mid, path: p });
  }
  if (conflicts.length && !force) throw conflictError(conflicts);
  for (const [mid, m] of managers) {
    if (mid === id) continue;
    for (const p of changed) m.set.delete(p);
    for (const p of removed) m.set.delete(p);
    if (m.set.size === 0) managers.delete(mid);
  }

  // The entry's time moves only when the object changed (or the entry is new).
  if (!previous || !jsonEqual(liveObj, merged)) applier.time = nowRFC3339(opts.now);

  const result = merged as KObject;
  if (!isObject(result.metadata)) result.metadata = {};
  const entries = encodeManagers(managers);
  Object.defineProperty(entries, APPLY_RESULT, { value: true, enumerable: false });
  result.metadata.managedFields = entries;
  return result;
}

// ---- ownership for ordinary writes ----------------------------------------------------------

/**
 * The managedFields for a create, update or non-apply patch: the fields the request changed
 * (from `old`, undefined on create, to `updated`) become owned by `manager` with operation
 * 'Update', and are taken away from every other entry; fields the request removed leave
 * every entry. Returns undefined when no entry is left. `apiVersion` is the version the
 * request was made in (by default the object's).
 */
export function updateManagedFields(
  old: KObject | undefined,
  updated: KObject,
  manager: string,
  operation: 'Update' | 'Apply' = 'Update',
  subresource?: string,
  apiVersion?: string,
  opts: FieldManagerOptions = {},
): ManagedFieldsEntry[] | undefined {
  return managedFieldsFor(old, updated, manager, operation, subresource, apiVersion, opts, false);
}

/**
 * updateManagedFields with an update's comparison made the general way, a path string per
 * field (updateBySets): the reference its path trees are tested against (tests only).
 */
export function updateManagedFieldsBySets(
  old: KObject | undefined,
  updated: KObject,
  manager: string,
  operation: 'Update' | 'Apply' = 'Update',
  subresource?: string,
  apiVersion?: string,
  opts: FieldManagerOptions = {},
): ManagedFieldsEntry[] | undefined {
  return managedFieldsFor(old, updated, manager, operation, subresource, apiVersion, opts, true);
}

function managedFieldsFor(
  old: KObject | undefined,
  updated: KObject,
  manager: string,
  operation: 'Update' | 'Apply',
  subresource: string | undefined,
  apiVersion: string | undefined,
  opts: FieldManagerOptions,
  bySets: boolean,
): ManagedFieldsEntry[] | undefined {
  const sub = subresource || opts.subresource || undefined;
  const version = apiVersion ?? updated.apiVersion ?? old?.apiVersion ?? '';
  const newEntries = updated.metadata?.managedFields;
  const oldEntries = old?.metadata?.managedFields ?? [];
  if (Array.isArray(newEntries) && isApplyResult(newEntries, oldEntries, manager, sub)) {
    return newEntries.length ? newEntries : undefined;
  }
  // A create that brings no managedFields of its own (or writes through a subresource, which
  // ignores them): one entry, this manager's, with every tracked field; built without the
  // general comparison's path strings.
  if (old === undefined && (sub !== undefined || !Array.isArray(newEntries) || newEntries.length === 0)) {
    const { schema, root } = resolveRoot(updated, opts, version);
    let fieldsV1: JMap | undefined;
    try {
      // (The walk leaves metadata.managedFields out itself: no copy without them.)
      fieldsV1 = createdFields(schema, updated, root, '', 0, '', sub);
    } catch (e) {
      if (!(e instanceof SeparatorInKey)) throw e;
      return managedFieldsFor({} as KObject, updated, manager, operation, subresource, apiVersion, opts, bySets);
    }
    if (!fieldsV1 || Object.keys(fieldsV1).length === 0) return undefined;
    const e: ManagedFieldsEntry = { manager, operation, apiVersion: version, time: nowRFC3339(opts.now), fieldsType: 'FieldsV1', fieldsV1 };
    if (sub) e.subresource = sub;
    return [e];
  }
  // A request may write managedFields itself (for instance [{}] to clear them); otherwise
  // the stored ones carry over.
  // (A subresource's write never does: asked first, before comparing the entries.)
  const useNew = !sub && Array.isArray(newEntries) && newEntries.length > 0 && !jsonEqual(newEntries, oldEntries);
  const entries = useNew ? newEntries : oldEntries;
  const { schema, root } = resolveRoot(updated, opts, version);
  if (!bySets) {
    try {
      // (compareTrees stops at metadata.managedFields itself: no copies without them.)
      return updateByTrees(schema, root, old ?? NO_FIELDS, updated, entries, manager, operation, version, sub, opts.now);
    } catch (e) {
      if (!(e instanceof SeparatorInKey)) throw e;
    }
  }
  return updateBySets(
    schema,
    root,
    stripManagedFields(old),
    stripManagedFields(updated),
    entries,
    manager,
    operation,
    version,
    sub,
    opts.now,
  );
}

/** The object with metadata.managedFields left out (a shallow copy: the input is not changed). */
function stripManagedFields(o: KObject | undefined): JMap {
  const x: JMap = o ? { ...o } : {};
  if (isObject(x.metadata)) x.metadata = { ...x.metadata, managedFields: undefined };
  return x;
}

/**
 * updateManagedFields' general comparison with a path string per field (kept for objects with
 * a key holding the separator, which the trees refuse, and as the reference updateByTrees is
 * tested against).
 */
function updateBySets(
  schema: Schema,
  root: FieldDef,
  old: JMap,
  updated: JMap,
  entries: unknown,
  manager: string,
  operation: 'Update' | 'Apply',
  version: string,
  sub: string | undefined,
  now: Date | undefined,
): ManagedFieldsEntry[] | undefined {
  const managers = decodeManagers(entries, true);
  const c: Comparison = { added: new Set(), modified: new Set(), removed: new Set() };
  // Only below the root fields this write may own: filterSet drops every other path.
  compare(schema, old, updated, root, '', c, rootKeysFor(sub));
  const changed = filterSet(new Set([...c.added, ...c.modified]), sub);
  const removed = filterSet(c.removed, sub);

  for (const [mid, m] of managers) {
    // An entry that holds none of the paths stays as stored.
    if (m.raw && !someIn(m.raw.fieldsV1, changed) && !someIn(m.raw.fieldsV1, removed)) continue;
    const set = fieldsOf(m);
    for (const p of changed) set.delete(p);
    for (const p of removed) set.delete(p);
    if (set.size === 0) managers.delete(mid);
  }
  if (changed.size) {
    const id = managerId({ manager, operation, apiVersion: version, subresource: sub });
    const prev = managers.get(id);
    const set = new Set([...(prev ? fieldsOf(prev) : []), ...changed]);
    managers.set(id, { manager, operation, apiVersion: version, subresource: sub, set, time: nowRFC3339(now) });
  }
  const out = encodeManagers(managers);
  return out.length ? out : undefined;
}

/**
 * What updateBySets computes, without a path string per field: the comparison builds two
 * trees of path elements (what the write set, what it removed), and each entry's FieldsV1 is
 * changed as a tree, copying only the nodes on a changed path (an entry's untouched branches
 * are its own objects, never changed). Throws SeparatorInKey for a key holding the separator
 * (a path string would split it: updateBySets gives that answer).
 */
function updateByTrees(
  schema: Schema,
  root: FieldDef,
  old: JMap,
  updated: JMap,
  entries: unknown,
  manager: string,
  operation: 'Update' | 'Apply',
  version: string,
  sub: string | undefined,
  now: Date | undefined,
): ManagedFieldsEntry[] | undefined {
  const c = new TreeComparison();
  compareTrees(schema, old, updated, root, c, rootKeysFor(sub));
  const managers = decodeManagers(entries, true);
  const id = c.changedCount ? managerId({ manager, operation, apiVersion: version, subresource: sub }) : undefined;
  // The writer's own entry when it owns every path the write set and none it removed (a lease
  // renewed, a status written again by its writer): taking the paths away and adding them back
  // gives it again, node for node (both canonical), so it is kept as it is.
  let covered = false;
  for (const [mid, m] of managers) {
    if (mid === id) {
      const fields = m.raw ? (m.raw.fieldsV1 as JMap) : (m.fields ?? setToFieldsV1(m.set));
      if (covers(fields, c.changed) && !intersects(fields, c.removed)) {
        m.fields = fields;
        m.raw = undefined;
        covered = true;
        continue;
      }
    }
    if (m.raw) {
      // An entry that holds none of the paths stays as stored.
      const fields = m.raw.fieldsV1 as JMap;
      if (!intersects(fields, c.changed) && !intersects(fields, c.removed)) continue;
      m.fields = fields;
      m.raw = undefined;
    } else if (!m.fields) {
      m.fields = setToFieldsV1(m.set);
    }
    const left = subtractTree(subtractTree(m.fields, c.changed, true), c.removed, true);
    // (An entry that owned nothing, [{}] for instance, goes too.)
    if (left === undefined || isEmptyNode(left)) managers.delete(mid);
    else m.fields = left;
  }
  if (id !== undefined) {
    const prev = managers.get(id);
    const base = prev ? (prev.fields ?? (prev.raw ? (prev.raw.fieldsV1 as JMap) : setToFieldsV1(prev.set))) : undefined;
    const fields = covered ? base! : unionTree(base, c.changed, true);
    managers.set(id, { manager, operation, apiVersion: version, subresource: sub, set: new Set(), fields, time: nowRFC3339(now) });
  }
  const out = encodeManagers(managers);
  return out.length ? out : undefined;
}

// ---- path trees -------------------------------------------------------------------------------

/** A set of paths as a tree of path elements: `m`, the path to this node is a member. */
interface PathTree {
  m: boolean;
  c: Map<string, PathTree> | undefined;
}

const STRIPPED_IN_METADATA = new Set(
  ['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion'].map(
    (f) => `f:${f}`,
  ),
);

/** compare's result as trees (added and modified together, as updateManagedFields uses them); `els` is the walk's path. */
class TreeComparison {
  readonly els: string[] = [];
  readonly changed: PathTree = { m: false, c: undefined };
  readonly removed: PathTree = { m: false, c: undefined };
  changedCount = 0;

  /** Adds the walk's path unless the field manager never tracks it (tracked's STRIPPED). */
  add(into: PathTree): void {
    const els = this.els;
    const depth = els.length;
    if (depth === 1 && (els[0] === 'f:apiVersion' || els[0] === 'f:kind' || els[0] === 'f:metadata')) return;
    if (depth === 2 && els[0] === 'f:metadata' && STRIPPED_IN_METADATA.has(els[1])) return;
    let node = into;
    for (let i = 0; i < depth; i++) {
      let children = node.c;
      if (children === undefined) node.c = children = new Map();
      let next = children.get(els[i]);
      if (next === undefined) children.set(els[i], (next = { m: false, c: undefined }));
      node = next;
    }
    if (into === this.changed && !node.m) this.changedCount++;
    node.m = true;
  }
}

/** compare, step for step, into trees (the path is c.els; the root's filter is `rootKeys`). */
function compareTrees(
  s: Schema,
  a: unknown,
  b: unknown,
  field: FieldDef | undefined,
  c: TreeComparison,
  rootKeys?: (k: string) => boolean,
): void {
  if (a === b) return;
  const els = c.els;
  const depth = els.length;
  if (depth === 2 && els[0] === 'f:metadata' && els[1] === 'f:managedFields') return;
  const n = s.node(field, b !== undefined ? b : a);
  const container = n.t !== 'leaf' && !(n.t === 'list' && n.kind.t === 'atomic');
  if (a === undefined || b === undefined) {
    const item = depth === 0 || isItemElement(els[depth - 1]);
    const structNode = n.t === 'object' && n.ctx.t === 'struct' && !item;
    const zeroPresent = structNode || (n.t === 'list' && !!field?.required && !item);
    if (depth > 0 && !(a === undefined && zeroPresent && b !== null)) c.add(a === undefined ? c.changed : c.removed);
    if (container && (a ?? b) !== null) eachChildTree(s, n, a, b, c, rootKeys);
    return;
  }
  if (!container || a === null || b === null || Array.isArray(a) !== Array.isArray(b) || isObject(a) !== isObject(b)) {
    if (depth > 0 && !jsonEqual(a, b)) c.add(c.changed);
    return;
  }
  eachChildTree(s, n, a, b, c, rootKeys);
}

const NO_FIELDS: JMap = Object.freeze({}) as JMap;

/** eachChild for compareTrees: the children of both values, matched by path element, a's first. */
function eachChildTree(s: Schema, n: Node, a: unknown, b: unknown, c: TreeComparison, keys?: (k: string) => boolean): void {
  const els = c.els;
  if (n.t === 'object') {
    const ao = isObject(a) ? a : NO_FIELDS;
    const bo = isObject(b) ? b : NO_FIELDS;
    for (const k of Object.keys(ao)) {
      if (keys && !keys(k)) continue;
      els.push(fieldElement(k));
      compareTrees(s, ao[k], bo[k], childField(n.ctx, k), c);
      els.pop();
    }
    for (const k of Object.keys(bo)) {
      if (Object.hasOwn(ao, k) || (keys && !keys(k))) continue;
      els.push(fieldElement(k));
      compareTrees(s, ao[k], bo[k], childField(n.ctx, k), c);
      els.pop();
    }
  } else if (n.t === 'list') {
    const am = indexItems(n.kind, Array.isArray(a) ? a : []);
    const bm = indexItems(n.kind, Array.isArray(b) ? b : []);
    const elem = n.kind.t === 'map' ? n.elem : undefined;
    for (const [el, x] of am) {
      els.push(el);
      compareTrees(s, x, bm.get(el), elem, c);
      els.pop();
    }
    for (const [el, y] of bm) {
      if (am.has(el)) continue;
      els.push(el);
      compareTrees(s, undefined, y, elem, c);
      els.pop();
    }
  }
}

/** Whether a node of a canonical FieldsV1 tree is a member: its '.' (always first) or no children. */
function isMemberNode(f: JMap): boolean {
  for (const k in f) return k === '.';
  return true;
}

function isEmptyNode(f: JMap): boolean {
  for (const _ in f) return false;
  return true;
}

/** Whether some member path of `t` is a member of the canonical FieldsV1 `f` (someIn over a tree). */
function intersects(f: JMap, t: PathTree): boolean {
  if (t.c === undefined) return false;
  for (const [el, child] of t.c) {
    if (!Object.hasOwn(f, el)) continue;
    const g = f[el] as JMap;
    if (child.m && isMemberNode(g)) return true;
    if (child.c !== undefined && intersects(g, child)) return true;
  }
  return false;
}

/** Whether every member path of `t` is a member of the canonical FieldsV1 `f` (unionTree(f, t) would be f). */
function covers(f: JMap, t: PathTree): boolean {
  if (t.c === undefined) return true;
  for (const [el, child] of t.c) {
    if (!Object.hasOwn(f, el)) return false;
    const g = f[el] as JMap;
    if (child.m ? !isMemberNode(g) : child.c === undefined) return false;
    if (child.c !== undefined && !covers(g, child)) return false;
  }
  return true;
}

/**
 * The canonical FieldsV1 `f` without the member paths of `t`; undefined when nothing is left.
 * Unchanged nodes are f's own (f itself when nothing changed); a changed node is a new object.
 */
function subtractTree(f: JMap | undefined, t: PathTree, root: boolean): JMap | undefined {
  if (f === undefined) return undefined;
  const member = !root && isMemberNode(f);
  const stays = member && !t.m;
  const tc = t.c;
  let kids: [string, unknown][] | undefined;
  if (tc !== undefined) {
    const keys = Object.keys(f);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (k === '.') continue;
      const v = f[k];
      const sub = tc.get(k);
      const r = sub === undefined ? v : subtractTree(v as JMap, sub, false);
      if (r !== v && kids === undefined) {
        kids = [];
        for (let j = 0; j < i; j++) if (keys[j] !== '.') kids.push([keys[j], f[keys[j]]]);
      }
      if (kids !== undefined && r !== undefined) kids.push([k, r]);
    }
  }
  if (kids === undefined) {
    if (stays === member) return f;
    kids = [];
    for (const k of Object.keys(f)) if (k !== '.') kids.push([k, f[k]]);
  }
  if (!stays && kids.length === 0) return undefined;
  const out: JMap = {};
  if (stays && kids.length) out['.'] = {};
  for (const [k, v] of kids) out[k] = v;
  return out;
}

/** The canonical FieldsV1 `f` (undefined: empty) with the member paths of `t` added, in setToFieldsV1's order. */
function unionTree(f: JMap | undefined, t: PathTree, root: boolean): JMap {
  const member = !root && ((f !== undefined && isMemberNode(f)) || t.m);
  // Flat: element, node, element, node...
  const kv: unknown[] = [];
  const tc = t.c;
  let added = false;
  if (f !== undefined) {
    for (const k of Object.keys(f)) {
      if (k === '.') continue;
      const sub = tc?.get(k);
      kv.push(k, sub === undefined ? f[k] : unionTree(f[k] as JMap, sub, false));
    }
  }
  if (tc !== undefined) {
    for (const [k, sub] of tc) {
      if (f !== undefined && Object.hasOwn(f, k)) continue;
      kv.push(k, unionTree(undefined, sub, false));
      added = true;
    }
  }
  if (added) sortPairs(kv);
  const out: JMap = {};
  if (member && kv.length) out['.'] = {};
  for (let i = 0; i < kv.length; i += 2) out[kv[i] as string] = kv[i + 1];
  return out;
}

function someIn(fields: unknown, paths: FieldSet): boolean {
  for (const p of paths) if (fieldsHave(fields, p)) return true;
  return false;
}

/** Whether `entries` are what applyPatch computed for this manager's request. */
function isApplyResult(entries: ManagedFieldsEntry[], oldEntries: ManagedFieldsEntry[], manager: string, sub: string | undefined): boolean {
  if ((entries as unknown as Record<symbol, unknown>)[APPLY_RESULT]) return true;
  // (Only an Apply entry can have that identity: the others' is not worth building, nor this
  // one's when there is none, as for most writes.)
  let id: string | undefined;
  const mine = entries.find(
    (e) => isObject(e) && e.operation === 'Apply' && managerId(e) === (id ??= managerId({ manager, operation: 'Apply', subresource: sub })),
  );
  if (!mine || id === undefined) return false;
  const before = oldEntries.find((e) => isObject(e) && managerId(e) === id);
  return !before || !jsonEqual(before, mine);
}
