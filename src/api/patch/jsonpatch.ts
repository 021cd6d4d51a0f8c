// RFC 6902 JSON Patch (application/json-patch+json), answering errors as kube-apiserver
// does: a document that does not decode as a list of operations is 400 BadRequest; an
// operation that cannot be applied (missing path, failed test, unknown op) is the generic
// 422 Invalid "the server rejected our request due to an error in our request", which is
// what NewGenericServerResponse(422, ...) produces there (the detail is not sent).

import { errors, StatusError } from '../errors.js';
import { isObject, setOwn } from '../object.js';
import { wellFormedStrings } from '../wellformed.js';

export interface JsonPatchOperation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

/** kube-apiserver's maxJSONPatchOperations. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

/**
 * kube-apiserver's JSONPatchMaxCopyBytes (3 MiB, its request body limit), given to
 * evanphx/json-patch as AccumulatedCopySizeLimit since CVE-2019-1002100: the bytes all `copy`
 * operations of one patch may add together. Without it 40 copies of a 2 KB object make 2 PB.
 */
export const MAX_JSON_PATCH_COPY_BYTES = 3 * 1024 * 1024;

/** Thrown while applying; the message says why, for logs and tests (`cause` of the StatusError). */
class PatchApplyError extends Error {}

/** Parses and checks the shape of a JSON Patch document: 400 BadRequest when it is not one. */
export function decodeJsonPatch(body: string | unknown): JsonPatchOperation[] {
  let doc: unknown = body;
  if (typeof body === 'string') {
    try {
      doc = wellFormedStrings(JSON.parse(body), body);
    } catch (e) {
      throw errors.badRequest((e as Error).message);
    }
  }
  if (!Array.isArray(doc)) throw errors.badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  for (const op of doc) {
    if (!isObject(op)) throw errors.badRequest('json: cannot unmarshal non-object into Go value of type jsonpatch.Operation');
  }
  if (doc.length > MAX_JSON_PATCH_OPERATIONS) {
    throw errors.tooLarge(
      `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${doc.length}`,
    );
  }
  return doc as JsonPatchOperation[];
}

/** Applies a JSON Patch to `doc` and returns the patched copy; `doc` is left untouched. */
export function applyJsonPatch<T>(doc: T, patch: string | JsonPatchOperation[]): T {
  const ops = decodeJsonPatch(patch);
  let root: unknown = structuredClone(doc);
  const budget = { copied: 0 };
  try {
    for (const op of ops) root = applyOperation(root, op, budget);
  } catch (e) {
    if (!(e instanceof PatchApplyError)) throw e;
    // NewGenericServerResponse(422, ...): the generic message, the patch's error as a cause.
    const err = new StatusError(422, 'Invalid', 'the server rejected our request due to an error in our request', {
      causes: [{ reason: 'UnexpectedServerResponse', message: e.message }],
    });
    (err as Error).cause = e.message;
    throw err;
  }
  return root as T;
}

/** Splits a JSON Pointer (RFC 6901) into unescaped reference tokens. */
export function parsePointer(pointer: unknown): string[] {
  if (typeof pointer !== 'string') throw new PatchApplyError('missing or invalid path');
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchApplyError(`path does not start with '/': ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function applyOperation(root: unknown, op: JsonPatchOperation, budget: { copied: number }): unknown {
  switch (op.op) {
    case 'add':
      if (!('value' in op)) throw new PatchApplyError('add operation is missing value');
      return add(root, parsePointer(op.path), structuredClone(op.value), op.path);
    case 'remove':
      return remove(root, parsePointer(op.path), op.path).root;
    case 'replace': {
      if (!('value' in op)) throw new PatchApplyError('replace operation is missing value');
      const tokens = parsePointer(op.path);
      if (tokens.length === 0) return structuredClone(op.value);
      const r = remove(root, tokens, op.path);
      return add(r.root, tokens, structuredClone(op.value), op.path);
    }
    case 'move': {
      const from = parsePointer(op.from);
      const to = parsePointer(op.path);
      if (to.length > from.length && from.every((t, i) => t === to[i])) {
        throw new PatchApplyError(`move operation cannot move ${op.from} into its own child ${op.path}`);
      }
      if (from.length === to.length && from.every((t, i) => t === to[i])) {
        get(root, from, op.from!);
        return root;
      }
      const r = remove(root, from, op.from!);
      return add(r.root, to, r.value, op.path);
    }
    case 'copy': {
      const value = get(root, parsePointer(op.from), String(op.from));
      // Sized as evanphx/json-patch sizes it (the copied value's JSON), before anything is copied.
      budget.copied += value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value));
      if (budget.copied > MAX_JSON_PATCH_COPY_BYTES) {
        throw new PatchApplyError(
          `Unable to complete the copy, the accumulated size increase of copy is ${budget.copied}, exceeding the limit ${MAX_JSON_PATCH_COPY_BYTES}`,
        );
      }
      return add(root, parsePointer(op.path), structuredClone(value), op.path);
    }
    case 'test': {
      const actual = get(root, parsePointer(op.path), op.path, true);
      if (!jsonEqual(actual, op.value)) throw new PatchApplyError(`testing value ${op.path} failed`);
      return root;
    }
    default:
      throw new PatchApplyError(`Unexpected kind: ${String(op.op)}`);
  }
}

function arrayIndex(token: string, length: number, allowEnd: boolean, path: string): number {
  if (allowEnd && token === '-') return length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new PatchApplyError(`invalid array index ${JSON.stringify(token)} in ${path}`);
  const i = Number(token);
  if (i > length || (!allowEnd && i === length)) throw new PatchApplyError(`array index ${i} out of bounds in ${path}`);
  return i;
}

function get(root: unknown, tokens: string[], path: string, forTest = false): unknown {
  let cur: unknown = root;
  for (const t of tokens) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(t, cur.length, false, path)];
    else if (isObject(cur) && Object.hasOwn(cur, t)) cur = cur[t];
    else if (forTest && isObject(cur)) return undefined;
    else throw new PatchApplyError(`doc is missing path: ${JSON.stringify(path)}`);
  }
  return cur;
}

function parentOf(root: unknown, tokens: string[], path: string): unknown {
  return get(root, tokens.slice(0, -1), path);
}

function add(root: unknown, tokens: string[], value: unknown, path: string): unknown {
  if (tokens.length === 0) return value;
  const parent = parentOf(root, tokens, path);
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent.length, true, path), 0, value);
  else if (isObject(parent)) setOwn(parent, last, value);
  else throw new PatchApplyError(`doc is missing path: ${JSON.stringify(path)}`);
  return root;
}

function remove(root: unknown, tokens: string[], path: string): { root: unknown; value: unknown } {
  if (tokens.length === 0) return { root: null, value: root };
  const parent = parentOf(root, tokens, path);
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) {
    const i = arrayIndex(last, parent.length, false, path);
    return { root, value: parent.splice(i, 1)[0] };
  }
  if (isObject(parent) && Object.hasOwn(parent, last)) {
    const value = parent[last];
    delete parent[last];
    return { root, value };
  }
  throw new PatchApplyError(`doc is missing path: ${JSON.stringify(path)}`);
}

/** Structural JSON equality (object key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}
