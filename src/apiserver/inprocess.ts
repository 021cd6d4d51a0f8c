// The in-process transport: what the control plane gives the components it runs in the API
// server's own process (controllers, scheduler, simulated nodes, the local node agent), in
// place of HTTPS to 127.0.0.1. kube-apiserver's counterpart is the loopback client its own
// post-start hooks use (an HTTP client to itself with a loopback token); here the requests skip
// the wire altogether and still go through the server's whole chain: each request is one the
// server's handler takes as it takes a socket's (authentication as the component's own
// credential, impersonation, the in-flight limits, authorization, admission, validation,
// metrics), only its bytes never leave the process and the answers that are objects come back
// as the server's own values (objectsink.ts): a GET, a list and watch events are the watch
// cache's objects, deeply frozen, so that every informer of the process shares one copy.
//
// The client's credential is checked as the TLS layer would: a client certificate must chain to
// the API server's client CA and be within its validity (the X.509 authenticator then names the
// user), a bearer token travels as the Authorization header.

import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Readable, Writable } from 'node:stream';
import { URL } from 'node:url';
import { errors } from '../api/errors.js';
import type {
  RawRequest,
  RawResponse,
  RestClientOptions,
  Transport,
  TransportFactory,
  WatchEvent,
  WatchSource,
} from '../client/transport.js';
import { WatchQueue } from '../client/transport.js';
import { type ObjectSink, setObjectSink } from './objectsink.js';

/** What the transport needs of the API server (ApiServer implements it). */
export interface InProcessServer {
  /** Serves one request as it serves a socket's (its error boundary included). */
  serveInProcess(req: IncomingMessage, res: ServerResponse): void;
  /** The CA client certificates are verified against (--client-ca-file), if any. */
  readonly clientCA?: string;
}

/**
 * Events an in-process watcher may leave unread before the server closes its watch (the
 * consumer re-watches from the last resourceVersion it read), as kube-apiserver closes a
 * cacheWatcher whose channel stays full. Entries are references to shared objects: the bound is
 * on a consumer that stopped reading, not on bytes.
 */
export const MAX_UNREAD_EVENTS = 100_000;

function pem(data: string | undefined): string | undefined {
  if (!data) return undefined;
  return data.includes('-----BEGIN') ? data : Buffer.from(data, 'base64').toString('utf8');
}

/** The transport factory a control plane hands its in-process components' RestClients. */
export function inProcessTransport(server: InProcessServer): TransportFactory {
  return (opts) => new InProcessTransport(server, opts);
}

/** Stands for the TLS socket: the peer certificate it verified (or not), and where the request came. */
class LoopbackSocket {
  readonly remoteAddress = '127.0.0.1';
  readonly remotePort = 0;
  readonly localAddress: string;
  readonly localPort: number;
  readonly encrypted = true;
  destroyed = false;

  constructor(
    private readonly cert: X509Certificate | undefined,
    private readonly clientCA: X509Certificate | undefined,
    host: URL,
  ) {
    this.localAddress = host.hostname.replace(/^\[|\]$/g, '');
    this.localPort = Number(host.port) || 443;
  }

  /** Whether the certificate chains to the client CA: a signature check, made once, as TLS makes it once per connection. */
  private chained?: boolean;
  private peer?: object;
  private validFrom = 0;
  private validTo = 0;

  /** As a TLS socket's: verified against the client CA, and valid now (checked per request: certificates expire). */
  get authorized(): boolean {
    const c = this.cert;
    if (!c || !this.clientCA) return false;
    if (this.chained === undefined) {
      this.chained = c.checkIssued(this.clientCA) && c.verify(this.clientCA.publicKey);
      this.validFrom = Date.parse(c.validFrom);
      this.validTo = Date.parse(c.validTo);
    }
    const now = Date.now();
    return this.chained && this.validFrom <= now && now <= this.validTo;
  }

  getPeerCertificate(): object {
    // Made once: it fingerprints the certificate, and the authenticator only reads it.
    this.peer ??= this.cert ? this.cert.toLegacyObject() : {};
    return this.peer;
  }

  destroy(): void {
    this.destroyed = true;
  }
  setTimeout(): this {
    return this;
  }
  on(): this {
    return this;
  }
  once(): this {
    return this;
  }
  off(): this {
    return this;
  }
  removeListener(): this {
    return this;
  }
}

/** The request as the server's handler reads it: method, URL, headers, a body stream, a "socket". */
function makeRequest(socket: LoopbackSocket, method: string, url: string, headers: IncomingHttpHeaders, body?: Buffer): IncomingMessage {
  const stream = new Readable({ read() {} });
  if (body?.length) stream.push(body);
  stream.push(null);
  const req = Object.assign(stream, {
    method,
    url,
    headers,
    rawHeaders: [] as string[],
    httpVersion: '1.1',
    httpVersionMajor: 1,
    httpVersionMinor: 1,
    socket,
    connection: socket,
    complete: true,
    aborted: false,
  });
  return req as unknown as IncomingMessage;
}

/** The response as the server's handler writes it; bytes or values, collected here. */
export class LoopbackResponse extends Writable implements ObjectSink {
  statusCode = 200;
  statusMessage = '';
  headersSent = false;
  readonly socket = null;
  /** The request answered (ServerResponse.req). */
  req?: IncomingMessage;
  private readonly headerMap: Record<string, string | number | string[]> = {};
  private readonly chunks: Buffer[] = [];
  /** The answer as a value (objectsink.ts), when the handler gave one. */
  value?: { code: number; object: unknown };
  /** Called once the head is written (a watch's 200, or any answer's). */
  onHead?: () => void;
  /** Watch events, for the stream's reader. */
  onEvent?: (ev: WatchEvent) => void;

  /**
   * With a byte sink (a client in another thread: portserver.ts), the answer is the bytes a
   * socket's client would read, each written piece handed on as it comes; the sink calls done
   * when it may take more, so a reader that falls behind holds the writes here, where the
   * server's bounds see them (res.writableLength), as a socket would.
   */
  constructor(private readonly byteSink?: (chunk: Buffer, done: () => void) => void) {
    super({ decodeStrings: true });
    if (!byteSink) setObjectSink(this as unknown as ServerResponse, this);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (!this.headersSent) this.writeHead(this.statusCode);
    if (this.byteSink) {
      this.byteSink(chunk, () => cb());
      return;
    }
    this.chunks.push(chunk);
    cb();
  }

  setHeader(name: string, value: string | number | string[]): this {
    this.headerMap[name.toLowerCase()] = value;
    return this;
  }
  getHeader(name: string): string | number | string[] | undefined {
    return this.headerMap[name.toLowerCase()];
  }
  removeHeader(name: string): void {
    delete this.headerMap[name.toLowerCase()];
  }
  hasHeader(name: string): boolean {
    return name.toLowerCase() in this.headerMap;
  }

  writeHead(code: number, a?: string | Record<string, string | number | string[]>, b?: Record<string, string | number | string[]>): this {
    this.statusCode = code;
    const h = typeof a === 'string' ? b : a;
    for (const [k, v] of Object.entries(h ?? {})) this.setHeader(k, v);
    if (!this.headersSent) {
      this.headersSent = true;
      this.onHead?.();
    }
    return this;
  }
  flushHeaders(): void {
    if (!this.headersSent) this.writeHead(this.statusCode);
  }

  answer(code: number, value: unknown, headers: Record<string, string>): void {
    this.value = { code, object: value };
    this.writeHead(code, headers);
    this.end();
  }

  event(type: string, object: unknown): void {
    this.onEvent?.({ type, object } as WatchEvent);
  }

  headers(): IncomingHttpHeaders {
    const out: IncomingHttpHeaders = {};
    for (const [k, v] of Object.entries(this.headerMap)) out[k] = Array.isArray(v) ? v : String(v);
    return out;
  }

  /** The answer for the client: a value when the server gave one, its JSON made only if someone reads the bytes. */
  response(): RawResponse {
    const code = this.value?.code ?? this.statusCode;
    const headers = this.headers();
    if (!this.value) return { statusCode: code, headers, body: Buffer.concat(this.chunks) };
    const object = this.value.object;
    let body: Buffer | undefined;
    return {
      statusCode: code,
      headers,
      object,
      get body() {
        body ??= Buffer.from(object === undefined ? '' : JSON.stringify(object));
        return body;
      },
    };
  }
}

export class InProcessTransport implements Transport {
  private readonly socket: LoopbackSocket;
  private readonly headers: Record<string, string>;
  private readonly tokenSource?: () => string | undefined;
  private readonly timeoutMs: number;
  private readonly base: URL;
  private readonly open = new Set<LoopbackResponse>();

  constructor(
    private readonly server: InProcessServer,
    opts: RestClientOptions,
  ) {
    this.base = new URL(opts.server);
    const certPEM = pem(opts.certData);
    let cert: X509Certificate | undefined;
    let ca: X509Certificate | undefined;
    if (certPEM) {
      cert = new X509Certificate(certPEM);
      // A key that is not the certificate's would fail the TLS handshake.
      const keyPEM = pem(opts.keyData);
      if (!keyPEM || !cert.checkPrivateKey(createPrivateKeySafe(keyPEM))) throw errors.unauthorized();
      if (server.clientCA) ca = new X509Certificate(server.clientCA);
    }
    this.socket = new LoopbackSocket(cert, ca, this.base);
    this.headers = { 'user-agent': opts.userAgent ?? '', host: this.base.host };
    if (opts.token) this.headers.authorization = `Bearer ${opts.token}`;
    this.tokenSource = opts.tokenSource;
    this.timeoutMs = opts.timeoutMs ?? 60_000;
  }

  close(): void {
    // Nothing idle to close: no connections.
  }

  /** As dropping every connection: requests and watches in flight end with an error; their callers retry. */
  closeAllConnections(): void {
    for (const res of [...this.open]) res.destroy(new Error('connection closed'));
  }

  /**
   * Serves req with its answer as bytes (see LoopbackResponse): for a client in another thread,
   * which reads them as it would a socket's (portserver.ts). The response ends ('close') when
   * the answer is whole or the exchange was cut; destroy() cuts it.
   */
  exchange(req: RawRequest, byteSink: (chunk: Buffer, done: () => void) => void): LoopbackResponse {
    return this.start(req, byteSink);
  }

  private start(req: RawRequest, byteSink?: (chunk: Buffer, done: () => void) => void): LoopbackResponse {
    const headers: IncomingHttpHeaders = { ...this.headers, accept: req.accept ?? 'application/json' };
    for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = v;
    const current = this.tokenSource?.();
    if (current) headers.authorization = `Bearer ${current}`;
    const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body);
    if (req.contentType) headers['content-type'] = req.contentType;
    if (body !== undefined) headers['content-length'] = String(body.length);
    const basePath = this.base.pathname.replace(/\/+$/, '');
    const message = makeRequest(this.socket, req.method, basePath + req.path, headers, body);
    const res = new LoopbackResponse(byteSink);
    res.req = message;
    this.open.add(res);
    res.on('close', () => this.open.delete(res));
    // A handler's failure is the server's business (its error boundary answers or drops the request).
    res.on('error', () => undefined);
    queueMicrotask(() => this.server.serveInProcess(message, res as unknown as ServerResponse));
    return res;
  }

  roundTrip(req: RawRequest): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      if (req.signal?.aborted) return reject(abortError(req));
      const res = this.start(req);
      const timeout = req.timeoutMs ?? this.timeoutMs;
      const timer =
        timeout > 0
          ? setTimeout(() => res.destroy(new Error(`request ${req.method} ${req.path} timed out after ${timeout} ms`)), timeout)
          : undefined;
      const onAbort = () => res.destroy(abortError(req));
      req.signal?.addEventListener('abort', onAbort, { once: true });
      let failure: Error | undefined;
      res.on('error', (e) => {
        failure = e;
      });
      res.on('close', () => {
        if (timer) clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        if (res.writableFinished) resolve(res.response());
        else reject(failure ?? new Error(`request ${req.method} ${req.path}: the server closed the connection`));
      });
    });
  }

  watch(req: RawRequest): Promise<WatchSource | RawResponse> {
    return new Promise((resolve, reject) => {
      if (req.signal?.aborted) return reject(abortError(req));
      const res = this.start(req);
      const queue = new WatchQueue<WatchEvent>();
      let answered = false;
      const onAbort = () => res.destroy();
      req.signal?.addEventListener('abort', onAbort, { once: true });
      res.onEvent = (ev) => {
        queue.push(ev);
        if (queue.length > MAX_UNREAD_EVENTS) {
          console.error(`k8ts apiserver: closing an in-process watch (${req.path}): ${queue.length} events unread`);
          res.destroy(new Error(`watch closed: ${queue.length} events unread`));
        }
      };
      res.on('error', (e) => {
        queue.failure = e;
      });
      const source = (): WatchSource => ({
        stop: () => res.destroy(),
        events: (async function* () {
          for await (const batch of queue.batches(() => !!req.signal?.aborted)) yield* batch;
        })(),
      });
      res.onHead = () => {
        answered = true;
        // A watch that started is a 2xx head; anything else is an answer (a Status) the close brings.
        if (res.statusCode >= 200 && res.statusCode <= 299 && !res.value) resolve(source());
      };
      res.on('close', () => {
        queue.end();
        req.signal?.removeEventListener('abort', onAbort);
        if (!answered || res.value || res.statusCode < 200 || res.statusCode > 299) {
          if (res.writableFinished || res.value) resolve(res.response());
          else reject(queue.failure ?? new Error(`watch ${req.path}: the server closed the connection`));
        }
      });
    });
  }
}

function abortError(req: RawRequest): Error {
  const e = new Error(`request ${req.method} ${req.path} was aborted`);
  e.name = 'AbortError';
  return e;
}

function createPrivateKeySafe(keyPEM: string): import('node:crypto').KeyObject {
  try {
    return createPrivateKey(keyPEM);
  } catch {
    throw errors.unauthorized();
  }
}
