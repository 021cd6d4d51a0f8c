// Relays a request to a backend (a node's streaming server, a pod, an endpoint) and the answer
// back: plain HTTP with the response streamed (logs with follow, proxied pages), or an upgrade
// (websocket, SPDY) as a raw connection both ways. Kubernetes counterpart:
// k8s.io/apimachinery/pkg/util/proxy/upgradeaware.go (UpgradeAwareHandler).
//
// Every connection has its own error boundary: whatever a client or a backend does (reset,
// half-close, garbage, silence), the worst outcome is the end of that one relay.

import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import net, { type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { StatusError } from '../api/errors.js';
import { relayFrameAligned } from './framealign.js';

export interface Backend {
  host: string;
  port: number;
  /** TLS, verified with caData. */
  secure: boolean;
  caData?: string;
  /** More TLS options: the client certificate presented and how the server's identity is checked (nodes). */
  tls?: tls.ConnectionOptions;
  /** Replaces the client's Authorization (a node's token), or drops it (undefined). */
  authorization?: string;
}

/** How long a backend has to accept a connection. */
export const DIAL_TIMEOUT_MS = 30_000;

/** Node 'upgrade' requests reach the 'request' handler when the server has no 'upgrade' listener. */
export function isUpgrade(req: IncomingMessage): boolean {
  return (
    (req.headers.connection ?? '')
      .toLowerCase()
      .split(',')
      .some((t) => t.trim() === 'upgrade') && !!req.headers.upgrade
  );
}

/**
 * Takes the raw connection away from Node's HTTP machinery, as Go's http.Hijacker does. Works
 * both in an 'upgrade' listener and in the 'request' handler of a server without one (there
 * Node has parked its parser at the upgrade, so nothing else reads from the socket).
 */
export function hijack(req: IncomingMessage): Socket {
  const s = req.socket;
  for (const ev of ['data', 'end', 'timeout', 'drain'] as const) s.removeAllListeners(ev);
  s.setTimeout(0);
  s.setNoDelay(true);
  return s;
}

/** Joins two connections until either ends; an error on one ends both. bToA relays b's bytes to a (a pipe unless given). */
export function joinConnections(
  a: Duplex,
  b: Duplex,
  bToA: (from: Duplex, to: Duplex) => void = (from, to) => {
    from.pipe(to);
  },
): void {
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
  a.on('close', () => b.destroy());
  b.on('close', () => a.destroy());
  a.pipe(b);
  bToA(b, a);
}

function unavailable(prefix: string, e: Error): StatusError {
  return new StatusError(503, 'ServiceUnavailable', `${prefix}: ${e.message}`);
}

export class UpgradeAwareProxy {
  constructor(private readonly dialTimeoutMs = DIAL_TIMEOUT_MS) {}

  /** Relays req to the backend's path (which carries its own query). */
  serve(req: IncomingMessage, res: ServerResponse, backend: Backend, path: string): Promise<void> {
    return isUpgrade(req) ? this.upgrade(req, backend, path) : this.http(req, res, backend, path);
  }

  private dial(b: Backend): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const s: Duplex = b.secure
        ? tls.connect(
            {
              ...b.tls,
              host: b.host,
              port: b.port,
              ca: b.caData,
              servername: net.isIP(b.host) ? undefined : b.host,
              ALPNProtocols: ['http/1.1'],
            },
            () => done(),
          )
        : net.connect(b.port, b.host, () => done());
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error(`dial tcp ${b.host}:${b.port}: i/o timeout`));
      }, this.dialTimeoutMs);
      const done = () => {
        clearTimeout(timer);
        s.off('error', fail);
        resolve(s);
      };
      const fail = (e: Error) => {
        clearTimeout(timer);
        s.destroy();
        reject(e);
      };
      s.once('error', fail);
    });
  }

  /** The request line and headers again, for the backend; then the raw bytes both ways. */
  async upgrade(req: IncomingMessage, backend: Backend, path: string): Promise<void> {
    let upstream: Duplex;
    try {
      upstream = await this.dial(backend);
    } catch (e) {
      throw unavailable('error dialing backend', e as Error);
    }
    // The client may have gone while we dialled.
    if (req.socket.destroyed) {
      upstream.destroy();
      return;
    }
    const client = hijack(req);
    const lines = [`${req.method} ${path} HTTP/1.1`, `Host: ${backend.host}:${backend.port}`];
    if (backend.authorization) lines.push(`Authorization: ${backend.authorization}`);
    // rawHeaders keeps repeated headers (X-Stream-Protocol-Version is sent once per version).
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      if (!forwarded(req.rawHeaders[i].toLowerCase())) continue;
      lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    }
    // A websocket's frames reach the client one write each (framealign.ts says why).
    const websocket = /^websocket$/i.test(req.headers.upgrade ?? '');
    joinConnections(client, upstream, websocket ? relayFrameAligned : undefined);
    upstream.write(lines.join('\r\n') + '\r\n\r\n');
  }

  /** Relays a plain request and streams the answer back. */
  http(req: IncomingMessage, res: ServerResponse, backend: Backend, path: string): Promise<void> {
    return new Promise((resolve) => {
      const headers: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && forwarded(k)) headers[k] = v;
      headers.host = `${backend.host}:${backend.port}`;
      if (backend.authorization) headers.authorization = backend.authorization;
      const mod = backend.secure ? https : http;
      const upstream = mod.request({
        host: backend.host,
        port: backend.port,
        method: req.method,
        path,
        headers,
        agent: false,
        ...(backend.secure ? { ...backend.tls, ca: backend.caData, servername: net.isIP(backend.host) ? undefined : backend.host } : {}),
      });
      let settled = false;
      const settle = () => {
        if (!settled) {
          settled = true;
          resolve();
        }
      };
      const dialTimer = setTimeout(
        () => upstream.destroy(new Error(`dial tcp ${backend.host}:${backend.port}: i/o timeout`)),
        this.dialTimeoutMs,
      );
      upstream.on('socket', (s) => {
        if (!s.connecting) clearTimeout(dialTimer);
        else s.once(backend.secure ? 'secureConnect' : 'connect', () => clearTimeout(dialTimer));
      });
      upstream.on('response', (r) => {
        clearTimeout(dialTimer);
        r.on('error', () => {
          res.destroy();
          settle();
        });
        r.on('end', settle);
        if (res.destroyed) {
          r.destroy();
          settle();
          return;
        }
        const out = { ...r.headers };
        delete out.connection;
        delete out['keep-alive'];
        res.writeHead(r.statusCode ?? 502, out);
        res.flushHeaders();
        r.pipe(res);
      });
      upstream.on('error', (e) => {
        clearTimeout(dialTimer);
        if (res.headersSent || res.destroyed) res.destroy();
        else {
          const body = JSON.stringify(unavailable('error trying to reach service', e).toStatus());
          res.writeHead(503, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
          res.end(body);
        }
        settle();
      });
      // A client that goes away (kubectl logs -f interrupted) ends the backend's stream too.
      res.on('close', () => {
        clearTimeout(dialTimer);
        upstream.destroy();
        settle();
      });
      res.on('error', () => upstream.destroy());
      req.on('error', () => upstream.destroy());
      req.pipe(upstream);
    });
  }
}

/**
 * Whether a client's header goes on to the backend: not its credential (the authentication
 * filter drops Authorization once it has read it), not its impersonation request (the
 * impersonation filter drops Impersonate-*), not Host (the backend's own is sent).
 */
function forwarded(lowerName: string): boolean {
  return lowerName !== 'authorization' && lowerName !== 'host' && !lowerName.startsWith('impersonate-');
}
