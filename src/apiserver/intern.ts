// Shared, frozen copies of the parts that objects in the watch cache repeat (hash-consing).
// kube-apiserver has no counterpart: Go's watch cache holds each object's decoded form
// (k8s.io/apiserver/pkg/storage/cacher/watch_cache.go, storeElement) and pays for every copy;
// here the heap is a JavaScript one, where a pod decoded from ~5 KB of JSON takes ~10 KB, more
// than half of it metadata.managedFields. Those parts are the same from pod to pod: the
// managedFields entries of a ReplicaSet's pods differ in a key or two, the spec in the node's
// name and the service-account volume's, the conditions in a timestamp. Each subtree (object,
// array, string) is replaced by the one frozen instance with the same content, so 150,000 pods
// keep a few hundred copies of them and their own few distinct nodes.
//
// Sharing keeps what the API serves byte for byte: a subtree is the same instance only when
// its keys (in order) and values are the same, so JSON.stringify gives the same bytes. Shared
// subtrees are frozen: a reader that changes a cached object without copying it fails at once
// (the cache's objects were never to be changed; the in-process clients get them deeply frozen).
//
// The table is bounded: two generations of at most `capacity` entries; a lookup that hits the
// old generation moves the entry to the young one, and when the young one is full the old one
// is dropped. What is shared by many objects is met again and stays; what one object alone
// holds (its uid in an ownerReference key, its pod IP) leaves the table. An object keeps what
// it was given either way: leaving the table never changes an object.

import { sameJSON } from '../api/object.js';

/** Objects, arrays and strings above this depth are left as they are (a guard for hostile nesting). */
const MAX_DEPTH = 64;
/** Strings longer than this are not shared: long ones are rarely repeated. */
const MAX_STRING = 256;
/** Object keys in the keys' table, per generation. */
const KEY_CAPACITY = 4096;
/** Nodes kept under one hash; past it a new one is not shared (bounds the work of a lookup). */
const MAX_COLLISIONS = 8;

interface SharedString {
  s: string;
  id: number;
}

/** A table of two generations: a hit in the old one moves the entry to the young one. */
class Generations<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.young.size + this.old.size;
  }

  get(k: K): V | undefined {
    const y = this.young.get(k);
    if (y !== undefined) return y;
    const o = this.old.get(k);
    if (o !== undefined) {
      this.old.delete(k);
      this.set(k, o);
    }
    return o;
  }

  set(k: K, v: V): void {
    if (!this.young.has(k) && this.young.size >= this.capacity) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(k, v);
  }
}

const mix = (h: number, x: number): number => Math.imul(h ^ x, 0x9e3779b1) ^ (h >>> 15);

export class Interner {
  private strings: Generations<string, SharedString>;
  private keys: Generations<string, number>;
  /** Shared objects and arrays by the hash of their shallow content; a collision keeps a list. */
  private nodes: Generations<number, object | object[]>;
  private nextId = 1;
  /**
   * The hash of the object or array node() returned last, which its parent mixes in: a hash of
   * the content (keys' and strings' numbers, children's hashes), so no table from object to
   * number is needed (a WeakMap entry for each of 150,000 pods' own nodes was ~15 % of the heap).
   */
  private last = 0;
  /** internCopy's children, object keys beside their values, before they are looked up or made. */
  private readonly stack: unknown[] = [];

  constructor(capacity = 50_000) {
    this.strings = new Generations(capacity);
    this.keys = new Generations(KEY_CAPACITY);
    this.nodes = new Generations(capacity);
  }

  /** The number of entries in the tables (strings, keys and nodes, both generations). */
  get size(): number {
    return this.strings.size + this.nodes.size + this.keys.size;
  }

  /**
   * v with every subtree replaced by its shared, frozen instance. v itself is changed in place
   * (its children replaced) and frozen: pass only values that are yours and that nobody changes.
   */
  intern<T>(v: T): T {
    return this.node(v, 0) as T;
  }

  /**
   * The children of obj interned, obj itself left unfrozen and unshared, the named keys left
   * as they are: for a top-level object whose root and identity are its own.
   */
  internChildren(obj: Record<string, unknown>, skip?: ReadonlySet<string>): void {
    for (const k of Object.keys(obj)) {
      if (skip?.has(k)) continue;
      obj[k] = this.node(obj[k], 1);
    }
  }

  /**
   * What intern(JSON.parse(JSON.stringify(v))) would give, made without the JSON and without
   * changing v: v's subtrees are looked up and only those not in the table are copied (frozen).
   * A frozen subtree of v is taken as it is, as intern takes one, once it is found to be frozen
   * throughout and what JSON gives back (the watch cache's own nodes, shared by a write that
   * copied them). NOT_JSON when v holds what JSON would not give back as it is (undefined in an
   * array, a function, a number JSON cannot write or -0, an object that is not a plain one, a
   * "__proto__" key): then the caller decodes the JSON instead. Keys whose value is undefined are
   * left out, as JSON leaves them out. For the watch cache: the object a write stored, in place
   * of decoding its stored text again.
   *
   * `was`, when given, is the same part of the version cached before (shared and frozen): each
   * part of v, at any depth, whose JSON is that of the part at the same place in was (same key,
   * same index) is was's part itself, compared (sameJSON) rather than looked up node by node. A
   * binding's new spec then keeps its containers, volumes and tolerations as they were; a status
   * write's managedFields keep their unchanged entries.
   */
  internCopy(v: unknown, depth = 0, was?: unknown): unknown {
    return this.copy(v, depth, was);
  }

  private copy(v: unknown, depth: number, was?: unknown): unknown {
    if (typeof v === 'string') return this.sharedString(v);
    if (typeof v !== 'object' || v === null) return isJSONPrimitive(v) ? v : NOT_JSON;
    if (depth > MAX_DEPTH) return NOT_JSON;
    // The cached version's part, as the frozen branch below takes one (its parent matches by identity).
    const prior = typeof was === 'object' && was !== null && Object.isFrozen(was) ? (was as Record<string, unknown>) : undefined;
    if (prior !== undefined && sameJSON(v, prior)) {
      this.last = -1;
      return prior;
    }
    if (Object.isFrozen(v)) {
      this.last = -1;
      return frozenJSON(v, depth) ? v : NOT_JSON;
    }
    const stack = this.stack;
    const base = stack.length;
    let h: number;
    let n: number;
    if (Array.isArray(v)) {
      h = 0x61;
      n = v.length;
      for (let i = 0; i < n; i++) {
        const c = this.copy(v[i], depth + 1, prior?.[i]);
        if (c === NOT_JSON) {
          stack.length = base;
          return NOT_JSON;
        }
        stack.push(c);
        h = mix(h, this.hashOf(c));
      }
    } else {
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return NOT_JSON;
      const o = v as Record<string, unknown>;
      h = 0x6f;
      n = 0;
      for (const k of Object.keys(o)) {
        const x = o[k];
        if (x === undefined) continue;
        if (k === '__proto__') {
          stack.length = base;
          return NOT_JSON;
        }
        const c = this.copy(x, depth + 1, prior !== undefined && Object.hasOwn(prior, k) ? prior[k] : undefined);
        if (c === NOT_JSON) {
          stack.length = base;
          return NOT_JSON;
        }
        const ch = this.hashOf(c);
        stack.push(k, c);
        n++;
        h = mix(mix(h, this.keyId(k)), ch);
      }
    }
    const isArray = Array.isArray(v);
    const found = this.nodes.get(h);
    if (found !== undefined) {
      if (Object.isFrozen(found)) {
        if (sameAsStacked(found, isArray, stack, base, n)) {
          stack.length = base;
          this.last = h;
          return found;
        }
      } else {
        for (const f of found as object[])
          if (sameAsStacked(f, isArray, stack, base, n)) {
            stack.length = base;
            this.last = h;
            return f;
          }
      }
    }
    let made: object;
    if (isArray) {
      made = stack.slice(base);
    } else {
      const o: Record<string, unknown> = {};
      for (let i = base; i < stack.length; i += 2) o[stack[i] as string] = stack[i + 1];
      made = o;
    }
    stack.length = base;
    Object.freeze(made);
    if (found === undefined) this.nodes.set(h, made);
    else if (Object.isFrozen(found)) this.nodes.set(h, [found, made]);
    else if ((found as object[]).length < MAX_COLLISIONS) (found as object[]).push(made);
    this.last = h;
    return made;
  }

  private node(v: unknown, depth: number): unknown {
    if (typeof v === 'string') return this.sharedString(v);
    if (typeof v !== 'object' || v === null) return v;
    // Too deep, shared already, or a value not made by the caller's decode (frozen elsewhere,
    // a typed array): left whole, and its parent matches nothing (sameShallow compares by
    // identity), so a wrong hash cannot share it.
    if (depth > MAX_DEPTH || Object.isFrozen(v) || ArrayBuffer.isView(v)) {
      this.last = -1;
      return v;
    }
    let h: number;
    if (Array.isArray(v)) {
      h = 0x61;
      for (let i = 0; i < v.length; i++) {
        const c = this.node(v[i], depth + 1);
        v[i] = c;
        h = mix(h, this.hashOf(c));
      }
    } else {
      const o = v as Record<string, unknown>;
      h = 0x6f;
      for (const k of Object.keys(o)) {
        const c = this.node(o[k], depth + 1);
        o[k] = c;
        const ch = this.hashOf(c);
        h = mix(mix(h, this.keyId(k)), ch);
      }
    }
    this.last = h;
    const found = this.nodes.get(h);
    if (found !== undefined) {
      // A frozen value is the one shared node under h; an unfrozen array, the nodes that collide.
      if (Object.isFrozen(found)) {
        if (sameShallow(found, v)) return found;
      } else {
        for (const f of found as object[]) if (sameShallow(f, v)) return f;
      }
    }
    Object.freeze(v);
    if (found === undefined) this.nodes.set(h, v);
    else if (Object.isFrozen(found)) this.nodes.set(h, [found, v]);
    else if ((found as object[]).length < MAX_COLLISIONS) (found as object[]).push(v);
    return v;
  }

  private string(s: string): SharedString {
    let e = this.strings.get(s);
    if (e === undefined) {
      e = { s, id: this.nextId++ };
      this.strings.set(s, e);
    }
    return e;
  }

  /** The shared instance of a string value, its number left in last for hashOf. */
  private sharedString(v: string): string {
    if (v.length > MAX_STRING) {
      this.last = v.length;
      return v;
    }
    const e = this.string(v);
    this.last = e.id;
    return e.s;
  }

  /**
   * The number of an object key. Keys are few (field names, managedFields' paths) and met in
   * every object: their own small table stays in the CPU's caches, where the values' table,
   * which names and addresses churn, does not. Property keys are V8's internalized strings, so
   * the instance is not kept. Bounded like the other tables.
   */
  private keyId(k: string): number {
    let id = this.keys.get(k);
    if (id === undefined) {
      id = this.nextId++;
      this.keys.set(k, id);
    }
    return id;
  }

  private hashOf(c: unknown): number {
    switch (typeof c) {
      case 'string':
        // The node()/copy() that returned c has just set its number (sharedString).
        return this.last;
      case 'number':
        return Number.isInteger(c) ? c | 0 : Math.floor(c * 1e6) | 0;
      case 'boolean':
        return c ? 1 : 2;
      case 'object':
        // The node() that returned c has just set its hash.
        return c === null ? 3 : this.last;
      default:
        return 4;
    }
  }
}

/** What internCopy answers for a value that JSON would not give back as it is. */
export const NOT_JSON: unique symbol = Symbol('not JSON');

/** A JSON value JSON gives back as it is: what decode gives. */
export function isJSONPrimitive(v: unknown): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v) && !Object.is(v, -0);
    case 'object':
      return v === null;
    default:
      return false;
  }
}

/** v (frozen) is frozen throughout and holds only what JSON gives back as it is. */
function frozenJSON(v: object, depth: number): boolean {
  if (depth > MAX_DEPTH || !Object.isFrozen(v)) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const c: unknown = v[i];
      if (typeof c === 'object' && c !== null ? !frozenJSON(c, depth + 1) : !isJSONPrimitive(c)) return false;
    }
    return true;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const k of Object.keys(v)) {
    if (k === '__proto__') return false;
    const c = (v as Record<string, unknown>)[k];
    if (typeof c === 'object' && c !== null ? !frozenJSON(c, depth + 1) : !isJSONPrimitive(c)) return false;
  }
  return true;
}

/** f has the n children stacked from base (keys beside values for an object), the very same ones in the same order. */
function sameAsStacked(f: object, isArray: boolean, stack: unknown[], base: number, n: number): boolean {
  if (Array.isArray(f) !== isArray) return false;
  if (isArray) {
    const a = f as unknown[];
    if (a.length !== n) return false;
    for (let i = 0; i < n; i++) if (a[i] !== stack[base + i]) return false;
    return true;
  }
  const keys = Object.keys(f);
  if (keys.length !== n) return false;
  const r = f as Record<string, unknown>;
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    if (k !== stack[base + 2 * i] || r[k] !== stack[base + 2 * i + 1]) return false;
  }
  return true;
}

/** Same keys in the same order (or same length) and the very same values: same JSON. */
function sameShallow(a: object, b: object): boolean {
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== bb[i]) return false;
    return true;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i] || ra[ka[i]] !== rb[kb[i]]) return false;
  return true;
}
