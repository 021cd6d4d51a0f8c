// The service-account token authenticator of kube-apiserver (pkg/serviceaccount/jwt.go
// jwtTokenAuthenticator behind bearertoken.Authenticator): a bearer JWT of this cluster's issuer
// names the service account (and the pod it is bound to); one that fails verification is refused
// with 401 whatever else the request carries. Tokens of other issuers, and tokens that are not
// JWTs, are left to the other authenticators.

import type { IncomingMessage } from 'node:http';
import { errors } from '../../api/errors.js';
import type { Authenticator } from '../authn/authenticator.js';
import { bearerToken } from '../authn/tokenfile.js';
import type { UserInfo } from '../authn/user.js';
import { InvalidTokenError, type ServiceAccountTokens } from './token.js';

export class ServiceAccountTokenAuthenticator implements Authenticator {
  constructor(
    private readonly tokens: () => ServiceAccountTokens,
    private readonly log?: (msg: string) => void,
  ) {}

  async authenticate(req: IncomingMessage): Promise<UserInfo | undefined> {
    const t = bearerToken(req);
    if (!t) return undefined;
    try {
      return await this.tokens().authenticateToken(t);
    } catch (e) {
      if (!(e instanceof InvalidTokenError)) throw e;
      // The client hears only "Unauthorized", as from kube-apiserver; the reason is for the log.
      this.log?.(`service account token refused: ${e.message}`);
      throw errors.unauthorized();
    }
  }
}
