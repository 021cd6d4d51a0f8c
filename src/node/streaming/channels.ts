// The facts of Kubernetes' remote command protocols (k8s.io/apimachinery/pkg/util/remotecommand
// and wsstream): subprotocol names, websocket channel numbers, the resize message and the
// metav1.Status written on the error stream when the command ends.

export const StreamProtocol = {
  V1: 'channel.k8s.io',
  V2: 'v2.channel.k8s.io',
  V3: 'v3.channel.k8s.io',
  V4: 'v4.channel.k8s.io',
  V5: 'v5.channel.k8s.io',
} as const;

/** Websocket subprotocols for exec/attach, most preferred first (websocket clients in 1.30+ offer only v5). */
export const WEBSOCKET_EXEC_PROTOCOLS = [StreamProtocol.V5, StreamProtocol.V4] as const;
/** SPDY exec/attach versions, most preferred first (X-Stream-Protocol-Version). */
export const SPDY_EXEC_PROTOCOLS = [StreamProtocol.V4, StreamProtocol.V3, StreamProtocol.V2, StreamProtocol.V1] as const;

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
/** What client-go's tunnelling dialer offers: SPDY frames carried in websocket messages. */
export const WEBSOCKET_SPDY_TUNNEL_PREFIX = 'SPDY/3.1+';

/** Websocket channel numbers: the first byte of every binary message. */
export const Channel = { Stdin: 0, Stdout: 1, Stderr: 2, Error: 3, Resize: 4, Close: 255 } as const;

/** The SPDY streamType header values, one stream each. */
export type StreamType = 'stdin' | 'stdout' | 'stderr' | 'error' | 'resize' | 'data';

export interface TerminalSize { width: number; height: number }

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
    const w = Number(v.Width), h = Number(v.Height);
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
    let depth = 0, start = -1;
    let consumed = 0;
    for (let i = 0; i < this.buf.length; i++) {
      const c = this.buf[i];
      if (c === '{') { if (depth++ === 0) start = i; } else if (c === '}' && depth > 0 && --depth === 0) {
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

/** Picks the first of ours that the client offers (comma-separated and/or repeated headers). */
export function negotiate(offered: string | string[] | undefined, ours: readonly string[]): string | undefined {
  const list = (Array.isArray(offered) ? offered : offered ? [offered] : []).flatMap((h) => h.split(',')).map((s) => s.trim()).filter(Boolean);
  return ours.find((p) => list.includes(p));
}
