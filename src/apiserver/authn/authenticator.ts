// Request authenticators and their union, as k8s.io/apiserver/pkg/authentication/request/union
// and group.AuthenticatedGroupAdder: each authenticator looks for its own kind of credential;
// the first that recognises one names the user, who then also belongs to system:authenticated.

import type { IncomingMessage } from 'node:http';
import { AllAuthenticated, type UserInfo } from './user.js';

export interface Authenticator {
  /**
   * The user a request's credential names; undefined when the request carries no credential of
   * this kind. A credential of this kind that is invalid (expired, unknown, badly signed) throws
   * (errors.unauthorized()): the request is refused with 401 whatever the other authenticators say.
   */
  authenticate(req: IncomingMessage): Promise<UserInfo | undefined> | UserInfo | undefined;
}

export class UnionAuthenticator implements Authenticator {
  constructor(private readonly authenticators: Authenticator[]) {}

  async authenticate(req: IncomingMessage): Promise<UserInfo | undefined> {
    for (const a of this.authenticators) {
      const u = await a.authenticate(req);
      if (u) return withAuthenticatedGroup(u);
    }
    return undefined;
  }
}

/** As group.AuthenticatedGroupAdder: every authenticated user (not anonymous) is in system:authenticated. */
export function withAuthenticatedGroup(u: UserInfo): UserInfo {
  if (u.groups.includes(AllAuthenticated)) return u;
  return { ...u, groups: [...u.groups, AllAuthenticated] };
}
