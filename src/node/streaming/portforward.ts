// Port forwarding over SPDY (portforward.k8s.io), whether the SPDY session runs on the upgraded
// connection itself or inside a websocket (client-go's tunnelling dialer). For every local
// connection kubectl opens an error stream and a data stream that share a requestID and name
// the pod's port; the data stream is joined to a connection the runtime makes inside the pod's
// network namespace.

import type { Duplex } from 'node:stream';
import type { SpdySession, SpdyStream } from './spdy.js';

export interface PortForwardTarget {
  /** Opens a connection to port in the pod; rejects when nothing listens there. */
  dial(port: number): Promise<Duplex>;
  /** For error messages: namespace/name and uid. */
  podName: string;
  podUID?: string;
}

interface Pair { error?: SpdyStream; data?: SpdyStream; started: boolean }

export function servePortForward(session: SpdySession, target: PortForwardTarget): void {
  const pairs = new Map<string, Pair>();

  const fail = (pair: Pair, port: number, err: Error) => {
    const msg = `error forwarding port ${port} to pod ${target.podName}, uid ${target.podUID ?? ''}: ${err.message}`;
    if (pair.error && !pair.error.writableEnded) pair.error.end(msg);
    if (pair.data && !pair.data.writableEnded) pair.data.end();
  };

  const start = (requestID: string, pair: Pair) => {
    if (pair.started || !pair.error || !pair.data) return;
    pair.started = true;
    const data = pair.data;
    const error = pair.error;
    const port = Number(data.header('port'));
    pairs.delete(requestID);
    if (!Number.isInteger(port) || port < 1 || port > 65535) { fail(pair, port, new Error(`invalid port ${data.header('port')}`)); return; }
    target.dial(port).then((conn) => {
      conn.on('error', (e) => fail(pair, port, e));
      data.on('error', () => conn.destroy());
      data.pipe(conn);
      conn.pipe(data);
      // When the pod's side is done the client learns it from the data stream's FIN.
      conn.on('close', () => { if (!data.writableEnded) data.end(); if (!error.writableEnded) error.end(); });
      data.on('close', () => conn.destroy());
    }, (e: Error) => fail(pair, port, e));
  };

  session.on('stream', (s) => {
    const type = s.header('streamtype');
    const requestID = s.header('requestid') ?? '';
    if ((type !== 'error' && type !== 'data') || !s.header('port')) { s.abort(); return; }
    s.on('error', () => { /* reset by the client */ });
    const pair = pairs.get(requestID) ?? { started: false };
    if (pair[type]) { s.abort(); return; }
    pair[type] = s;
    pairs.set(requestID, pair);
    void s.reply();
    // The client half-closes the error stream at once and only reads it.
    if (type === 'error') s.resume();
    start(requestID, pair);
  });
}
