// Port forwarding, as kubelet serves it (k8s.io/kubelet/pkg/cri/streaming/portforward):
// - over SPDY (portforward.k8s.io), whether the SPDY session runs on the upgraded connection
//   itself or inside a websocket (client-go's tunnelling dialer): for every local connection
//   kubectl opens an error stream and a data stream that share a requestID and name the pod's
//   port;
// - over a plain websocket (v4.channel.k8s.io, its base64 framing, or no subprotocol), what the
//   Python client and @kubernetes/client-node speak: the ports come in the query, channel 2i
//   carries port i's data both ways and 2i+1 its errors, and each channel opens with the port
//   number (uint16, little endian). One connection per port; the websocket closes once every
//   port's connection has ended.
// Either way the data is joined to a connection the runtime makes inside the pod's network
// namespace.

import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import { errors } from '../../api/errors.js';
import { goParseInt } from '../../api/queryparams.js';
import type { ChannelCodec } from './channels.js';
import type { SpdySession, SpdyStream } from './spdy.js';

export interface PortForwardTarget {
  /** Opens a connection to port in the pod; rejects when nothing listens there. */
  dial(port: number): Promise<Duplex>;
  /** For error messages: namespace/name and uid. */
  podName: string;
  podUID?: string;
}

/** How much a websocket may hold unsent before the pod's side is paused. */
const WEBSOCKET_HIGH_WATER = 1 << 20;

/**
 * containerd's portForward: once one direction has ended, the other gets a second to finish,
 * then the forward is over. (A relay process's duplex never closes on its own while its other
 * half is open, so the pod side's end is what ends the forward.)
 */
const OTHER_DIRECTION_GRACE_MS = 1000;

function forwardError(target: PortForwardTarget, port: number, err: Error): string {
  return `error forwarding port ${port} to pod ${target.podName}, uid ${target.podUID ?? ''}: ${err.message}`;
}

/** kubelet's NewV4Options: the websocket's ports, from repeated and/or comma-separated `port`. */
export function websocketPorts(q: URLSearchParams): number[] {
  const raw = q.getAll('port');
  if (raw.length === 0) throw errors.badRequest('query parameter "port" is required');
  const ports: number[] = [];
  for (const s of raw) {
    if (s === '') throw errors.badRequest('query parameter "port" cannot be empty');
    for (const p of s.split(',')) {
      let n: number;
      try {
        n = goParseInt(p, 16, true);
      } catch (e) {
        throw errors.badRequest(`unable to parse ${JSON.stringify(s)} as a port: ${(e as Error).message}`);
      }
      if (n < 1) throw errors.badRequest(`port ${JSON.stringify(s)} must be > 0`);
      ports.push(n);
    }
  }
  return ports;
}

interface Pair {
  error?: SpdyStream;
  data?: SpdyStream;
  started: boolean;
}

export function serveSpdyPortForward(session: SpdySession, target: PortForwardTarget): void {
  const pairs = new Map<string, Pair>();

  const fail = (pair: Pair, port: number, err: Error) => {
    if (pair.error && !pair.error.writableEnded) pair.error.end(forwardError(target, port, err));
    if (pair.data && !pair.data.writableEnded) pair.data.end();
  };

  const start = (requestID: string, pair: Pair) => {
    if (pair.started || !pair.error || !pair.data) return;
    pair.started = true;
    const data = pair.data;
    const error = pair.error;
    const port = Number(data.header('port'));
    pairs.delete(requestID);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      fail(pair, port, new Error(`invalid port ${data.header('port')}`));
      return;
    }
    target.dial(port).then(
      (conn) => {
        if (data.destroyed) {
          conn.destroy();
          return;
        }
        conn.on('error', (e) => fail(pair, port, e));
        data.on('error', () => conn.destroy());
        data.pipe(conn);
        conn.pipe(data);
        // When the pod's side is done the client learns it from the data stream's FIN.
        conn.on('close', () => {
          if (!data.writableEnded) data.end();
          if (!error.writableEnded) error.end();
        });
        conn.on('end', () => {
          if (data.readableEnded) conn.destroy();
          else setTimeout(() => conn.destroy(), OTHER_DIRECTION_GRACE_MS).unref();
        });
        data.on('close', () => conn.destroy());
      },
      (e: Error) => fail(pair, port, e),
    );
  };

  session.on('stream', (s) => {
    const type = s.header('streamtype');
    const requestID = s.header('requestid') ?? '';
    s.on('error', () => {
      /* reset by the client */
    });
    if ((type !== 'error' && type !== 'data') || !s.header('port')) {
      s.abort();
      return;
    }
    const pair = pairs.get(requestID) ?? { started: false };
    if (pair[type]) {
      s.abort();
      return;
    }
    pair[type] = s;
    pairs.set(requestID, pair);
    s.reply().catch(() => undefined);
    // The client half-closes the error stream at once and only reads it.
    if (type === 'error') s.resume();
    start(requestID, pair);
  });
}

/** Port-forward over a plain websocket (kubelet's handleWebSocketStreams). */
export function serveWebSocketPortForward(ws: WebSocket, codec: ChannelCodec, ports: number[], target: PortForwardTarget): void {
  const binary = !codec.base64;
  const send = (channel: number, payload: Buffer, cb?: () => void) => {
    if (ws.readyState !== WebSocket.OPEN) {
      cb?.();
      return;
    }
    ws.send(codec.encode(channel, payload), { binary }, () => cb?.());
  };
  const conns: (Duplex | undefined)[] = ports.map(() => undefined);
  /** Data the client sent before the pod's connection was made. */
  const early: Buffer[][] = ports.map(() => []);
  let remaining = ports.length;
  let closed = false;

  const portDone = () => {
    if (--remaining === 0 && ws.readyState === WebSocket.OPEN) ws.close(1000);
  };

  ws.on('error', () => {
    /* surfaces as close */
  });
  ws.on('close', () => {
    closed = true;
    for (const c of conns) c?.destroy();
  });
  ws.on('message', (data: Buffer) => {
    const msg = codec.decode(data);
    if (!msg || msg.channel % 2 !== 0 || msg.channel / 2 >= ports.length || msg.payload.length === 0) return;
    const i = msg.channel / 2;
    const conn = conns[i];
    if (!conn) {
      early[i].push(msg.payload);
      return;
    }
    if (!conn.destroyed && !conn.write(msg.payload)) ws.pause();
  });

  ports.forEach((port, i) => {
    const le = Buffer.alloc(2);
    le.writeUInt16LE(port);
    send(2 * i, le);
    send(2 * i + 1, le);
    target.dial(port).then(
      (conn) => {
        if (closed) {
          conn.destroy();
          return;
        }
        conns[i] = conn;
        conn.on('error', () => {
          /* ends as close; the client sees the websocket close */
        });
        conn.on('drain', () => ws.resume());
        for (const b of early[i].splice(0)) conn.write(b);
        conn.on('data', (chunk: Buffer) => {
          send(2 * i, chunk);
          // The client reads no faster than it can: hold the pod's side while the websocket is full.
          if (ws.bufferedAmount > WEBSOCKET_HIGH_WATER) {
            conn.pause();
            const wait = () => {
              if (closed || ws.bufferedAmount <= WEBSOCKET_HIGH_WATER) conn.resume();
              else setTimeout(wait, 10);
            };
            setTimeout(wait, 10);
          }
        });
        // The client cannot half-close a websocket channel: the pod side's end is the end.
        conn.once('end', () => conn.destroy());
        conn.once('close', portDone);
      },
      (e: Error) => {
        send(2 * i + 1, Buffer.from(forwardError(target, port, e)), portDone);
      },
    );
  });
}
