// The node's bundled ingress controller (what traefik is to k3s, ingress-nginx to many
// clusters): it serves the Ingresses of class `k8ts` (controller k8ts.io/ingress) with an HTTP
// reverse proxy on the node's address, plain HTTP and TLS (certificates from the Ingresses'
// Secrets, chosen by SNI), HTTP/1.1 and websocket upgrades, to the ready endpoints of the
// backend Services (EndpointSlices, round robin, another endpoint when one refuses), and writes
// the node's address into each served Ingress's status.loadBalancer.
//
// Requests are hostile input: the HTTP parser's limits (header size, timeouts) bound what a
// client may hold, bodies stream with backpressure (pipe) so no request is buffered, and every
// socket error ends that exchange only.

import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { errorMessage } from '../api/errors.js';
import { type KObject, obj, str } from '../api/object.js';
import type { EndpointSlice, Service } from '../api/types.js';
import { ENDPOINTSLICES, SECRETS, SERVICES } from '../api/types.js';
import { Informer, type RestClient } from '../client/index.js';
import { type Backend, buildRoutes, hostOf, type RouteTable, route } from './routing.js';

export const INGRESS_CONTROLLER_NAME = 'k8ts.io/ingress';
const INGRESSES = { group: 'networking.k8s.io', version: 'v1', resource: 'ingresses' };
const INGRESSCLASSES = { group: 'networking.k8s.io', version: 'v1', resource: 'ingressclasses' };
const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const SERVICE_INDEX = 'service';
/** Hop-by-hop headers (RFC 9110 7.6.1): never forwarded. */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
];
const CONNECT_TIMEOUT_MS = 5000;
const MAX_ATTEMPTS = 3;

export interface IngressControllerOptions {
  client: RestClient;
  nodeName: string;
  /** Where it listens, and the address written into the Ingresses' status (the node's IP). */
  address: string;
  /** 0 disables a listener. */
  httpPort: number;
  httpsPort: number;
  log?: (msg: string) => void;
}

export class IngressController {
  private readonly ingresses: Informer;
  private readonly classes: Informer;
  private readonly services: Informer<Service>;
  private readonly slices: Informer<EndpointSlice>;
  /**
   * One informer per Secret a served Ingress names for TLS (a watch of that name alone): the
   * node's add-on credential may read those Secrets and no other (NodeAddonsAuthorizer).
   */
  private readonly tlsSecrets = new Map<string, Informer>();
  private readonly log: (msg: string) => void;
  private routes: RouteTable | undefined;
  private readonly rr = new Map<string, number>();
  private readonly contexts = new Map<string, { rv: string; ctx: tls.SecureContext }>();
  private httpServer?: http.Server;
  private httpsServer?: https.Server;
  private readonly sockets = new Set<net.Socket>();
  private statusTimer?: NodeJS.Timeout;
  private stopped = false;
  /** Ports really bound (a port option of 0 stays 0). */
  httpPort = 0;
  httpsPort = 0;

  constructor(private readonly opts: IngressControllerOptions) {
    this.log = opts.log ?? (() => undefined);
    const onError = (e: unknown) => this.log(`ingress informer: ${errorMessage(e)}`);
    this.ingresses = new Informer(opts.client, { ...INGRESSES, onError, backoffInitialMs: 200 });
    this.classes = new Informer(opts.client, { ...INGRESSCLASSES, onError, backoffInitialMs: 200 });
    this.services = new Informer<Service>(opts.client, { ...SERVICES, onError, backoffInitialMs: 200 });
    this.slices = new Informer<EndpointSlice>(opts.client, {
      ...ENDPOINTSLICES,
      onError,
      backoffInitialMs: 200,
      indexers: { [SERVICE_INDEX]: (s) => [`${s.metadata.namespace}/${s.metadata.labels?.[SERVICE_NAME_LABEL] ?? ''}`] },
    });
  }

  /** The TLS Secrets of the served Ingresses, watched one by one; watches of Secrets no longer named end. */
  private syncSecretWatches(): void {
    if (this.stopped) return;
    const wanted = new Map<string, { ns: string; name: string }>();
    for (const ing of this.servedIngresses()) {
      for (const t of Array.isArray(obj(ing.spec).tls) ? (obj(ing.spec).tls as unknown[]) : []) {
        const name = str(obj(t).secretName);
        const ns = ing.metadata.namespace ?? 'default';
        if (name) wanted.set(`${ns}/${name}`, { ns, name });
      }
    }
    for (const [key, inf] of this.tlsSecrets) {
      if (wanted.has(key)) continue;
      this.tlsSecrets.delete(key);
      this.contexts.delete(key);
      void inf.stop();
    }
    for (const [key, { ns, name }] of wanted) {
      if (this.tlsSecrets.has(key)) continue;
      const inf = new Informer(this.opts.client, {
        ...SECRETS,
        namespace: ns,
        fieldSelector: `metadata.name=${name}`,
        onError: (e: unknown) => this.log(`ingress informer: secret ${key}: ${errorMessage(e)}`),
        backoffInitialMs: 200,
      });
      this.tlsSecrets.set(key, inf);
      inf.start();
    }
  }

  async start(): Promise<void> {
    const dirty = () => {
      this.routes = undefined;
      this.syncSecretWatches();
      this.scheduleStatus();
    };
    for (const inf of [this.ingresses, this.classes]) inf.addEventHandler({ onAdd: dirty, onUpdate: dirty, onDelete: dirty });
    for (const inf of [this.ingresses, this.classes, this.services, this.slices]) inf.start();
    await Promise.all([this.ingresses, this.classes, this.services, this.slices].map((i) => i.waitForSync(30_000)));
    this.syncSecretWatches();
    // Certificates from the start, as before; a Secret that cannot be read (not there yet) does not hold the controller up.
    await Promise.all([...this.tlsSecrets.values()].map((i) => i.waitForSync(5_000).catch(() => undefined)));
    const track = (s: net.Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    };
    if (this.opts.httpPort > 0) {
      this.httpServer = http.createServer((req, res) => this.handle(req, res, 'http'));
      this.httpServer.on('upgrade', (req, socket, head) => this.upgrade(req, socket as net.Socket, head, 'http'));
      this.httpServer.on('connection', track);
      this.httpPort = await this.listen(this.httpServer, this.opts.httpPort);
    }
    if (this.opts.httpsPort > 0) {
      this.httpsServer = https.createServer({ SNICallback: (name, cb) => this.sni(name, cb) }, (req, res) =>
        this.handle(req, res, 'https'),
      );
      this.httpsServer.on('upgrade', (req, socket, head) => this.upgrade(req, socket as net.Socket, head, 'https'));
      this.httpsServer.on('connection', track);
      this.httpsServer.on('tlsClientError', () => undefined);
      this.httpsPort = await this.listen(this.httpsServer, this.opts.httpsPort);
    }
    for (const s of [this.httpServer, this.httpsServer]) {
      if (!s) continue;
      s.headersTimeout = 30_000;
      s.requestTimeout = 300_000;
      s.keepAliveTimeout = 60_000;
      s.maxHeadersCount = 200;
      s.on('clientError', (e: NodeJS.ErrnoException, socket) => {
        const status = e.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
        if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
        else socket.destroy();
      });
    }
    this.scheduleStatus();
  }

  private async listen(server: http.Server, port: number): Promise<number> {
    server.listen(port, this.opts.address);
    await once(server, 'listening');
    const a = server.address();
    return typeof a === 'object' && a ? a.port : port;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.statusTimer);
    for (const s of this.sockets) s.destroy();
    await Promise.all([this.httpServer, this.httpsServer].map((s) => (s ? new Promise<void>((r) => s.close(() => r())) : undefined)));
    await Promise.all([this.ingresses, this.classes, this.services, this.slices, ...this.tlsSecrets.values()].map((i) => i.stop()));
    this.tlsSecrets.clear();
  }

  /** Is this Ingress ours: its class (field, or the old annotation) is one whose controller is k8ts.io/ingress. */
  private served(ing: KObject): boolean {
    const spec = obj(ing.spec);
    const name = str(spec.ingressClassName) || str(ing.metadata.annotations?.[LEGACY_CLASS_ANNOTATION]);
    if (!name) return false;
    const cls = this.classes.getByName(undefined, name);
    return str(obj(cls?.spec).controller) === INGRESS_CONTROLLER_NAME;
  }

  private servedIngresses(): KObject[] {
    return this.ingresses.list().filter((i) => this.served(i));
  }

  private table(): RouteTable {
    return (this.routes ??= buildRoutes(this.servedIngresses()));
  }

  /** The ready endpoints (ip:port) of a backend, in a stable order. */
  endpointsFor(b: Backend): { host: string; port: number }[] | undefined {
    const svc = this.services.getByName(b.namespace, b.service);
    if (!svc) return undefined;
    const ports = Array.isArray(svc.spec?.ports) ? svc.spec.ports : [];
    const sp = ports.find((p) => (typeof b.port === 'number' ? p.port === b.port : p.name === b.port));
    if (!sp || (sp.protocol ?? 'TCP') !== 'TCP') return undefined;
    const out: { host: string; port: number }[] = [];
    for (const slice of this.slices.byIndex(SERVICE_INDEX, `${b.namespace}/${b.service}`)) {
      if (slice.addressType !== 'IPv4') continue;
      const port = (slice.ports ?? []).find((p) => (p.name ?? '') === (sp.name ?? '') && (p.protocol ?? 'TCP') === 'TCP');
      if (!port || typeof port.port !== 'number') continue;
      for (const ep of slice.endpoints ?? []) {
        if (ep.conditions?.ready === false) continue;
        for (const a of ep.addresses ?? []) out.push({ host: a, port: port.port });
      }
    }
    out.sort((x, y) => `${x.host}:${x.port}`.localeCompare(`${y.host}:${y.port}`));
    return out;
  }

  /** Connects to a backend's endpoints in round robin, trying another when one refuses. */
  private async connect(b: Backend): Promise<net.Socket | 'none' | 'failed'> {
    const eps = this.endpointsFor(b);
    if (!eps || eps.length === 0) return 'none';
    const key = `${b.namespace}/${b.service}:${b.port}`;
    const start = this.rr.get(key) ?? 0;
    this.rr.set(key, (start + 1) % eps.length);
    for (let i = 0; i < Math.min(MAX_ATTEMPTS, eps.length); i++) {
      const ep = eps[(start + i) % eps.length];
      try {
        return await new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect({ host: ep.host, port: ep.port });
          const timer = setTimeout(() => {
            s.destroy();
            reject(new Error('connect timeout'));
          }, CONNECT_TIMEOUT_MS);
          s.once('connect', () => {
            clearTimeout(timer);
            s.removeListener('error', reject);
            resolve(s);
          });
          s.once('error', (e) => {
            clearTimeout(timer);
            reject(e);
          });
        });
      } catch (e) {
        this.log(`ingress: ${key}: endpoint ${ep.host}:${ep.port}: ${(e as Error).message}`);
      }
    }
    return 'failed';
  }

  private forwardedHeaders(req: http.IncomingMessage, scheme: string): http.OutgoingHttpHeaders {
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.includes(k)) headers[k] = v;
    const client = req.socket.remoteAddress ?? '';
    const prior = req.headers['x-forwarded-for'];
    headers['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${client}` : client;
    headers['x-forwarded-proto'] = scheme;
    if (req.headers.host) headers['x-forwarded-host'] = req.headers.host;
    headers['x-forwarded-port'] = String(req.socket.localPort ?? '');
    headers['x-real-ip'] = client;
    return headers;
  }

  private reply(res: http.ServerResponse, code: number, text: string): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, scheme: string): void {
    req.on('error', () => res.destroy());
    res.on('error', () => undefined);
    const backend = route(this.table(), hostOf(req.headers.host), req.url ?? '/');
    if (!backend) {
      this.reply(res, 404, '404 page not found\n');
      return;
    }
    void this.connect(backend).then(
      (sock) => {
        if (sock === 'none') {
          this.reply(res, 503, 'Service Unavailable\n');
          return;
        }
        if (sock === 'failed') {
          this.reply(res, 502, 'Bad Gateway\n');
          return;
        }
        const up = http.request({
          method: req.method,
          path: req.url,
          headers: this.forwardedHeaders(req, scheme),
          createConnection: () => sock,
        });
        up.on('response', (ur) => {
          const headers: http.OutgoingHttpHeaders = {};
          for (const [k, v] of Object.entries(ur.headers)) if (v !== undefined && !HOP_BY_HOP.includes(k)) headers[k] = v;
          res.writeHead(ur.statusCode ?? 502, ur.statusMessage, headers);
          ur.pipe(res);
          ur.on('error', () => res.destroy());
        });
        up.on('error', (e) => {
          this.log(`ingress: ${backend.ingress}: ${e.message}`);
          this.reply(res, 502, 'Bad Gateway\n');
        });
        res.on('close', () => {
          up.destroy();
          sock.destroy();
        });
        req.pipe(up);
      },
      () => this.reply(res, 502, 'Bad Gateway\n'),
    );
  }

  /** Upgrades (websockets): the request goes to the endpoint as it came, then bytes flow both ways. */
  private upgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer, scheme: string): void {
    socket.on('error', () => socket.destroy());
    const fail = (code: number, text: string) => {
      if (socket.writable) socket.end(`HTTP/1.1 ${code} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      else socket.destroy();
    };
    const backend = route(this.table(), hostOf(req.headers.host), req.url ?? '/');
    if (!backend) {
      fail(404, 'Not Found');
      return;
    }
    void this.connect(backend).then(
      (up) => {
        if (up === 'none') {
          fail(503, 'Service Unavailable');
          return;
        }
        if (up === 'failed') {
          fail(502, 'Bad Gateway');
          return;
        }
        if (socket.destroyed) {
          up.destroy();
          return;
        }
        const headers = this.forwardedHeaders(req, scheme);
        headers.connection = 'Upgrade';
        headers.upgrade = req.headers.upgrade;
        let text = `${req.method} ${req.url} HTTP/1.1\r\n`;
        for (const [k, v] of Object.entries(headers))
          for (const one of Array.isArray(v) ? v : [v]) if (one !== undefined) text += `${k}: ${String(one).replace(/[\r\n]/g, '')}\r\n`;
        up.write(`${text}\r\n`);
        if (head.length) up.write(head);
        up.on('error', () => socket.destroy());
        socket.on('close', () => up.destroy());
        up.on('close', () => socket.destroy());
        up.pipe(socket);
        socket.pipe(up);
      },
      () => fail(502, 'Bad Gateway'),
    );
  }

  /** SNI: the certificate of the served Ingress whose TLS hosts name this server name. */
  private sni(servername: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void): void {
    const name = servername.toLowerCase();
    let fallback: { ns: string; secret: string } | undefined;
    let chosen: { ns: string; secret: string } | undefined;
    for (const ing of this.servedIngresses()) {
      for (const t of Array.isArray(obj(ing.spec).tls) ? (obj(ing.spec).tls as unknown[]) : []) {
        const entry = obj(t);
        const secret = str(entry.secretName);
        if (!secret) continue;
        const ref = { ns: ing.metadata.namespace ?? 'default', secret };
        const hosts = Array.isArray(entry.hosts) ? entry.hosts.map(str) : [];
        fallback ??= ref;
        if (hosts.some((h) => h === name || (h.startsWith('*.') && name.slice(name.indexOf('.') + 1) === h.slice(2)))) {
          chosen = ref;
          break;
        }
      }
      if (chosen) break;
    }
    const ref = chosen ?? fallback;
    const ctx = ref ? this.context(ref.ns, ref.secret) : undefined;
    if (!ctx) {
      cb(new Error(`no certificate for ${servername}`));
      return;
    }
    cb(null, ctx);
  }

  private context(namespace: string, name: string): tls.SecureContext | undefined {
    const key = `${namespace}/${name}`;
    const secret = this.tlsSecrets.get(key)?.getByName(namespace, name);
    if (!secret) return undefined;
    const rv = secret.metadata.resourceVersion ?? '';
    const cached = this.contexts.get(key);
    if (cached && cached.rv === rv) return cached.ctx;
    const data = obj(secret.data);
    try {
      const ctx = tls.createSecureContext({
        cert: Buffer.from(str(data['tls.crt']), 'base64'),
        key: Buffer.from(str(data['tls.key']), 'base64'),
      });
      this.contexts.set(key, { rv, ctx });
      return ctx;
    } catch (e) {
      this.log(`ingress: secret ${key}: ${(e as Error).message}`);
      return undefined;
    }
  }

  private scheduleStatus(): void {
    if (this.stopped || this.statusTimer) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      void this.syncStatus().catch((e) => {
        this.log(`ingress status: ${(e as Error).message}`);
        clearTimeout(this.statusTimer);
        this.statusTimer = setTimeout(() => {
          this.statusTimer = undefined;
          this.scheduleStatus();
        }, 2000);
      });
    }, 100);
  }

  /** Adds this node's address to status.loadBalancer.ingress of every served Ingress that lacks it. */
  private async syncStatus(): Promise<void> {
    if (this.httpServer === undefined && this.httpsServer === undefined) return;
    const ip = this.opts.address;
    for (const ing of this.servedIngresses()) {
      const points = Array.isArray(obj(obj(ing.status).loadBalancer).ingress)
        ? (obj(obj(ing.status).loadBalancer).ingress as unknown[]).map(obj)
        : [];
      if (points.some((p) => p.ip === ip)) continue;
      const next = {
        ...ing,
        status: { ...obj(ing.status), loadBalancer: { ingress: [...points, { ip }].sort((a, b) => str(a.ip).localeCompare(str(b.ip))) } },
      };
      await this.opts.client.update(
        { ...INGRESSES, namespace: ing.metadata.namespace, name: ing.metadata.name, subresource: 'status' },
        next,
      );
    }
  }
}
