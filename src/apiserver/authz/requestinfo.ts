// The authorization attributes of an HTTP request, as k8s.io/apiserver's RequestInfoFactory
// (endpoints/request/requestinfo.go) and WithAuthorization's GetAuthorizerAttributes read them:
// /api and /apis paths are resource requests (verb from the method, list/watch/deletecollection
// when no name is given, a name from a metadata.name field selector, the namespace object's own
// namespace); anything else (/healthz, /version, /openapi/v2, discovery roots) is a
// non-resource request whose verb is the lower-cased method.

import type { UserInfo } from '../authn/user.js';
import type { Attributes } from './authorizer.js';

/** Subresources of a namespace that stay on the namespace (not a resource inside it). */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

function methodVerb(method: string): string {
  switch (method) {
    case 'POST':
      return 'create';
    case 'GET':
    case 'HEAD':
      return 'get';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      return '';
  }
}

/** The ListOptions' watch flag as the parameter codec reads it (a bad value still counts unless false/0). */
function watchParam(q: URLSearchParams): boolean {
  const v = q.get('watch');
  if (v === null) return false;
  return !['false', '0'].includes(v.toLowerCase());
}

/** fields.Selector.RequiresExactMatch("metadata.name"). */
function exactName(fieldSelector: string | null): string | undefined {
  if (!fieldSelector) return undefined;
  for (const term of fieldSelector.split(',')) {
    const m = /^\s*metadata\.name\s*==?\s*(.*?)\s*$/.exec(term);
    if (m) return m[1];
  }
  return undefined;
}

const isPathSegmentName = (n: string): boolean => n !== '.' && n !== '..' && !n.includes('/') && !n.includes('%');

export function requestAttributes(user: UserInfo, method: string, pathname: string, query: URLSearchParams): Attributes {
  const nonResource: Attributes = { user, isResourceRequest: false, path: pathname, verb: method.toLowerCase() };
  let parts: string[];
  try {
    parts = pathname
      .split('/')
      .filter((p) => p !== '')
      // A segment without '%' has nothing to unescape (and nothing decodeURIComponent refuses).
      .map((p) => (p.includes('%') ? decodeURIComponent(p) : p));
  } catch {
    return nonResource;
  }
  let apiGroup = '';
  let apiVersion: string;
  if (parts[0] === 'api') {
    if (parts.length < 3) return nonResource; // /api, /api/v1: discovery
    apiVersion = parts[1];
    parts = parts.slice(2);
  } else if (parts[0] === 'apis') {
    if (parts.length < 4) return nonResource; // /apis, /apis/apps, /apis/apps/v1
    apiGroup = parts[1];
    apiVersion = parts[2];
    parts = parts.slice(3);
  } else {
    return nonResource;
  }
  let verb = methodVerb(method);
  // The deprecated /watch/ prefix.
  if (parts[0] === 'watch' && verb === 'get') {
    verb = 'watch';
    parts = parts.slice(1);
  }
  let namespace: string | undefined;
  if (parts[0] === 'namespaces') {
    if (parts.length > 1) {
      namespace = parts[1];
      if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2])) parts = parts.slice(2);
    }
  }
  const a: Attributes = { user, verb, isResourceRequest: true, path: pathname, apiGroup, apiVersion, namespace, resource: parts[0] };
  if (parts.length >= 2) a.name = parts[1];
  if (parts.length >= 3) a.subresource = parts[2];
  if (!a.name && a.verb === 'get') {
    a.verb = watchParam(query) ? 'watch' : 'list';
    const n = exactName(query.get('fieldSelector'));
    if (n !== undefined && isPathSegmentName(n)) a.name = n;
  }
  if (!a.name && a.verb === 'delete') a.verb = 'deletecollection';
  return a;
}
