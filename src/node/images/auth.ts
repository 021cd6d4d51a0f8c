// Registry authentication (the distribution token spec, as containerd's remotes/docker/auth
// does it): a 401 carries `WWW-Authenticate: Bearer realm=...,service=...,scope=...` or
// `Basic realm=...`. For Bearer the client asks the realm for a token for the scope
// (repository:NAME:pull), with basic credentials when it has them (or an identity token as an
// OAuth2 refresh token), and retries with `Authorization: Bearer TOKEN`; for Basic it retries
// with the credentials themselves. Tokens are cached per host and scope until they expire.

import type { AuthConfig } from '../runtime/types.js';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses WWW-Authenticate headers (RFC 7235 challenges with quoted or token params). */
export function parseChallenges(headers: string[]): Challenge[] {
  const out: Challenge[] = [];
  for (const h of headers) {
    let i = 0;
    const s = h;
    while (i < s.length) {
      while (i < s.length && /[\s,]/.test(s[i])) i++;
      const m = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+)/.exec(s.slice(i));
      if (!m) break;
      const scheme = m[1].toLowerCase();
      i += m[1].length;
      const params: Record<string, string> = {};
      for (;;) {
        while (i < s.length && /[\s]/.test(s[i])) i++;
        const pm = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*=\s*/.exec(s.slice(i));
        if (!pm) break;
        i += pm[0].length;
        let value = '';
        if (s[i] === '"') {
          i++;
          while (i < s.length && s[i] !== '"') {
            if (s[i] === '\\' && i + 1 < s.length) i++;
            value += s[i++];
          }
          i++;
        } else {
          const vm = /^[^,\s]*/.exec(s.slice(i))!;
          value = vm[0];
          i += value.length;
        }
        params[pm[1].toLowerCase()] = value;
        while (i < s.length && /\s/.test(s[i])) i++;
        if (s[i] === ',') {
          // A comma ends this param; a following `word ` with no `=` starts the next challenge.
          const rest = s.slice(i + 1);
          if (/^\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+\s*=/.test(rest)) {
            i++;
            continue;
          }
          i++;
          break;
        }
        break;
      }
      out.push({ scheme, params });
    }
  }
  return out;
}

/** username/password of an AuthConfig (auth is base64 "user:password"). */
export function basicCredentials(a: AuthConfig | undefined): { username: string; password: string } | undefined {
  if (!a) return undefined;
  if (a.username && a.password) return { username: a.username, password: a.password };
  if (a.auth) {
    const text = Buffer.from(a.auth, 'base64').toString('utf8');
    const i = text.indexOf(':');
    if (i > 0) return { username: text.slice(0, i), password: text.slice(i + 1) };
  }
  return undefined;
}

export class AuthorizationError extends Error {}

interface CachedToken {
  header: string;
  expires: number;
}

/** Fetches tokens from a realm; the caller supplies the HTTP GET/POST. */
export type TokenRequester = (
  url: string,
  init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string },
) => Promise<{ status: number; statusText: string; text: string }>;

/**
 * One pull's authorizer: the credentials it was given and the tokens it got. containerd's
 * dockerAuthorizer, narrowed to pulls.
 */
export class Authorizer {
  private readonly tokens = new Map<string, CachedToken>();
  /** host -> how to authorize, once a challenge told us. */
  private readonly schemes = new Map<string, Challenge>();

  constructor(
    private readonly creds: AuthConfig | undefined,
    private readonly request: TokenRequester,
  ) {}

  /** The Authorization header for host and scope, if a challenge from host asked for one. */
  async header(host: string, scope: string): Promise<string | undefined> {
    const c = this.schemes.get(host);
    if (!c) return undefined;
    if (c.scheme === 'basic') {
      const b = basicCredentials(this.creds);
      if (!b) throw new AuthorizationError('authorization failed: no basic auth credentials');
      return `Basic ${Buffer.from(`${b.username}:${b.password}`).toString('base64')}`;
    }
    if (this.creds?.registryToken) return `Bearer ${this.creds.registryToken}`;
    const key = `${host} ${scope}`;
    const cached = this.tokens.get(key);
    if (cached && cached.expires > Date.now()) return cached.header;
    const t = await this.fetchToken(c, scope);
    this.tokens.set(key, t);
    return t.header;
  }

  /**
   * Takes a 401's challenges. Returns true when a retry with new authorization may succeed,
   * false when it would not (the same credentials were already refused).
   */
  addChallenge(host: string, wwwAuthenticate: string[], alreadyAuthorized: boolean): boolean {
    const challenges = parseChallenges(wwwAuthenticate);
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const basic = challenges.find((c) => c.scheme === 'basic');
    const chosen = bearer ?? basic;
    if (!chosen) return false;
    const prev = this.schemes.get(host);
    if (alreadyAuthorized && prev && prev.scheme === chosen.scheme) {
      // A bearer challenge naming an error (invalid_token) after we sent a token: drop it and
      // fetch a new one once; anything else means the credentials were refused.
      if (chosen.scheme === 'bearer' && chosen.params.error === 'invalid_token') {
        this.tokens.clear();
        return true;
      }
      return false;
    }
    this.schemes.set(host, chosen);
    return true;
  }

  private async fetchToken(c: Challenge, scope: string): Promise<CachedToken> {
    const realm = c.params.realm;
    if (!realm) throw new AuthorizationError('bearer challenge without a realm');
    let realmURL: URL;
    try {
      realmURL = new URL(realm);
    } catch {
      throw new AuthorizationError(`bearer challenge realm "${realm}" is not a URL`);
    }
    if (realmURL.protocol !== 'https:' && realmURL.protocol !== 'http:')
      throw new AuthorizationError(`bearer realm "${realm}" must be http(s)`);
    const service = c.params.service ?? '';
    const scopes = [...new Set([...(c.params.scope ? c.params.scope.split(' ') : []), scope].filter(Boolean))];
    const basic = basicCredentials(this.creds);
    const started = Date.now();
    let res;
    if (this.creds?.identityToken) {
      // OAuth2 refresh-token grant (docker login's identity token).
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: this.creds.identityToken,
        service,
        client_id: 'containerd-client',
        scope: scopes.join(' '),
      });
      res = await this.request(realm, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: form.toString(),
      });
    } else {
      const u = new URL(realm);
      if (service) u.searchParams.set('service', service);
      for (const s of scopes) u.searchParams.append('scope', s);
      const headers: Record<string, string> = {};
      if (basic) headers.Authorization = `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}`;
      res = await this.request(u.toString(), { method: 'GET', headers });
    }
    if (res.status === 401 || res.status === 403) {
      throw new AuthorizationError(
        `failed to authorize: failed to fetch ${basic ? 'oauth' : 'anonymous'} token: unexpected status from ${this.creds?.identityToken ? 'POST' : 'GET'} request to ${realmURL.origin}${realmURL.pathname}: ${res.status} ${res.statusText}`,
      );
    }
    if (res.status !== 200)
      throw new Error(
        `failed to fetch token: unexpected status from token request to ${realmURL.origin}${realmURL.pathname}: ${res.status} ${res.statusText}`,
      );
    let body: { token?: string; access_token?: string; expires_in?: number };
    try {
      body = JSON.parse(res.text) as typeof body;
    } catch {
      throw new Error('failed to fetch token: the token server did not answer JSON');
    }
    const token = body.access_token || body.token;
    if (!token || typeof token !== 'string') throw new Error('failed to fetch token: no token in the answer');
    const lifetime = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 60;
    return { header: `Bearer ${token}`, expires: started + Math.max(10, lifetime - 10) * 1000 };
  }
}
