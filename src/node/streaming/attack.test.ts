// The node streaming server under attack, straight on its port (as a compromised or buggy API
// server, or anyone holding the node token, would reach it): SPDY garbage, short frames, a header
// block that inflates without end, a stream flood; websocket garbage and oversized messages;
// clients and pods that vanish in the middle of exec and port-forward. Each attack ends its own
// connection; the server keeps serving (an ordinary exec works after each).

import assert from 'node:assert/strict';
import net, { type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { SpdyTestClient } from '../../testing/spdyclient.js';
import { type StreamingCluster, startStreamingCluster } from '../../testing/streaming.js';
import { waitFor } from '../../testing/wait.js';
import { type ControlFrame, encodeControlFrame, encodeDataFrame, FLAG_FIN, FrameType, MAX_CONCURRENT_STREAMS, RstStatus } from './spdy.js';

let sc: StreamingCluster;
before(async () => {
  sc = await startStreamingCluster('streaming-attack');
});
after(async () => {
  await sc?.stop();
});

const node = () => `ws://127.0.0.1:${sc.nodePort}`;

/** A raw connection to the node that asked for a SPDY upgrade and got it, with a SPDY client on it. */
async function spdy(path: string, protocol: string): Promise<SpdyTestClient & { sock: Socket; closed: Promise<void> }> {
  const sock = net.connect(sc.nodePort, '127.0.0.1');
  sock.on('error', () => undefined);
  const closed = new Promise<void>((r) => sock.on('close', () => r()));
  sock.write(
    `POST ${path} HTTP/1.1\r\nHost: node\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\nAuthorization: Bearer ${sc.nodeToken}\r\n\r\n`,
  );
  const client = new SpdyTestClient((b) => sock.write(b));
  let head = Buffer.alloc(0);
  await new Promise<void>((resolve, reject) => {
    const onData = (c: Buffer) => {
      head = Buffer.concat([head, c]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      sock.off('data', onData);
      if (!head.subarray(0, end).toString().startsWith('HTTP/1.1 101')) {
        reject(new Error(head.toString()));
        return;
      }
      sock.on('data', (d: Buffer) => client.receive(d));
      const rest = head.subarray(end + 4);
      if (rest.length) client.receive(rest);
      resolve();
    };
    sock.on('data', onData);
    sock.once('close', () => reject(new Error('closed before the upgrade')));
  });
  void closed.then(() => client.end());
  return Object.assign(client, { sock, closed });
}

/** The server still runs an exec over a websocket. */
async function stillServing(): Promise<void> {
  const ws = new WebSocket(`${node()}/exec/default/web/app?command=echo&command=alive&output=1`, ['v4.channel.k8s.io'], {
    headers: { Authorization: `Bearer ${sc.nodeToken}` },
  });
  const out: Buffer[] = [];
  ws.on('message', (d: Buffer) => {
    if (d[0] === 1) out.push(d.subarray(1));
  });
  await new Promise<void>((resolve, reject) => {
    ws.on('close', () => resolve());
    ws.on('error', reject);
  });
  assert.equal(Buffer.concat(out).toString(), 'alive\n');
}

test('SPDY: a frame of another version, and frames too short for their type, end the session', async () => {
  let s = await spdy('/portForward/default/web', 'portforward.k8s.io');
  s.sock.write(Buffer.from([0x80, 0x02, 0x00, 0x01, 0, 0, 0, 0]));
  await s.closed;
  for (const [type, data] of [
    [FrameType.SynStream, Buffer.alloc(2)],
    [FrameType.RstStream, Buffer.alloc(3)],
    [FrameType.Ping, Buffer.alloc(1)],
    [FrameType.Headers, Buffer.alloc(0)],
  ] as const) {
    s = await spdy('/portForward/default/web', 'portforward.k8s.io');
    s.sock.write(encodeControlFrame(type, 0, data));
    await s.closed;
  }
  // A header block that is not zlib at all.
  s = await spdy('/portForward/default/web', 'portforward.k8s.io');
  s.sock.write(
    encodeControlFrame(
      FrameType.SynStream,
      0,
      Buffer.concat([Buffer.from([0, 0, 0, 1, 0, 0, 0, 0, 0, 0]), Buffer.from('not zlib at all')]),
    ),
  );
  await s.closed;
  await stillServing();
});

test('SPDY: a header block that inflates to 384 MiB ends the session before it costs memory', async () => {
  const s = await spdy('/portForward/default/web', 'portforward.k8s.io');
  // One header whose value claims 384 MiB; the block is made in pieces so this test holds none of it.
  const head = Buffer.alloc(13);
  head.writeUInt32BE(1, 0);
  head.writeUInt32BE(1, 4);
  head.write('x', 8);
  head.writeUInt32BE(384 << 20, 9);
  const zeros = Buffer.alloc(1 << 20);
  const before = process.memoryUsage().rss;
  await s.synStreamCompressed(1, async (write) => {
    await write(head);
    for (let i = 0; i < 384; i++) await write(zeros);
  });
  await s.closed;
  assert.ok(process.memoryUsage().rss - before < 192 << 20, 'the node did not inflate the block');
  await stillServing();
});

test('SPDY: streams past the bound are refused; data for unknown streams is answered with a reset', async () => {
  const s = await spdy('/portForward/default/web', 'portforward.k8s.io');
  for (let i = 0; i <= MAX_CONCURRENT_STREAMS; i++)
    await s.synStream(2 * i + 1, { streamtype: ['error'], port: ['80'], requestid: [String(i)] });
  const refused = (await s.waitFor(
    (f) => f.control && f.type === FrameType.RstStream && f.data.readUInt32BE(4) === RstStatus.REFUSED_STREAM,
  )) as ControlFrame;
  assert.equal(refused.data.readUInt32BE(0), 2 * MAX_CONCURRENT_STREAMS + 1);
  s.sock.write(encodeDataFrame(99_999, FLAG_FIN, Buffer.from('who?')));
  const rst = (await s.waitFor((f) => f.control && f.type === FrameType.RstStream && f.data.readUInt32BE(0) === 99_999)) as ControlFrame;
  assert.equal(rst.data.readUInt32BE(4), RstStatus.INVALID_STREAM);
  s.sock.destroy();
  await stillServing();
});

/**
 * A pod port (podPort in the fake runtime) whose server writes `bytes` to every connection, so
 * transfers are under way when a side goes; close() ends its connections and the server.
 */
async function floodingPodPort(podPort: number, bytes: number, fill: string): Promise<{ sockets: Socket[]; close(): void }> {
  const sockets: Socket[] = [];
  const server = net.createServer((c) => {
    c.on('error', () => undefined);
    sockets.push(c);
    c.write(Buffer.alloc(bytes, fill));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  sc.runtime.ports.set(podPort, (server.address() as net.AddressInfo).port);
  return {
    sockets,
    close() {
      for (const c of sockets) c.destroy();
      server.close();
      sc.runtime.ports.delete(podPort);
    },
  };
}

/** Resolves once the socket is closed (at once if it already is). */
const closedSocket = (c: Socket): Promise<void> =>
  new Promise((r) => {
    if (c.destroyed) r();
    else c.on('close', () => r());
  });

test('SPDY port-forward: the client resets mid-transfer, then the pod side vanishes mid-transfer', async () => {
  const pod = await floodingPodPort(7070, 4 << 20, 'd');
  const podSockets = pod.sockets;
  try {
    for (const who of ['client', 'pod'] as const) {
      const s = await spdy('/portForward/default/web', 'portforward.k8s.io');
      await s.synStream(1, { streamtype: ['error'], port: ['7070'], requestid: ['0'] });
      await s.synStream(3, { streamtype: ['data'], port: ['7070'], requestid: ['0'] });
      await s.waitFor((f) => !f.control && f.streamId === 3);
      if (who === 'client') {
        s.sock.resetAndDestroy();
        // The pod's connection is closed once the client is gone.
        await closedSocket(podSockets.at(-1)!);
      } else {
        podSockets.at(-1)!.resetAndDestroy();
        // The client hears of it: the data stream ends (FIN) or the error stream says why.
        await s.waitFor((f) => !f.control && (f.flags & FLAG_FIN) !== 0);
        s.sock.destroy();
      }
    }
  } finally {
    pod.close();
  }
  await stillServing();
});

test('websocket: bytes that are not websocket frames after the upgrade end that connection', async () => {
  const sock = net.connect(sc.nodePort, '127.0.0.1');
  sock.on('error', () => undefined);
  const closed = new Promise<void>((r) => sock.on('close', () => r()));
  let got = '';
  sock.on('data', (d: Buffer) => {
    got += d.toString('latin1');
    if (got.includes('\r\n\r\n') && got.startsWith('HTTP/1.1 101')) sock.write(Buffer.alloc(64, 0xff));
  });
  sock.write(
    `GET /exec/default/web/app?command=sleep&command=30&output=1 HTTP/1.1\r\nHost: node\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: v4.channel.k8s.io\r\nAuthorization: Bearer ${sc.nodeToken}\r\n\r\n`,
  );
  await closed;
  assert.match(got, /^HTTP\/1\.1 101 /);
  // The exec whose client left is hung up on (SIGHUP, as a terminal's would be).
  await waitFor('the orphaned exec ended', () => sc.runtime.children.size === 0);
  await stillServing();
});

test('websocket port-forward and SPDY tunnel: the client vanishes mid-transfer; garbage in the tunnel', async () => {
  const pod = await floodingPodPort(7071, 8 << 20, 'w');
  try {
    const ws = new WebSocket(`${node()}/portForward/default/web?port=7071`, ['v4.channel.k8s.io'], {
      headers: { Authorization: `Bearer ${sc.nodeToken}` },
    });
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (d: Buffer) => {
        if (d[0] === 0 && d.length > 3) resolve();
      });
      ws.on('error', reject);
    });
    ws.terminate();
    await closedSocket(pod.sockets.at(-1)!);

    // kubectl's tunnel, by hand (ws will not offer a subprotocol with a '/'): then a message that is not SPDY.
    const sock = net.connect(sc.nodePort, '127.0.0.1');
    sock.on('error', () => undefined);
    const closed = new Promise<void>((r) => sock.on('close', () => r()));
    let got = '';
    sock.on('data', (d: Buffer) => {
      const first = got === '';
      got += d.toString('latin1');
      if (first && got.startsWith('HTTP/1.1 101')) {
        // A masked binary websocket message carrying a SPDY frame of version 9.
        const payload = Buffer.from([0x80, 0x09, 0, 1, 0, 0, 0, 0]);
        const mask = Buffer.from([1, 2, 3, 4]);
        sock.write(Buffer.concat([Buffer.from([0x82, 0x80 | payload.length]), mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]))]));
      }
    });
    sock.write(
      `GET /portForward/default/web HTTP/1.1\r\nHost: node\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: SPDY/3.1+portforward.k8s.io\r\nAuthorization: Bearer ${sc.nodeToken}\r\n\r\n`,
    );
    await closed;
    assert.match(got, /^HTTP\/1\.1 101 [\s\S]*Sec-WebSocket-Protocol: SPDY\/3\.1\+portforward\.k8s\.io/i);
  } finally {
    pod.close();
  }
  await stillServing();
});
