import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestControlPlane } from '../testing/controlplane.js';
import { RebootSemaphore } from './semaphore.js';

test('two servers racing for the slots of one group never hand out more than there are', async () => {
  const cp = await startTestControlPlane();
  try {
    for (const slots of [1, 2]) {
      const group = `race${slots}`;
      // Two FleetLock servers, each with its own client (as two API servers' clients would be).
      const a = new RebootSemaphore(cp.newClient('fleetlock-a'), slots);
      const b = new RebootSemaphore(cp.newClient('fleetlock-b'), slots);
      const ids = Array.from({ length: 12 }, (_, i) => `machine-${i}`);
      const results = await Promise.all(ids.map((id, i) => (i % 2 ? a : b).lock(group, id)));
      const granted = ids.filter((_, i) => results[i] === 'acquired');
      assert.equal(granted.length, slots, `${results.join(',')}`);
      assert.equal(results.filter((r) => r === 'full').length, ids.length - slots);
      const state = await a.state(group);
      assert.deepEqual([...state.holders].sort(), [...granted].sort());
      // Releases and takes racing too: the holders stay within the slots at the end.
      await Promise.all([...granted.map((id) => b.unlock(group, id)), ...ids.slice(0, 6).map((id) => a.lock(group, id))]);
      const after = await b.state(group);
      assert.ok(after.holders.length <= slots, JSON.stringify(after));
      assert.equal(new Set(after.holders).size, after.holders.length, 'no holder twice');
    }
  } finally {
    await cp.stop();
  }
});
