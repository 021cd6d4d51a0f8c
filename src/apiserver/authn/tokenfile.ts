// Static bearer tokens, as kube-apiserver's --token-auth-file authenticator
// (k8s.io/apiserver/pkg/authentication/token/tokenfile): the admin token `k8ts up` keeps for
// tools that cannot use a client certificate. A bearer token it does not know is left to the
// other token authenticators (service-account JWTs), as the union of token authenticators does.

import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Authenticator } from './authenticator.js';
import type { UserInfo } from './user.js';

/** The bearer token of an Authorization header, as bearertoken.Authenticator reads it. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : undefined;
}

export class TokenFileAuthenticator implements Authenticator {
  constructor(private readonly tokens: ReadonlyMap<string, UserInfo>) {}

  authenticate(req: IncomingMessage): UserInfo | undefined {
    const t = bearerToken(req);
    if (!t) return undefined;
    const given = Buffer.from(t);
    // Compared in constant time: a token is a password.
    for (const [token, user] of this.tokens) {
      const want = Buffer.from(token);
      if (want.length === given.length && timingSafeEqual(want, given)) return { ...user, groups: [...user.groups] };
    }
    return undefined;
  }
}
