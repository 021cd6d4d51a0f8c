// What a resource module gives the API server, after kube-apiserver's
// pkg/registry/<group>/<resource>/storage/storage.go: the resource's info (discovery, routing,
// store layout), its strategy for the generic store, one REST handler per subresource, and its
// printer. The subresources a resource serves are decided here, once: discovery lists them and
// the request handlers and the generic store dispatch on them.

import type { KObject } from '../../api/object.js';
import type { TypeLookup } from '../../api/patch/typeinfo.js';
import type { ResourceInfo, SubresourceInfo } from '../../api/resources.js';
import type { Authorizer, RuleResolver } from '../authz/authorizer.js';
import type { ServiceAccountTokens } from '../serviceaccount/token.js';
import type { Printer } from '../tables.js';
import type { GenericRegistry } from './generic.js';
import type { RequestContext, Strategy, UpdateStrategy } from './strategy.js';

/** The registries a REST handler may reach (a binding writes its pod). */
export interface RegistryLookup {
  /** A resource's store; custom resources have one per served version (any, without a version). */
  registry(group: string, resource: string, version?: string): GenericRegistry | undefined;
  /** The service-account token issuer (serviceaccounts/token); absent where the server issues none. */
  serviceAccountTokens?: ServiceAccountTokens;
  /** The authorizer chain, for the access reviews (SubjectAccessReview and friends). */
  authorizer?: Authorizer;
  /** RBAC's rules for a user, for SelfSubjectRulesReview; absent when RBAC does not authorize. */
  ruleResolver?: RuleResolver;
}

/** A create that is not a stored object of its own (pods/binding, pods/eviction, bindings). */
export type CreateHandler = (
  env: RegistryLookup,
  namespace: string | undefined,
  name: string | undefined,
  body: unknown,
  ctx: RequestContext,
) => Promise<{ code: number; body: unknown }>;

/**
 * Another kind's view of the object, read and written through it (autoscaling/v1 Scale of a
 * workload): get converts, update and patch change the object through the view.
 */
export interface ViewREST {
  /** The view's schema name, for field validation of bodies and patches. */
  typeName: string;
  toView(obj: KObject): KObject;
  /** The object with the view's change applied (the object is a copy the caller may change). */
  fromView(obj: KObject, view: KObject): KObject;
}

export type SubresourceREST =
  /** GET reads the object; PUT and PATCH write it through this strategy (status, finalize). */
  | { type: 'update'; strategy: UpdateStrategy }
  /** POST makes something happen to the object (binding, eviction). */
  | { type: 'create'; create: CreateHandler }
  /** GET, PUT and PATCH through another kind's view (scale). */
  | { type: 'view'; view: ViewREST }
  /** Streams relayed to the pod's node (log, exec, attach, portforward, proxy). */
  | { type: 'connect' };

export interface Subresource extends Omit<SubresourceInfo, 'name'> {
  rest: SubresourceREST;
}

/** The info a module writes; its subresources come from the module's subresource handlers. */
export type ResourceInfoInput = Omit<ResourceInfo, 'singular' | 'listKind' | 'verbs' | 'subresources'> &
  Partial<Pick<ResourceInfo, 'singular' | 'listKind' | 'verbs'>>;

export interface ResourceDefinition {
  info: ResourceInfo;
  /** How the generic store keeps the resource; absent for resources that are never stored (bindings). */
  strategy?: Strategy;
  /** POST of a resource that is never stored (bindings). */
  create?: CreateHandler;
  subresources: Readonly<Record<string, Subresource>>;
  /** Its columns for `kubectl get` (server-side printing). */
  printer: Printer;
  /**
   * Custom resources (CRDs): served from a CRD's schema rather than the type registry. Objects
   * are stored under storageApiVersion (conversion None changes only apiVersion), unknown fields
   * are pruned by the schema (pruneUnknown returns their paths for fieldValidation), server-side
   * apply reads list types from typeLookup, and strategic merge patch is not accepted.
   */
  custom?: {
    storageApiVersion: string;
    pruneUnknown(obj: KObject): string[];
    typeLookup: TypeLookup;
    /** The stored object as served: this version's apiVersion, and the schema's defaults (defaulting on read). */
    decode(obj: KObject): void;
    /** Sent as a Warning with every request to a deprecated version. */
    deprecationWarning?: string;
  };
}

/** The status subresource: GET, PUT and PATCH of the object through its status strategy. */
export function statusSubresource(kind: string, strategy: UpdateStrategy): Subresource {
  return { kind, verbs: ['get', 'patch', 'update'], rest: { type: 'update', strategy } };
}

export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** Builds a module's definition: fills the info's defaults and lists its subresources for discovery. */
export function defineResource(def: {
  info: ResourceInfoInput;
  strategy?: Strategy;
  create?: CreateHandler;
  subresources?: Record<string, Subresource>;
  printer: Printer;
}): ResourceDefinition {
  const subresources = def.subresources ?? {};
  const info: ResourceInfo = {
    singular: def.info.kind.toLowerCase(),
    listKind: `${def.info.kind}List`,
    verbs: ALL_VERBS,
    ...def.info,
    subresources: Object.entries(subresources).map(([name, { rest: _rest, ...sub }]) => ({ name, ...sub })),
  };
  return { info, strategy: def.strategy, create: def.create, subresources, printer: def.printer };
}

/**
 * The start-up check: a resource is served only with everything the server needs of it. A stored
 * resource needs a strategy with Kubernetes' validation for create and update, every writing
 * subresource a validating strategy, and every resource a printer.
 */
export function checkDefinition(def: Partial<ResourceDefinition> & { info: Pick<ResourceInfo, 'group' | 'resource'> }): void {
  const id = def.info.group ? `${def.info.resource}.${def.info.group}` : def.info.resource;
  const fn = (v: unknown): boolean => typeof v === 'function';
  if (!def.strategy && !def.create)
    throw new Error(`resource ${id}: no strategy (and no create handler for a resource that is not stored)`);
  if (def.strategy && !(fn(def.strategy.validate) && fn(def.strategy.validateUpdate)))
    throw new Error(`resource ${id}: its strategy has no validation for create and update`);
  if (!def.printer || !Array.isArray(def.printer.columns) || !fn(def.printer.row)) throw new Error(`resource ${id}: no printer`);
  for (const [name, sub] of Object.entries(def.subresources ?? {})) {
    const rest = sub?.rest;
    if (!rest) throw new Error(`resource ${id}: subresource ${name} has no handler`);
    if (rest.type === 'update' && !fn(rest.strategy?.validateUpdate))
      throw new Error(`resource ${id}: subresource ${name} has no validation`);
    if (rest.type === 'update' && !def.strategy) throw new Error(`resource ${id}: subresource ${name} writes an object that is not stored`);
  }
}
