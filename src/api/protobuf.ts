// The Kubernetes protobuf wire format (application/vnd.kubernetes.protobuf), decoded at the
// edge into the JSON form everything else in k8ts handles. kubectl's typed commands (create
// deployment, create secret, ...) send only this, so decoding must be exact.
//
// A body is the magic "k8s\0" followed by a runtime.Unknown envelope:
//   typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2 (the object), contentEncoding = 3, contentType = 4
// The object inside is proto2 with the field numbers of the schema tables (src/api/schema).

import protobuf from 'protobufjs/minimal.js';
import { formatDuration, parseDuration } from './duration.js';
import { errorMessage, errors, StatusError } from './errors.js';
import { apiVersionOf, type KObject, splitApiVersion } from './object.js';
import { getType, isScalar, isSpecial as isSpecialType, jsonFields, typeForKind } from './schema/index.js';
import type { FieldDef, FieldType, ScalarType, SpecialType, TypeDef } from './schema/types.js';

type Reader = protobuf.Reader;
type Writer = protobuf.Writer;
type JsonObject = Record<string, unknown>;

/** "k8s\0", the prefix that tells a Kubernetes protobuf body from a bare message. */
export const K8S_PROTOBUF_MAGIC: Uint8Array = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);
export const K8S_PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

/** Deeper than any served type nests; guards the stack against hostile bodies. */
const MAX_DEPTH = 100;

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;

// ---------------------------------------------------------------------------------------
// Decoding

/**
 * Decodes a Kubernetes protobuf request body into the API's JSON form, with apiVersion and
 * kind set. Any malformed input throws a 400 StatusError, never anything else.
 */
export function decodeK8sProtobuf(body: Uint8Array): KObject {
  if (body.length < K8S_PROTOBUF_MAGIC.length || !K8S_PROTOBUF_MAGIC.every((b, i) => body[i] === b)) {
    throw errors.badRequest('the protobuf body does not start with the Kubernetes magic number "k8s\\x00"');
  }
  return guard(() => {
    const unknown = decodeUnknown(body.subarray(K8S_PROTOBUF_MAGIC.length));
    const { apiVersion, kind } = unknown;
    if (!kind) throw errors.badRequest("Object 'Kind' is missing in the protobuf envelope");
    if (!apiVersion) throw errors.badRequest("Object 'apiVersion' is missing in the protobuf envelope");
    if (unknown.contentEncoding) throw errors.badRequest(`unsupported protobuf content encoding "${unknown.contentEncoding}"`);
    const { group, version } = splitApiVersion(apiVersion);
    const t = typeForKind(group, version, kind);
    if (!t) throw errors.badRequest(`no kind "${kind}" is registered for version "${apiVersion}"`);
    let fields: JsonObject;
    if (unknown.contentType === 'application/json') {
      fields = parseJson(unknown.raw, `${kind} body`) as JsonObject;
    } else if (unknown.contentType && unknown.contentType !== K8S_PROTOBUF_CONTENT_TYPE) {
      throw errors.badRequest(`unsupported content type "${unknown.contentType}" inside the protobuf envelope`);
    } else {
      fields = decodeMessage(unknown.raw, t, 0);
    }
    return { apiVersion, kind, ...fields } as KObject;
  });
}

/** Decodes one bare message (no magic, no envelope) of the named type into its JSON form. */
export function decodeMessageOf(bytes: Uint8Array, typeName: string): JsonObject {
  const t = getType(typeName);
  if (!t) throw errors.internal(`the schema has no type ${typeName}`);
  return guard(() => decodeMessage(bytes, t, 0));
}

/** protobufjs throws plain Errors (RangeError "index out of range") on truncated input. */
function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof StatusError) throw e;
    throw errors.badRequest(`unable to decode the protobuf body: ${errorMessage(e)}`);
  }
}

interface Unknown {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

function decodeUnknown(bytes: Uint8Array): Unknown {
  const out: Unknown = { apiVersion: '', kind: '', raw: new Uint8Array(0), contentEncoding: '', contentType: '' };
  const r = protobuf.Reader.create(bytes);
  while (r.pos < r.len) {
    const [no, wt] = readTag(r);
    switch (no) {
      case 1: {
        expectWire(wt, WIRE_BYTES, 'runtime.Unknown.typeMeta');
        const tm = protobuf.Reader.create(r.bytes());
        while (tm.pos < tm.len) {
          const [tno, twt] = readTag(tm);
          if (tno === 1) {
            expectWire(twt, WIRE_BYTES, 'runtime.TypeMeta.apiVersion');
            out.apiVersion = tm.string();
          } else if (tno === 2) {
            expectWire(twt, WIRE_BYTES, 'runtime.TypeMeta.kind');
            out.kind = tm.string();
          } else tm.skipType(twt);
        }
        break;
      }
      case 2:
        expectWire(wt, WIRE_BYTES, 'runtime.Unknown.raw');
        out.raw = r.bytes();
        break;
      case 3:
        expectWire(wt, WIRE_BYTES, 'runtime.Unknown.contentEncoding');
        out.contentEncoding = r.string();
        break;
      case 4:
        expectWire(wt, WIRE_BYTES, 'runtime.Unknown.contentType');
        out.contentType = r.string();
        break;
      default:
        r.skipType(wt);
    }
  }
  return out;
}

function readTag(r: Reader): [number, number] {
  const tag = r.uint32();
  const no = tag >>> 3;
  if (no === 0) throw errors.badRequest(`invalid protobuf field number 0 at offset ${r.pos}`);
  return [no, tag & 7];
}

function expectWire(got: number, want: number, what: string): void {
  if (got !== want) throw errors.badRequest(`protobuf field ${what} has wire type ${got}, expected ${want}`);
}

const byNumberCache = new WeakMap<TypeDef, Map<number, FieldDef>>();

function fieldsByNumber(t: TypeDef): Map<number, FieldDef> {
  let m = byNumberCache.get(t);
  if (!m) {
    m = new Map(t.fields.map((f) => [f.proto, f]));
    byNumberCache.set(t, m);
  }
  return m;
}

function resolveType(name: string): TypeDef {
  const t = getType(name);
  // A gap in the schema tables, not the client's fault.
  if (!t) throw errors.internal(`the schema has no type ${name}`);
  return t;
}

function decodeMessage(bytes: Uint8Array, t: TypeDef, depth: number): JsonObject {
  if (depth > MAX_DEPTH) throw errors.badRequest(`the protobuf body nests more than ${MAX_DEPTH} messages deep`);
  const fields = fieldsByNumber(t);
  const seen: JsonObject = {};
  const r = protobuf.Reader.create(bytes);
  while (r.pos < r.len) {
    const [no, wt] = readTag(r);
    const f = fields.get(no);
    if (!f) {
      r.skipType(wt);
      continue;
    }
    if (f.map) {
      expectWire(wt, WIRE_BYTES, `${t.name}.${f.json}`);
      const [key, value] = decodeMapEntry(r.bytes(), t, f, depth);
      const m = (seen[f.json] ??= {}) as JsonObject;
      // A key named __proto__ must stay a key, not replace the map's prototype.
      if (key === '__proto__') Object.defineProperty(m, key, { value, enumerable: true, writable: true, configurable: true });
      else m[key] = value;
    } else if (f.list) {
      const list = (seen[f.json] ??= []) as unknown[];
      if (wt === WIRE_BYTES && isPackable(f.type)) {
        // Packed repeated numbers: proto2 senders do not pack, but the format allows it.
        const packed = protobuf.Reader.create(r.bytes());
        while (packed.pos < packed.len) list.push(readScalar(packed, f.type as ScalarType));
      } else {
        const v = readValue(r, wt, t, f, depth);
        if (v !== undefined) list.push(v);
      }
    } else {
      seen[f.json] = readValue(r, wt, t, f, depth);
    }
  }
  // Table order, which is Go's struct order and so the order the API writes JSON in.
  const out: JsonObject = {};
  for (const f of t.fields) {
    const v = seen[f.json];
    if (v === undefined) continue;
    // An embedded struct's fields sit at this level in JSON.
    if (f.inline) {
      if (v && typeof v === 'object') Object.assign(out, v);
      continue;
    }
    if (!f.list && !f.map && isOmittedZero(v, f)) continue;
    out[f.json] = v;
  }
  return out;
}

/** What Go's encoding/json would leave out: zero scalars under omitempty, empty messages. */
function isOmittedZero(v: unknown, f: FieldDef): boolean {
  if (f.keepZero) return false;
  if (v === '' || v === 0 || v === false) return true;
  // A struct on the wire was set (a pointer) or is always written (a value, which Go's JSON
  // never omits): keep it even empty, as `emptyDir: {}` must be. Only specials may drop out.
  if (!isSpecialType(f.type)) return false;
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;
}

function isPackable(t: FieldType): boolean {
  return t === 'int32' || t === 'int64' || t === 'bool' || t === 'double';
}

function wireTypeOf(t: FieldType): number {
  if (t === 'int32' || t === 'int64' || t === 'bool') return WIRE_VARINT;
  if (t === 'double') return WIRE_FIXED64;
  return WIRE_BYTES;
}

function readValue(r: Reader, wt: number, t: TypeDef, f: FieldDef, depth: number): unknown {
  expectWire(wt, wireTypeOf(f.type), `${t.name}.${f.json}`);
  if (isScalar(f.type)) return readScalar(r, f.type);
  return decodeNested(r.bytes(), f.type, depth);
}

function decodeNested(bytes: Uint8Array, type: FieldType, depth: number): unknown {
  switch (type) {
    case 'Time':
      return decodeTime(bytes, false);
    case 'MicroTime':
      return decodeTime(bytes, true);
    case 'Quantity':
      return decodeQuantity(bytes);
    case 'IntOrString':
      return decodeIntOrString(bytes);
    case 'Duration':
      return decodeDuration(bytes);
    case 'RawExtension':
      return decodeRawJson(bytes, type, depth);
    case 'FieldsV1':
      return decodeRawJson(bytes, type, depth);
    case 'JSON':
      return decodeRawJson(bytes, type, depth);
    default:
      return decodeMessage(bytes, resolveType(type), depth + 1);
  }
}

function readScalar(r: Reader, type: ScalarType): unknown {
  switch (type) {
    case 'string':
      return r.string();
    case 'int32':
      return r.int32();
    case 'int64':
      return longToNumber(r.int64());
    case 'bool':
      return r.bool();
    case 'double':
      return r.double();
    case 'bytes':
      return Buffer.from(r.bytes()).toString('base64');
  }
}

/** protobufjs returns int64 as a Long (or a number when long.js is absent). */
function longToNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  const l = v as { low: number; high: number };
  return l.high * 0x100000000 + (l.low >>> 0);
}

function decodeMapEntry(bytes: Uint8Array, t: TypeDef, f: FieldDef, depth: number): [string, unknown] {
  let key = '';
  let value: unknown;
  const r = protobuf.Reader.create(bytes);
  while (r.pos < r.len) {
    const [no, wt] = readTag(r);
    if (no === 1) {
      expectWire(wt, WIRE_BYTES, `${t.name}.${f.json} key`);
      key = r.string();
    } else if (no === 2) value = readValue(r, wt, t, f, depth);
    else r.skipType(wt);
  }
  // An absent value is the type's zero value (an empty label value is legitimate).
  if (value === undefined) value = isScalar(f.type) ? zeroScalar(f.type) : decodeNested(new Uint8Array(0), f.type, depth);
  return [key, value];
}

function zeroScalar(t: ScalarType): unknown {
  return t === 'string' || t === 'bytes' ? '' : t === 'bool' ? false : 0;
}

// --- special types ---

/** Fields of a small wrapper message, by number; later occurrences win, as in proto. */
function readWrapper(
  bytes: Uint8Array,
  what: string,
  kinds: Record<number, 'varint' | 'int64' | 'string' | 'bytes'>,
): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  const r = protobuf.Reader.create(bytes);
  while (r.pos < r.len) {
    const [no, wt] = readTag(r);
    const k = kinds[no];
    if (!k) {
      r.skipType(wt);
      continue;
    }
    expectWire(wt, k === 'varint' || k === 'int64' ? WIRE_VARINT : WIRE_BYTES, `${what} field ${no}`);
    out[no] = k === 'varint' ? r.int32() : k === 'int64' ? longToNumber(r.int64()) : k === 'string' ? r.string() : r.bytes();
  }
  return out;
}

function decodeTime(bytes: Uint8Array, micro: boolean): string | undefined {
  // Go writes a zero time as an empty message; its JSON form is null, which we omit.
  if (bytes.length === 0) return undefined;
  const w = readWrapper(bytes, micro ? 'MicroTime' : 'Time', { 1: 'int64', 2: 'varint' });
  const seconds = (w[1] as number | undefined) ?? 0;
  const nanos = (w[2] as number | undefined) ?? 0;
  return formatTime(seconds, nanos, micro);
}

// Year 0001 to 9999, the range RFC 3339 (and Go's JSON for metav1.Time) can write.
const MIN_SECONDS = -62135596800;
const MAX_SECONDS = 253402300799;

export function formatTime(seconds: number, nanos: number, micro: boolean): string {
  if (!Number.isFinite(seconds) || seconds < MIN_SECONDS || seconds > MAX_SECONDS) {
    throw errors.badRequest(`timestamp ${seconds} is out of the range of an RFC 3339 time`);
  }
  if (nanos < 0 || nanos > 999999999) throw errors.badRequest(`timestamp nanos ${nanos} out of range`);
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  if (!micro) return `${base}Z`;
  return `${base}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`;
}

/** [seconds, nanos] of an RFC 3339 time (any offset, optional fraction). */
export function parseTime(s: string): [number, number] {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i.exec(s);
  const ms = m ? Date.parse(`${m[1]}${m[3].toUpperCase()}`) : NaN;
  if (!m || Number.isNaN(ms)) throw errors.badRequest(`cannot parse "${s}" as an RFC 3339 time`);
  const nanos = m[2] ? Number(m[2].padEnd(9, '0')) : 0;
  return [Math.floor(ms / 1000), nanos];
}

function decodeQuantity(bytes: Uint8Array): string {
  const w = readWrapper(bytes, 'Quantity', { 1: 'string' });
  return (w[1] as string | undefined) ?? '';
}

function decodeIntOrString(bytes: Uint8Array): number | string {
  const w = readWrapper(bytes, 'IntOrString', { 1: 'int64', 2: 'varint', 3: 'string' });
  return w[1] === 1 ? ((w[3] as string | undefined) ?? '') : ((w[2] as number | undefined) ?? 0);
}

function decodeDuration(bytes: Uint8Array): string {
  const w = readWrapper(bytes, 'Duration', { 1: 'int64' });
  return formatDuration((w[1] as number | undefined) ?? 0);
}

function decodeRawJson(bytes: Uint8Array, type: SpecialType, depth: number): unknown {
  const w = readWrapper(bytes, type, { 1: 'bytes' });
  const raw = w[1] as Uint8Array | undefined;
  if (!raw || raw.length === 0) return undefined;
  // An embedded object written by a protobuf client carries its own magic and envelope.
  if (type === 'RawExtension' && K8S_PROTOBUF_MAGIC.every((b, i) => raw[i] === b)) {
    if (depth > MAX_DEPTH) throw errors.badRequest(`the protobuf body nests more than ${MAX_DEPTH} messages deep`);
    return decodeK8sProtobuf(raw);
  }
  return parseJson(raw, type);
}

function parseJson(raw: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(raw).toString('utf8'));
  } catch (e) {
    throw errors.badRequest(`${what} does not hold valid JSON: ${errorMessage(e)}`);
  }
}

// ---------------------------------------------------------------------------------------
// Encoding

/** The Kubernetes protobuf body (magic + runtime.Unknown) of an object with apiVersion and kind. */
export function encodeK8sProtobuf(obj: KObject): Uint8Array {
  const { apiVersion, kind } = obj;
  if (!apiVersion || !kind) throw errors.badRequest('an object needs apiVersion and kind to be written as protobuf');
  const { group, version } = splitApiVersion(apiVersion);
  const t = typeForKind(group, version, kind);
  if (!t) throw errors.badRequest(`no kind "${kind}" is registered for version "${apiVersionOf(group, version)}"`);
  const raw = encodeMessageOf(obj, t.name);

  const w = protobuf.Writer.create();
  w.uint32(tag(1, WIRE_BYTES)).fork();
  w.uint32(tag(1, WIRE_BYTES)).string(apiVersion);
  w.uint32(tag(2, WIRE_BYTES)).string(kind);
  w.ldelim();
  w.uint32(tag(2, WIRE_BYTES)).bytes(raw);
  // Go writes the (empty) encoding and content type too; so do we, byte for byte.
  w.uint32(tag(3, WIRE_BYTES)).string('');
  w.uint32(tag(4, WIRE_BYTES)).string('');
  const envelope = w.finish();

  const out = new Uint8Array(K8S_PROTOBUF_MAGIC.length + envelope.length);
  out.set(K8S_PROTOBUF_MAGIC, 0);
  out.set(envelope, K8S_PROTOBUF_MAGIC.length);
  return out;
}

/** One bare message of the named type (no magic, no envelope). Fields the table lacks are left out. */
export function encodeMessageOf(value: JsonObject, typeName: string): Uint8Array {
  const w = protobuf.Writer.create();
  encodeFields(w, value, resolveType(typeName), 0);
  return w.finish();
}

const tag = (no: number, wt: number): number => ((no << 3) | wt) >>> 0;

const sortedCache = new WeakMap<TypeDef, FieldDef[]>();

function fieldsInWireOrder(t: TypeDef): FieldDef[] {
  let s = sortedCache.get(t);
  if (!s) {
    s = [...t.fields].sort((a, b) => a.proto - b.proto);
    sortedCache.set(t, s);
  }
  return s;
}

function encodeFields(w: Writer, value: JsonObject, t: TypeDef, depth: number): void {
  if (depth > MAX_DEPTH) throw errors.badRequest(`the object nests more than ${MAX_DEPTH} levels deep`);
  for (const f of fieldsInWireOrder(t)) {
    if (f.inline) {
      // Gather the embedded struct's fields from this level; Go always writes it, even empty.
      const sub: JsonObject = {};
      for (const k of jsonFields(resolveType(f.type)).keys()) if (value[k] !== undefined) sub[k] = value[k];
      writeValue(w, f.proto, f.type, sub, t, f, depth);
      continue;
    }
    const v = value[f.json];
    if (v === undefined || v === null) continue;
    if (f.map) {
      if (typeof v !== 'object' || Array.isArray(v)) throw errors.badRequest(`${t.name}.${f.json} must be an object`);
      // Sorted keys, as Go writes maps, so equal objects give equal bytes.
      for (const key of Object.keys(v).sort()) {
        const item = (v as JsonObject)[key];
        w.uint32(tag(f.proto, WIRE_BYTES)).fork();
        w.uint32(tag(1, WIRE_BYTES)).string(key);
        if (item !== undefined && item !== null) writeValue(w, 2, f.type, item, t, f, depth);
        w.ldelim();
      }
    } else if (f.list) {
      if (!Array.isArray(v)) throw errors.badRequest(`${t.name}.${f.json} must be a list`);
      for (const item of v) if (item !== undefined && item !== null) writeValue(w, f.proto, f.type, item, t, f, depth);
    } else {
      writeValue(w, f.proto, f.type, v, t, f, depth);
    }
  }
}

function writeValue(w: Writer, no: number, type: FieldType, v: unknown, t: TypeDef, f: FieldDef, depth: number): void {
  switch (type) {
    case 'string':
      w.uint32(tag(no, WIRE_BYTES)).string(String(v));
      return;
    case 'int32':
      w.uint32(tag(no, WIRE_VARINT)).int32(toInt(v, t, f));
      return;
    case 'int64':
      w.uint32(tag(no, WIRE_VARINT)).int64(toInt(v, t, f));
      return;
    case 'bool':
      w.uint32(tag(no, WIRE_VARINT)).bool(Boolean(v));
      return;
    case 'double':
      w.uint32(tag(no, WIRE_FIXED64)).double(Number(v));
      return;
    case 'bytes':
      w.uint32(tag(no, WIRE_BYTES)).bytes(Buffer.from(String(v), 'base64'));
      return;
  }
  w.uint32(tag(no, WIRE_BYTES)).fork();
  switch (type) {
    case 'Time':
    case 'MicroTime': {
      const [seconds, nanos] = parseTime(String(v));
      w.uint32(tag(1, WIRE_VARINT)).int64(seconds);
      // metav1.Time carries whole seconds only; MicroTime keeps microseconds.
      w.uint32(tag(2, WIRE_VARINT)).int32(type === 'MicroTime' ? Math.floor(nanos / 1000) * 1000 : 0);
      break;
    }
    case 'Quantity':
      w.uint32(tag(1, WIRE_BYTES)).string(String(v));
      break;
    case 'IntOrString':
      if (typeof v === 'number') {
        w.uint32(tag(1, WIRE_VARINT)).int64(0).uint32(tag(2, WIRE_VARINT)).int32(v).uint32(tag(3, WIRE_BYTES)).string('');
      } else {
        w.uint32(tag(1, WIRE_VARINT)).int64(1).uint32(tag(2, WIRE_VARINT)).int32(0).uint32(tag(3, WIRE_BYTES)).string(String(v));
      }
      break;
    case 'Duration':
      w.uint32(tag(1, WIRE_VARINT)).int64(parseDuration(String(v)));
      break;
    case 'RawExtension':
    case 'FieldsV1':
    case 'JSON':
      w.uint32(tag(1, WIRE_BYTES)).bytes(Buffer.from(JSON.stringify(v), 'utf8'));
      break;
    default:
      if (typeof v !== 'object' || Array.isArray(v)) throw errors.badRequest(`${t.name}.${f.json} must be an object`);
      encodeFields(w, v as JsonObject, resolveType(type), depth + 1);
  }
  w.ldelim();
}

function toInt(v: unknown, t: TypeDef, f: FieldDef): number {
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n)) throw errors.badRequest(`${t.name}.${f.json} must be an integer, not ${JSON.stringify(v)}`);
  return n;
}
