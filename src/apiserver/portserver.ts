// The API server's end of a component thread's port (src/client/porttransport.ts): each request
// the thread sends is served as the in-process transport serves one (the server's whole chain,
// the component's own credential checked as TLS would), its answer handed back as the bytes a
// socket's client would read. A watch's pieces go as they are written; past WATCH_UNREAD_PIECES
// the thread has not acknowledged, the server's writes wait (its response holds them), so a
// thread that stops reading meets the server's bound on a slow watcher as a socket would.

import type { MessagePort } from 'node:worker_threads';
import { asError, errorMessage, errors } from '../api/errors.js';
import type { PortClientMessage, PortServerMessage } from '../client/porttransport.js';
import { type InProcessServer, InProcessTransport, type LoopbackResponse } from './inprocess.js';

/** Pieces of a watch's answer the thread may leave unread before the server's writes wait. */
export const WATCH_UNREAD_PIECES = 256;

interface Exchange {
  res?: LoopbackResponse;
  /** Pieces sent and not yet acknowledged. */
  unread: number;
  /** The write waiting for an acknowledgement. */
  held?: () => void;
}

/** Serves the requests that come through port until it closes; returns a function that stops serving. */
export function servePort(server: InProcessServer, port: MessagePort): () => void {
  const transports = new Map<number, InProcessTransport | Error>();
  const open = new Map<number, Exchange>();
  const send = (m: PortServerMessage, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);
  /** The bytes of b in an ArrayBuffer of their own, handed over without a second copy. */
  const own = (b: Buffer): Uint8Array => new Uint8Array(b);

  const serve = (m: Extract<PortClientMessage, { k: 'req' }>): void => {
    const t = transports.get(m.client);
    if (!(t instanceof InProcessTransport)) {
      // The credential was refused (a certificate the CA did not issue): 401, as the TLS layer's.
      const status = errors.unauthorized().toStatus();
      const body = own(Buffer.from(JSON.stringify(status)));
      send({ k: 'done', id: m.id, status: 401, headers: { 'content-type': 'application/json' }, body }, [body.buffer as ArrayBuffer]);
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
      const piece = own(chunk);
      send({ k: 'data', id: m.id, chunk: piece }, [piece.buffer as ArrayBuffer]);
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
        const body = own(Buffer.concat(chunks));
        send({ k: 'done', id: m.id, status: res.statusCode, headers: res.headers(), body }, [body.buffer as ArrayBuffer]);
        return;
      }
      if (whole) sendHead();
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
        ex.unread--;
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
  port.on('message', onMessage);
  return () => {
    port.off('message', onMessage);
    for (const ex of [...open.values()]) ex.res?.destroy();
    open.clear();
    port.close();
  };
}
