// exec and attach over either transport clients speak: a websocket with channel-prefixed
// messages (v5.channel.k8s.io, v4.channel.k8s.io, channel.k8s.io and their base64 framings), or
// SPDY/3.1 with one stream per standard stream (v4..v1). Both end up as the same CommandStreams
// for the runtime. Kubernetes counterpart: k8s.io/kubelet/pkg/cri/streaming/remotecommand.

import { PassThrough, type Readable, Writable } from 'node:stream';
import { WebSocket } from 'ws';
import {
  Channel,
  type ChannelCodec,
  channelCodec,
  type ExecStatus,
  ResizeDecoder,
  StreamProtocol,
  type TerminalSize,
  writesJSONStatus,
} from './channels.js';
import type { SpdySession, SpdyStream } from './spdy.js';

export interface CommandOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export interface CommandStreams {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  onResize(cb: (size: TerminalSize) => void): void;
  /** Writes the command's final status on the error stream, then closes the connection. */
  finish(status: ExecStatus): Promise<void>;
  /** Resolves when the client has gone (or the connection was closed). */
  closed: Promise<void>;
  /** Tears the connection down at once (something failed that no Status can report). */
  abort(): void;
}

/** kubelet's default: how long a SPDY client has to open every stream it asked for. */
export const STREAM_CREATION_TIMEOUT_MS = 30_000;

/** Ends a writable (flushing what is queued) and waits, tolerating one the runtime already ended. */
export function endAndFlush(w: Writable | undefined): Promise<void> {
  if (!w || w.destroyed || w.writableFinished) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => resolve();
    w.once('finish', done);
    w.once('close', done);
    w.once('error', done);
    if (!w.writableEnded) w.end();
  });
}

class ResizeFanout {
  private cbs: ((s: TerminalSize) => void)[] = [];
  private last?: TerminalSize;
  on(cb: (s: TerminalSize) => void): void {
    this.cbs.push(cb);
    // A size that came before the runtime session existed still applies.
    if (this.last) cb(this.last);
  }
  emit(s: TerminalSize): void {
    this.last = s;
    for (const cb of this.cbs) cb(s);
  }
}

/** A writable whose chunks become websocket messages on one channel. */
export class ChannelWriter extends Writable {
  constructor(
    private readonly ws: WebSocket,
    private readonly codec: ChannelCodec,
    private readonly channel: number,
  ) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.ws.readyState !== WebSocket.OPEN) {
      cb();
      return;
    }
    this.ws.send(this.codec.encode(this.channel, chunk), { binary: !this.codec.base64 }, () => cb());
  }
}

/**
 * exec/attach over a websocket, as kubelet's createWebSocketStreams (and, for v5, kube-apiserver's
 * stream translator): channels 0-4, an empty message on the lowest writable channel once open,
 * v5's CLOSE signal for stdin, and the final Status on channel 3.
 */
export function websocketCommandStreams(ws: WebSocket, opts: CommandOptions): CommandStreams {
  const protocol = ws.protocol;
  const codec = channelCodec(protocol);
  const v5 = protocol === StreamProtocol.V5;
  const resize = new ResizeFanout();
  const resizeDecoder = new ResizeDecoder();
  const stdin = opts.stdin ? new PassThrough() : undefined;
  const stdout = opts.stdout ? new ChannelWriter(ws, codec, Channel.Stdout) : undefined;
  // kubelet drops stderr under a tty: the terminal carries both.
  const stderr = opts.stderr && !opts.tty ? new ChannelWriter(ws, codec, Channel.Stderr) : undefined;
  for (const w of [stdout, stderr])
    w?.on('error', () => {
      /* the client left */
    });
  stdin?.on('error', () => {
    /* the runtime went away */
  });
  // The client's stdin is not read faster than the command takes it.
  stdin?.on('drain', () => ws.resume());
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  const lowest = opts.stdout ? Channel.Stdout : opts.stderr && !opts.tty ? Channel.Stderr : Channel.Error;
  ws.send(codec.encode(lowest, Buffer.alloc(0)), { binary: !codec.base64 }, () => undefined);
  ws.on('message', (data: Buffer) => {
    if (v5 && data.length === 2 && data[0] === Channel.Close) {
      if (data[1] === Channel.Stdin) stdin?.end();
      return;
    }
    const msg = codec.decode(data);
    if (!msg) return;
    switch (msg.channel) {
      case Channel.Stdin:
        if (stdin && !stdin.writableEnded && msg.payload.length && !stdin.write(msg.payload)) ws.pause();
        break;
      case Channel.Resize:
        for (const size of resizeDecoder.push(msg.payload)) resize.emit(size);
        break;
    }
  });
  ws.on('error', () => {
    /* surfaces as close */
  });
  void closed.then(() => {
    if (stdin && !stdin.writableEnded) stdin.end();
  });
  return {
    stdin,
    stdout,
    stderr,
    closed,
    onResize: (cb) => resize.on(cb),
    abort: () => ws.terminate(),
    async finish(status) {
      await Promise.all([endAndFlush(stdout), endAndFlush(stderr)]);
      if (ws.readyState !== WebSocket.OPEN) return;
      // v4 and v5 write a Status; the older ones only a failure's message (v1WriteStatusFunc).
      const text = writesJSONStatus(protocol)
        ? JSON.stringify(status)
        : status.status === 'Success'
          ? undefined
          : (status.message ?? 'error');
      if (text !== undefined)
        await new Promise<void>((r) => ws.send(codec.encode(Channel.Error, Buffer.from(text)), { binary: !codec.base64 }, () => r()));
      // A normal closure is what the client's readers take as EOF on every stream.
      if (ws.readyState === WebSocket.OPEN) ws.close(1000);
    },
  };
}

/**
 * Waits for the streams the request asked for (kubectl opens them one by one, each waiting for
 * our SYN_REPLY), then wraps them. Rejects when the client does not open them in time.
 */
export function spdyCommandStreams(
  session: SpdySession,
  protocol: string,
  opts: CommandOptions,
  timeoutMs = STREAM_CREATION_TIMEOUT_MS,
): Promise<CommandStreams> {
  const expected = new Set<string>(['error']);
  if (opts.stdin) expected.add('stdin');
  if (opts.stdout) expected.add('stdout');
  if (opts.stderr && !opts.tty) expected.add('stderr');
  if (opts.tty && protocol !== StreamProtocol.V1 && protocol !== StreamProtocol.V2) expected.add('resize');
  const got = new Map<string, SpdyStream>();
  const resize = new ResizeFanout();
  const closed = new Promise<void>((resolve) => session.once('close', () => resolve()));

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void session.close();
      reject(new Error('timed out waiting for client to create streams'));
    }, timeoutMs);
    void closed.then(() => {
      clearTimeout(timer);
      reject(new Error('connection closed before all streams were created'));
    });
    session.on('stream', (s) => {
      const type = s.header('streamtype') ?? '';
      if (got.has(type) || !['error', 'stdin', 'stdout', 'stderr', 'resize'].includes(type)) {
        s.abort();
        return;
      }
      got.set(type, s);
      s.on('error', () => {
        /* reset by the client */
      });
      s.reply().catch(() => undefined);
      // The client only reads these; drain whatever it might send.
      if (type === 'error' || type === 'stdout' || type === 'stderr') s.resume();
      if (type === 'resize') {
        const dec = new ResizeDecoder();
        s.on('data', (c: Buffer) => {
          for (const size of dec.push(c)) resize.emit(size);
        });
      }
      if ([...expected].every((t) => got.has(t))) {
        clearTimeout(timer);
        const error = got.get('error')!;
        const stdout = got.get('stdout');
        const stderr = got.get('stderr');
        resolve({
          stdin: got.get('stdin'),
          stdout,
          stderr,
          closed,
          onResize: (cb) => resize.on(cb),
          abort: () => session.destroy(),
          async finish(status) {
            await Promise.all([endAndFlush(stdout), endAndFlush(stderr)]);
            // v4 always writes a Status; older versions only a failure's message, as text.
            if (writesJSONStatus(protocol)) error.write(JSON.stringify(status));
            else if (status.status !== 'Success') error.write(status.message ?? 'error');
            await endAndFlush(error);
            got.get('stdin')?.destroy();
            got.get('resize')?.destroy();
            await session.close();
          },
        });
      }
    });
  });
}
