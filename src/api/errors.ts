// Errors that cross the API are metav1.Status objects with Kubernetes' reasons and codes.
// Every layer throws StatusError; the HTTP layer writes it as-is.

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

export class StatusError extends Error {
  constructor(
    public code: number,
    public reason: string,
    message: string,
    public details?: StatusDetails,
  ) {
    super(message);
  }
  toStatus(): Status {
    const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, code: this.code };
    // Go leaves an empty reason out.
    if (this.reason) s.reason = this.reason;
    if (this.details) s.details = this.details;
    return s;
  }
}

/** A field problem, as k8s.io/apimachinery/pkg/util/validation/field.Error. */
export interface FieldError {
  type:
    | 'FieldValueRequired'
    | 'FieldValueInvalid'
    | 'FieldValueNotSupported'
    | 'FieldValueDuplicate'
    | 'FieldValueForbidden'
    | 'FieldValueTooLong'
    | 'FieldValueTooMany'
    | 'FieldValueNotFound'
    | 'InternalError';
  /** Path as Kubernetes writes it: spec.template.spec.containers[0].image, metadata.labels[app] */
  field: string;
  /** The detail, without the field and value: "must be no more than 63 characters". */
  detail?: string;
  /** The bad value, when the type shows one. */
  value?: unknown;
  /** For NotSupported: the allowed values. */
  supported?: string[];
  /** field.OmitValueType: the message names no value ("Invalid value: <detail>"). */
  omitValue?: boolean;
}

/** The resource's qualified kind for messages: "Deployment.apps", "Pod". */
export function qualifiedKind(kind: string, group: string): string {
  return group ? `${kind}.${group}` : kind;
}

/** Go's %#v-ish rendering of a bad value, as Kubernetes' field errors print it. */
export function goValue(v: unknown): string {
  // Values that know their Go literal (v1.LabelSelector{...}, intstr.IntOrString{...}) print it.
  if (v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { goString?: unknown }).goString === 'string')
    return (v as { goString: string }).goString;
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[]interface {}{${v.map(goValue).join(', ')}}`;
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.every(([, x]) => typeof x === 'string'))
      return `map[string]string{${entries.map(([k, x]) => `${JSON.stringify(k)}:${JSON.stringify(x)}`).join(', ')}}`;
    return `map[string]interface {}{${entries.map(([k, x]) => `${JSON.stringify(k)}:${goValue(x)}`).join(', ')}}`;
  }
  return String(v);
}

export function fieldErrorMessage(e: FieldError): string {
  switch (e.type) {
    case 'FieldValueRequired':
      return `${e.field}: Required value${e.detail ? `: ${e.detail}` : ''}`;
    case 'FieldValueInvalid':
      return `${e.field}: Invalid value${e.omitValue ? '' : `: ${goValue(e.value)}`}${e.detail ? `: ${e.detail}` : ''}`;
    case 'FieldValueNotSupported':
      return `${e.field}: Unsupported value: ${goValue(e.value)}${e.supported ? `: supported values: ${e.supported.map((s) => JSON.stringify(s)).join(', ')}` : ''}`;
    case 'FieldValueDuplicate':
      return `${e.field}: Duplicate value: ${goValue(e.value)}${e.detail ? `: ${e.detail}` : ''}`;
    case 'FieldValueForbidden':
      return `${e.field}: Forbidden${e.detail ? `: ${e.detail}` : ''}`;
    case 'FieldValueTooLong':
      return `${e.field}: Too long: ${e.detail ?? ''}`;
    case 'FieldValueTooMany':
      return `${e.field}: Too many: ${e.detail ?? ''}`;
    case 'FieldValueNotFound':
      return `${e.field}: Not found: ${goValue(e.value)}`;
    default:
      return `${e.field}: Internal error: ${e.detail ?? ''}`;
  }
}

export const errors = {
  notFound(resource: string, group: string, name: string): StatusError {
    const qr = group ? `${resource}.${group}` : resource;
    return new StatusError(404, 'NotFound', `${qr} "${name}" not found`, { name, group: group || undefined, kind: resource });
  },
  alreadyExists(resource: string, group: string, name: string): StatusError {
    const qr = group ? `${resource}.${group}` : resource;
    return new StatusError(409, 'AlreadyExists', `${qr} "${name}" already exists`, { name, group: group || undefined, kind: resource });
  },
  /** A generated name taken on every attempt (apimachinery's NewGenerateNameConflict): 409 AlreadyExists, retry after 1 s. */
  generateNameConflict(resource: string, group: string, name: string): StatusError {
    const qr = group ? `${resource}.${group}` : resource;
    return new StatusError(
      409,
      'AlreadyExists',
      `${qr} "${name}" already exists, the server was not able to generate a unique name for the object`,
      {
        name,
        group: group || undefined,
        kind: resource,
        retryAfterSeconds: 1,
      },
    );
  },
  conflict(resource: string, group: string, name: string, why: string): StatusError {
    const qr = group ? `${resource}.${group}` : resource;
    return new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qr} "${name}": ${why}`, {
      name,
      group: group || undefined,
      kind: resource,
    });
  },
  invalid(kind: string, group: string, name: string, errs: FieldError[]): StatusError {
    const msgs = errs.map(fieldErrorMessage);
    const joined = msgs.length === 1 ? msgs[0] : `[${msgs.join(', ')}]`;
    return new StatusError(422, 'Invalid', `${qualifiedKind(kind, group)} "${name}" is invalid: ${joined}`, {
      name,
      group: group || undefined,
      kind,
      causes: errs.map((e, i) => ({ reason: e.type, message: msgs[i].slice(e.field.length + 2), field: e.field })),
    });
  },
  badRequest(message: string): StatusError {
    return new StatusError(400, 'BadRequest', message);
  },
  unauthorized(): StatusError {
    return new StatusError(401, 'Unauthorized', 'Unauthorized');
  },
  forbidden(message: string, details?: StatusDetails): StatusError {
    return new StatusError(403, 'Forbidden', message, details);
  },
  methodNotAllowed(message = 'the server does not allow this method on the requested resource'): StatusError {
    return new StatusError(405, 'MethodNotAllowed', message);
  },
  notAcceptable(message: string): StatusError {
    return new StatusError(406, 'NotAcceptable', message);
  },
  gone(message: string): StatusError {
    return new StatusError(410, 'Expired', message);
  },
  tooLarge(message = 'Request entity too large: limit is 3145728'): StatusError {
    return new StatusError(413, 'RequestEntityTooLarge', message);
  },
  unsupportedMediaType(_contentType: string): StatusError {
    return new StatusError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`,
    );
  },
  internal(message: string): StatusError {
    return new StatusError(500, 'InternalError', `Internal error occurred: ${message}`);
  },
  timeout(message: string): StatusError {
    return new StatusError(504, 'Timeout', message);
  },
  tooManyRequests(message: string, retryAfterSeconds = 1): StatusError {
    return new StatusError(429, 'TooManyRequests', message, { retryAfterSeconds });
  },
};

/** The message of whatever was thrown (an Error's, or the value as text). */
export function errorMessage(e: unknown): string {
  return (e as Error)?.message ?? String(e);
}

/** Whatever was thrown, as an Error (a value that is not one wrapped, with errorMessage's text). */
export function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(errorMessage(e));
}
