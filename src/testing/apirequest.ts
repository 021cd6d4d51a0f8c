// Raw HTTP requests to an in-process API server, for tests that attack it: any method, path,
// headers and body (even malformed), answered with the status, headers and whole body text.

import http from 'node:http';

export interface Answer {
  status: number;
  text: string;
  headers: http.IncomingHttpHeaders;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string | number>;
  body?: string | Buffer;
  /** Stop reading (and destroy the request) once the text so far satisfies this. */
  until?: (text: string) => boolean;
  /** Fail after this long without a complete answer (default 10 s). */
  timeoutMs?: number;
}

export function apiRequest(base: string, token: string, r: RawRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${base}${r.path}`,
      {
        method: r.method ?? 'GET',
        agent: false,
        headers: {
          Authorization: `Bearer ${token}`,
          ...(r.body !== undefined ? { 'Content-Length': Buffer.byteLength(r.body) } : {}),
          ...r.headers,
        },
      },
      (res) => {
        let text = '';
        let done = false;
        const finish = () => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, text, headers: res.headers });
        };
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
          if (r.until?.(text)) {
            finish();
            req.destroy();
          }
        });
        res.on('end', finish);
        res.on('error', () => finish());
      },
    );
    const timer = setTimeout(
      () => req.destroy(new Error(`no answer to ${r.method ?? 'GET'} ${r.path} in ${r.timeoutMs ?? 10_000} ms`)),
      r.timeoutMs ?? 10_000,
    );
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end(r.body);
  });
}

/** The body as a Kubernetes Status, or a failure naming what came instead. */
export function statusOf(a: Answer): {
  kind: string;
  code: number;
  reason?: string;
  message?: string;
  details?: { retryAfterSeconds?: number; causes?: { reason?: string; message?: string; field?: string }[] };
} {
  let s: { kind?: string; code?: number };
  try {
    s = JSON.parse(a.text);
  } catch {
    throw new Error(`not JSON (HTTP ${a.status}): ${a.text.slice(0, 200)}`);
  }
  if (s.kind !== 'Status' || s.code !== a.status) throw new Error(`not a Status for HTTP ${a.status}: ${a.text.slice(0, 200)}`);
  return s as ReturnType<typeof statusOf>;
}
