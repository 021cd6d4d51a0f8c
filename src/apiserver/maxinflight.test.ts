// The in-flight limit's queueing (maxinflight.ts) on its own: which priority level a request
// waits in, the turns levels and users take for freed slots, the bound on a user's queue, the
// wait that runs out, and a client that leaves while it waits. The limit as served over HTTP is
// in hardening.test ("in-flight limits").

import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { test } from 'node:test';
import { StatusError } from '../api/errors.js';
import type { UserInfo } from './authn/user.js';
import { MaxInFlightLimit, priorityLevel } from './maxinflight.js';
import type { RequestInfo } from './request.js';

const info = (verb: string, resource: string, group = '', namespace?: string): RequestInfo =>
  ({ verb, resource, group, version: 'v1', namespace, isResourceRequest: true, path: '' }) as unknown as RequestInfo;
const user = (name: string, ...groups: string[]): UserInfo => ({ name, groups: [...groups, 'system:authenticated'] });

test('priority levels as v1.32 suggested FlowSchemas give them', () => {
  const scheduler = user('system:kube-scheduler');
  assert.equal(priorityLevel(scheduler, info('create', 'pods')), 'workload-high');
  assert.equal(priorityLevel(user('system:kube-controller-manager'), info('update', 'replicasets', 'apps', 'ns')), 'workload-high');
  assert.equal(priorityLevel(scheduler, info('update', 'leases', 'coordination.k8s.io', 'kube-system')), 'leader-election');
  assert.equal(
    priorityLevel(
      user('system:serviceaccount:kube-system:deployment-controller', 'system:serviceaccounts'),
      info('update', 'deployments', 'apps', 'x'),
    ),
    'workload-high',
  );
  assert.equal(
    priorityLevel(user('system:serviceaccount:kube-system:x', 'system:serviceaccounts'), info('get', 'configmaps', '', 'kube-system')),
    'leader-election',
  );
  assert.equal(priorityLevel(user('system:serviceaccount:apps:web', 'system:serviceaccounts'), info('list', 'pods')), 'workload-low');
  const node = user('system:node:n1', 'system:nodes');
  assert.equal(priorityLevel(node, info('update', 'leases', 'coordination.k8s.io', 'kube-node-lease')), 'node-high');
  assert.equal(priorityLevel(node, info('patch', 'nodes')), 'node-high');
  assert.equal(priorityLevel(node, info('patch', 'pods', '', 'ns')), 'system');
  assert.equal(priorityLevel(user('jane'), info('create', 'configmaps', '', 'default')), 'global-default');
  assert.equal(priorityLevel(undefined, undefined), 'global-default');
});

/** A request and its response as the limit sees them: a method, and a response that closes. */
function exchange(method: string): { req: IncomingMessage; res: ServerResponse; close(): void } {
  const res = new EventEmitter() as unknown as ServerResponse;
  return { req: { method } as IncomingMessage, res, close: () => (res as unknown as EventEmitter).emit('close') };
}

test('past a full pool requests wait; freed slots go to the level served least for its shares, and to its users in turn', async () => {
  const limit = new MaxInFlightLimit(0, 2, 60_000);
  const running = [exchange('POST'), exchange('POST')];
  for (const r of running) assert.equal(limit.admit(r.req, r.res, info('create', 'pods'), user('jane')), undefined);
  const served: string[] = [];
  const pending: Promise<void>[] = [];
  const started: Array<() => void> = [];
  const wait = (name: string, u: UserInfo, i: RequestInfo) => {
    const x = exchange('POST');
    const p = limit.admit(x.req, x.res, i, u);
    assert.ok(p, `${name} waits`);
    pending.push(
      p.then(() => {
        served.push(name);
        started.push(x.close);
      }),
    );
  };
  // Four of the scheduler's (workload-high, shares 40), two users' in global-default (shares 20).
  for (let i = 0; i < 4; i++) wait(`sched-${i}`, user('system:kube-scheduler'), info('create', 'bindings'));
  for (let i = 0; i < 2; i++) wait(`jane-${i}`, user('jane'), info('create', 'configmaps'));
  for (let i = 0; i < 2; i++) wait(`joe-${i}`, user('joe'), info('create', 'configmaps'));
  assert.deepEqual(limit.inFlight, { readOnly: 0, mutating: 2, waiting: 8 });
  // system:masters is served at once, past the full pool.
  const admin = exchange('POST');
  assert.equal(limit.admit(admin.req, admin.res, info('create', 'pods'), user('admin', 'system:masters')), undefined);
  // Free the slots one at a time: each freed slot starts one waiter.
  for (const r of running) r.close();
  for (let n = 0; n < 8; n++) {
    await new Promise((r) => setImmediate(r));
    // The pool stays full while anyone waits.
    if (limit.inFlight.waiting > 0) assert.equal(limit.inFlight.mutating, 2);
    started.shift()?.();
  }
  await Promise.all(pending);
  // workload-high has twice global-default's shares: two of its own to one of the other level's;
  // in global-default jane and joe take turns.
  assert.deepEqual(served, ['sched-0', 'jane-0', 'sched-1', 'sched-2', 'joe-0', 'sched-3', 'jane-1', 'joe-1']);
  for (const close of started.splice(0)) close();
  assert.deepEqual(limit.inFlight, { readOnly: 0, mutating: 0, waiting: 0 });
});

test("a user's queue is bounded (APF's handSize x queueLengthLimit: 300), a wait runs out, a client that leaves is dropped", async () => {
  const limit = new MaxInFlightLimit(1, 0, 200);
  const running = exchange('GET');
  assert.equal(limit.admit(running.req, running.res, info('list', 'pods'), user('jane')), undefined);
  const waits: Promise<void>[] = [];
  for (let i = 0; i < 300; i++) {
    const x = exchange('GET');
    waits.push(limit.admit(x.req, x.res, info('list', 'pods'), user('jane'))!.catch((e: unknown) => Promise.reject(e)));
  }
  const over = exchange('GET');
  await assert.rejects(limit.admit(over.req, over.res, info('list', 'pods'), user('jane'))!, (e: unknown) => {
    assert.ok(e instanceof StatusError);
    assert.equal(e.code, 429);
    assert.equal(e.details?.retryAfterSeconds, 1);
    return true;
  });
  // Another user has a queue of their own.
  const joe = exchange('GET');
  const joeWaits = limit.admit(joe.req, joe.res, info('list', 'pods'), user('joe'))!;
  assert.equal(limit.inFlight.waiting, 301);
  // Joe goes away: he leaves the queue.
  joe.close();
  await assert.rejects(joeWaits, /closed the connection/);
  assert.equal(limit.inFlight.waiting, 300);
  // The rest wait out their 200 ms and are refused.
  const results = await Promise.allSettled(waits);
  assert.ok(results.every((r) => r.status === 'rejected' && (r.reason as StatusError).code === 429));
  assert.deepEqual(limit.inFlight, { readOnly: 1, mutating: 0, waiting: 0 });
  running.close();
  assert.equal(limit.inFlight.readOnly, 0);
});
