// The swagger 2.0 document in protobuf (gnostic's openapi.v2.Document), the only form of
// /openapi/v2 that kubectl asks for. kubectl 1.32 reads it for client-side validation (when the
// server does not advertise fieldValidation) and `kubectl explain --output=plaintext-openapiv2`.
// Field numbers are those of gnostic's openapiv2/OpenAPIv2.proto (facts); only what the JSON
// builder emits is encoded. Vendor extensions, enums and defaults travel as YAML text (JSON is YAML).

import protobuf from 'protobufjs/minimal.js';

// biome-ignore lint/suspicious/noExplicitAny: the swagger document is untyped JSON, read field by field.
type Json = Record<string, any>;

const WIRE_VARINT = 0;
const WIRE_BYTES = 2;

/** protobufjs' Writer with proto3's rule that empty strings and false are not written. */
class ProtoWriter {
  private readonly w = protobuf.Writer.create();

  bytes(field: number, b: Uint8Array): this {
    this.w.uint32((field << 3) | WIRE_BYTES).bytes(b);
    return this;
  }

  str(field: number, s: unknown): this {
    if (typeof s === 'string' && s !== '') this.w.uint32((field << 3) | WIRE_BYTES).string(s);
    return this;
  }

  strs(field: number, ss: unknown): this {
    if (Array.isArray(ss)) for (const s of ss) this.w.uint32((field << 3) | WIRE_BYTES).string(String(s));
    return this;
  }

  bool(field: number, b: unknown): this {
    if (b === true) this.w.uint32((field << 3) | WIRE_VARINT).bool(true);
    return this;
  }

  /** An embedded message, written even when empty (presence matters in a oneof). */
  msg(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish());
  }

  finish(): Uint8Array {
    return this.w.finish();
  }
}

const w = () => new ProtoWriter();

/** openapi.v2.Any: {value google.protobuf.Any = 1, yaml string = 2}. */
function anyYaml(v: unknown): ProtoWriter {
  return w().str(2, JSON.stringify(v));
}

function vendorExtensions(o: Json, field: number, out: ProtoWriter): void {
  for (const [k, v] of Object.entries(o)) {
    if (k.startsWith('x-')) out.msg(field, w().str(1, k).msg(2, anyYaml(v)));
  }
}

function schema(s: Json): ProtoWriter {
  const out = w().str(1, s.$ref).str(2, s.format).str(3, s.title).str(4, s.description);
  if (s.default !== undefined) out.msg(5, anyYaml(s.default));
  out.bool(16, s.uniqueItems);
  out.strs(19, s.required);
  if (Array.isArray(s.enum)) for (const e of s.enum) out.msg(20, anyYaml(e));
  if (s.additionalProperties !== undefined) {
    out.msg(
      21,
      typeof s.additionalProperties === 'boolean' ? w().bool(2, s.additionalProperties) : w().msg(1, schema(s.additionalProperties)),
    );
  }
  if (s.type !== undefined) out.msg(22, w().strs(1, Array.isArray(s.type) ? s.type : [s.type]));
  if (s.items !== undefined) {
    const items = w();
    for (const it of Array.isArray(s.items) ? s.items : [s.items]) items.msg(1, schema(it));
    out.msg(23, items);
  }
  if (Array.isArray(s.allOf)) for (const a of s.allOf) out.msg(24, schema(a));
  if (s.properties) {
    const props = w();
    for (const [name, p] of Object.entries<Json>(s.properties)) props.msg(1, w().str(1, name).msg(2, schema(p)));
    out.msg(25, props);
  }
  vendorExtensions(s, 31, out);
  return out;
}

function parameter(p: Json): ProtoWriter {
  let param: ProtoWriter;
  if (p.in === 'body') {
    param = w().msg(
      1,
      w()
        .str(1, p.description)
        .str(2, p.name)
        .str(3, p.in)
        .bool(4, p.required)
        .msg(5, schema(p.schema ?? {})),
    );
  } else if (p.in === 'path') {
    param = w().msg(
      2,
      w().msg(4, w().bool(1, p.required).str(2, p.in).str(3, p.description).str(4, p.name).str(5, p.type).bool(19, p.uniqueItems)),
    );
  } else {
    // query (header and formData are not emitted by the builder)
    param = w().msg(
      2,
      w().msg(3, w().bool(1, p.required).str(2, p.in).str(3, p.description).str(4, p.name).str(6, p.type).bool(20, p.uniqueItems)),
    );
  }
  return w().msg(1, param);
}

function operation(op: Json): ProtoWriter {
  const out = w()
    .strs(1, op.tags)
    .str(2, op.summary)
    .str(3, op.description)
    .str(5, op.operationId)
    .strs(6, op.produces)
    .strs(7, op.consumes);
  for (const p of op.parameters ?? []) out.msg(8, parameter(p));
  const responses = w();
  for (const [code, r] of Object.entries<Json>(op.responses ?? {})) {
    const resp = w().str(1, r.description);
    if (r.schema) resp.msg(2, w().msg(1, schema(r.schema)));
    responses.msg(1, w().str(1, code).msg(2, w().msg(1, resp)));
  }
  out.msg(9, responses);
  out.strs(10, op.schemes);
  out.bool(11, op.deprecated);
  vendorExtensions(op, 13, out);
  return out;
}

const PATH_ITEM_OPS: [string, number][] = [
  ['get', 2],
  ['put', 3],
  ['post', 4],
  ['delete', 5],
  ['options', 6],
  ['head', 7],
  ['patch', 8],
];

function pathItem(item: Json): ProtoWriter {
  const out = w().str(1, item.$ref);
  for (const [m, f] of PATH_ITEM_OPS) if (item[m]) out.msg(f, operation(item[m]));
  for (const p of item.parameters ?? []) out.msg(9, parameter(p));
  vendorExtensions(item, 10, out);
  return out;
}

/** Encodes a swagger 2.0 document (as built by buildOpenAPIV2) as openapi.v2.Document. */
export function encodeOpenAPIV2Proto(doc: Json): Uint8Array {
  const out = w().str(1, doc.swagger);
  if (doc.info) out.msg(2, w().str(1, doc.info.title).str(2, doc.info.version).str(3, doc.info.description));
  out.str(3, doc.host).str(4, doc.basePath).strs(5, doc.schemes).strs(6, doc.consumes).strs(7, doc.produces);
  const paths = w();
  for (const [p, item] of Object.entries<Json>(doc.paths ?? {})) paths.msg(2, w().str(1, p).msg(2, pathItem(item)));
  out.msg(8, paths);
  const defs = w();
  for (const [name, s] of Object.entries<Json>(doc.definitions ?? {})) defs.msg(1, w().str(1, name).msg(2, schema(s)));
  out.msg(9, defs);
  for (const req of doc.security ?? []) {
    const sr = w();
    for (const [name, scopes] of Object.entries<string[]>(req)) sr.msg(1, w().str(1, name).msg(2, w().strs(1, scopes)));
    out.msg(12, sr);
  }
  if (doc.securityDefinitions) {
    const sd = w();
    for (const [name, d] of Object.entries<Json>(doc.securityDefinitions)) {
      // Only apiKey schemes are emitted (BearerToken), as kube-apiserver does.
      sd.msg(
        1,
        w()
          .str(1, name)
          .msg(2, w().msg(2, w().str(1, d.type).str(2, d.name).str(3, d.in).str(4, d.description))),
      );
    }
    out.msg(13, sd);
  }
  vendorExtensions(doc, 16, out);
  return out.finish();
}
