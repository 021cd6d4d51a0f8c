// Go structs embedded with `json:",inline"`: Volume's VolumeSource, Probe's ProbeHandler,
// EphemeralContainer's EphemeralContainerCommon, and the LocalObjectReference inside the
// ConfigMap/Secret key selectors, env sources, volume sources and projections. In JSON their
// fields sit at the parent's level; protobuf carries them as one nested message under their
// own field number. FieldDef has no flag for that yet, so the core tables mark such fields
// with `inline: true` through inlineField, and consumers ask isInlineField.

import type { FieldDef } from './types.js';

export interface InlineFieldDef extends FieldDef {
  /** JSON flattens the referenced type's fields into the parent; protobuf nests them. */
  inline: true;
}

export function inlineField(field: FieldDef): InlineFieldDef {
  return { ...field, inline: true };
}

export function isInlineField(field: FieldDef): field is InlineFieldDef {
  return (field as Partial<InlineFieldDef>).inline === true;
}
