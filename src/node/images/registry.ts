// A client of the OCI distribution API v2 for pulls (containerd's remotes/docker resolver and
// fetcher): resolve a tag or digest to a descriptor with HEAD /v2/NAME/manifests/REF, then GET
// manifests and blobs by digest. Mirrors are tried first, then the registry; a 401 is answered
// through the Authorizer (auth.ts); redirects (blob stores behind CDNs) are followed without
// carrying credentials to another host. Errors are worded as containerd words them, since that is
// what users of Kubernetes see in their events.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import type { AuthConfig } from '../runtime/types.js';
import { AuthorizationError, Authorizer, type TokenRequester } from './auth.js';
import { type RegistryConfig, type RegistryEndpoint, registryEndpoints } from './hosts.js';
import { type Descriptor, MANIFEST_ACCEPT } from './mediatypes.js';
import { isDigest, type Reference, repositoryOf } from './reference.js';

export type RegistryErrorKind = 'NotFound' | 'Unauthorized' | 'Unknown';

export class RegistryError extends Error {
  constructor(
    message: string,
    readonly kind: RegistryErrorKind,
  ) {
    super(message);
  }
}

export interface HttpResponse {
  status: number;
  statusText: string;
  headers: http.IncomingHttpHeaders;
  body: Readable;
  url: string;
}

export interface RemoteOptions {
  config: RegistryConfig;
  userAgent?: string;
  /** No bytes for this long fails the request. */
  timeoutMs?: number;
}

const MAX_REDIRECTS = 10;

function header(h: http.IncomingHttpHeaders, name: string): string[] {
  const v = h[name.toLowerCase()];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function sanitize(u: string): string {
  try {
    const x = new URL(u);
    return `${x.origin}${x.pathname}`;
  } catch {
    return u;
  }
}

/** One HTTP(S) request; the body is a stream the caller must consume or destroy. */
export function httpRequest(
  url: string,
  init: { method: string; headers: Record<string, string>; tls?: RegistryEndpoint['tls']; body?: string; timeoutMs?: number },
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const secure = u.protocol === 'https:';
    const opts: https.RequestOptions = { method: init.method, headers: init.headers, timeout: init.timeoutMs ?? 30_000 };
    if (secure) {
      if (init.tls?.insecureSkipVerify) opts.rejectUnauthorized = false;
      if (init.tls?.caFile) opts.ca = readFileSync(init.tls.caFile);
    }
    const req = (secure ? https : http).request(u, opts, (res) => {
      res.setTimeout(init.timeoutMs ?? 30_000, () =>
        res.destroy(new Error(`${init.method} ${sanitize(url)}: no data for ${(init.timeoutMs ?? 30_000) / 1000}s`)),
      );
      resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, body: res, url });
    });
    req.on('timeout', () => req.destroy(new Error(`${init.method} ${sanitize(url)}: timed out`)));
    req.on('error', reject);
    req.end(init.body);
  });
}

/** At most max bytes of a body (an error message, a token answer) as text; the rest is not read. */
async function readText(body: Readable, max = 1 << 20): Promise<string> {
  return (await readBody(body, max, 'truncate')).toString('utf8');
}

function drain(res: HttpResponse): void {
  res.body.resume();
  res.body.on('error', () => undefined);
}

/** The registry's error message from an error body ({"errors":[{"code","message"}]}), if any. */
async function serverMessage(res: HttpResponse): Promise<string> {
  try {
    const text = await readText(res.body, 64 * 1024);
    const doc = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    const errs = (doc.errors ?? []).map((e) => `${(e.code ?? 'unknown').toLowerCase()}: ${e.message ?? ''}`);
    return errs.join('; ');
  } catch {
    return '';
  }
}

/** A repository on a registry, with the credentials of one pull. */
export class Remote {
  readonly ref: Reference;
  private readonly endpoints: RegistryEndpoint[];
  private readonly authorizer: Authorizer;
  private readonly scope: string;

  constructor(
    ref: Reference,
    creds: AuthConfig | undefined,
    private readonly opts: RemoteOptions,
  ) {
    this.ref = ref;
    this.endpoints = registryEndpoints(ref.domain, opts.config);
    this.scope = `repository:${ref.path}:pull`;
    const requester: TokenRequester = async (url, init) => {
      const res = await httpRequest(url, {
        ...init,
        headers: { ...init.headers, 'User-Agent': this.userAgent },
        timeoutMs: opts.timeoutMs,
      });
      return { status: res.status, statusText: res.statusText, text: await readText(res.body) };
    };
    const configured = (e: RegistryEndpoint) => opts.config.configs[e.host]?.auth ?? opts.config.configs[ref.domain]?.auth;
    this.authorizer = new Authorizer(creds ?? this.endpoints.map(configured).find(Boolean), requester);
  }

  private get userAgent(): string {
    return this.opts.userAgent ?? 'k8ts/0.1 (containerd-compatible)';
  }

  private url(ep: RegistryEndpoint, kind: 'manifests' | 'blobs', object: string): string {
    const u = `${ep.url}/v2/${this.ref.path}/${kind}/${object}`;
    // Mirrors learn which registry a request is for (containerd's ns parameter).
    return ep.mirror ? `${u}?ns=${encodeURIComponent(this.ref.domain)}` : u;
  }

  /** A request with authorization and redirects; returns the final response (any status). */
  private async do(ep: RegistryEndpoint, method: 'GET' | 'HEAD', url: string, accept: string): Promise<HttpResponse> {
    let target = url;
    let host = ep.host;
    let tries = 0;
    let redirects = 0;
    for (;;) {
      const headers: Record<string, string> = { Accept: accept, 'User-Agent': this.userAgent };
      const auth = host === ep.host ? await this.authorizer.header(host, this.scope) : undefined;
      if (auth) headers.Authorization = auth;
      const res = await httpRequest(target, { method, headers, tls: host === ep.host ? ep.tls : {}, timeoutMs: this.opts.timeoutMs });
      if (res.status === 401 && host === ep.host && tries < 3) {
        tries++;
        const retry = this.authorizer.addChallenge(host, header(res.headers, 'www-authenticate'), !!auth);
        if (retry) {
          drain(res);
          continue;
        }
        return res;
      }
      if ([301, 302, 303, 307, 308].includes(res.status)) {
        const loc = header(res.headers, 'location')[0];
        drain(res);
        if (!loc || ++redirects > MAX_REDIRECTS)
          throw new Error(`${method} ${sanitize(target)}: ${loc ? 'stopped after 10 redirects' : 'redirect without a location'}`);
        const next = new URL(loc, target);
        if (next.protocol !== 'https:' && next.protocol !== 'http:')
          throw new Error(`${method} ${sanitize(target)}: redirect to ${next.protocol} refused`);
        target = next.toString();
        host = next.host;
        continue;
      }
      return res;
    }
  }

  /**
   * Resolves the reference to the descriptor of its manifest or index (containerd's
   * Resolver.Resolve): the most telling error of all endpoints when none has it.
   */
  async resolve(): Promise<Descriptor> {
    const object = this.ref.digest ?? this.ref.tag ?? 'latest';
    let firstErr: RegistryError | undefined;
    let priority = 0;
    const note = (e: RegistryError, p: number) => {
      if (p > priority) {
        firstErr = e;
        priority = p;
      }
    };
    for (const ep of this.endpoints) {
      const url = this.url(ep, 'manifests', object);
      let res: HttpResponse;
      try {
        res = await this.do(ep, 'HEAD', url, MANIFEST_ACCEPT);
      } catch (e) {
        if (e instanceof AuthorizationError)
          note(
            new RegistryError(`pull access denied, repository does not exist or may require authorization: ${e.message}`, 'Unauthorized'),
            1,
          );
        else note(new RegistryError(`failed to do request: Head "${sanitize(url)}": ${(e as Error).message}`, 'Unknown'), 1);
        continue;
      }
      drain(res);
      if (res.status === 404) {
        note(new RegistryError(`${this.refString()}: not found`, 'NotFound'), 2);
        continue;
      }
      if (res.status >= 400) {
        note(
          new RegistryError(
            `unexpected status from HEAD request to ${sanitize(url)}: ${res.status} ${res.statusText}`,
            res.status === 401 || res.status === 403 ? 'Unauthorized' : 'Unknown',
          ),
          3,
        );
        continue;
      }
      let digest = this.ref.digest ?? header(res.headers, 'docker-content-digest')[0];
      let size = Number(header(res.headers, 'content-length')[0] ?? -1);
      let mediaType = (header(res.headers, 'content-type')[0] ?? '').split(';')[0].trim();
      if (!digest || !isDigest(digest) || !(size >= 0) || !mediaType || this.ref.digest) {
        // No (trustworthy) digest header: GET the manifest and name it by its bytes.
        const got = await this.do(ep, 'GET', url, MANIFEST_ACCEPT);
        if (got.status >= 400) {
          drain(got);
          note(
            new RegistryError(
              `unexpected status from GET request to ${sanitize(url)}: ${got.status} ${got.statusText}`,
              got.status === 404 ? 'NotFound' : 'Unknown',
            ),
            3,
          );
          continue;
        }
        const body = await readBody(got.body, 4 * 1024 * 1024);
        const computed = `sha256:${createHash('sha256').update(body).digest('hex')}`;
        if (this.ref.digest?.startsWith('sha256:') && computed !== this.ref.digest) {
          note(new RegistryError(`${this.refString()}: the registry's manifest has digest ${computed}`, 'Unknown'), 4);
          continue;
        }
        digest = this.ref.digest ?? computed;
        size = body.length;
        mediaType = (header(got.headers, 'content-type')[0] ?? '').split(';')[0].trim() || mediaTypeOf(body);
      }
      if (size > 4 * 1024 * 1024) {
        note(new RegistryError(`rejecting ${size} byte manifest for ${this.refString()}`, 'NotFound'), 4);
        continue;
      }
      return { mediaType, digest, size };
    }
    throw firstErr ?? new RegistryError(`${this.refString()}: not found`, 'NotFound');
  }

  /** Fetches a manifest, index or blob by its descriptor from the first endpoint that has it. */
  async fetch(desc: Descriptor, kind: 'manifests' | 'blobs'): Promise<Readable> {
    let last: Error | undefined;
    for (const ep of this.endpoints) {
      const url = this.url(ep, kind, desc.digest);
      let res: HttpResponse;
      try {
        res = await this.do(ep, 'GET', url, kind === 'manifests' ? `${desc.mediaType}, *;q=0.8` : '*/*');
      } catch (e) {
        last =
          e instanceof AuthorizationError
            ? new RegistryError(`pull access denied, repository does not exist or may require authorization: ${e.message}`, 'Unauthorized')
            : (e as Error);
        continue;
      }
      if (res.status === 200) return res.body;
      const msg = await serverMessage(res);
      last = new RegistryError(
        res.status === 404
          ? `content at ${sanitize(url)} not found: not found`
          : `unexpected status from GET request to ${sanitize(url)}: ${res.status} ${res.statusText}${msg ? `: ${msg}` : ''}`,
        res.status === 404 ? 'NotFound' : res.status === 401 ? 'Unauthorized' : 'Unknown',
      );
    }
    throw last ?? new RegistryError(`${desc.digest}: not found`, 'NotFound');
  }

  private refString(): string {
    return `${repositoryOf(this.ref)}${this.ref.tag !== undefined ? `:${this.ref.tag}` : ''}${this.ref.digest ? `@${this.ref.digest}` : ''}`;
  }
}

/** A body of at most max bytes; a longer one is an error ('throw') or cut at the last whole chunk ('truncate'). */
export async function readBody(body: Readable, max: number, over: 'throw' | 'truncate' = 'throw'): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of body as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > max) {
      body.destroy();
      if (over === 'throw') throw new Error(`more than ${max} bytes`);
      break;
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

/** A manifest's own mediaType field, for registries that answer without a Content-Type. */
function mediaTypeOf(body: Buffer): string {
  try {
    const doc = JSON.parse(body.toString('utf8')) as { mediaType?: string; manifests?: unknown; config?: unknown };
    if (doc.mediaType) return doc.mediaType;
    if (doc.manifests) return 'application/vnd.oci.image.index.v1+json';
    if (doc.config) return 'application/vnd.oci.image.manifest.v1+json';
  } catch {
    /* not JSON */
  }
  return 'application/octet-stream';
}
