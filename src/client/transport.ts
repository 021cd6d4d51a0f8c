// How a RestClient's requests reach the API server: client-go's http.RoundTripper under
// rest.Config.Transport, and the loopback client kube-apiserver gives the controllers it runs
// itself. The default carries them over HTTP(S) with a keep-alive agent; a control plane that
// runs its components in the API server's process gives them an in-process transport instead
// (src/apiserver/inprocess.ts): the same handler chain (authentication as the component,
// authorization, admission, validation), no TLS, no sockets, and reads answered with the API
// server's own objects, frozen, instead of JSON decoded again by every reader.

import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { URL } from 'node:url';
import { isObject, type KObject } from '../api/object.js';

export interface RawRequest {
  method: string;
  /** Path below the server's base, with its query string. */
  path: string;
  body?: string | Buffer;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
  /** Overrides the client's timeout; 0 for none (streams). */
  timeoutMs?: number;
  /** Extra request headers (Impersonate-User, ...). */
  headers?: Record<string, string | string[]>;
}

export interface RawResponse {
  statusCode: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /**
   * The body as a value, when the transport has it without decoding (in-process: the API
   * server's own objects, deeply frozen and shared with it and every other reader: copy before
   * changing, as client-go demands of what informers and listers hand out).
   */
  object?: unknown;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T extends KObject = KObject> {
  type: WatchEventType;
  /** For ERROR events this is a metav1.Status (cast it with asStatus). */
  object: T;
}

/** An open watch: its events until the server ends it, and how to end it from this side. */
export interface WatchSource {
  events: AsyncIterable<WatchEvent>;
  /** Ends the stream; a pending iteration finishes (without an error, or with one the caller ignores). */
  stop(): void;
}

export interface RestClientOptions {
  /** https://host:port or http://host:port, optionally with a path prefix. */
  server: string;
  /** Bearer token. */
  token?: string;
  /** A bearer token read at each request (one that is renewed: a service account's bound token). */
  tokenSource?: () => string | undefined;
  userAgent?: string;
  /** PEM (or base64 of PEM, as kubeconfig's certificate-authority-data) of the CA to trust. */
  caData?: string;
  /** PEM or base64 PEM client certificate and key, as kubeconfig's client-certificate-data. */
  certData?: string;
  keyData?: string;
  /** Skip TLS verification (kubeconfig's insecure-skip-tls-verify). */
  insecure?: boolean;
  /** Timeout of non-watch requests, ms (default 60 s). */
  timeoutMs?: number;
  /**
   * Makes the transport from these options (the default: HTTP(S), httpTransport). A control
   * plane hands its in-process components one that reaches its API server without a socket.
   */
  transport?: TransportFactory;
}

export interface Transport {
  /** One exchange, its whole answer buffered. Never throws for a status code. */
  roundTrip(req: RawRequest): Promise<RawResponse>;
  /**
   * Opens a watch: with a 2xx answer, its events; otherwise the answer (a Status, normally),
   * whole. Throws only when the request could not be made or was cancelled.
   */
  watch(req: RawRequest): Promise<WatchSource | RawResponse>;
  /** Closes idle connections (open watches end when their signals abort). */
  close(): void;
  /** Drops every connection, busy ones included; the transport stays usable. */
  closeAllConnections(): void;
}

export type TransportFactory = (opts: RestClientOptions) => Transport;

export const DEFAULT_USER_AGENT = `k8ts/0.1.0 (${process.platform}/${process.arch})`;

export function isWatchSource(v: WatchSource | RawResponse): v is WatchSource {
  return (v as WatchSource).events !== undefined;
}

function pem(data: string | undefined): string | undefined {
  if (!data) return undefined;
  return data.includes('-----BEGIN') ? data : Buffer.from(data, 'base64').toString('utf8');
}

/** The default transport: HTTP(S) with one keep-alive agent. */
export const httpTransport: TransportFactory = (opts) => new HttpTransport(opts);

export class HttpTransport implements Transport {
  private readonly server: URL;
  private readonly basePath: string;
  private readonly agent: http.Agent;
  private readonly isTLS: boolean;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly tokenSource?: () => string | undefined;

  constructor(opts: RestClientOptions) {
    this.server = new URL(opts.server);
    this.basePath = this.server.pathname.replace(/\/+$/, '');
    this.isTLS = this.server.protocol === 'https:';
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    // One keep-alive agent per client: controllers issue many small requests to the same server.
    // One TLS context per client too: given ca/cert/key, every new connection would parse them
    // into a context of its own (a measurable share of the control plane's CPU when bursts of
    // requests open connections).
    this.agent = this.isTLS
      ? new https.Agent({
          keepAlive: true,
          secureContext: tls.createSecureContext({ ca: pem(opts.caData), cert: pem(opts.certData), key: pem(opts.keyData) }),
          rejectUnauthorized: !opts.insecure,
        })
      : new http.Agent({ keepAlive: true });
    this.headers = { 'User-Agent': opts.userAgent ?? DEFAULT_USER_AGENT };
    if (opts.token) this.headers.Authorization = `Bearer ${opts.token}`;
    this.tokenSource = opts.tokenSource;
  }

  close(): void {
    this.agent.destroy();
  }

  closeAllConnections(): void {
    for (const group of [this.agent.sockets, this.agent.freeSockets])
      for (const list of Object.values(group)) for (const sock of [...(list ?? [])]) sock.destroy();
  }

  roundTrip(req: RawRequest): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const r = this.open(req, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      r.on('error', reject);
      if (req.body !== undefined) r.write(req.body);
      r.end();
    });
  }

  watch(req: RawRequest): Promise<WatchSource | RawResponse> {
    return new Promise((resolve, reject) => {
      const r = this.open(req, (res) => {
        const code = res.statusCode ?? 0;
        if (code < 200 || code > 299) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ statusCode: code, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
          return;
        }
        resolve({ events: lines(res), stop: () => res.destroy() });
      });
      r.on('error', reject);
      r.end();
    });
  }

  private open(req: RawRequest, onResponse: (res: http.IncomingMessage) => void): http.ClientRequest {
    const headers: Record<string, string | string[]> = { ...this.headers, ...req.headers, Accept: req.accept ?? 'application/json' };
    const current = this.tokenSource?.();
    if (current) headers.Authorization = `Bearer ${current}`;
    if (req.contentType) headers['Content-Type'] = req.contentType;
    if (req.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(req.body));
    const options: http.RequestOptions = {
      protocol: this.server.protocol,
      hostname: this.server.hostname.replace(/^\[|\]$/g, ''),
      port: this.server.port || (this.isTLS ? 443 : 80),
      method: req.method,
      path: this.basePath + req.path,
      headers,
      agent: this.agent,
      signal: req.signal,
    };
    const r = this.isTLS ? https.request(options, onResponse) : http.request(options, onResponse);
    const timeout = req.timeoutMs ?? this.timeoutMs;
    if (timeout > 0) r.setTimeout(timeout, () => r.destroy(new Error(`request ${req.method} ${req.path} timed out after ${timeout} ms`)));
    return r;
  }
}

/** The newline-delimited JSON of a watch response, as events. */
function lines(res: http.IncomingMessage): AsyncGenerator<WatchEvent> {
  res.setEncoding('utf8');
  return watchEventLines(res as AsyncIterable<string>, () => {
    if (!res.destroyed) res.destroy();
  });
}

/**
 * The events of a watch answer's body, newline-delimited JSON read as text in pieces of any
 * size (a socket's reads, or a thread's messages: porttransport.ts); end runs when the reading
 * ends, however it ends.
 */
export async function* watchEventLines(chunks: AsyncIterable<string>, end: () => void): AsyncGenerator<WatchEvent> {
  let buf = '';
  try {
    for await (const chunk of chunks) {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) yield parseEvent(line);
      }
    }
    const rest = buf.trim();
    if (rest) yield parseEvent(rest);
    // A response that ended early without the server's say-so still ends cleanly here: the caller re-watches.
  } finally {
    end();
  }
}

/**
 * What a watch's answer hands its reader when the pieces come by callbacks (a thread's messages,
 * an in-process response's events): queued as they come, taken in batches, in order, by a
 * reader that waits when there are none; once ended, the reader takes what is left and then
 * ends, with `failure` thrown unless the reader itself aborted.
 */
export class WatchQueue<T> {
  private items: T[] = [];
  private wake?: () => void;
  ended = false;
  failure?: Error;

  get length(): number {
    return this.items.length;
  }

  push(item: T): void {
    this.items.push(item);
    this.wake?.();
  }

  /** No more pieces (set `failure` first to end the reader with it). */
  end(): void {
    this.ended = true;
    this.wake?.();
  }

  /** Everything queued at each turn, in one batch: the queue is drained in one go to keep the loop short. */
  async *batches(aborted: () => boolean): AsyncGenerator<T[]> {
    for (;;) {
      if (this.items.length) {
        yield this.items.splice(0);
        continue;
      }
      if (this.ended) {
        if (this.failure && !aborted()) throw this.failure;
        return;
      }
      await new Promise<void>((r) => {
        this.wake = r;
      });
      this.wake = undefined;
    }
  }
}

function parseEvent(line: string): WatchEvent {
  let ev: unknown;
  try {
    ev = JSON.parse(line);
  } catch {
    throw new Error(`malformed watch event: ${line.slice(0, 200)}`);
  }
  if (!isObject(ev) || typeof ev.type !== 'string' || !isObject(ev.object)) throw new Error(`malformed watch event: ${line.slice(0, 200)}`);
  return ev as unknown as WatchEvent;
}
