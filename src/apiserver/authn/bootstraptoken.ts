// The bootstrap token authenticator, as plugin/pkg/auth/authenticator/token/bootstrap: a bearer
// token "<id>.<secret>" is looked up as the Secret kube-system/bootstrap-token-<id>; it names the
// user system:bootstrap:<id> in system:bootstrappers and the token's auth-extra-groups when the
// Secret is of the bootstrap type, not being deleted, not expired, allows authentication and
// holds that very secret. A token of this form that fails any of these is refused (401); the
// reason goes to the API server's log only, as upstream logs it.

import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  BOOTSTRAP_TOKEN_SECRET_KEY,
  BOOTSTRAP_TOKEN_SECRET_PREFIX,
  BOOTSTRAP_TOKEN_SECRET_TYPE,
  BOOTSTRAP_TOKEN_USAGE_PREFIX,
  BOOTSTRAP_USER_PREFIX,
  bootstrapTokenGroups,
  isBootstrapTokenExpired,
  parseBootstrapToken,
  secretValue,
} from '../../api/bootstraptoken.js';
import { errors } from '../../api/errors.js';
import type { KObject } from '../../api/object.js';
import type { Authenticator } from './authenticator.js';
import { bearerToken } from './tokenfile.js';
import type { UserInfo } from './user.js';

export class BootstrapTokenAuthenticator implements Authenticator {
  constructor(
    /** The Secret, read from the store (a token deleted a moment ago must not authenticate). */
    private readonly getSecret: (namespace: string, name: string) => Promise<KObject | undefined>,
    private readonly log?: (m: string) => void,
  ) {}

  async authenticate(req: IncomingMessage): Promise<UserInfo | undefined> {
    const t = bearerToken(req);
    const token = t ? parseBootstrapToken(t) : undefined;
    if (!token) return undefined;
    const refuse = (why: string) => {
      this.log?.(`bootstrap token ${token.id}: ${why}`);
      return errors.unauthorized();
    };
    const secret = await this.getSecret('kube-system', `${BOOTSTRAP_TOKEN_SECRET_PREFIX}${token.id}`);
    if (!secret) throw refuse('no secret of that name');
    if (secret.metadata.deletionTimestamp) throw refuse('its secret is being deleted');
    if ((secret as { type?: string }).type !== BOOTSTRAP_TOKEN_SECRET_TYPE)
      throw refuse(`its secret is not of type ${BOOTSTRAP_TOKEN_SECRET_TYPE}`);
    const want = Buffer.from(secretValue(secret, BOOTSTRAP_TOKEN_SECRET_KEY) ?? '');
    const given = Buffer.from(token.secret);
    if (want.length !== given.length || !timingSafeEqual(want, given)) throw refuse('wrong secret');
    if (secretValue(secret, 'token-id') !== token.id) throw refuse('the secret holds another token id');
    if (isBootstrapTokenExpired(secret)) throw refuse('expired');
    if (secretValue(secret, `${BOOTSTRAP_TOKEN_USAGE_PREFIX}authentication`) !== 'true') throw refuse('not usable for authentication');
    let groups: string[];
    try {
      groups = bootstrapTokenGroups(secret);
    } catch (e) {
      throw refuse((e as Error).message);
    }
    return { name: `${BOOTSTRAP_USER_PREFIX}${token.id}`, groups };
  }
}
