import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makePod } from './fixtures.js';
import { SchedulingQueue } from './queue.js';

test('activeQ: higher priority first, then first come first served', async () => {
  let now = 1000;
  const q = new SchedulingQueue({ now: () => now });
  try {
    q.add(makePod('a'));
    now++;
    q.add(makePod('b', { priority: 10 }));
    now++;
    q.add(makePod('c'));
    q.add(makePod('a')); // already queued: ignored
    const order = [];
    for (let i = 0; i < 3; i++) order.push((await q.pop())!.key);
    assert.deepEqual(order, ['default/b', 'default/a', 'default/c']);
  } finally {
    q.close();
  }
});

test('backoff: 1 s doubling per attempt up to 10 s', () => {
  const q = new SchedulingQueue();
  try {
    const info = { pod: makePod('p'), key: 'default/p', timestamp: 0, attempts: 0, unschedulablePlugins: new Set<string>(), seq: 0 };
    const d = [1, 2, 3, 4, 5, 6].map((a) => q.backoffDuration({ ...info, attempts: a }));
    assert.deepEqual(d, [1000, 2000, 4000, 8000, 10000, 10000]);
  } finally {
    q.close();
  }
});

test('unschedulable pods wait for an event that may help, then back off or go active', async () => {
  let now = 0;
  const q = new SchedulingQueue({ now: () => now, initialBackoffMs: 1000 });
  try {
    q.add(makePod('p'));
    const info = (await q.pop())!;
    const cycle = q.schedulingCycle;
    info.unschedulablePlugins = new Set(['NodeAffinity']);
    q.addUnschedulableIfNotPresent(info, cycle);
    assert.equal(q.whereIs('default/p'), 'unschedulable');
    // An event for another plugin leaves it parked.
    q.moveAllToActiveOrBackoffQueue({ label: 'NodeUpdate', plugins: new Set(['NodeResourcesFit']) });
    assert.equal(q.whereIs('default/p'), 'unschedulable');
    // A label change may help NodeAffinity: still within its 1 s back-off, so backoffQ.
    now = 500;
    q.moveAllToActiveOrBackoffQueue({ label: 'NodeUpdate', plugins: new Set(['NodeAffinity']) });
    assert.equal(q.whereIs('default/p'), 'backoff');
    now = 1001;
    q.flushBackoffQCompleted();
    assert.equal(q.whereIs('default/p'), 'active');
  } finally {
    q.close();
  }
});

test('a move request during the attempt sends the failed pod to backoff instead of parking it', async () => {
  const now = 0;
  const q = new SchedulingQueue({ now: () => now });
  try {
    q.add(makePod('p'));
    const info = (await q.pop())!;
    const cycle = q.schedulingCycle;
    q.moveAllToActiveOrBackoffQueue({ label: 'NodeAdd' });
    info.unschedulablePlugins = new Set(['NodeResourcesFit']);
    q.addUnschedulableIfNotPresent(info, cycle);
    assert.equal(q.whereIs('default/p'), 'backoff');
  } finally {
    q.close();
  }
});

test('parked pods are flushed after 5 minutes; updates to a parked pod requeue it; deletes remove it', async () => {
  let now = 0;
  const q = new SchedulingQueue({ now: () => now });
  try {
    q.add(makePod('p'));
    q.add(makePod('r'));
    for (const key of ['default/p', 'default/r']) {
      const info = (await q.pop())!;
      assert.equal(info.key, key);
      info.unschedulablePlugins = new Set(['TaintToleration']);
      q.addUnschedulableIfNotPresent(info, q.schedulingCycle);
    }
    now = 5 * 60_000 + 1;
    q.flushUnschedulablePodsLeftover();
    assert.equal(q.whereIs('default/p'), 'active');
    const p2 = (await q.pop())!;
    p2.unschedulablePlugins = new Set(['TaintToleration']);
    q.addUnschedulableIfNotPresent(p2, q.schedulingCycle);
    const old = makePod('p');
    const updated = makePod('p', { tolerations: [{ operator: 'Exists' }] });
    now += 20_000;
    q.update(old, updated);
    assert.equal(q.whereIs('default/p'), 'active');
    q.delete(makePod('r'));
    assert.equal(q.whereIs('default/r'), undefined);
  } finally {
    q.close();
  }
});

test('pods with scheduling gates wait until the gates are removed', async () => {
  const q = new SchedulingQueue();
  try {
    const gated = makePod('g');
    gated.spec!.schedulingGates = [{ name: 'example.com/wait' }];
    q.add(gated);
    assert.equal(q.whereIs('default/g'), 'gated');
    q.moveAllToActiveOrBackoffQueue({ label: 'NodeAdd' });
    assert.equal(q.whereIs('default/g'), 'gated');
    q.update(gated, makePod('g'));
    assert.equal((await q.pop())!.key, 'default/g');
  } finally {
    q.close();
  }
});
