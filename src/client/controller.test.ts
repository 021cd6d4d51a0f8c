// QueueController: its loop and the further loops a controller adds run from start to stop.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stays, waitFor } from '../testing/wait.js';
import { QueueController } from './controller.js';

class TwoQueues extends QueueController {
  readonly seen: string[] = [];
  readonly orphans;

  constructor() {
    super('two-queues', 1);
    this.orphans = this.addLoop('two-queues-orphans', async (key) => {
      this.seen.push(`orphan ${key}`);
    });
  }

  async reconcile(key: string): Promise<void> {
    this.seen.push(`main ${key}`);
  }
}

test('an added loop starts and stops with the controller', async () => {
  const c = new TwoQueues();
  c.loop.enqueue('a');
  c.orphans.enqueue('b');
  await stays('nothing runs before start', () => c.seen.length === 0, 100);
  c.start();
  await waitFor('both queues worked', () => c.seen.length === 2);
  assert.deepEqual([...c.seen].sort(), ['main a', 'orphan b']);
  await c.stop();
  c.loop.enqueue('c');
  c.orphans.enqueue('d');
  await stays('nothing runs after stop', () => c.seen.length === 2, 100);
});
