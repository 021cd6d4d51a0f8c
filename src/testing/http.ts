// Plain HTTP GETs from tests to what pods serve (the process runtime's and the agent's tests).

import http from 'node:http';

/** The body of a GET (any status), failing after timeoutMs without an answer. */
export function httpGet(url: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}
