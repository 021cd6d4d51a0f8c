// Turns a request path into what it addresses, as kube-apiserver's RequestInfoFactory does:
// /api/v1/namespaces/default/pods/web-1/status -> {group '', version 'v1', namespace 'default',
// resource 'pods', name 'web-1', subresource 'status'}.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../api/errors.js';
import { boolParam } from '../api/queryparams.js';
import type { UserInfo } from './authn/user.js';

export interface RequestInfo {
  /** True for /api/... and /apis/... resource paths (false for discovery roots like /apis/apps). */
  isResourceRequest: boolean;
  group: string;
  version: string;
  namespace?: string;
  resource?: string;
  name?: string;
  subresource?: string;
  /** What follows the subresource (pod proxy paths). */
  rest: string[];
  verb: 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection' | 'connect' | 'unknown';
}

/**
 * What serves one resource request once the filters have run (authentication's user, the parsed
 * RequestInfo), as the handlers of k8s.io/apiserver/pkg/endpoints/handlers serve a request with
 * their RequestScope: `scope` is what the handler serves from (the handler environment, or one
 * registry for a version served through another).
 */
export type ResourceRequestHandler<Scope> = (
  scope: Scope,
  info: RequestInfo,
  req: IncomingMessage,
  res: ServerResponse,
  q: URLSearchParams,
  user: UserInfo,
) => Promise<void>;

export function parseRequestInfo(method: string, pathname: string, query: URLSearchParams): RequestInfo | undefined {
  const parts = pathname
    .split('/')
    .filter((p) => p !== '')
    .map(unescapeSegment);
  let group: string, version: string, rest: string[];
  if (parts[0] === 'api') {
    if (parts.length < 2) return undefined;
    group = '';
    version = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis') {
    if (parts.length < 3) return undefined;
    group = parts[1];
    version = parts[2];
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  if (rest.length === 0) return undefined; // discovery for a group-version

  let legacyWatch = false;
  if (rest[0] === 'watch') {
    legacyWatch = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  // /namespaces/{ns}/{resource}/... except the namespace object itself (/namespaces/{ns} and its subresources)
  // ... except the namespace object's own subresources (/namespaces/{ns}/status, /finalize).
  if (rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize'))) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const resource = rest[0];
  const name = rest[1];
  const subresource = rest[2];
  const tail = rest.slice(3);
  if (resource === 'namespaces' && name !== undefined && namespace === undefined) {
    // the namespace object: its name is the namespace too (for admission-like checks)
  }

  // As RequestInfoFactory: ?watch (read as the ParameterCodec reads a bool) turns a list into a
  // watch; a GET of one object stays a get. Only the legacy /watch/ prefix watches one object.
  const isWatch = legacyWatch || (name === undefined && boolParam(query, 'watch') === true);
  let verb: RequestInfo['verb'] = 'unknown';
  switch (method) {
    case 'GET':
    case 'HEAD':
      verb = isWatch ? 'watch' : name === undefined ? 'list' : 'get';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name === undefined ? 'deletecollection' : 'delete';
      break;
  }
  if (subresource && ['exec', 'attach', 'portforward', 'proxy', 'log'].includes(subresource))
    verb = subresource === 'log' ? 'get' : 'connect';
  return { isResourceRequest: true, group, version, namespace, resource, name, subresource, rest: tail, verb };
}

/** A path segment unescaped; a bad escape is the client's error (Go's url.PathUnescape words it). */
function unescapeSegment(seg: string): string {
  // Without a '%' there is nothing to unescape (and nothing decodeURIComponent could refuse).
  if (!seg.includes('%')) return seg;
  try {
    return decodeURIComponent(seg);
  } catch {
    const bad = /%(?![0-9a-fA-F]{2})[\s\S]{0,2}/.exec(seg)?.[0] ?? seg;
    throw errors.badRequest(`invalid URL escape ${JSON.stringify(bad)}`);
  }
}
