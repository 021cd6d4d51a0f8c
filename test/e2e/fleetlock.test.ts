// The built-in FleetLock server (issue #18), driven as Zincati drives one: three simulated nodes
// "reboot" in turn through a client that speaks the protocol and retries, with the stock kubectl
// watching nodes and pods. Invariants are checked at every watch event: never more nodes cordoned
// than there are slots, never fewer Ready pods than the PodDisruptionBudget's minimum.

import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { zincatiId } from '../../src/fleetlock/server.js';
import { CLI, run, spawnKubectl, TestCluster } from './harness.js';

const cluster = new TestCluster('fleetlock', 'sqlite');
let base = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

interface Reply {
  status: number;
  body: string;
  json?: { kind?: string; value?: string };
}

/** One FleetLock request, as Zincati sends it (headers and body are the test's to spoil). */
function post(
  path: string,
  body: string | object,
  headers: Record<string, string> = { 'fleet-lock-protocol': 'true' },
  method = 'POST',
): Promise<Reply> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${base}${path}`,
      { method, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)), ...headers } },
      (res) => {
        let text = '';
        res.on('data', (c) => {
          text += String(c);
        });
        res.on('end', () => {
          let json: Reply['json'];
          try {
            json = JSON.parse(text);
          } catch {
            /* plain text on success */
          }
          resolve({ status: res.statusCode ?? 0, body: text, json });
        });
      },
    );
    req.on('error', (e) =>
      reject(new Error(`${method} ${path} (${payload.length} bytes, headers ${JSON.stringify(headers)}): ${e.message}`)),
    );
    req.end(payload);
  });
}

const params = (id: string, group: string) => ({ client_params: { id, group } });

/** Zincati's loop: ask again until the server says yes (bounded in tries and time). */
async function untilGranted(path: string, id: string, group: string, seen: Set<string> = new Set()): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (let i = 0; i < 900 && Date.now() < deadline; i++) {
    const r = await post(path, params(id, group));
    if (r.status === 200) return;
    assert.ok(r.json?.kind, `a non-2xx carries a kind: ${r.status} ${r.body}`);
    seen.add(r.json.kind);
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`${path} for ${id} was not granted in time`);
}

const json = async (...args: string[]) => JSON.parse(await cluster.k(...args, '-o', 'json'));
const isReady = (p: any): boolean => p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') ?? false;

/** `kubectl get -w --output-watch-events -o json` output, replayed: the objects after every event. */
function replay(output: string, each: (objects: Map<string, any>) => void): number {
  const objs = new Map<string, any>();
  let events = 0;
  for (const doc of output.trim().replace(/}\s*{/g, '}\n@@\n{').split('\n@@\n')) {
    let ev: any;
    try {
      ev = JSON.parse(doc);
    } catch {
      continue;
    }
    if (!ev.object?.metadata) continue;
    events++;
    if (ev.type === 'DELETED') objs.delete(ev.object.metadata.name);
    else objs.set(ev.object.metadata.name, ev.object);
    each(objs);
  }
  return events;
}

async function machines(): Promise<{ node: string; id: string }[]> {
  const nodes = (await json('get', 'nodes')).items as any[];
  return nodes
    .map((n) => ({ node: n.metadata.name, id: zincatiId(n.status.nodeInfo.machineID)! }))
    .sort((a, b) => a.node.localeCompare(b.node));
}

async function fleetlockCli(...args: string[]) {
  return run(process.execPath, [CLI, 'fleetlock', ...args, '--data-dir', cluster.dataDir], { env: cluster.env() });
}

before(async () => {
  base = `http://127.0.0.1:${await freePort()}`;
  const r = await cluster.up(['--no-node', '--simulated-nodes', '3', '--fleetlock-address', base.slice('http://'.length)]);
  assert.match(r.stdout, new RegExp(`fleetlock:\\s+${base}`), 'up prints the FleetLock base URL');
  await cluster.waitFor(
    '3 Ready nodes',
    async () =>
      (await json('get', 'nodes')).items.filter((n: any) =>
        n.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'),
      ).length === 3,
    60_000,
  );
});
after(async () => {
  await cluster.stop();
});

describe('FleetLock', () => {
  test("the protocol's errors have its shape; both operations are idempotent", async () => {
    let r = await post('/v1/pre-reboot', params('m1', 'errors'), {});
    assert.equal(r.status, 400);
    assert.equal(r.json?.kind, 'missing_header');
    assert.match(r.json?.value ?? '', /fleet-lock-protocol/);
    r = await post('/v1/pre-reboot', '{"client_params": {"id": "m1"');
    assert.equal(r.status, 400);
    assert.equal(r.json?.kind, 'failed_decoding_request');
    r = await post('/v1/pre-reboot', { client_params: { id: 'm1' } });
    assert.equal(r.json?.kind, 'failed_decoding_request');
    r = await post('/v1/pre-reboot', { client_params: { id: 'm1', group: '../etc' } });
    assert.equal(r.json?.kind, 'failed_decoding_request');
    r = await post('/v1/pre-reboot', 'x'.repeat(200_000));
    assert.equal(r.json?.kind, 'failed_decoding_request');
    r = await post('/v1/pre-reboot', params('m1', 'errors'), { 'fleet-lock-protocol': 'true' }, 'GET');
    assert.equal(r.status, 405);
    assert.equal(r.json?.kind, 'method_not_allowed');
    // A machine that is no node of the cluster takes its slot with nothing to drain; again: still 200.
    assert.equal((await post('/v1/pre-reboot', params('m1', 'errors'))).status, 200);
    assert.equal((await post('/v1/pre-reboot', params('m1', 'errors'))).status, 200);
    r = await post('/v1/pre-reboot', params('m2', 'errors'));
    assert.equal(r.status, 423);
    assert.equal(r.json?.kind, 'locked');
    assert.match(r.json?.value ?? '', /held \(by m1\)/);
    // steady-state from a non-holder: 200, and m1 still holds the slot.
    assert.equal((await post('/v1/steady-state', params('m2', 'errors'))).status, 200);
    assert.equal((await post('/v1/pre-reboot', params('m2', 'errors'))).json?.kind, 'locked');
    assert.equal((await post('/v1/steady-state', params('m1', 'errors'))).status, 200);
    assert.equal((await post('/v1/steady-state', params('m1', 'errors'))).status, 200);
    assert.equal((await post('/v1/pre-reboot', params('m2', 'errors'))).status, 200);
    assert.equal((await post('/v1/steady-state', params('m2', 'errors'))).status, 200);
    // The semaphore is an object of the cluster, visible with kubectl.
    const cm = await json('get', 'configmap', 'fleetlock-errors', '-n', 'kube-system');
    assert.deepEqual({ slots: cm.data.slots, holders: JSON.parse(cm.data.holders) }, { slots: '1', holders: [] });
  });

  test('with 1 slot three nodes reboot in turn: drained first, never two cordoned, the budget kept', { timeout: 240_000 }, async () => {
    await cluster.k('create', 'deployment', 'web', '--image=registry.k8s.io/pause:3.10', '--replicas=6');
    await cluster.k('create', 'pdb', 'web', '--selector=app=web', '--min-available=4');
    await cluster.waitFor(
      '6 Ready web pods',
      async () => (await json('get', 'pods', '-l', 'app=web')).items.filter(isReady).length === 6,
      60_000,
    );
    await cluster.waitFor('the budget to allow 2', async () => (await json('get', 'pdb', 'web')).status?.disruptionsAllowed === 2, 30_000);
    const nodesWatch = spawnKubectl(cluster, ['get', 'nodes', '-w', '--output-watch-events', '-o', 'json']);
    const podsWatch = spawnKubectl(cluster, ['get', 'pods', '-l', 'app=web', '-w', '--output-watch-events', '-o', 'json']);
    try {
      await cluster.waitFor('the watches to list', () => nodesWatch.output().includes('"ADDED"') && podsWatch.output().includes('"ADDED"'));
      const order: string[] = [];
      const kinds = new Set<string>();
      await Promise.all(
        (await machines()).map(async ({ node, id }) => {
          await untilGranted('/v1/pre-reboot', id, 'workers', kinds);
          order.push(node);
          // Granted only once the node is cordoned and its pods have moved elsewhere.
          const n = await json('get', 'node', node);
          assert.equal(n.spec.unschedulable, true, `${node} is cordoned when its reboot is granted`);
          const left = (await json('get', 'pods', '-l', 'app=web', '--field-selector', `spec.nodeName=${node}`)).items;
          assert.deepEqual(
            left.map((p: any) => p.metadata.name),
            [],
            `${node} holds no web pod when its reboot is granted`,
          );
          await new Promise((r) => setTimeout(r, 300)); // the "reboot"
          await untilGranted('/v1/steady-state', id, 'workers');
        }),
      );
      assert.equal(order.length, 3);
      assert.ok(kinds.has('locked'), `the others were told the slot is taken (${[...kinds].join(', ')})`);
      // Settle: every node schedulable again, the Deployment whole.
      await cluster.waitFor(
        'nodes schedulable',
        async () => (await json('get', 'nodes')).items.every((n: any) => !n.spec.unschedulable),
        30_000,
      );
      await cluster.waitFor(
        '6 Ready web pods again',
        async () => (await json('get', 'pods', '-l', 'app=web')).items.filter(isReady).length === 6,
        60_000,
      );
    } finally {
      nodesWatch.stop();
      podsWatch.stop();
    }
    let maxCordoned = 0;
    const nodeEvents = replay(nodesWatch.output(), (nodes) => {
      maxCordoned = Math.max(maxCordoned, [...nodes.values()].filter((n) => n.spec?.unschedulable).length);
    });
    assert.ok(nodeEvents > 6, `node watch saw the cordons (${nodeEvents} events)`);
    assert.equal(maxCordoned, 1, 'exactly one node cordoned at a time');
    let minReady = Infinity;
    let podEvents = 0;
    replay(podsWatch.output(), (pods) => {
      if (++podEvents <= 6) return; // the initial listing
      minReady = Math.min(minReady, [...pods.values()].filter((p) => !p.metadata.deletionTimestamp && isReady(p)).length);
    });
    assert.ok(podEvents > 12, `pod watch saw pods move (${podEvents} events)`);
    assert.ok(minReady >= 4, `the budget's minimum of 4 Ready pods held at every event (lowest ${minReady})`);
  });

  test('a held slot survives down and up; with 2 slots two reboot together and never three; an administrator frees a slot', {
    timeout: 240_000,
  }, async () => {
    assert.equal((await post('/v1/pre-reboot', params('gone-for-good', 'workers'))).status, 200);
    assert.equal((await cluster.down()).code, 0);
    const r = await cluster.up(['--fleetlock-slots', '2']);
    assert.match(r.stdout, /fleetlock:/);
    let ls = await fleetlockCli('ls');
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /^workers\s+2\s+1\s+gone-for-good$/m, ls.stdout);
    // The administrator frees the slot of a machine that will never come back.
    const rel = await fleetlockCli('release', 'gone-for-good');
    assert.equal(rel.code, 0, rel.stderr);
    ls = await fleetlockCli('ls');
    assert.match(ls.stdout, /^workers\s+2\s+0\s+<none>$/m, ls.stdout);
    const again = await fleetlockCli('release', 'gone-for-good');
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /holds no FleetLock reboot slot/);

    const nodesWatch = spawnKubectl(cluster, ['get', 'nodes', '-w', '--output-watch-events', '-o', 'json']);
    const [a, b, c] = await machines();
    try {
      await cluster.waitFor('the watch to list', () => nodesWatch.output().includes('"ADDED"'));
      await Promise.all([untilGranted('/v1/pre-reboot', a.id, 'workers'), untilGranted('/v1/pre-reboot', b.id, 'workers')]);
      const cordoned = (await json('get', 'nodes')).items
        .filter((n: any) => n.spec.unschedulable)
        .map((n: any) => n.metadata.name)
        .sort();
      assert.deepEqual(cordoned, [a.node, b.node].sort(), 'two nodes reboot together');
      const third = await post('/v1/pre-reboot', params(c.id, 'workers'));
      assert.equal(third.status, 423);
      assert.equal(third.json?.kind, 'locked');
      ls = await fleetlockCli('ls');
      assert.match(ls.stdout, new RegExp(`^workers\\s+2\\s+2\\s+(${a.id},${b.id}|${b.id},${a.id})$`, 'm'), ls.stdout);
      await untilGranted('/v1/steady-state', a.id, 'workers');
      await untilGranted('/v1/pre-reboot', c.id, 'workers');
      await untilGranted('/v1/steady-state', b.id, 'workers');
      await untilGranted('/v1/steady-state', c.id, 'workers');
      await cluster.waitFor(
        'nodes schedulable',
        async () => (await json('get', 'nodes')).items.every((n: any) => !n.spec.unschedulable),
        30_000,
      );
    } finally {
      nodesWatch.stop();
    }
    let maxCordoned = 0;
    replay(nodesWatch.output(), (nodes) => {
      maxCordoned = Math.max(maxCordoned, [...nodes.values()].filter((n) => n.spec?.unschedulable).length);
    });
    assert.equal(maxCordoned, 2, 'two at once at most, and two did reboot together');
  });
});
