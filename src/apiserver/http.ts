// Small HTTP helpers for the API server: bounded body reading and Status/JSON responses.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorMessage, errors, StatusError } from '../api/errors.js';
import { deepFreeze } from '../api/object.js';
import { objectSinkOf } from './objectsink.js';

/** kube-apiserver refuses request bodies over 3 MiB with 413. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > limit) {
      // Drain without buffering so the client still reads our answer.
      req.resume();
      reject(errors.tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(errors.tooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (!failed) {
        failed = true;
        reject(errors.badRequest(`error reading request body: ${e.message}`));
      }
    });
  });
}

const prettyResponses = new WeakSet<ServerResponse>();

/** Marks a response to be written indented (?pretty=true, or curl/Wget/a browser asking). */
export function markPretty(res: ServerResponse): void {
  prettyResponses.add(res);
}

export function writeJSON(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  // An in-process client takes the value itself. What a read answers may be (or hold) objects
  // the server shares, as the watch cache's: frozen. A write's answer is the request's own
  // object (the registry made it for this request, the cache decodes its own): handed over as is
  // (a status write's holds the stored version's unchanged parts, the cache's own: those frozen,
  // as a read's are; see UpdateStrategy.sharesOld).
  const sink = objectSinkOf(res);
  if (sink && !res.headersSent) {
    const read = res.req?.method === 'GET' || res.req?.method === 'HEAD';
    sink.answer(code, read ? deepFreeze(body) : body, headers);
    return;
  }
  // Go's json.MarshalIndent(obj, "", "  ") for pretty output.
  writeJSONBody(res, code, prettyResponses.has(res) ? JSON.stringify(body, null, 2) : JSON.stringify(body), headers);
}

/**
 * Writes a body already encoded as compact JSON (assembled from cached encodings); a response
 * marked pretty is re-indented, as writeJSON would have written it.
 */
export function writeJSONText(res: ServerResponse, code: number, text: string, headers: Record<string, string> = {}): void {
  writeJSONBody(res, code, prettyResponses.has(res) ? JSON.stringify(JSON.parse(text), null, 2) : text, headers);
}

/** Past this many bytes a body assembled from parts is written in pieces of about this size. */
const PIECE_BYTES = 1 << 20;

/**
 * Writes a compact JSON body given as the bytes of its parts in order (a list: head, items,
 * commas), without joining them into one string first: the parts are copied straight into
 * pieces of about 1 MiB that go to the socket one after another, so a list of 10,000 costs one
 * copy of its bytes and its first piece leaves while the rest is assembled. A response marked
 * pretty is re-indented, as writeJSON would have written it.
 */
export function writeJSONParts(res: ServerResponse, code: number, parts: Buffer[], headers: Record<string, string> = {}): void {
  if (prettyResponses.has(res)) {
    writeJSONText(res, code, Buffer.concat(parts).toString('utf8'), headers);
    return;
  }
  if (res.headersSent) {
    res.end();
    return;
  }
  let length = 0;
  for (const p of parts) length += p.length;
  res.writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Content-Length': length, ...headers });
  if (length <= PIECE_BYTES) {
    res.end(parts.length === 1 ? parts[0] : Buffer.concat(parts, length));
    return;
  }
  // Corked: each piece becomes one TLS write (16 KiB records) instead of waiting for a nextTick.
  const socket = res.socket;
  let from = 0;
  while (from < parts.length) {
    let to = from;
    let bytes = 0;
    while (to < parts.length && bytes < PIECE_BYTES) bytes += parts[to++].length;
    socket?.cork();
    res.write(Buffer.concat(parts.slice(from, to), bytes));
    socket?.uncork();
    from = to;
  }
  res.end();
}

function writeJSONBody(res: ServerResponse, code: number, text: string, headers: Record<string, string>): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function writeError(res: ServerResponse, err: unknown): void {
  const se = err instanceof StatusError ? err : errors.internal(errorMessage(err));
  // As ErrorNegotiated: a Status that says when to retry says it in Retry-After too (client-go waits and retries).
  const retry = se.details?.retryAfterSeconds;
  writeJSON(res, se.code, se.toStatus(), retry && retry > 0 ? { 'Retry-After': String(retry) } : {});
}

export function writeText(res: ServerResponse, code: number, text: string, contentType = 'text/plain; charset=utf-8'): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
