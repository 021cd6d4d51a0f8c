import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '../testing/wait.js';
import {
  BucketRateLimiter,
  defaultControllerRateLimiter,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  WorkQueue,
} from './workqueue.js';

test('add de-duplicates while queued', async () => {
  const q = new WorkQueue();
  q.add('a');
  q.add('b');
  q.add('a');
  assert.equal(q.length, 2);
  assert.equal(await q.get(), 'a');
  assert.equal(await q.get(), 'b');
  assert.equal(q.length, 0);
  q.shutdown();
});

test('an item added while processing is queued again after done, never handed out twice', async () => {
  const q = new WorkQueue();
  q.add('a');
  const item = await q.get();
  assert.equal(item, 'a');
  q.add('a');
  q.add('a');
  assert.equal(q.length, 0, 'not queued while processing');
  let second: string | undefined;
  const pending = q.get().then((x) => {
    second = x;
  });
  await new Promise((r) => setImmediate(r));
  assert.equal(second, undefined, 'a worker does not get a while it is processing');
  q.done('a');
  await pending;
  assert.equal(second, 'a');
  q.done('a');
  assert.equal(q.length, 0);
  q.shutdown();
});

test('get waits for an add', async () => {
  const q = new WorkQueue<string>();
  const got = q.get();
  q.add('x');
  assert.equal(await got, 'x');
  q.shutdown();
});

test('per-item exponential back-off doubles from 5 ms up to the cap; forget resets it', () => {
  const l = new ItemExponentialFailureRateLimiter<string>(5, 1_000_000);
  assert.deepEqual([l.when('a'), l.when('a'), l.when('a'), l.when('a')], [5, 10, 20, 40]);
  assert.equal(l.when('b'), 5, 'per item');
  assert.equal(l.numRequeues('a'), 4);
  for (let i = 0; i < 100; i++) l.when('a');
  assert.equal(l.when('a'), 1_000_000, 'capped at 1000 s');
  l.forget('a');
  assert.equal(l.numRequeues('a'), 0);
  assert.equal(l.when('a'), 5);
});

test('the overall bucket lets a burst through, then spaces items at its rate', () => {
  let now = 0;
  const bucket = new BucketRateLimiter<string>(10, 100, () => now);
  for (let i = 0; i < 100; i++) assert.equal(bucket.when(), 0);
  assert.equal(bucket.when(), 100);
  assert.equal(bucket.when(), 200);
  now += 1000; // refills 10 tokens, 2 of them owed
  assert.equal(bucket.when(), 0);
  const combined = new MaxOfRateLimiter<string>(
    new ItemExponentialFailureRateLimiter<string>(5, 1000),
    new BucketRateLimiter<string>(10, 1, () => now),
  );
  assert.equal(combined.when('a'), 5);
  assert.equal(combined.when('a'), 100, 'the slower limiter wins');
  assert.equal(defaultControllerRateLimiter<string>().when('x'), 5);
});

test('addRateLimited delays by the back-off; addAfter keeps the earliest time', async () => {
  const q = new WorkQueue<string>({ rateLimiter: new ItemExponentialFailureRateLimiter<string>(30, 1000) });
  q.addRateLimited('a');
  assert.equal(q.length, 0, 'not yet');
  assert.equal(q.numRequeues('a'), 1);
  await waitFor('a after its back-off', () => q.length === 1);
  assert.equal(await q.get(), 'a');
  q.done('a');
  q.forget('a');
  assert.equal(q.numRequeues('a'), 0);

  q.addAfter('b', 60_000);
  q.addAfter('b', 10);
  await waitFor('b at the earlier time', () => q.length === 1);
  q.addAfter('c', 0);
  assert.equal(q.length, 2, 'no delay: at once');
  q.shutdown(); // also clears b's 60 s timer, or this test would keep the process alive
});

test('shutdown wakes blocked workers, refuses adds, still hands out what was queued', async () => {
  const q = new WorkQueue<string>();
  const blocked = q.get();
  q.shutdown();
  assert.equal(await blocked, undefined);
  q.add('late');
  assert.equal(q.length, 0);
  assert.ok(q.isShuttingDown());

  const q2 = new WorkQueue<string>();
  q2.add('a');
  q2.add('b');
  const a = await q2.get();
  q2.shutdown();
  assert.equal(await q2.get(), 'b');
  assert.equal(await q2.get(), undefined);
  let drained = false;
  const drain = q2.shutdownWithDrain().then(() => {
    drained = true;
  });
  await new Promise((r) => setImmediate(r));
  assert.equal(drained, false, 'a and b still processing');
  q2.done(a!);
  q2.done('b');
  await drain;
  assert.ok(drained);
});
