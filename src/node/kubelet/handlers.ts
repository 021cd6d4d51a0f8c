// The actions probes and lifecycle hooks run: an HTTP GET, a TCP connect, a command in the
// container, a sleep. Failures are worded as the kubelet words them, since they end up in events.

import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { errorMessage } from '../../api/errors.js';
import type { Container, HTTPGetAction, TCPSocketAction } from '../../api/types.js';
import type { RuntimeService } from '../runtime/types.js';

export interface ActionResult {
  ok: boolean;
  /** Why it failed (or the output of a command), as the kubelet reports it. */
  output: string;
  /** An error, as opposed to a failure: the probe could not be run. */
  error?: boolean;
}

/** A named port resolved against the container's ports (probes and hooks may name a port). */
export function resolvePort(port: number | string | undefined, container: Container): number {
  if (typeof port === 'number') return port;
  if (port === undefined || port === '') return NaN;
  if (/^\d+$/.test(port)) return Number(port);
  const p = (container.ports ?? []).find((x) => x.name === port);
  return p ? p.containerPort : NaN;
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Node's socket errors in Go's words ("dial tcp 10.0.0.1:80: connect: connection refused"). */
function dialError(e: NodeJS.ErrnoException, target: string): string {
  switch (e.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${target}: connect: connection refused`;
    case 'EHOSTUNREACH':
      return `dial tcp ${target}: connect: no route to host`;
    case 'ENETUNREACH':
      return `dial tcp ${target}: connect: network is unreachable`;
    case 'ECONNRESET':
      return `read tcp ${target}: read: connection reset by peer`;
    default:
      return `dial tcp ${target}: ${e.message}`;
  }
}

export function httpGet(
  action: HTTPGetAction,
  container: Container,
  defaultHost: string,
  timeoutMs: number,
  userAgent: string,
): Promise<ActionResult> {
  const port = resolvePort(action.port, container);
  const host = action.host || defaultHost;
  const scheme = (action.scheme ?? 'HTTP').toLowerCase();
  let p = action.path ?? '/';
  if (!p.startsWith('/')) p = `/${p}`;
  const url = `${scheme}://${hostPort(host, port)}${p}`;
  if (!Number.isInteger(port) || port <= 0)
    return Promise.resolve({ ok: false, output: `invalid port ${String(action.port)}`, error: true });
  const headers: Record<string, string> = { 'User-Agent': userAgent, Accept: '*/*' };
  for (const h of action.httpHeaders ?? []) headers[h.name] = h.value;
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: ActionResult) => {
      if (!done) {
        done = true;
        resolve(r);
      }
    };
    const mod = scheme === 'https' ? https : http;
    const req = mod.request(url, { method: 'GET', headers, rejectUnauthorized: false, agent: false }, (res) => {
      // The kubelet reads at most 10 KiB of the body (utilio.ReadAtMost, maxRespBodyLength) and
      // closes the connection: a container answering with an endless body costs the node nothing.
      const max = 10 * 1024;
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        const code = res.statusCode ?? 0;
        const body = Buffer.concat(chunks).subarray(0, max).toString('utf8');
        if (code >= 200 && code < 400) finish({ ok: true, output: body });
        else finish({ ok: false, output: `HTTP probe failed with statuscode: ${code}` });
      };
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        size += c.length;
        if (size >= max) {
          done();
          req.destroy();
        }
      });
      res.on('end', done);
      res.on('error', (e) => finish({ ok: false, output: `Get "${url}": ${e.message}` }));
    });
    req.setTimeout(timeoutMs, () => {
      req.destroy();
      finish({ ok: false, output: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    });
    req.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, output: `Get "${url}": ${dialError(e, hostPort(host, port))}` }));
    req.end();
  });
}

export function tcpSocket(action: TCPSocketAction, container: Container, defaultHost: string, timeoutMs: number): Promise<ActionResult> {
  const port = resolvePort(action.port, container);
  const host = action.host || defaultHost;
  const target = hostPort(host, port);
  if (!Number.isInteger(port) || port <= 0)
    return Promise.resolve({ ok: false, output: `invalid port ${String(action.port)}`, error: true });
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ ok: false, output: `dial tcp ${target}: i/o timeout` });
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ ok: true, output: '' });
    });
    sock.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ ok: false, output: dialError(e, target) });
    });
  });
}

export async function execIn(runtime: RuntimeService, containerId: string, cmd: string[], timeoutSeconds: number): Promise<ActionResult> {
  try {
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`command ${JSON.stringify(cmd)} timed out`)), timeoutSeconds * 1000 + 500).unref(),
    );
    const r = await Promise.race([runtime.execSync(containerId, cmd, timeoutSeconds), timeout]);
    const output = r.stdout + r.stderr;
    if (r.exitCode === 0) return { ok: true, output };
    // The kubelet's message when the command says nothing (its exec probe's "command ... exited with code").
    return { ok: false, output: output || `command ${JSON.stringify(cmd.join(' '))} exited with ${r.exitCode}` };
  } catch (e) {
    return { ok: false, output: errorMessage(e), error: true };
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
