// A resource's strategy, after kube-apiserver's pkg/registry: what the generic store asks
// of each resource (defaults, status/spec split, validation, special deletion). Adding a
// resource means adding a strategy (and a schema), nothing else.

import type { FieldError } from '../../api/errors.js';
import type { KObject } from '../../api/object.js';
import type { ResourceInfo } from '../../api/resources.js';
import type { ApiServerContext } from './context.js';

export interface RequestContext {
  /** Who is asking (the token's user). */
  user: string;
  dryRun: boolean;
  fieldManager: string;
  /** Warnings to send back as Warning headers. */
  warnings: string[];
}

export type DeletionPlan =
  /** Remove the object now. */
  | { kind: 'now' }
  /** Set deletionTimestamp (+ grace) and keep the object until someone finishes the deletion. */
  | { kind: 'graceful'; graceSeconds: number };

export interface Strategy {
  /** metadata.generation is kept and bumped on spec changes (workloads). */
  generation?: boolean;
  /** Also bump generation when annotations change (Deployment, for rollbacks). */
  generationOnAnnotations?: boolean;
  /** The resource has a status subresource: updates of the main resource keep the old status, status updates keep the rest. */
  statusSubresource?: boolean;
  /** PUT of a missing object creates it (Endpoints, Leases, Events, Nodes' status...). */
  allowCreateOnUpdate?: boolean;
  /** Field selector labels beyond metadata.name and metadata.namespace. */
  fieldLabels?: string[];
  /** Before validation on create: defaults that depend on more than the object, status reset. */
  prepareForCreate?(obj: KObject, ctx: RequestContext, api: ApiServerContext): void | Promise<void>;
  /** Before validation on update of the main resource. */
  prepareForUpdate?(obj: KObject, old: KObject, ctx: RequestContext, api: ApiServerContext): void | Promise<void>;
  /** Extra validation beyond the per-kind rules in src/api/validation. */
  validate?(obj: KObject, old: KObject | undefined, api: ApiServerContext): FieldError[];
  /** After a successful write (not for dry runs): commit allocations. */
  afterWrite?(obj: KObject, old: KObject | undefined, api: ApiServerContext): void;
  /** After the object is gone from the store: release allocations. */
  afterDelete?(obj: KObject, api: ApiServerContext): void;
  /** Roll back allocations taken by prepareFor* when the write did not happen. */
  abortWrite?(obj: KObject, old: KObject | undefined, api: ApiServerContext): void;
  /** How a delete without finalizers proceeds (pods: graceful when bound to a node). */
  planDeletion?(obj: KObject, gracePeriodSeconds: number | undefined): DeletionPlan;
  /** Called when deletion starts on an object that stays for a while (namespaces: phase Terminating). */
  beginDeletion?(obj: KObject): void;
  /** Whether an object being deleted may now be removed (namespaces wait for spec.finalizers). */
  canFinishDeletion?(obj: KObject): boolean;
}

export interface StrategyTable {
  [resourceKey: string]: Strategy;
}

export function resourceKey(ri: Pick<ResourceInfo, 'group' | 'resource'>): string {
  return ri.group ? `${ri.resource}.${ri.group}` : ri.resource;
}
