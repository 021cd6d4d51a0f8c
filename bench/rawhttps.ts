// The API bench's load generator for creates: one keep-alive TLS connection per client, each
// request written as bytes encoded before the clock starts, each answer read just far enough
// to know its status and where it ends. The creates figure is the API server's; what the
// clients cost is printed beside it, and on two shared cores a generator that spends ~200 us
// per request in node:https (ClientRequest, IncomingMessage, header objects, streams) takes
// that CPU from the server it measures. Like wrk or autocannon, it keeps one request in
// flight per connection (no pipelining) and parses HTTP/1.1 answers by hand; unlike them it
// reads each answer whole, so a 201 is checked and the next request goes only after it.
// No Kubernetes counterpart (kube-apiserver's own benchmarks drive it through client-go).

import tls from 'node:tls';

export interface RawReply {
  status: number;
  body: Buffer;
}

const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * HTTP/1.1 request bytes: the request line, Host, the given headers, Content-Length and the
 * body, as node:https writes them (header names as given, CRLF line ends).
 */
export function encodeRequest(method: string, path: string, host: string, headers: Record<string, string>, body?: string | Buffer): Buffer {
  const b = body === undefined ? undefined : typeof body === 'string' ? Buffer.from(body) : body;
  let head = `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  if (b) head += `Content-Length: ${b.length}\r\n`;
  head += '\r\n';
  return b ? Buffer.concat([Buffer.from(head, 'latin1'), b]) : Buffer.from(head, 'latin1');
}

/**
 * One keep-alive TLS connection sending pre-encoded requests one at a time. Answers must carry
 * Content-Length (the API server's JSON answers do); a chunked answer, a closed connection or
 * bytes that do not parse fail the request in flight and every later one.
 */
export class RawHttpsClient {
  private socket?: tls.TLSSocket;
  private connecting?: Promise<tls.TLSSocket>;
  private buf: Buffer = Buffer.alloc(0);
  private waiting?: { resolve: (r: RawReply) => void; reject: (e: Error) => void };
  private failed?: Error;

  constructor(private readonly opts: { host: string; port: number; ca: string }) {}

  /** Opens the connection (send opens it too); resolves once TLS is established. */
  connect(): Promise<tls.TLSSocket> {
    this.connecting ??= new Promise((resolve, reject) => {
      const s = tls.connect({ host: this.opts.host, port: this.opts.port, ca: this.opts.ca, ALPNProtocols: ['http/1.1'] }, () => {
        s.setNoDelay(true);
        resolve(s);
      });
      s.on('data', (d: Buffer) => this.onData(d));
      s.on('error', (e) => {
        reject(e);
        this.fail(e);
      });
      s.on('close', () => this.fail(new Error('connection closed')));
      this.socket = s;
    });
    return this.connecting;
  }

  private fail(e: Error): void {
    this.failed ??= e;
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(e);
  }

  /** Sends one request (bytes from encodeRequest) and resolves with its answer. */
  async send(request: Buffer): Promise<RawReply> {
    const s = await this.connect();
    if (this.failed) throw this.failed;
    if (this.waiting) throw new Error('RawHttpsClient: one request at a time');
    return new Promise<RawReply>((resolve, reject) => {
      this.waiting = { resolve, reject };
      s.write(request);
    });
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    if (!this.waiting) {
      this.fail(new Error(`unexpected bytes from the server: ${JSON.stringify(d.toString('latin1').slice(0, 100))}`));
      return;
    }
    const end = this.buf.indexOf(HEAD_END);
    if (end < 0) return;
    const head = this.buf.toString('latin1', 0, end);
    const m = /^HTTP\/1\.1 (\d{3}) /.exec(head);
    if (!m) {
      this.fail(new Error(`not an HTTP/1.1 answer: ${JSON.stringify(head.slice(0, 100))}`));
      return;
    }
    const cl = /\r\ncontent-length: *(\d+)\r?/i.exec(head);
    if (!cl) {
      this.fail(new Error(`an answer without Content-Length: ${JSON.stringify(head.slice(0, 300))}`));
      return;
    }
    const total = end + 4 + Number(cl[1]);
    if (this.buf.length < total) return;
    if (this.buf.length > total) {
      this.fail(new Error('bytes past the answer with no request in flight'));
      return;
    }
    const body = this.buf.subarray(end + 4, total);
    this.buf = Buffer.alloc(0);
    const w = this.waiting;
    this.waiting = undefined;
    w.resolve({ status: Number(m[1]), body });
  }

  close(): void {
    this.socket?.destroy();
  }
}
