// A resource's strategies, after kube-apiserver's pkg/registry/rest (RESTCreateStrategy,
// RESTUpdateStrategy, RESTDeleteStrategy) and the generic store's BeginCreate/BeginUpdate hooks:
// what the generic store asks of each resource. Each resource module
// (registry/<group>/<resource>.ts) gives one for the resource and one for each subresource
// that writes it (status, finalize, binding); the helpers below are the steps many share.

import type { IncomingMessage } from 'node:http';
import { errors, type FieldError } from '../../api/errors.js';
import { isObject, type KObject, sameJSON } from '../../api/object.js';
import type { UserInfo } from '../authn/user.js';
import type { ApiServerContext } from './context.js';

export interface RequestContext {
  /** Who is asking (after impersonation: whom the request acts as). */
  user: UserInfo;
  dryRun: boolean;
  fieldManager: string;
  /** Warnings to send back as Warning headers. */
  warnings: string[];
  /**
   * For a PUT or PATCH that finds no object and creates it (create-on-update, server-side apply):
   * the "create" authorization the request's "update"/"patch" did not include, as kube-apiserver's
   * withAuthorization wraps the create validation. Absent for the server's own writes.
   */
  authorizeCreate?: () => void;
}

/** The create check of a request, set by the API server's authorization step (see authorizeCreate). */
const createChecks = new WeakMap<IncomingMessage, () => void>();
export function setCreateAuthorization(req: IncomingMessage, check: () => void): void {
  createChecks.set(req, check);
}

/**
 * The context of a client's request: its user, the dryRun and fieldManager query parameters
 * (checked as kube-apiserver does), the field manager defaulting to the user agent's first word.
 */
export function requestContext(req: IncomingMessage, q: URLSearchParams, user: UserInfo): RequestContext {
  const dry = q.getAll('dryRun');
  for (const d of dry) if (d !== 'All') throw errors.badRequest(`dryRun: Unsupported value: ${JSON.stringify(d)}: supported values: "All"`);
  const ua = String(req.headers['user-agent'] ?? 'unknown');
  const fm = q.get('fieldManager');
  if (fm !== null && (fm.length > 128 || fm === ''))
    throw errors.badRequest('fieldManager: Invalid value: must be between 1 and 128 characters');
  const ctx: RequestContext = { user, dryRun: dry.length > 0, fieldManager: fm ?? ua.split('/')[0], warnings: [] };
  const authorizeCreate = createChecks.get(req);
  if (authorizeCreate) ctx.authorizeCreate = authorizeCreate;
  return ctx;
}

/**
 * A write of the API server's own (start-up objects, the kubernetes Service, RBAC defaults, its
 * sweeps): as kube-apiserver's loopback client, system:apiserver in system:masters, managed by
 * kube-apiserver.
 */
export function apiserverContext(): RequestContext {
  return { user: { name: 'system:apiserver', groups: ['system:masters'] }, dryRun: false, fieldManager: 'kube-apiserver', warnings: [] };
}

export type DeletionPlan =
  /** Remove the object now. */
  | { kind: 'now' }
  /** Set deletionTimestamp (+ grace) and keep the object until someone finishes the deletion. */
  | { kind: 'graceful'; graceSeconds: number };

/**
 * Ends what a begin hook started, once the store knows the outcome: committed (the write is
 * stored) or not (it was refused, lost a race, failed or was a dry run: give back what was taken).
 */
export type FinishFunc = (committed: boolean) => void | Promise<void>;

export const finishNothing: FinishFunc = () => undefined;

/** How one way of writing an existing object (the resource itself or a subresource) changes it. */
export interface UpdateStrategy {
  /** The API's defaults for the kind (the versioned defaulters), applied to the body first. */
  defaults?(obj: KObject): void;
  /**
   * The object to store, from the one sent and the one stored: a subresource returns the stored
   * object with only its part changed; the resource itself keeps status and bumps generation.
   * `old` is the registry's own decode of the stored version, made for this write and only read
   * after it: what is returned may share its parts (the write changes metadata, copied).
   */
  prepareForUpdate?(obj: KObject, old: KObject, ctx: RequestContext, api: ApiServerContext): KObject | void | Promise<KObject | void>;
  /**
   * prepareForUpdate only reads `old`, and what it puts of it into the object it returns it
   * puts as it is, never changing it afterwards: `old` may then be the watch cache's own
   * object (frozen, shared) rather than a copy made for the write, and the parts the write
   * keeps are the cached version's very instances (a status write's spec and metadata), which
   * the watch cache's adopt of the write then finds unchanged by identity, without walking them.
   * The write's answer then holds those parts too: its own root, metadata and what the write
   * changed, the unchanged parts the cache's, frozen (a caller that changes one fails at once).
   */
  sharesOld?: boolean;
  /** Takes what the write needs from shared state (cluster IPs, node ports). */
  beginUpdate?(obj: KObject, old: KObject, api: ApiServerContext): FinishFunc | Promise<FinishFunc>;
  /** Kubernetes' validation of this update (src/api/validation). */
  validateUpdate(obj: KObject, old: KObject): FieldError[];
  /**
   * The write goes to storage past the field manager (the pod binding: BindingREST's
   * GuaranteedUpdate on the store itself): the object's managedFields stay as they were.
   */
  bypassFieldManager?: boolean;
}

/** The resource's own strategy: create, update of the whole object, and delete. */
export interface Strategy extends UpdateStrategy {
  /** PUT of a missing object creates it (Endpoints, Leases, Events). */
  allowCreateOnUpdate?: boolean;
  /** Field selector labels beyond metadata.name and metadata.namespace. */
  fieldLabels?: string[];
  /** A delete answers with the object rather than a Status (pods, namespaces), as Store.ReturnDeletedObject. */
  returnDeletedObject?: boolean;
  /** Before validation on create: what the server sets (status, generation, admission defaults). */
  prepareForCreate?(obj: KObject, ctx: RequestContext, api: ApiServerContext): void | Promise<void>;
  /** Takes what the object needs from shared state (cluster IPs, node ports), after prepareForCreate. */
  beginCreate?(obj: KObject, api: ApiServerContext): FinishFunc | Promise<FinishFunc>;
  /** Kubernetes' validation on create (src/api/validation). */
  validate(obj: KObject): FieldError[];
  /**
   * DefaultGarbageCollectionPolicy: what a delete that names no propagation policy does to the
   * dependents (batch/v1 Jobs orphan their pods), and the warning sent when it is used.
   */
  defaultDeletePropagation?: { policy: 'Orphan' | 'Background'; warning?: string };
  /** How a delete without finalizers proceeds (pods: graceful when bound to a node). */
  planDeletion?(obj: KObject, gracePeriodSeconds: number | undefined): DeletionPlan;
  /** Deletion starts on an object that stays for a while (namespaces: phase Terminating). */
  markDeleting?(obj: KObject): void;
  /** Whether an object being deleted may now be removed (namespaces wait for spec.finalizers). */
  canFinishDeletion?(obj: KObject): boolean;
  /** The object is about to leave the store; finish(true) once it has (release what it held). */
  beginDelete?(obj: KObject, api: ApiServerContext): FinishFunc;
  /** At start-up, with every stored object: take again what they hold (services' cluster IPs and node ports). */
  claimStored?(objs: KObject[], api: ApiServerContext): Promise<void>;
}

// ---- steps many strategies share ----

/** Status is the controllers' to write, through the status subresource: a create starts without it. */
export function clearStatus(obj: KObject): void {
  if ('status' in obj) obj.status = {};
}

/**
 * An update of the resource itself keeps the stored status (resources with a status
 * subresource). `old` is the registry's own decode of the stored object for this write, read
 * and dropped after it: the new object may share its parts instead of copying them.
 */
export function keepStatus(obj: KObject, old: KObject): void {
  if (old.status === undefined) delete obj.status;
  else obj.status = old.status;
}

/**
 * metadata.generation counts changes of the desired state: one more when the spec changed (and,
 * for Deployments, the annotations, so that a rollback is a new generation). Kinds without a
 * spec (EndpointSlice) count their whole body as the spec.
 */
export function bumpGeneration(obj: KObject, old: KObject, opts: { annotations?: boolean } = {}): void {
  const desired = (o: KObject) => ('spec' in o || 'spec' in old ? (o.spec ?? null) : { ...o, metadata: undefined, status: undefined });
  const specChanged = !sameJSON(desired(obj), desired(old));
  const annChanged = opts.annotations === true && !sameJSON(obj.metadata.annotations ?? {}, old.metadata.annotations ?? {});
  obj.metadata.generation = (old.metadata.generation ?? 1) + (specChanged || annChanged ? 1 : 0);
}

/**
 * The status subresource's strategy: status changes, spec, labels and owner references stay as
 * stored, while annotations may change (as the status strategies of pods and workloads allow).
 */
export function statusStrategy(validateStatusUpdate: (obj: KObject, old: KObject) => FieldError[]): UpdateStrategy {
  return {
    sharesOld: true,
    prepareForUpdate(obj, old) {
      // The stored object with the status sent. `old` is only read, maybe the watch cache's own
      // object (sharesOld): only the parts the write changes are new (root and metadata).
      const next: KObject = { ...old, metadata: { ...old.metadata } };
      next.status = obj.status;
      if (next.status === undefined) delete next.status;
      const ann = obj.metadata.annotations as Record<string, string> | null | undefined;
      if (ann !== undefined) {
        if (ann === null || Object.keys(ann).length === 0) delete next.metadata.annotations;
        else next.metadata.annotations = ann;
      }
      return next;
    },
    validateUpdate: validateStatusUpdate,
  };
}

/**
 * A workload's strategy (Deployment, ReplicaSet): its controller writes status through the
 * status subresource, and generation counts changes of the spec (for Deployments, of the
 * annotations too, so that a rollback is a new generation).
 */
export function workloadStrategy(
  s: Pick<Strategy, 'defaults' | 'validate' | 'validateUpdate'> & { annotationsBumpGeneration?: boolean },
): Strategy {
  return {
    fieldLabels: ['status.replicas'],
    defaults: s.defaults,
    prepareForCreate(obj) {
      clearStatus(obj);
      obj.metadata.generation = 1;
    },
    prepareForUpdate(obj, old) {
      keepStatus(obj, old);
      bumpGeneration(obj, old, { annotations: s.annotationsBumpGeneration });
    },
    validate: s.validate,
    validateUpdate: s.validateUpdate,
  };
}

/**
 * The strategy of a kind whose spec changes count in metadata.generation: generation 1 at
 * creation, one more per change (IngressClass, NetworkPolicy, EndpointSlice). With initialStatus,
 * a kind with a status subresource (CronJob, Ingress, PodDisruptionBudget): its status starts as
 * initialStatus gives it and updates of the resource itself keep the stored one.
 */
export function generationStrategy(
  s: Pick<Strategy, 'defaults' | 'validate' | 'validateUpdate'> & { initialStatus?: () => Record<string, unknown> },
): Strategy {
  const initialStatus = s.initialStatus;
  return {
    defaults: s.defaults,
    prepareForCreate(obj) {
      if (initialStatus) obj.status = initialStatus();
      obj.metadata.generation = 1;
    },
    prepareForUpdate(obj, old) {
      if (initialStatus) keepStatus(obj, old);
      bumpGeneration(obj, old);
    },
    validate: s.validate,
    validateUpdate: s.validateUpdate,
  };
}

/** A loosely typed view of a JSON field, for strategies reading objects they do not trust. */
export const field = (v: unknown): Record<string, unknown> => (isObject(v) ? v : {});
