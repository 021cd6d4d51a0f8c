// A transport over a MessagePort, for a component that runs in a thread of the API server's
// process (the scheduler: src/scheduler/thread.ts). The thread has its own heap, so it cannot
// share the server's objects as an in-process component does (inprocess.ts); its requests
// and answers cross as the bytes an HTTPS client would send and read, without TLS, sockets or
// HTTP framing: the other end (src/apiserver/portserver.ts) serves each one through the
// server's whole chain (authentication as the component's own credential, authorization,
// admission), as it serves a socket's. A watch's answer comes in pieces that this side
// acknowledges as it reads them: the server holds what the thread has not taken, where its
// bound on a slow watcher sees it, as it would a socket's unread bytes.
//
// Each side posts what one turn of its loop has to say as one message (a batch: requests, acks,
// answers, a watch's pieces joined into one), not one message each: a postMessage costs both
// threads ~10-30 us of serializing, waking and dispatching whatever it carries, and a pod made
// ~12 of them (#13: the thread's CPU a pod).

import type { MessagePort } from 'node:worker_threads';
import type { RawRequest, RawResponse, RestClientOptions, Transport, TransportFactory, WatchSource } from './transport.js';
import { WatchQueue, watchEventLines } from './transport.js';

/** The request as it crosses: RawRequest without its signal. */
export type PortRequest = Omit<RawRequest, 'signal'>;

/** The thread's messages to the server's side. */
export type PortClientMessage =
  /** A client's options (its credential), once, before its first request. */
  | { k: 'client'; client: number; opts: Pick<RestClientOptions, 'server' | 'token' | 'certData' | 'keyData' | 'caData' | 'userAgent'> }
  | { k: 'req'; id: number; client: number; watch: boolean; req: PortRequest }
  /** Cut an exchange (its caller gave up, or the watch is stopped). */
  | { k: 'cancel'; id: number }
  /** A watch's pieces were read (n of them). */
  | { k: 'ack'; id: number; n: number };

/** The server's side's messages to the thread. */
export type PortServerMessage =
  /** A request's whole answer. */
  | { k: 'done'; id: number; status: number; headers: Record<string, string | string[] | undefined>; body: Uint8Array }
  /** A watch's head; its body follows in pieces ('data'), then 'end'. */
  | { k: 'head'; id: number; status: number; headers: Record<string, string | string[] | undefined> }
  /** n pieces of a watch's body, joined (those one turn of the server's loop wrote). */
  | { k: 'data'; id: number; chunk: Uint8Array; n: number }
  /** The exchange ended: whole (no error), or cut. */
  | { k: 'end'; id: number; error?: string };

interface Pending {
  onMessage(m: PortServerMessage): void;
}

/**
 * Messages to post on a port, gathered for one postMessage at the end of this turn of the loop
 * (setImmediate: after the turn's I/O callbacks, so whatever they sent goes together).
 */
export class PortBatch<M> {
  private out: M[] = [];
  private transfer: ArrayBuffer[] = [];
  private scheduled = false;

  /** gather: called first at each flush, to send what was held back for it (a watch's pieces). */
  constructor(
    private readonly port: MessagePort,
    private readonly gather?: () => void,
  ) {}

  send(m: M, transfer?: ArrayBuffer): void {
    this.out.push(m);
    if (transfer) this.transfer.push(transfer);
    this.schedule();
  }

  /** Flushes at the end of this turn (what gather will send counts). */
  schedule(): void {
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  /** Posts what is gathered now (before the port closes). */
  readonly flush = (): void => {
    this.scheduled = false;
    this.gather?.();
    if (!this.out.length) return;
    const [out, transfer] = [this.out, this.transfer];
    this.out = [];
    this.transfer = [];
    this.port.postMessage(out, transfer);
  };
}

/** The bytes of chunks in one ArrayBuffer of their own (never Buffer's shared pool), to hand over. */
export function ownBytes(chunks: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const c of chunks) size += c.byteLength;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** One per port: routes the server's answers to the exchanges waiting for them. */
class PortClient {
  private nextId = 1;
  private nextClient = 1;
  readonly pending = new Map<number, Pending>();
  private readonly batch: PortBatch<PortClientMessage>;

  constructor(readonly port: MessagePort) {
    this.batch = new PortBatch(port);
    port.on('message', (ms: PortServerMessage[]) => {
      for (const m of ms) this.pending.get(m.id)?.onMessage(m);
    });
    // Requests in flight keep the thread alive; an idle port does not.
    port.unref();
  }

  client(opts: RestClientOptions): number {
    const client = this.nextClient++;
    const { server, token, certData, keyData, caData, userAgent } = opts;
    this.send({ k: 'client', client, opts: { server, token, certData, keyData, caData, userAgent } });
    return client;
  }

  send(m: PortClientMessage): void {
    this.batch.send(m);
  }

  open(p: Pending): number {
    const id = this.nextId++;
    if (this.pending.size === 0) this.port.ref();
    this.pending.set(id, p);
    return id;
  }

  close(id: number): void {
    if (this.pending.delete(id) && this.pending.size === 0) this.port.unref();
  }
}

const clients = new WeakMap<MessagePort, PortClient>();

/** The transport factory of a component whose API server is at the other end of port. */
export function portTransport(port: MessagePort): TransportFactory {
  let c = clients.get(port);
  if (!c) {
    c = new PortClient(port);
    clients.set(port, c);
  }
  const pc = c;
  return (opts) => new PortTransport(pc, opts);
}

function abortError(req: RawRequest): Error {
  const e = new Error(`request ${req.method} ${req.path} was aborted`);
  e.name = 'AbortError';
  return e;
}

function portRequest(req: RawRequest): PortRequest {
  const { signal: _signal, ...rest } = req;
  return rest;
}

export class PortTransport implements Transport {
  private readonly client: number;
  private readonly timeoutMs: number;
  /** Exchanges in flight, and how to cut each. */
  private readonly open = new Map<number, (e?: Error) => void>();

  constructor(
    private readonly pc: PortClient,
    opts: RestClientOptions,
  ) {
    this.client = pc.client(opts);
    this.timeoutMs = opts.timeoutMs ?? 60_000;
  }

  close(): void {
    // No connections to keep or close: watches end when their signals abort.
  }

  closeAllConnections(): void {
    for (const cut of [...this.open.values()]) cut(new Error('connection closed'));
  }

  roundTrip(req: RawRequest): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      if (req.signal?.aborted) return reject(abortError(req));
      const timeout = req.timeoutMs ?? this.timeoutMs;
      let timer: NodeJS.Timeout | undefined;
      const finish = () => {
        if (timer) clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        this.open.delete(id);
        this.pc.close(id);
      };
      const cut = (e?: Error) => {
        finish();
        this.pc.send({ k: 'cancel', id });
        reject(e ?? new Error(`request ${req.method} ${req.path}: connection closed`));
      };
      const onAbort = () => cut(abortError(req));
      const id = this.pc.open({
        onMessage: (m) => {
          if (m.k === 'done') {
            finish();
            resolve({ statusCode: m.status, headers: m.headers, body: Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength) });
          } else if (m.k === 'end') {
            finish();
            reject(new Error(`request ${req.method} ${req.path}: ${m.error ?? 'the server closed the connection'}`));
          }
        },
      });
      this.open.set(id, cut);
      if (timeout > 0) timer = setTimeout(() => cut(new Error(`request ${req.method} ${req.path} timed out after ${timeout} ms`)), timeout);
      req.signal?.addEventListener('abort', onAbort, { once: true });
      this.pc.send({ k: 'req', id, client: this.client, watch: false, req: portRequest(req) });
    });
  }

  watch(req: RawRequest): Promise<WatchSource | RawResponse> {
    return new Promise((resolve, reject) => {
      if (req.signal?.aborted) return reject(abortError(req));
      const decoder = new TextDecoder();
      /** Text read and not yet taken by the events' reader, and how many pieces each was. */
      const queue = new WatchQueue<{ text: string; n: number }>();
      let head: { status: number; headers: Record<string, string | string[] | undefined> } | undefined;
      const body: Uint8Array[] = [];
      const finish = () => {
        req.signal?.removeEventListener('abort', onAbort);
        this.open.delete(id);
        this.pc.close(id);
      };
      /** Cuts the exchange: with an error its reader sees, or none (stopped by the reader). */
      const cut = (e?: Error) => {
        if (queue.ended) return;
        queue.failure = e;
        queue.end();
        finish();
        this.pc.send({ k: 'cancel', id });
        if (!head) reject(e ?? new Error(`watch ${req.path}: stopped`));
      };
      const onAbort = () => cut(abortError(req));
      const ok = () => head !== undefined && head.status >= 200 && head.status <= 299;
      const id = this.pc.open({
        onMessage: (m) => {
          if (m.k === 'head') {
            head = { status: m.status, headers: m.headers };
            if (ok()) resolve(source());
          } else if (m.k === 'data') {
            if (!ok()) {
              body.push(m.chunk);
              this.pc.send({ k: 'ack', id, n: m.n });
              return;
            }
            queue.push({ text: decoder.decode(m.chunk, { stream: true }), n: m.n });
          } else if (m.k === 'end') {
            if (m.error) queue.failure = new Error(`watch ${req.path}: ${m.error}`);
            queue.end();
            finish();
            if (!head) reject(queue.failure ?? new Error(`watch ${req.path}: the server closed the connection`));
            else if (!ok()) resolve({ statusCode: head.status, headers: head.headers, body: Buffer.concat(body) });
          }
        },
      });
      this.open.set(id, cut);
      req.signal?.addEventListener('abort', onAbort, { once: true });
      const pc = this.pc;
      const text = async function* (): AsyncGenerator<string> {
        for await (const batch of queue.batches(() => !!req.signal?.aborted)) {
          // Read: the server may send on (it holds back past a bound of unread pieces).
          let n = 0;
          let text = '';
          for (const b of batch) {
            n += b.n;
            text += b.text;
          }
          if (!queue.ended) pc.send({ k: 'ack', id, n });
          yield text;
        }
      };
      const source = (): WatchSource => ({
        stop: () => cut(),
        events: watchEventLines(text(), () => cut()),
      });
      this.pc.send({ k: 'req', id, client: this.client, watch: true, req: portRequest(req) });
    });
  }
}
