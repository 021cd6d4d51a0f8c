// The node agent's streaming server, as kubelet's :10250 server: container logs, exec, attach
// and port-forward for the API server to relay, on kubelet's own paths. Only the API server
// talks to it: over TLS with the node's serving certificate, the API server presenting its
// client certificate (kubelet's --client-ca-file x509 authentication; the only user accepted is
// kube-apiserver-kubelet-client), or, in tests of the protocols, with a shared bearer token.
//
//   GET  /containerLogs/{ns}/{pod}/{container}?follow&previous&tailLines&sinceSeconds&sinceTime&timestamps&limitBytes
//   GET|POST /exec/{ns}/{pod}/{container}?command=..&input=1&output=1&error=1&tty=1   (upgrade)
//   GET|POST /attach/{ns}/{pod}/{container}?input=1&output=1&error=1&tty=1            (upgrade)
//   GET|POST /portForward/{ns}/{pod}[?port=N...]                                      (upgrade)
//   *    /podProxy/{ns}/{pod}/{port}/{path...}   (k8ts: pod and service proxy, reached through the
//        pod's network namespace so the API server needs no route to pod IPs)
//
// Upgrades: exec/attach over SPDY/3.1 (v4..v1) or a websocket (v5, v4, v4.base64,
// channel.k8s.io, base64.channel.k8s.io, none); port-forward over SPDY/3.1, SPDY inside a
// websocket (kubectl's tunnel) or a plain websocket (v4, v4.base64, none: the Python client's
// and client-node's). Kubernetes counterpart: k8s.io/kubelet/pkg/cri/streaming/server.go.

import { timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { createWebSocketStream, type WebSocket, WebSocketServer } from 'ws';
import { errorMessage, errors, StatusError } from '../../api/errors.js';
import { kubeletFlag } from '../../api/queryparams.js';
import { KUBELET_CLIENT_COMMON_NAME } from '../../pki/certs.js';
import type { RuntimeService } from '../runtime/types.js';
import {
  channelCodec,
  exitStatus,
  failureStatus,
  negotiate,
  negotiateWebSocket,
  offeredProtocols,
  PORT_FORWARD_PROTOCOL,
  SPDY_EXEC_PROTOCOLS,
  WEBSOCKET_EXEC_PROTOCOLS,
  WEBSOCKET_PORT_FORWARD_PROTOCOLS,
  WEBSOCKET_SPDY_TUNNEL_PREFIX,
} from './channels.js';
import { parseLogOptions, streamLog } from './logs.js';
import { serveSpdyPortForward, serveWebSocketPortForward, websocketPorts } from './portforward.js';
import { type CommandOptions, type CommandStreams, spdyCommandStreams, websocketCommandStreams } from './remotecommand.js';
import { SpdySession } from './spdy.js';

export interface StreamingPod {
  sandboxId: string;
  /** Container name -> the id of its current container. */
  containers: Record<string, string>;
  podIP?: string;
  uid?: string;
}

export interface StreamingServerOptions {
  runtime: RuntimeService;
  lookupPod(namespace: string, name: string): Promise<StreamingPod | undefined>;
  /** The bearer token the API server presents (tests of the streaming protocols, plain HTTP). */
  token?: string;
  /**
   * The CA of client certificates (kubelet's --client-ca-file): with it, the server speaks TLS
   * only and serves only a client whose certificate that CA issued to kube-apiserver-kubelet-client.
   */
  clientCA?: string;
  /** The kubelet's /metrics/resource (what metrics-server scrapes), in Prometheus' text format. */
  resourceMetrics?(): Promise<string>;
  tls?: { cert: string; key: string };
}

type Route =
  | { kind: 'containerLogs' | 'exec' | 'attach'; namespace: string; pod: string; container: string }
  | { kind: 'portForward'; namespace: string; pod: string }
  | { kind: 'podProxy'; namespace: string; pod: string; port: number; path: string };

/** Parses kubelet's streaming paths (and k8ts' podProxy). */
export function parseStreamingPath(pathname: string, search = ''): Route | undefined {
  const raw = pathname.split('/');
  const seg = raw.map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  const [, kind, namespace, pod, fourth] = seg;
  if (!namespace || !pod) return undefined;
  switch (kind) {
    case 'containerLogs':
    case 'exec':
    case 'attach':
      if (seg.length !== 5 || !fourth) return undefined;
      return { kind, namespace, pod, container: fourth };
    case 'portForward':
      if (seg.length !== 4 && !(seg.length === 5 && fourth === '')) return undefined;
      return { kind, namespace, pod };
    case 'podProxy': {
      const port = Number(fourth);
      if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
      // Keep the rest of the path as the client encoded it.
      return { kind, namespace, pod, port, path: '/' + raw.slice(5).join('/') + search };
    }
  }
  return undefined;
}

function statusBody(e: StatusError): string {
  return JSON.stringify(e.toStatus());
}

function writeStatus(res: ServerResponse, e: unknown): void {
  const se = e instanceof StatusError ? e : errors.internal(errorMessage(e));
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = statusBody(se);
  res.writeHead(se.code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** An HTTP error on a connection that asked to upgrade (no ServerResponse exists then). */
export function writeRawStatus(socket: Duplex, e: unknown): void {
  const se = e instanceof StatusError ? e : errors.internal(errorMessage(e));
  const body = statusBody(se);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(
    `HTTP/1.1 ${se.code} ${http.STATUS_CODES[se.code] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * The largest websocket message a client may send. golang.org/x/net/websocket, which kubelet's
 * and kube-apiserver's wsstream servers use, allows 32 MiB (DefaultMaxPayloadBytes); ws' own
 * default is 100 MiB. Clients send far less (the Python client's port-forward up to 1 MiB, kubectl
 * 32 KiB), so every client that works against Kubernetes works here.
 */
export const MAX_WEBSOCKET_MESSAGE_BYTES = 32 << 20;

export class StreamingServer {
  private server?: http.Server | https.Server;
  private sockets = new Set<Socket>();
  /** The channel protocols (exec, attach, port-forward); the subprotocol is chosen before ws sees the request. */
  private channelWss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_WEBSOCKET_MESSAGE_BYTES,
    handleProtocols: (_offered, req) => this.negotiated.get(req) || false,
  });
  private negotiated = new WeakMap<IncomingMessage, string>();
  /**
   * ws refuses 'SPDY/3.1+portforward.k8s.io' (a '/' is not a token character), so the offer is
   * checked here, hidden from ws, and the answer added to the 101 headers ourselves.
   */
  private tunnelWss = new WebSocketServer({ noServer: true, maxPayload: MAX_WEBSOCKET_MESSAGE_BYTES });
  private tunnelRequests = new WeakSet<IncomingMessage>();
  private aborts = new Set<AbortController>();

  constructor(private readonly opts: StreamingServerOptions) {
    this.tunnelWss.on('headers', (headers, req) => {
      if (this.tunnelRequests.has(req)) headers.push(`Sec-WebSocket-Protocol: ${WEBSOCKET_SPDY_TUNNEL_PREFIX}${PORT_FORWARD_PROTOCOL}`);
    });
  }

  /** wsstream's handshake: the subprotocol, or 403 when the client offers none we serve. */
  private negotiateChannels(req: IncomingMessage, ours: readonly string[]): void {
    const proto = negotiateWebSocket(req.headers['sec-websocket-protocol'], ours);
    if (proto === undefined) {
      throw errors.forbidden(
        `requested protocol(s) are not supported: ${JSON.stringify(offeredProtocols(req.headers['sec-websocket-protocol']))}; supports ${JSON.stringify(ours)}`,
      );
    }
    this.negotiated.set(req, proto);
  }

  async listen(port: number, host: string): Promise<number> {
    const onRequest = (req: IncomingMessage, res: ServerResponse) => {
      void this.handleRequest(req, res);
    };
    if (this.opts.clientCA && !this.opts.tls)
      throw new Error('the streaming server needs a serving certificate to check client certificates');
    this.server = this.opts.tls
      ? https.createServer(
          {
            cert: this.opts.tls.cert,
            key: this.opts.tls.key,
            ...(this.opts.clientCA ? { ca: this.opts.clientCA, requestCert: true, rejectUnauthorized: true } : {}),
          },
          onRequest,
        )
      : http.createServer(onRequest);
    this.server.on(this.opts.tls ? 'secureConnection' : 'connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      void this.handleUpgrade(req, socket, head);
    });
    this.server.on('clientError', (_e, socket) => socket.destroy());
    this.server.listen(port, host);
    await once(this.server, 'listening');
    // A failed accept (EMFILE) is emitted on the server: it must not take the node down.
    this.server.on('error', () => undefined);
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const a of this.aborts) a.abort();
    for (const ws of [...this.channelWss.clients, ...this.tunnelWss.clients]) ws.terminate();
    this.channelWss.close();
    this.tunnelWss.close();
    if (!this.server) return;
    const closed = new Promise<void>((r) => this.server!.close(() => r()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  /** Replaces the serving certificate (a node's issued one after the placeholder it started with). */
  setServingCertificate(kp: { cert: string; key: string }): void {
    this.opts.tls = kp;
    if (this.server instanceof https.Server)
      this.server.setSecureContext({ cert: kp.cert, key: kp.key, ...(this.opts.clientCA ? { ca: this.opts.clientCA } : {}) });
  }

  private authorized(req: IncomingMessage): boolean {
    if (this.opts.clientCA) {
      const sock = req.socket as TLSSocket;
      return sock.authorized === true && sock.getPeerCertificate?.()?.subject?.CN === KUBELET_CLIENT_COMMON_NAME;
    }
    if (this.opts.token === undefined) return false;
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    if (!m) return false;
    const got = Buffer.from(m[1].trim());
    const want = Buffer.from(this.opts.token);
    return got.length === want.length && timingSafeEqual(got, want);
  }

  private async pod(namespace: string, name: string): Promise<StreamingPod> {
    const p = await this.opts.lookupPod(namespace, name);
    if (!p) throw errors.notFound('pods', '', name);
    return p;
  }

  private async containerId(namespace: string, pod: string, container: string): Promise<{ pod: StreamingPod; id: string }> {
    const p = await this.pod(namespace, pod);
    const id = p.containers[container];
    if (!id) throw errors.badRequest(`container ${container} is not valid for pod ${pod}`);
    return { pod: p, id };
  }

  private async handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://node');
      if (url.pathname === '/healthz') {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('ok');
        return;
      }
      if (!this.authorized(req)) throw errors.unauthorized();
      if (url.pathname === '/metrics/resource' && this.opts.resourceMetrics) {
        const text = await this.opts.resourceMetrics();
        res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
        res.end(text);
        return;
      }
      const route = parseStreamingPath(url.pathname, url.search);
      if (!route) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      switch (route.kind) {
        case 'containerLogs':
          return await this.serveLogs(route.namespace, route.pod, route.container, url.searchParams, res);
        case 'podProxy':
          return await this.serveProxy(route, req, res);
        default:
          throw errors.badRequest('Upgrade request required');
      }
    } catch (e) {
      req.resume();
      writeStatus(res, e);
    }
  }

  private async serveLogs(namespace: string, podName: string, container: string, q: URLSearchParams, res: ServerResponse): Promise<void> {
    const opts = parseLogOptions(q);
    const { pod, id } = await this.containerId(namespace, podName, container);
    let logId = id;
    if (opts.previous) {
      const current = await this.opts.runtime.containerStatus(id);
      const all = await this.opts.runtime.listContainers({ podSandboxId: pod.sandboxId });
      const prev = all
        .filter(
          (c) =>
            c.metadata.name === container &&
            c.id !== id &&
            c.state === 'CONTAINER_EXITED' &&
            (!current || c.metadata.attempt < current.metadata.attempt),
        )
        .sort((a, b) => b.metadata.attempt - a.metadata.attempt)[0];
      if (!prev) throw errors.badRequest(`previous terminated container "${container}" in pod "${podName}" not found`);
      logId = prev.id;
    }
    const status = await this.opts.runtime.containerStatus(logId);
    if (!status) throw errors.badRequest(`container "${container}" in pod "${podName}" is not available`);
    const abort = new AbortController();
    this.aborts.add(abort);
    res.on('close', () => abort.abort());
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
    try {
      await streamLog(
        {
          path: status.logPath,
          isRunning: async () => (await this.opts.runtime.containerStatus(logId))?.state === 'CONTAINER_RUNNING',
        },
        { ...opts, follow: opts.follow && !opts.previous },
        res,
        abort.signal,
      );
    } finally {
      this.aborts.delete(abort);
      res.end();
    }
  }

  private async serveProxy(route: Extract<Route, { kind: 'podProxy' }>, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const pod = await this.pod(route.namespace, route.pod);
    let conn: Duplex;
    try {
      conn = await this.opts.runtime.portForward(pod.sandboxId, route.port);
    } catch (e) {
      throw new StatusError(503, 'ServiceUnavailable', `error trying to reach service: ${(e as Error).message}`);
    }
    const headers = { ...req.headers };
    delete headers.authorization;
    const upstream = http.request({ method: req.method, path: route.path, headers, createConnection: () => conn as Socket });
    upstream.on('response', (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    upstream.on('error', (e) =>
      writeStatus(res, new StatusError(503, 'ServiceUnavailable', `error trying to reach service: ${e.message}`)),
    );
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  }

  private async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    try {
      if (!this.authorized(req)) throw errors.unauthorized();
      const url = new URL(req.url ?? '/', 'http://node');
      const route = parseStreamingPath(url.pathname, url.search);
      if (!route) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      const websocket = /websocket/i.test(req.headers.upgrade ?? '');
      const spdy = /^SPDY\/3\.1$/i.test(req.headers.upgrade ?? '');
      if (route.kind === 'exec' || route.kind === 'attach') {
        const { id } = await this.containerId(route.namespace, route.pod, route.container);
        const q = url.searchParams;
        const opts: CommandOptions = {
          stdin: kubeletFlag(q, 'input'),
          stdout: kubeletFlag(q, 'output'),
          stderr: kubeletFlag(q, 'error'),
          tty: kubeletFlag(q, 'tty'),
        };
        const command = q.getAll('command');
        if (route.kind === 'exec' && command.length === 0) throw errors.badRequest('you must specify at least 1 command');
        if (!opts.stdin && !opts.stdout && !opts.stderr) throw errors.badRequest('you must specify at least 1 of stdin, stdout, stderr');
        const run = (streams: CommandStreams) => {
          this.runCommand(route.kind as 'exec' | 'attach', id, command, opts, streams).catch(() => streams.abort());
        };
        if (websocket) {
          this.negotiateChannels(req, WEBSOCKET_EXEC_PROTOCOLS);
          this.channelWss.handleUpgrade(req, socket, head, (ws: WebSocket) => run(websocketCommandStreams(ws, opts)));
        } else if (spdy) {
          const proto = negotiate(req.headers['x-stream-protocol-version'], SPDY_EXEC_PROTOCOLS);
          if (!proto) throw this.spdyRefusal(req, SPDY_EXEC_PROTOCOLS);
          const session = this.acceptSpdy(socket, head, proto);
          spdyCommandStreams(session, proto, opts).then(run, () => session.destroy());
        } else {
          throw errors.badRequest(`unsupported upgrade ${JSON.stringify(req.headers.upgrade ?? '')}`);
        }
        return;
      }
      if (route.kind === 'portForward') {
        const pod = await this.pod(route.namespace, route.pod);
        const target = {
          podName: `${route.namespace}/${route.pod}`,
          podUID: pod.uid,
          dial: (port: number) => this.opts.runtime.portForward(pod.sandboxId, port),
        };
        const tunnel = WEBSOCKET_SPDY_TUNNEL_PREFIX + PORT_FORWARD_PROTOCOL;
        if (websocket && negotiate(req.headers['sec-websocket-protocol'], [tunnel])) {
          delete req.headers['sec-websocket-protocol'];
          this.tunnelRequests.add(req);
          this.tunnelWss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
            // The websocket carries a SPDY session's bytes, message by message.
            const stream = createWebSocketStream(ws);
            stream.on('error', () => stream.destroy());
            serveSpdyPortForward(new SpdySession(stream), target);
          });
        } else if (websocket) {
          const ports = websocketPorts(url.searchParams);
          this.negotiateChannels(req, WEBSOCKET_PORT_FORWARD_PROTOCOLS);
          this.channelWss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
            serveWebSocketPortForward(ws, channelCodec(ws.protocol), ports, target);
          });
        } else if (spdy) {
          const proto = negotiate(req.headers['x-stream-protocol-version'], [PORT_FORWARD_PROTOCOL]);
          if (!proto) throw this.spdyRefusal(req, [PORT_FORWARD_PROTOCOL]);
          serveSpdyPortForward(this.acceptSpdy(socket, head, proto), target);
        } else {
          throw errors.badRequest(`unsupported upgrade ${JSON.stringify(req.headers.upgrade ?? '')}`);
        }
        return;
      }
      if (route.kind === 'podProxy') {
        // A websocket (or other upgrade) to the pod: relay the raw connection both ways.
        const pod = await this.pod(route.namespace, route.pod);
        const conn = await this.opts.runtime.portForward(pod.sandboxId, route.port).catch((e: Error) => {
          throw new StatusError(503, 'ServiceUnavailable', `error trying to reach service: ${e.message}`);
        });
        const lines = [`${req.method} ${route.path} HTTP/1.1`];
        for (let i = 0; i < req.rawHeaders.length; i += 2)
          if (req.rawHeaders[i].toLowerCase() !== 'authorization') lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
        conn.write(lines.join('\r\n') + '\r\n\r\n');
        if (head.length) conn.write(head);
        joinSockets(socket, conn);
        return;
      }
      throw errors.badRequest('Upgrade not supported here');
    } catch (e) {
      writeRawStatus(socket, e);
    }
  }

  /** httpstream.Handshake's refusal. */
  private spdyRefusal(req: IncomingMessage, ours: readonly string[]): StatusError {
    const offered = offeredProtocols(req.headers['x-stream-protocol-version']);
    if (offered.length === 0) return errors.badRequest('unable to upgrade: X-Stream-Protocol-Version is required');
    return errors.forbidden(
      `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(offered)}, server accepts ${JSON.stringify(ours)}`,
    );
  }

  private acceptSpdy(socket: Duplex, head: Buffer, protocol: string): SpdySession {
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`,
    );
    if (head.length) socket.unshift(head);
    (socket as Socket).setNoDelay?.(true);
    (socket as Socket).setTimeout?.(0);
    return new SpdySession(socket);
  }

  private async runCommand(
    kind: 'exec' | 'attach',
    containerId: string,
    command: string[],
    opts: CommandOptions,
    streams: CommandStreams,
  ): Promise<void> {
    const rt = this.opts.runtime;
    let session;
    try {
      const io = { tty: opts.tty, stdin: streams.stdin, stdout: streams.stdout, stderr: streams.stderr };
      session = kind === 'exec' ? await rt.exec(containerId, command, io) : await rt.attach(containerId, io);
    } catch (e) {
      await streams.finish(failureStatus(`${kind} failed: ${(e as Error).message}`));
      return;
    }
    const s = session;
    streams.onResize((size) => {
      try {
        s.resize(size.width, size.height);
      } catch {
        /* the process may be gone */
      }
    });
    let exited = false;
    void streams.closed.then(() => {
      // A client that leaves ends its exec (a hung-up terminal); attach leaves the container alone.
      if (exited || kind !== 'exec') return;
      s.kill('SIGHUP');
      setTimeout(() => {
        if (!exited) s.kill('SIGKILL');
      }, 5000).unref();
    });
    let code: number;
    try {
      code = await s.exited;
    } catch (e) {
      exited = true;
      await streams.finish(failureStatus(`${kind} failed: ${(e as Error).message}`));
      return;
    }
    exited = true;
    await streams.finish(exitStatus(code));
  }
}

/** Pipes two connections into each other until either ends. */
export function joinSockets(a: Duplex, b: Duplex): void {
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
  a.on('close', () => b.destroy());
  b.on('close', () => a.destroy());
  a.pipe(b);
  b.pipe(a);
}
