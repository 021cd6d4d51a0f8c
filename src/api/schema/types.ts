// One schema per type drives the protobuf codec, OpenAPI (v2 and v3, so kubectl apply,
// edit and explain validate), strategic-merge-patch merge keys, and pruning of unknown
// fields. Field numbers come from Kubernetes' generated.proto files (facts); the tables are ours.

/** Scalars as protobuf (proto2) carries them. int64 becomes a JSON number. bytes becomes base64 in JSON. */
export type ScalarType = 'string' | 'int32' | 'int64' | 'bool' | 'double' | 'bytes';

/**
 * Types with their own JSON and wire forms:
 * - Time: JSON RFC 3339 string (seconds); proto message {seconds int64 = 1, nanos int32 = 2}
 * - MicroTime: JSON RFC 3339 with microseconds; same proto message
 * - Quantity: JSON string ("100m", "1Gi"); proto message {string = 1}
 * - IntOrString: JSON number or string; proto message {type int64 = 1 (0 int, 1 string), intVal int32 = 2, strVal string = 3}
 * - RawExtension: JSON any value; proto message {raw bytes = 1} (the raw bytes are JSON)
 * - Duration: JSON Go duration string ("1h0m0s"); proto message {duration int64 = 1} nanoseconds
 * - FieldsV1: JSON object; proto message {Raw bytes = 1} holding JSON
 * - JSON: any JSON value (apiextensions JSON); proto message {raw bytes = 1}
 */
export type SpecialType = 'Time' | 'MicroTime' | 'Quantity' | 'IntOrString' | 'RawExtension' | 'Duration' | 'FieldsV1' | 'JSON';

/** A field's type: a scalar, a special, or the full name of another TypeDef ("io.k8s.api.core.v1.PodSpec"). */
export type FieldType = ScalarType | SpecialType | string;

export interface FieldDef {
  /** The JSON name (camelCase), as in the API. */
  json: string;
  /**
   * An embedded Go struct flattened into its parent in JSON (`json:",inline"`) but sent in
   * protobuf as one nested message under this field number (Volume.volumeSource,
   * Probe.handler, ...): its fields appear directly in the parent's JSON object.
   */
  inline?: boolean;
  /** The protobuf field number from generated.proto. */
  proto: number;
  type: FieldType;
  /** A list ([]T; proto repeated). */
  list?: boolean;
  /** A map[string]T (proto: repeated entry {key = 1, value = 2}). With list, map[string][]T is not used by any served type. */
  map?: boolean;
  /**
   * A Go pointer or a field without omitempty: a zero value (0, "", false) decoded from the
   * wire is kept. Without it, zero scalars decoded from protobuf are dropped, as Go's JSON
   * omitempty would drop them.
   */
  keepZero?: boolean;
  /** Strategic merge patch: x-kubernetes-patch-merge-key / x-kubernetes-patch-strategy. */
  mergeKey?: string;
  patchStrategy?: 'merge' | 'replace' | 'retainKeys' | 'merge,retainKeys';
  /** Server-side apply: x-kubernetes-list-type / x-kubernetes-list-map-keys / x-kubernetes-map-type. */
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
  mapType?: 'atomic' | 'granular';
  required?: boolean;
  enum?: string[];
  /** One line, as the API reference says it (kubectl explain prints it). */
  description?: string;
}

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface TypeDef {
  /** OpenAPI definition name, e.g. "io.k8s.api.apps.v1.Deployment". */
  name: string;
  description?: string;
  fields: FieldDef[];
  /** Set on top-level kinds (x-kubernetes-group-version-kind). */
  gvk?: GroupVersionKind[];
}
