// The FleetLock protocol as Zincati specifies it (coreos/zincati docs/development/fleetlock/
// protocol.md): two POST operations, `{base}/v1/pre-reboot` (RecursiveLock) and
// `{base}/v1/steady-state` (UnlockIfHeld), each with the header `fleet-lock-protocol: true` and a
// body `{"client_params": {"id": ..., "group": ...}}`. Success is any 2xx; a failure is a non-2xx
// with `{"kind": ..., "value": ...}`, kind from a small fixed set (Zincati counts them in metrics).
// The kinds and their status codes follow poseidon/fleetlock, the Kubernetes server people run.

export const PROTOCOL_HEADER = 'fleet-lock-protocol';
export const PRE_REBOOT = '/v1/pre-reboot';
export const STEADY_STATE = '/v1/steady-state';
/** A request body larger than this is refused before it is parsed. */
export const MAX_BODY_BYTES = 64 * 1024;

export type ReplyKind =
  | 'method_not_allowed'
  | 'not_found'
  | 'missing_header'
  | 'failed_decoding_request'
  | 'locked'
  | 'drain_in_progress'
  | 'internal_error';

export const STATUS_OF: Record<ReplyKind, number> = {
  method_not_allowed: 405,
  not_found: 404,
  missing_header: 400,
  failed_decoding_request: 400,
  locked: 423,
  drain_in_progress: 423,
  internal_error: 500,
};

export class FleetLockError extends Error {
  constructor(
    readonly kind: ReplyKind,
    message: string,
  ) {
    super(message);
  }
}

export interface ClientParams {
  id: string;
  group: string;
}

/** A group names a semaphore kept as ConfigMap fleetlock-<group>: a DNS label, as short as fits. */
const GROUP = /^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$/;
/** Zincati sends an app-specific machine id (32 hex digits); other clients may send host names. */
const ID = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,251}[A-Za-z0-9])?$/;

/** Decodes and checks a request body; throws FleetLockError(failed_decoding_request). */
export function decodeClientParams(body: Buffer): ClientParams {
  let msg: unknown;
  try {
    msg = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new FleetLockError('failed_decoding_request', `request body is not JSON: ${(e as Error).message}`);
  }
  const params = (msg as { client_params?: unknown } | null)?.client_params as Record<string, unknown> | undefined;
  if (!params || typeof params !== 'object' || Array.isArray(params))
    throw new FleetLockError('failed_decoding_request', 'request body has no client_params object');
  const { id, group } = params;
  if (typeof id !== 'string' || id === '')
    throw new FleetLockError('failed_decoding_request', 'client_params.id must be a non-empty string');
  if (typeof group !== 'string' || group === '')
    throw new FleetLockError('failed_decoding_request', 'client_params.group must be a non-empty string');
  if (!ID.test(id))
    throw new FleetLockError(
      'failed_decoding_request',
      `client_params.id ${JSON.stringify(id.slice(0, 64))} must be letters, digits, '.', '_' or '-' (at most 253)`,
    );
  if (!GROUP.test(group))
    throw new FleetLockError(
      'failed_decoding_request',
      `client_params.group ${JSON.stringify(group.slice(0, 64))} must be lower-case letters, digits and '-' (at most 53), starting and ending with a letter or digit`,
    );
  return { id, group };
}
