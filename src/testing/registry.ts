// Helpers for tests of the API server's registry (pkg/registry in kube-apiserver): the ApiError a
// request is refused with, and the cells a resource's printer (kubectl get's table) gives one object.

import assert from 'node:assert/strict';
import type { KObject } from '../api/object.js';
import { findDefinition } from '../apiserver/registry/index.js';
import { buildTable } from '../apiserver/tables.js';
import { ApiError } from '../client/rest.js';

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

/** The table cells the v1 printer of group/resource gives o. */
export function printerCells(resource: string, group: string, o: KObject): unknown[] {
  const def = findDefinition(group, 'v1', resource)!;
  return buildTable(def.printer, def.info, [o]).rows[0].cells;
}
