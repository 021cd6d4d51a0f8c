// Helpers for tests of the API server's registry (pkg/registry in kube-apiserver): a core/v1
// resource reference, the ApiError a request is refused with or the HTTP code it ends with, and
// the cells a resource's printer (kubectl get's table) gives one object.

import assert from 'node:assert/strict';
import type { KObject } from '../api/object.js';
import { findDefinition } from '../apiserver/registry/index.js';
import { buildTable } from '../apiserver/tables.js';
import { ApiError, isApiError } from '../client/rest.js';

/** A reference to a core (group "", v1) resource, a namespace, an object and a subresource. */
export const core = (resource: string, namespace?: string, name?: string, subresource?: string) => ({
  group: '',
  version: 'v1',
  resource,
  namespace,
  name,
  subresource,
});

/** The ApiError p is rejected with; fails the test if p succeeds. */
export async function apiError(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  assert.fail('expected an API error');
}

/** The HTTP code p ends with: 200 when it succeeds, else its ApiError's code. */
export async function statusCode(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (e) {
    if (isApiError(e)) return e.code;
    throw e;
  }
}

/** The table cells the v1 printer of group/resource gives o. */
export function printerCells(resource: string, group: string, o: KObject): unknown[] {
  const def = findDefinition(group, 'v1', resource)!;
  return buildTable(def.printer, def.info, [o]).rows[0].cells;
}
