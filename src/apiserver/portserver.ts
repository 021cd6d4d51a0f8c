// The API server's end of a component thread's port (src/client/porttransport.ts): each request
// the thread sends is served as the in-process transport serves one (the server's whole chain,
// the component's own credential checked as TLS would), its answer handed back as the bytes a
// socket's client would read. A watch's pieces go as they are written; past WATCH_UNREAD_PIECES
// the thread has not acknowledged, the server's writes wait (its response holds them), so a
// thread that stops reading meets the server's bound on a slow watcher as a socket would.
// What one turn of the loop sends goes as one message (porttransport.ts's PortBatch), the
// pieces a watch wrote in that turn joined into one.

import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { asError, errorMessage, errors } from '../api/errors.js';
import { ownBytes, PortBatch, type PortClientMessage, type PortServerMessage } from '../client/porttransport.js';
import { type InProcessServer, InProcessTransport, type LoopbackResponse } from './inprocess.js';

/** Pieces of a watch's answer the thread may leave unread before the server's writes wait. */
export const WATCH_UNREAD_PIECES = 256;

interface Exchange {
  res?: LoopbackResponse;
  /** Pieces sent and not yet acknowledged. */
  unread: number;
  /** The write waiting for an acknowledgement. */
  held?: () => void;
  /** Pieces written this turn, not yet sent: one 'data' at the turn's end carries them all. */
  pieces?: Buffer[];
}

/**
 * A channel whose one end this server serves (servePort): port is the other, for a component
 * thread's client (hand it over in the worker's transferList); stop stops serving.
 */
export function servedChannel(server: InProcessServer): { port: MessagePort; stop: () => void } {
  const channel = new MessageChannel();
  return { port: channel.port2, stop: servePort(server, channel.port1) };
}

/** Serves the requests that come through port until it closes; returns a function that stops serving. */
export function servePort(server: InProcessServer, port: MessagePort): () => void {
  const transports = new Map<number, InProcessTransport | Error>();
  const open = new Map<number, Exchange>();
  /** Watches that wrote pieces this turn: sent as one 'data' each when the batch is posted. */
  const withPieces = new Map<number, Exchange>();
  const batch = new PortBatch<PortServerMessage>(port, () => {
    for (const [id, ex] of withPieces) sendPieces(id, ex);
    withPieces.clear();
  });
  const send = (m: PortServerMessage) => batch.send(m);
  /** A whole answer, its bytes in an ArrayBuffer of their own, handed over without a second copy. */
  const sendDone = (id: number, status: number, headers: Record<string, string | string[] | undefined>, chunks: Buffer[]) => {
    const body = ownBytes(chunks);
    batch.send({ k: 'done', id, status, headers, body }, body.buffer as ArrayBuffer);
  };
  /** A watch's pieces of this turn, as one. */
  const sendPieces = (id: number, ex: Exchange) => {
    const pieces = ex.pieces;
    ex.pieces = undefined;
    if (!pieces?.length) return;
    const chunk = ownBytes(pieces);
    batch.send({ k: 'data', id, chunk, n: pieces.length }, chunk.buffer as ArrayBuffer);
  };

  const serve = (m: Extract<PortClientMessage, { k: 'req' }>): void => {
    const t = transports.get(m.client);
    if (!(t instanceof InProcessTransport)) {
      // The credential was refused (a certificate the CA did not issue): 401, as the TLS layer's.
      const status = errors.unauthorized().toStatus();
      sendDone(m.id, 401, { 'content-type': 'application/json' }, [Buffer.from(JSON.stringify(status))]);
      return;
    }
    const ex: Exchange = { unread: 0 };
    open.set(m.id, ex);
    const chunks: Buffer[] = [];
    let headSent = false;
    const res = t.exchange(m.req, (chunk, done) => {
      if (!m.watch) {
        chunks.push(chunk);
        done();
        return;
      }
      sendHead();
      // Gathered until the batch is posted at the turn's end (after the head, sent first).
      if (!ex.pieces) {
        ex.pieces = [];
        withPieces.set(m.id, ex);
        batch.schedule();
      }
      ex.pieces.push(chunk);
      if (++ex.unread < WATCH_UNREAD_PIECES) done();
      else ex.held = done;
    });
    const sendHead = () => {
      if (headSent) return;
      headSent = true;
      send({ k: 'head', id: m.id, status: res.statusCode, headers: res.headers() });
    };
    // A watch's head goes as soon as it is written: the watch is open before its first event.
    if (m.watch) res.onHead = sendHead;
    ex.res = res;
    res.on('close', () => {
      open.delete(m.id);
      const whole = res.writableFinished;
      if (!m.watch) {
        if (!whole) {
          send({ k: 'end', id: m.id, error: 'the server closed the connection' });
          return;
        }
        sendDone(m.id, res.statusCode, res.headers(), chunks);
        return;
      }
      if (whole) sendHead();
      sendPieces(m.id, ex);
      send(whole ? { k: 'end', id: m.id } : { k: 'end', id: m.id, error: 'the server closed the connection' });
    });
  };

  const onMessage = (m: PortClientMessage): void => {
    try {
      if (m.k === 'client') {
        let t: InProcessTransport | Error;
        try {
          t = new InProcessTransport(server, m.opts);
        } catch (e) {
          t = asError(e);
        }
        transports.set(m.client, t);
      } else if (m.k === 'req') {
        serve(m);
      } else if (m.k === 'cancel') {
        open.get(m.id)?.res?.destroy();
      } else if (m.k === 'ack') {
        const ex = open.get(m.id);
        if (!ex) return;
        ex.unread -= m.n;
        const held = ex.held;
        if (held && ex.unread < WATCH_UNREAD_PIECES) {
          ex.held = undefined;
          held();
        }
      }
    } catch (e) {
      console.error(`k8ts apiserver: a component thread's request: ${errorMessage(e)}`);
    }
  };
  const onBatch = (ms: PortClientMessage[]): void => {
    for (const m of ms) onMessage(m);
  };
  port.on('message', onBatch);
  return () => {
    port.off('message', onBatch);
    for (const ex of [...open.values()]) ex.res?.destroy();
    open.clear();
    batch.flush();
    port.close();
  };
}
