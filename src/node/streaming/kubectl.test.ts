// End to end with the stock kubectl: an API server over TLS with the connect handler, a Node
// and Pods made through the API, and the streaming server over a host-process test runtime.
// logs, exec (websocket and SPDY), a real TTY with resizes, attach, port-forward (websocket
// tunnel and SPDY) with concurrent connections, and kubectl proxy to pod and service proxy paths.

import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { criLines, type StreamingCluster, startStreamingCluster } from '../../testing/streaming.js';

const KUBECTL = 'kubectl';
let sc: StreamingCluster;
let dir: string;
let kubeconfig: string;
const spawned = new Set<ChildProcess>();

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function kubectl(args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(
      KUBECTL,
      ['--kubeconfig', kubeconfig, ...args],
      { env: { ...process.env, ...opts.env }, timeout: 30_000 },
      (err, stdout, stderr) => {
        resolve({
          code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0,
          stdout,
          stderr,
        });
      },
    );
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    else child.stdin!.end();
  });
}

/** A long-running child whose output the test waits on. */
function start(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): { child: ChildProcess; out: () => string; waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray> } {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  spawned.add(child);
  child.on('exit', () => spawned.delete(child));
  let out = '';
  const waiters: (() => void)[] = [];
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const w of [...waiters]) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  return {
    child,
    out: () => out,
    waitFor(re, ms = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(re);
          if (m) {
            clearTimeout(timer);
            waiters.splice(waiters.indexOf(check), 1);
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(check), 1);
          reject(new Error(`timed out waiting for ${re} in output:\n${out}`));
        }, ms);
        waiters.push(check);
        check();
        child.once('exit', () =>
          setImmediate(() => {
            if (!out.match(re)) {
              clearTimeout(timer);
              reject(new Error(`exited before ${re}; output:\n${out}`));
            }
          }),
        );
      });
    },
  };
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((r) => child.once('exit', (code) => r(code)));
}

before(async () => {
  sc = await startStreamingCluster('streaming-kubectl');
  dir = sc.dir;
  kubeconfig = sc.kubeconfig;
});

after(async () => {
  for (const c of spawned) c.kill('SIGKILL');
  await sc?.stop();
});

test('kubectl logs: plain, --tail, --timestamps, --previous', async () => {
  let r = await kubectl(['logs', 'web', '-c', 'app']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'line one\npartial\nline two\n');
  r = await kubectl(['logs', 'web', '-c', 'app', '--tail=1']);
  assert.equal(r.stdout, 'line two\n');
  r = await kubectl(['logs', 'web', '-c', 'app', '--tail=1', '--timestamps']);
  assert.equal(r.stdout, '2024-01-01T00:00:04.000000004Z line two\n');
  r = await kubectl(['logs', 'web', '-c', 'app', '--limit-bytes=4']);
  assert.equal(r.stdout, 'line');
  r = await kubectl(['logs', 'web', '-c', 'app', '--previous']);
  assert.equal(r.stdout, 'old run\n');
  r = await kubectl(['logs', 'web', '-c', 'side', '--previous']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /previous terminated container "side" in pod "web" not found/);
  r = await kubectl(['logs', 'web', '-c', 'nope']);
  assert.match(r.stderr, /container nope is not valid for pod web/);
  r = await kubectl(['logs', 'solo']);
  assert.match(r.stderr, /pod solo does not have a host assigned/);
});

test('pods/log without a container on a two-container pod is a 400 naming them', async () => {
  await assert.rejects(sc.client.request('GET', '/api/v1/namespaces/default/pods/web/log'), (e: Error & { code?: number }) => {
    assert.equal(e.code, 400);
    assert.equal(e.message, 'a container name must be specified for pod web, choose one of: [app side]');
    return true;
  });
});

test('kubectl logs -f receives appended lines', async () => {
  const p = start(KUBECTL, ['--kubeconfig', kubeconfig, 'logs', '-f', 'web', '-c', 'app']);
  await p.waitFor(/line two\n/);
  fs.appendFileSync(path.join(dir, 'app-1.log'), criLines([['2024-01-01T00:00:05.000000000Z', 'stdout', 'F', 'appended later']]));
  await p.waitFor(/appended later\n/);
  p.child.kill('SIGTERM');
  await exited(p.child);
});

for (const transport of ['websocket', 'spdy'] as const) {
  const env: Record<string, string> = transport === 'spdy' ? { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' } : {};
  // At -v=4 kubectl says when it falls back from websocket to SPDY: it must not have to.
  const verbose = ['-v=4'];

  test(`kubectl exec over ${transport}: output and exit code`, async () => {
    const r = await kubectl([...verbose, 'exec', 'web', '-c', 'app', '--', 'sh', '-c', 'echo hi; echo oops >&2; exit 3'], { env });
    assert.doesNotMatch(r.stderr, /fallback/i);
    assert.equal(r.stdout, 'hi\n');
    assert.match(r.stderr, /oops/);
    assert.equal(r.code, 3, r.stderr);
    const ok = await kubectl(['exec', 'web', '-c', 'app', '--', 'true'], { env });
    assert.equal(ok.code, 0, ok.stderr);
  });

  test(`kubectl exec -i over ${transport}: stdin reaches the command and its end is seen`, async () => {
    const big = 'x'.repeat(200_000);
    const r = await kubectl(['exec', '-i', 'web', '-c', 'app', '--', 'sh', '-c', 'wc -c; echo done >&2'], { env, input: `abc\n${big}` });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), String(4 + big.length));
    assert.match(r.stderr, /done/);
  });

  test(`kubectl attach over ${transport}`, async () => {
    const r = await kubectl([...verbose, 'attach', 'web', '-c', 'app'], { env });
    assert.doesNotMatch(r.stderr, /fallback/i);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /attached-output/);
  });
}

test('kubectl exec -it gives a real TTY that follows resizes', async () => {
  const fifo = path.join(dir, 'resize.fifo');
  await new Promise<void>((res, rej) => execFile('mkfifo', [fifo], (e) => (e ? rej(e) : res())));
  // script(1) gives kubectl a terminal of 33x91; later the shell resizes it to 40x100, and the
  // kernel's SIGWINCH makes kubectl send the new size.
  const inner = `sh -c 'echo ready; tty; while read x; do stty size; done'`;
  const outer = `stty cols 91 rows 33; ${KUBECTL} --kubeconfig ${kubeconfig} exec -it web -c app -- ${inner} </dev/tty & read go < ${fifo}; stty cols 100 rows 40; wait $!`;
  const p = start('script', ['-qfec', outer, '/dev/null']);
  await p.waitFor(/ready[\s\S]*\/dev\/pts\/\d+/);
  p.child.stdin!.write('\n');
  await p.waitFor(/33 91/);
  await fs.promises.writeFile(fifo, 'go\n');
  const deadline = Date.now() + 15_000;
  for (;;) {
    p.child.stdin!.write('\n');
    try {
      await p.waitFor(/40 100/, 300);
      break;
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
  }
  p.child.stdin!.write('\x04');
  assert.equal(await exited(p.child), 0, p.out());
});

test('kubectl port-forward carries concurrent connections (websocket tunnel and SPDY)', async () => {
  // The pod's port 80 answers only once two requests are in, so they must travel side by side.
  const pending: http.ServerResponse[] = [];
  const big = Buffer.alloc(1 << 20, 'b');
  await sc.podListen(80, (req, res) => {
    if (req.url === '/big') {
      res.end(big);
      return;
    }
    pending.push(res);
    if (pending.length === 2) for (const [i, r] of pending.splice(0).entries()) r.end(`answer ${i}`);
  });
  for (const env of [{}, { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }] as Record<string, string>[]) {
    const p = start(KUBECTL, ['--kubeconfig', kubeconfig, '-v=4', 'port-forward', '--address', '127.0.0.1', 'pod/web', ':80'], env);
    const m = await p.waitFor(/Forwarding from 127\.0\.0\.1:(\d+) -> 80/);
    const local = Number(m[1]);
    const get = (p2: string) =>
      new Promise<Buffer>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port: local, path: p2, agent: false }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve(Buffer.concat(chunks)));
          })
          .on('error', reject);
      });
    const answers = (await Promise.all([get('/a'), get('/b')])).map(String).sort();
    assert.deepEqual(answers, ['answer 0', 'answer 1'], JSON.stringify(env));
    assert.equal((await get('/big')).length, big.length);
    assert.doesNotMatch(p.out(), /fallback/i);
    p.child.kill('SIGTERM');
    await exited(p.child);
  }
});

test('kubectl proxy reaches a pod port and a service through its endpoints', async () => {
  await sc.podListen(8080, (req, res) => {
    res.setHeader('X-Seen-Path', req.url ?? '');
    res.end(`pod says hello at ${req.url}`);
  });
  await sc.client.create(
    { group: '', version: 'v1', resource: 'services', namespace: 'default' },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'websvc' },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    },
  );
  await sc.client.create(
    { group: '', version: 'v1', resource: 'endpoints', namespace: 'default' },
    {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'websvc' },
      subsets: [
        {
          addresses: [{ ip: '10.244.0.5', targetRef: { kind: 'Pod', name: 'web', namespace: 'default' } }],
          ports: [{ name: 'http', port: 8080 }],
        },
      ],
    },
  );
  const p = start(KUBECTL, ['--kubeconfig', kubeconfig, 'proxy', '--port=0', '--address=127.0.0.1']);
  const m = await p.waitFor(/Starting to serve on 127\.0\.0\.1:(\d+)/);
  const fetchText = async (u: string) => {
    const r = await fetch(`http://127.0.0.1:${m[1]}${u}`);
    return { status: r.status, text: await r.text() };
  };
  let r = await fetchText('/api/v1/namespaces/default/pods/web:8080/proxy/some/page?x=1');
  assert.equal(r.status, 200);
  assert.equal(r.text, 'pod says hello at /some/page?x=1');
  r = await fetchText('/api/v1/namespaces/default/services/websvc:http/proxy/');
  assert.equal(r.status, 200);
  assert.equal(r.text, 'pod says hello at /');
  r = await fetchText('/api/v1/namespaces/default/pods/web:9/proxy/');
  assert.equal(r.status, 503);
  p.child.kill('SIGTERM');
  await exited(p.child);
});
