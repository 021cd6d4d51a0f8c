// User impersonation, as k8s.io/apiserver's filters.WithImpersonation: a request carrying
// Impersonate-User (and -Group, -Uid, -Extra-<key>) acts as that user, if the requester may
// "impersonate" each part: users (or the service account a system:serviceaccount: name
// names), groups, uids and userextras/<key>. What the request then does is authorized as the
// impersonated user. kubectl --as / --as-group / --as-uid send these headers.

import type { IncomingMessage } from 'node:http';
import { errors } from '../../api/errors.js';
import type { Attributes, Authorizer } from '../authz/authorizer.js';
import { forbidden } from '../authz/forbidden.js';
import {
  AllAuthenticated,
  AllUnauthenticated,
  Anonymous,
  ServiceAccountsGroup,
  ServiceAccountUsernamePrefix,
  type UserInfo,
} from './user.js';

const USER = 'impersonate-user';
const GROUP = 'impersonate-group';
const UID = 'impersonate-uid';
const EXTRA_PREFIX = 'impersonate-extra-';

function headerValues(req: IncomingMessage, name: string): string[] {
  // Node joins repeated headers with ", " except a few; read the raw pairs so each value stays whole.
  const out: string[] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i].toLowerCase() === name) out.push(raw[i + 1]);
  return out;
}

/** Whether the request asks to impersonate anyone. */
export function wantsImpersonation(req: IncomingMessage): boolean {
  return Object.keys(req.headers).some((h) => h === USER || h === GROUP || h === UID || h.startsWith(EXTRA_PREFIX));
}

/**
 * The user the request acts as: the requester when it impersonates no one; else the
 * impersonated user, each part of which the requester must be allowed to impersonate
 * (403 otherwise, worded as kube-apiserver's).
 */
export function impersonate(req: IncomingMessage, requester: UserInfo, authorizer: Authorizer): UserInfo {
  if (!wantsImpersonation(req)) return requester;
  const users = headerValues(req, USER);
  const groups = headerValues(req, GROUP);
  const uids = headerValues(req, UID);
  const extra: Record<string, string[]> = {};
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const h = req.rawHeaders[i].toLowerCase();
    if (!h.startsWith(EXTRA_PREFIX)) continue;
    let key: string;
    try {
      key = decodeURIComponent(h.slice(EXTRA_PREFIX.length));
    } catch {
      throw errors.badRequest(`invalid extra key ${h.slice(EXTRA_PREFIX.length)}`);
    }
    (extra[key] ??= []).push(req.rawHeaders[i + 1]);
  }
  if (users.length !== 1 || !users[0]) {
    throw errors.badRequest(
      users.length > 1
        ? 'only one Impersonate-User header may be given'
        : 'requested impersonation of groups, uid or extra without impersonating a user',
    );
  }
  const name = users[0];
  const check = (a: Omit<Attributes, 'user' | 'verb' | 'isResourceRequest'>) => {
    const attrs: Attributes = { user: requester, verb: 'impersonate', isResourceRequest: true, ...a };
    const r = authorizer.authorize(attrs);
    if (r.decision !== 'Allow') throw forbidden(attrs, r.reason);
  };
  const outGroups: string[] = [];
  if (name.startsWith(ServiceAccountUsernamePrefix)) {
    const [ns, sa] = name.slice(ServiceAccountUsernamePrefix.length).split(':');
    check({ apiGroup: '', resource: 'serviceaccounts', namespace: ns, name: sa });
    // A service account is in its groups unless groups are given explicitly.
    if (groups.length === 0) outGroups.push(ServiceAccountsGroup, `${ServiceAccountsGroup}:${ns}`);
  } else {
    check({ apiGroup: '', resource: 'users', name });
  }
  for (const g of groups) {
    check({ apiGroup: '', resource: 'groups', name: g });
    outGroups.push(g);
  }
  for (const uid of uids) check({ apiGroup: 'authentication.k8s.io', resource: 'uids', name: uid });
  for (const [k, vs] of Object.entries(extra))
    for (const v of vs) check({ apiGroup: 'authentication.k8s.io', resource: 'userextras', subresource: k, name: v });
  // The impersonated user is authenticated (system:anonymous is not).
  if (name === Anonymous) {
    if (!outGroups.includes(AllUnauthenticated)) outGroups.push(AllUnauthenticated);
  } else if (!outGroups.includes(AllAuthenticated)) outGroups.push(AllAuthenticated);
  const user: UserInfo = { name, groups: outGroups };
  if (uids[0]) user.uid = uids[0];
  if (Object.keys(extra).length) user.extra = extra;
  return user;
}
