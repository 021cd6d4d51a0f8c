import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Lease } from '../api/types.js';
import { useFakeApiServer } from '../testing/fakeserver.js';
import { waitFor } from '../testing/wait.js';
import { LeaderElector } from './leaderelection.js';

const fake = useFakeApiServer();

interface Candidate {
  elector: LeaderElector;
  signal?: AbortSignal;
  started: number;
  stopped: number;
}

function candidates(leaseName: string, ids: string[], releaseOnCancel: boolean): { list: Candidate[]; maxConcurrent: () => number } {
  let leading = 0;
  let max = 0;
  const list = ids.map((identity) => {
    const c: Candidate = { started: 0, stopped: 0 } as Candidate;
    c.elector = new LeaderElector({
      client: fake.client,
      namespace: 'kube-system',
      name: leaseName,
      identity,
      releaseOnCancel,
      leaseDurationSeconds: 1,
      renewDeadlineMs: 600,
      retryPeriodMs: 100,
      callbacks: {
        onStartedLeading: (signal) => {
          c.signal = signal;
          c.started++;
          leading++;
          max = Math.max(max, leading);
        },
        onStoppedLeading: () => {
          c.stopped++;
          leading--;
        },
      },
    });
    return c;
  });
  return { list, maxConcurrent: () => max };
}

function lease(name: string): Lease {
  return fake.server.getObject('coordination.k8s.io', 'leases', 'kube-system', name) as Lease;
}

test('two candidates: one leads, renews; the other takes over when it stops and releases', async () => {
  const {
    list: [a, b],
    maxConcurrent,
  } = candidates('ctrl', ['a', 'b'], true);
  void a.elector.run();
  void b.elector.run();
  try {
    await waitFor('a leader', () => a.elector.isLeader() || b.elector.isLeader());
    const [leader, other] = a.elector.isLeader() ? [a, b] : [b, a];
    const first = lease('ctrl');
    assert.equal(first.spec?.holderIdentity, leader === a ? 'a' : 'b');
    assert.equal(first.spec?.leaseDurationSeconds, 1);
    assert.match(first.spec?.renewTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, 'MicroTime');
    // Several renewals later the same one leads and the other still waits.
    const renewTimes = new Set<string>();
    await waitFor('renewals', () => {
      renewTimes.add(lease('ctrl').spec?.renewTime ?? '');
      return renewTimes.size >= 4;
    });
    assert.ok(leader.elector.isLeader());
    assert.ok(!other.elector.isLeader());
    assert.equal(other.elector.getLeader(), leader === a ? 'a' : 'b');
    assert.equal(lease('ctrl').spec?.acquireTime, first.spec?.acquireTime, 'renewing keeps acquireTime');

    await leader.elector.stop();
    assert.equal(leader.stopped, 1);
    assert.ok(leader.signal?.aborted, 'the leading signal aborts');
    await waitFor('the other to take over', () => other.elector.isLeader());
    const after = lease('ctrl');
    assert.equal(after.spec?.holderIdentity, other === a ? 'a' : 'b');
    assert.equal(after.spec?.leaseTransitions, 1);
    assert.equal(maxConcurrent(), 1, 'never two leaders at once');
  } finally {
    await Promise.all([a.elector.stop(), b.elector.stop()]);
  }
});

test('without release, the other takes over once the lease expires', async () => {
  const {
    list: [a, b],
    maxConcurrent,
  } = candidates('crash', ['a', 'b'], false);
  void a.elector.run();
  try {
    await waitFor('a to lead', () => a.elector.isLeader());
    void b.elector.run();
    await waitFor('b to see a', () => b.elector.getLeader() === 'a');
    assert.ok(!b.elector.isLeader());
    const stoppedAt = Date.now();
    await a.elector.stop(); // like a crash: the lease still names a
    assert.equal(lease('crash').spec?.holderIdentity, 'a');
    await waitFor('b to take over', () => b.elector.isLeader(), 5000);
    assert.ok(Date.now() - stoppedAt >= 500, 'b waited for the lease to expire');
    assert.equal(lease('crash').spec?.leaseTransitions, 1);
    assert.equal(maxConcurrent(), 1);
  } finally {
    await Promise.all([a.elector.stop(), b.elector.stop()]);
  }
});

test('a leader whose renewals fail steps down after renewDeadline', async () => {
  const {
    list: [a],
  } = candidates('lost', ['a'], true);
  void a.elector.run();
  try {
    await waitFor('a to lead', () => a.elector.isLeader());
    // Someone else writes the lease (say, an operator): a's next renewal sees another holder.
    const l = lease('lost');
    fake.server.upsert('coordination.k8s.io', 'v1', 'leases', { ...l, spec: { ...l.spec, holderIdentity: 'intruder' } });
    await waitFor('a to step down', () => !a.elector.isLeader() && a.stopped === 1);
    assert.ok(a.signal?.aborted);
  } finally {
    await a.elector.stop();
  }
});
