// The facts of Kubernetes' remote command protocols (k8s.io/apimachinery/pkg/util/remotecommand
// and httpstream/wsstream, k8s.io/kubelet/pkg/cri/streaming): subprotocol names and their
// negotiation, websocket channel numbers and framings, the resize message and the metav1.Status
// written on the error stream when the command ends.

export const StreamProtocol = {
  V1: 'channel.k8s.io',
  V2: 'v2.channel.k8s.io',
  V3: 'v3.channel.k8s.io',
  V4: 'v4.channel.k8s.io',
  V5: 'v5.channel.k8s.io',
} as const;

/** wsstream's text framing: a channel digit, then the payload in base64. */
export const BASE64_CHANNEL_PROTOCOL = 'base64.channel.k8s.io';
export const V4_BASE64_CHANNEL_PROTOCOL = 'v4.base64.channel.k8s.io';

/**
 * Websocket subprotocols of exec/attach, as kube-apiserver 1.32 serves them: v5 by its stream
 * translator (binary only), the rest by kubelet's websocket server (remotecommand/websocket.go),
 * "" standing for a client that offers none. There is no v2 or v3 over websockets: those are
 * SPDY versions.
 */
export const WEBSOCKET_EXEC_PROTOCOLS = [
  StreamProtocol.V5,
  StreamProtocol.V4,
  V4_BASE64_CHANNEL_PROTOCOL,
  StreamProtocol.V1,
  BASE64_CHANNEL_PROTOCOL,
  '',
] as const;
/** kubelet's websocket port-forward (portforward/websocket.go). */
export const WEBSOCKET_PORT_FORWARD_PROTOCOLS = [StreamProtocol.V4, V4_BASE64_CHANNEL_PROTOCOL, ''] as const;
/** SPDY exec/attach versions (X-Stream-Protocol-Version). */
export const SPDY_EXEC_PROTOCOLS = [StreamProtocol.V4, StreamProtocol.V3, StreamProtocol.V2, StreamProtocol.V1] as const;

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
/** What client-go's tunnelling dialer offers: SPDY frames carried in websocket messages. */
export const WEBSOCKET_SPDY_TUNNEL_PREFIX = 'SPDY/3.1+';

/** Websocket channel numbers: the first byte of every binary message. */
export const Channel = { Stdin: 0, Stdout: 1, Stderr: 2, Error: 3, Resize: 4, Close: 255 } as const;

/** The SPDY streamType header values, one stream each. */
export type StreamType = 'stdin' | 'stdout' | 'stderr' | 'error' | 'resize' | 'data';

export interface TerminalSize {
  width: number;
  height: number;
}

/** One websocket message: the channel byte, then the payload. */
export function encodeChannelMessage(channel: number, payload: Buffer | string): Buffer {
  const p = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const out = Buffer.allocUnsafe(p.length + 1);
  out[0] = channel;
  p.copy(out, 1);
  return out;
}

export function decodeChannelMessage(msg: Buffer): { channel: number; payload: Buffer } | undefined {
  if (msg.length === 0) return undefined;
  return { channel: msg[0], payload: msg.subarray(1) };
}

/** remotecommand.TerminalSize as JSON ({"Width":80,"Height":24}); undefined when malformed. */
export function parseResize(payload: Buffer | string): TerminalSize | undefined {
  try {
    const v = JSON.parse(payload.toString()) as { Width?: unknown; Height?: unknown };
    const w = Number(v.Width),
      h = Number(v.Height);
    if (!Number.isInteger(w) || !Number.isInteger(h) || w < 0 || h < 0 || w > 0xffff || h > 0xffff) return undefined;
    return { width: w, height: h };
  } catch {
    return undefined;
  }
}

/**
 * Splits a byte stream of concatenated resize JSON objects (the SPDY resize stream has no
 * message boundaries: Go's json.Encoder writes one object per line).
 */
export class ResizeDecoder {
  private buf = '';
  push(chunk: Buffer | string): TerminalSize[] {
    this.buf += chunk.toString();
    const out: TerminalSize[] = [];
    let depth = 0,
      start = -1;
    let consumed = 0;
    for (let i = 0; i < this.buf.length; i++) {
      const c = this.buf[i];
      if (c === '{') {
        if (depth++ === 0) start = i;
      } else if (c === '}' && depth > 0 && --depth === 0) {
        const size = parseResize(this.buf.slice(start, i + 1));
        if (size) out.push(size);
        consumed = i + 1;
      }
    }
    this.buf = this.buf.slice(consumed);
    if (this.buf.length > 4096) this.buf = '';
    return out;
  }
}

export interface ExecStatus {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { causes: { reason: string; message: string }[] };
  code?: number;
}

/** The error stream's last word, as kubelet writes it (v4+): Success, or NonZeroExitCode. */
export function exitStatus(exitCode: number): ExecStatus {
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: exit status ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

/** A failure that is not the command's exit (container gone, runtime error). */
export function failureStatus(message: string, code = 500): ExecStatus {
  return { metadata: {}, status: 'Failure', message, reason: 'InternalError', code };
}

/** Splits repeated and/or comma-separated protocol headers into one list, in the client's order. */
export function offeredProtocols(offered: string | string[] | undefined): string[] {
  return (Array.isArray(offered) ? offered : offered ? [offered] : [])
    .flatMap((h) => h.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
}

/** httpstream.Handshake and wsstream's handshake: the client's first choice that we serve. */
export function negotiate(offered: string | string[] | undefined, ours: readonly string[]): string | undefined {
  return offeredProtocols(offered).find((p) => ours.includes(p));
}

/**
 * A websocket exec/attach/port-forward subprotocol: v5 whenever offered (kube-apiserver hands
 * any request offering v5 to its translator), else the client's first choice that kubelet
 * serves, "" when the client offers none; undefined when it offers only ones we do not serve.
 */
export function negotiateWebSocket(offered: string | string[] | undefined, ours: readonly string[]): string | undefined {
  const list = offeredProtocols(offered);
  if (list.length === 0) return ours.includes('') ? '' : undefined;
  if (ours.includes(StreamProtocol.V5) && list.includes(StreamProtocol.V5)) return StreamProtocol.V5;
  return list.find((p) => p !== '' && ours.includes(p));
}

/** The channel framing a websocket subprotocol uses: raw bytes, or wsstream's base64 text. */
export interface ChannelCodec {
  readonly base64: boolean;
  encode(channel: number, payload: Buffer): Buffer | string;
  /** undefined for an empty message (ignored, as wsstream ignores it) or an undecodable one. */
  decode(data: Buffer): { channel: number; payload: Buffer } | undefined;
}

export function channelCodec(protocol: string): ChannelCodec {
  if (protocol === BASE64_CHANNEL_PROTOCOL || protocol === V4_BASE64_CHANNEL_PROTOCOL) {
    return {
      base64: true,
      encode: (channel, payload) => String.fromCharCode(0x30 + channel) + payload.toString('base64'),
      decode(data) {
        if (data.length === 0) return undefined;
        const text = data.subarray(1).toString('latin1');
        // Go's StdEncoding refuses what is not padded base64; such a frame is dropped.
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
        return { channel: (data[0] - 0x30) & 0xff, payload: Buffer.from(text, 'base64') };
      },
    };
  }
  return {
    base64: false,
    encode: (channel, payload) => encodeChannelMessage(channel, payload),
    decode: (data) => decodeChannelMessage(data),
  };
}

/** v4 and v5 write a Status on the error channel; older protocols only a failure's message. */
export function writesJSONStatus(protocol: string): boolean {
  return protocol === StreamProtocol.V4 || protocol === StreamProtocol.V5 || protocol === V4_BASE64_CHANNEL_PROTOCOL;
}
