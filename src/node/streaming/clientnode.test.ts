// @kubernetes/client-node 1.x's streaming classes, unchanged, against the API server and a node
// streaming server: Exec (output and the exit status), Attach, PortForward (its plain-websocket
// port-forward, once refused with 400) and Log (with follow).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { criLines, type StreamingCluster, startStreamingCluster } from '../../testing/streaming.js';

let sc: StreamingCluster;
let kc: k8s.KubeConfig;
const servers: net.Server[] = [];
before(async () => {
  sc = await startStreamingCluster('streaming-clientnode');
  kc = new k8s.KubeConfig();
  kc.loadFromFile(sc.kubeconfig);
});
after(async () => {
  for (const s of servers) s.close();
  await sc?.stop();
});

function collector(): { stream: Writable; text(): string; ended: Promise<void> } {
  const chunks: Buffer[] = [];
  let done!: () => void;
  const ended = new Promise<void>((r) => {
    done = r;
  });
  const stream = new Writable({
    write(c: Buffer, _e, cb) {
      chunks.push(Buffer.from(c));
      cb();
    },
    final(cb) {
      done();
      cb();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString(), ended };
}

function waitUntil(what: string, pred: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (pred()) resolve();
      else if (Date.now() > deadline) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 20);
    };
    tick();
  });
}

test('Exec: stdout, stderr and the exit code as a V1Status', async () => {
  const out = collector(),
    err = collector();
  const status = await new Promise<k8s.V1Status>((resolve, reject) => {
    new k8s.Exec(kc)
      .exec('default', 'web', 'app', ['sh', '-c', 'echo to-out; echo to-err >&2; exit 3'], out.stream, err.stream, null, false, resolve)
      .catch(reject);
  });
  assert.equal(status.status, 'Failure');
  assert.equal(status.reason, 'NonZeroExitCode');
  assert.equal(status.details?.causes?.[0].message, '3');
  await Promise.all([out.ended, err.ended]);
  assert.equal(out.text(), 'to-out\n');
  assert.equal(err.text(), 'to-err\n');

  const ok = await new Promise<k8s.V1Status>((resolve, reject) => {
    new k8s.Exec(kc).exec('default', 'web', 'app', ['true'], collector().stream, collector().stream, null, false, resolve).catch(reject);
  });
  assert.equal(ok.status, 'Success');
});

test("Exec with stdin: the input's end reaches the command (v5 CLOSE)", async () => {
  const out = collector();
  const stdin = new PassThrough();
  const status = new Promise<k8s.V1Status>((resolve, reject) => {
    new k8s.Exec(kc)
      .exec('default', 'web', 'app', ['sh', '-c', 'tr a-z A-Z'], out.stream, collector().stream, stdin, false, resolve)
      .catch(reject);
  });
  stdin.end('shout this\n');
  assert.equal((await status).status, 'Success');
  await out.ended;
  assert.equal(out.text(), 'SHOUT THIS\n');
});

test("Attach: the container's output", async () => {
  const out = collector();
  const ws = await new k8s.Attach(kc).attach('default', 'web', 'app', out.stream, collector().stream, null, false);
  await new Promise<void>((r) => {
    if (ws.readyState === ws.CLOSED) r();
    else ws.once('close', () => r());
  });
  assert.match(out.text(), /attached-output/);
});

test("PortForward: a local server whose connections reach the pod's port", async () => {
  await sc.podListen(9090, (req, res) => res.end(`pod page ${req.url}`));
  const forward = new k8s.PortForward(kc);
  const local = net.createServer((socket) => {
    socket.on('error', () => undefined);
    void forward.portForward('default', 'web', [9090], socket, null, socket).catch(() => socket.destroy());
  });
  servers.push(local);
  await new Promise<void>((r) => local.listen(0, '127.0.0.1', () => r()));
  const port = (local.address() as AddressInfo).port;
  for (const p of ['/one', '/two']) {
    const body = await new Promise<string>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: p, agent: false }, (res) => {
          let b = '';
          res.on('data', (c: Buffer) => {
            b += c;
          });
          res.on('end', () => resolve(b));
        })
        .on('error', reject);
    });
    assert.equal(body, `pod page ${p}`);
  }
});

test('Log: plain, tailLines, and follow sees appended lines', async () => {
  const all = collector();
  await new k8s.Log(kc).log('default', 'web', 'app', all.stream, { timestamps: false });
  await all.ended;
  assert.match(all.text(), /^line one\npartial\nline two\n/);

  const tail = collector();
  const follow = await new k8s.Log(kc).log('default', 'web', 'app', tail.stream, { follow: true, tailLines: 1 });
  try {
    await waitUntil('the last line', () => tail.text().includes('\n'));
    assert.equal(tail.text(), 'line two\n');
    fs.appendFileSync(
      path.join(sc.dir, 'app-1.log'),
      criLines([['2024-01-01T00:00:09.000000000Z', 'stdout', 'F', 'from client-node follow']]),
    );
    await waitUntil('the appended line', () => tail.text().includes('from client-node follow\n'));
  } finally {
    follow.abort();
  }
});
