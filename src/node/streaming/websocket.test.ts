// The websocket subprotocols of exec, attach and port-forward, driven byte by byte through the
// API server (TLS) to the node's streaming server: v5, v4, v4.base64, channel.k8s.io,
// base64.channel.k8s.io and none; wsstream's negotiation; v4's JSON status channel and the older
// protocols' text; plain-websocket port-forward (the Python client's and client-node's) with its
// initial port frames, error channel, several ports and backpressure.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { type StreamingCluster, startStreamingCluster } from '../../testing/streaming.js';
import { MAX_WEBSOCKET_MESSAGE_BYTES } from './server.js';

let sc: StreamingCluster;
before(async () => {
  sc = await startStreamingCluster('streaming-ws');
});
after(async () => {
  await sc?.stop();
});

interface Message {
  data: Buffer;
  binary: boolean;
}

/** A websocket to the API server and every message it receives, until it closes. */
async function open(
  path: string,
  protocols: string[],
): Promise<{
  ws: WebSocket;
  protocol: string;
  messages: Message[];
  closed: Promise<number>;
  waitFor(pred: (m: Message[]) => boolean, ms?: number): Promise<void>;
}> {
  const ws = new WebSocket(`${sc.url.replace('https', 'wss')}${path}`, protocols, {
    ca: sc.ca,
    headers: { Authorization: `Bearer ${sc.token}` },
  });
  const messages: Message[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data: Buffer, binary: boolean) => {
    messages.push({ data, binary });
    for (const w of waiters) w();
  });
  const closed = new Promise<number>((resolve) =>
    ws.on('close', (code) => {
      for (const w of waiters) w();
      resolve(code);
    }),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c;
      });
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}: ${body}`), { status: res.statusCode, body })));
    });
    ws.once('error', reject);
  });
  return {
    ws,
    protocol: ws.protocol,
    messages,
    closed,
    waitFor(pred, ms = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pred(messages)) {
            clearTimeout(t);
            waiters.delete(check);
            resolve();
          } else if (ws.readyState === WebSocket.CLOSED) {
            clearTimeout(t);
            waiters.delete(check);
            reject(new Error(`closed first; got ${JSON.stringify(messages.map((m) => m.data.toString('latin1')))}`));
          }
        };
        const t = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out; got ${JSON.stringify(messages.map((m) => m.data.toString('latin1')))}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
  };
}

/** Payloads per channel, decoding wsstream's base64 framing when the protocol uses it. */
function channels(messages: Message[], base64: boolean): Map<number, Buffer[]> {
  const out = new Map<number, Buffer[]>();
  for (const m of messages) {
    if (m.data.length === 0) continue;
    const ch = base64 ? m.data[0] - 0x30 : m.data[0];
    const payload = base64 ? Buffer.from(m.data.subarray(1).toString(), 'base64') : m.data.subarray(1);
    out.set(ch, [...(out.get(ch) ?? []), payload]);
  }
  return out;
}
const text = (bufs: Buffer[] | undefined) => Buffer.concat(bufs ?? []).toString();

const execPath = (cmd: string, extra = 'stdout=true&stderr=true') =>
  `/api/v1/namespaces/default/pods/web/exec?container=app&${extra}&command=sh&command=-c&command=${encodeURIComponent(cmd)}`;

for (const protocol of [
  'v5.channel.k8s.io',
  'v4.channel.k8s.io',
  'v4.base64.channel.k8s.io',
  'channel.k8s.io',
  'base64.channel.k8s.io',
  '',
]) {
  const base64 = protocol.includes('base64');
  const jsonStatus = protocol.startsWith('v4') || protocol.startsWith('v5');
  test(`exec over websocket ${protocol || '(no subprotocol)'}: output, the opening message, the exit status`, async () => {
    const c = await open(execPath('echo out; echo err >&2; exit 7'), protocol ? [protocol] : []);
    assert.equal(c.protocol, protocol);
    assert.equal(await c.closed, 1000);
    // Every message is binary, or text with base64; the first is an empty one on stdout.
    for (const m of c.messages) assert.equal(m.binary, !base64);
    assert.deepEqual([...c.messages[0].data], base64 ? [0x31] : [1]);
    const ch = channels(c.messages, base64);
    assert.equal(text(ch.get(1)), 'out\n');
    assert.equal(text(ch.get(2)), 'err\n');
    if (jsonStatus) {
      assert.deepEqual(JSON.parse(text(ch.get(3))), {
        metadata: {},
        status: 'Failure',
        message: 'command terminated with non-zero exit code: exit status 7',
        reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: '7' }] },
      });
    } else {
      assert.equal(text(ch.get(3)), 'command terminated with non-zero exit code: exit status 7');
    }
    const ok = await open(execPath('true'), protocol ? [protocol] : []);
    await ok.closed;
    const okStatus = text(channels(ok.messages, base64).get(3));
    if (jsonStatus) assert.deepEqual(JSON.parse(okStatus), { metadata: {}, status: 'Success' });
    else assert.equal(okStatus, '', 'pre-v4 protocols write nothing on success');
  });
}

test("websocket negotiation: the client's order, v5 whenever offered, 403 for only unknown ones", async () => {
  let c = await open(execPath('true'), ['channel.k8s.io', 'v4.channel.k8s.io']);
  assert.equal(c.protocol, 'channel.k8s.io');
  await c.closed;
  c = await open(execPath('true'), ['v4.channel.k8s.io', 'v5.channel.k8s.io']);
  assert.equal(c.protocol, 'v5.channel.k8s.io');
  await c.closed;
  // client-node's list: v5 first, then v4, v3, v2, channel.
  c = await open(execPath('true'), ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io']);
  assert.equal(c.protocol, 'v5.channel.k8s.io');
  await c.closed;
  await assert.rejects(open(execPath('true'), ['v3.channel.k8s.io', 'v2.channel.k8s.io']), (e: { status?: number; body?: string }) => {
    assert.equal(e.status, 403);
    assert.match(e.body ?? '', /requested protocol\(s\) are not supported: \[\\"v3\.channel\.k8s\.io\\",\\"v2\.channel\.k8s\.io\\"\]/);
    return true;
  });
});

test('exec stdin: v4 base64 framing in, v5 CLOSE signal ends stdin', async () => {
  const c = await open(execPath('head -n 1', 'stdin=True&stdout=True&stderr=True&tty=False'), ['v4.base64.channel.k8s.io']);
  c.ws.send('0' + Buffer.from('hello over base64\nignored\n').toString('base64'));
  await c.closed;
  assert.equal(text(channels(c.messages, true).get(1)), 'hello over base64\n');

  const v5 = await open(execPath('wc -c', 'stdin=1&stdout=1&stderr=1'), ['v5.channel.k8s.io']);
  v5.ws.send(Buffer.concat([Buffer.from([0]), Buffer.alloc(100_000, 'x')]));
  v5.ws.send(Buffer.from([255, 0]));
  await v5.closed;
  const ch = channels(v5.messages, false);
  assert.equal(text(ch.get(1)).trim(), '100000');
  assert.deepEqual(JSON.parse(text(ch.get(3))), { metadata: {}, status: 'Success' });
});

test('exec and attach parameters as Python and client-node spell them', async () => {
  // Python: stdout=True...; the node is asked with kubelet's "1" flags.
  let c = await open(execPath('echo py', 'stdout=True&stderr=True&stdin=False&tty=False'), ['v4.channel.k8s.io']);
  await c.closed;
  assert.equal(text(channels(c.messages, false).get(1)), 'py\n');
  // client-node: stdin=false when it has no stdin stream.
  c = await open('/api/v1/namespaces/default/pods/web/attach?container=app&stderr=true&stdin=false&stdout=true&tty=false', [
    'v4.channel.k8s.io',
  ]);
  await c.closed;
  assert.match(text(channels(c.messages, false).get(1)), /attached-output/);
  await assert.rejects(
    open(execPath('true', 'stdout=False&stderr=0&stdin=false'), ['v4.channel.k8s.io']),
    (e: { status?: number; body?: string }) => {
      assert.equal(e.status, 400);
      assert.match(e.body ?? '', /you must specify at least 1 of stdin, stdout, stderr/);
      return true;
    },
  );
});

test('a websocket message over the bound closes that connection (1009) and nothing else', async () => {
  const c = await open(execPath('cat', 'stdin=1&stdout=1'), ['v4.channel.k8s.io']);
  c.ws.send(Buffer.alloc(MAX_WEBSOCKET_MESSAGE_BYTES + 2));
  assert.equal(await c.closed, 1009);
  const ok = await open(execPath('echo still here'), ['v4.channel.k8s.io']);
  await ok.closed;
  assert.equal(text(channels(ok.messages, false).get(1)), 'still here\n');
});

// ---- port-forward over a plain websocket ----

const pfPath = (ports: string) => `/api/v1/namespaces/default/pods/web/portforward?ports=${ports}`;
const le = (port: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(port);
  return b;
};

test('port-forward over websocket (v4.channel.k8s.io): port frames, data both ways, close when the pod side ends', async () => {
  await sc.podListen(8081, (req, res) => {
    res.setHeader('Connection', 'close');
    res.end(`pod answers ${req.url}`);
  });
  const c = await open(pfPath('8081'), ['v4.channel.k8s.io']);
  assert.equal(c.protocol, 'v4.channel.k8s.io');
  // Both channels of the port open with its number, little endian.
  await c.waitFor((m) => m.length >= 2);
  assert.deepEqual(c.messages[0].data, Buffer.concat([Buffer.from([0]), le(8081)]));
  assert.deepEqual(c.messages[1].data, Buffer.concat([Buffer.from([1]), le(8081)]));
  c.ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('GET /hello HTTP/1.1\r\nHost: pod\r\nConnection: close\r\n\r\n')]));
  assert.equal(await c.closed, 1000);
  const data = Buffer.concat(
    c.messages
      .slice(2)
      .filter((m) => m.data[0] === 0)
      .map((m) => m.data.subarray(1)),
  ).toString();
  assert.match(data, /^HTTP\/1\.1 200 OK/);
  assert.match(data, /pod answers \/hello$/);
  assert.equal(c.messages.slice(2).filter((m) => m.data[0] === 1).length, 0, 'nothing on the error channel');
});

test('port-forward over websocket: base64 framing, two ports at once, a refused port on its error channel', async () => {
  await sc.podListen(8082, (_req, res) => {
    res.setHeader('Connection', 'close');
    res.end('eighty-eighty-two');
  });
  const c = await open(pfPath('8082,8089'), ['v4.base64.channel.k8s.io']);
  c.ws.send('0' + Buffer.from('GET / HTTP/1.1\r\nHost: pod\r\nConnection: close\r\n\r\n').toString('base64'));
  assert.equal(await c.closed, 1000);
  const ch = channels(c.messages, true);
  // Channel 0/1: port 8082; 2/3: port 8089, where nothing listens.
  for (const [n, port] of [
    [0, 8082],
    [1, 8082],
    [2, 8089],
    [3, 8089],
  ])
    assert.deepEqual(ch.get(n)![0], le(port), `channel ${n}`);
  assert.match(text(ch.get(0)!.slice(1)), /eighty-eighty-two$/);
  assert.match(text(ch.get(3)!.slice(1)), /^error forwarding port 8089 to pod default\/web, uid uid-web: connection refused/);
});

test('port-forward over websocket carries 8 MiB from the pod to a slow reader and 4 MiB to the pod', async () => {
  const big = Buffer.alloc(8 << 20, 'p');
  let received = 0;
  await sc.podListen(8083, (req, res) => {
    if (req.method === 'POST') {
      req.on('data', (c: Buffer) => {
        received += c.length;
      });
      req.on('end', () => res.end(String(received)));
      return;
    }
    res.end(big);
  });
  const c = await open(pfPath('8083'), ['v4.channel.k8s.io']);
  c.ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('GET / HTTP/1.1\r\nHost: pod\r\nConnection: close\r\n\r\n')]));
  await c.closed;
  const body = Buffer.concat(
    c.messages
      .slice(2)
      .filter((m) => m.data[0] === 0)
      .map((m) => m.data.subarray(1)),
  );
  assert.ok(body.length > big.length && body.subarray(body.length - big.length).equals(big), `got ${body.length} bytes`);

  const up = await open(pfPath('8083'), ['v4.channel.k8s.io']);
  const payload = Buffer.alloc(4 << 20, 'u');
  up.ws.send(
    Buffer.concat([
      Buffer.from([0]),
      Buffer.from(`POST / HTTP/1.1\r\nHost: pod\r\nConnection: close\r\nContent-Length: ${payload.length}\r\n\r\n`),
    ]),
  );
  for (let off = 0; off < payload.length; off += 1 << 20)
    up.ws.send(Buffer.concat([Buffer.from([0]), payload.subarray(off, off + (1 << 20))]));
  await up.closed;
  assert.match(Buffer.concat(up.messages.slice(2).map((m) => m.data.subarray(1))).toString(), new RegExp(`${payload.length}$`));
});

test("port-forward over websocket: bad ports are 400s with Kubernetes' messages", async () => {
  await assert.rejects(open(pfPath('http'), ['v4.channel.k8s.io']), (e: { status?: number; body?: string }) => {
    assert.equal(e.status, 400);
    assert.match(e.body ?? '', /cannot convert to \[\]int32: strconv\.ParseUint: parsing \\"http\\": invalid syntax/);
    return true;
  });
  await assert.rejects(
    open('/api/v1/namespaces/default/pods/web/portforward', ['v4.channel.k8s.io']),
    (e: { status?: number; body?: string }) => {
      assert.equal(e.status, 400);
      assert.match(e.body ?? '', /query parameter \\"port\\" is required/);
      return true;
    },
  );
});

test('a plain GET of exec or portforward is refused: they need an upgrade', async () => {
  for (const p of [execPath('true'), pfPath('80')]) {
    await assert.rejects(sc.client.request('GET', p), (e: Error & { code?: number }) => {
      assert.equal(e.code, 400);
      assert.equal(e.message, 'Upgrade request required');
      return true;
    });
  }
});
