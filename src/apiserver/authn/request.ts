// The authenticated user travels with the request, as k8s.io/apiserver's request.WithUser /
// request.UserFrom on the request context: set once by the authentication filter (and replaced
// by the impersonation filter), read by authorization, the handlers and the registries.

import type { IncomingMessage } from 'node:http';
import type { UserInfo } from './user.js';

const users = new WeakMap<IncomingMessage, UserInfo>();

export function withUser(req: IncomingMessage, user: UserInfo): void {
  users.set(req, user);
}

export function userFrom(req: IncomingMessage): UserInfo | undefined {
  return users.get(req);
}
