// The watch flush queue (watchflush.ts): every queued flush runs once, later, in order, and one
// that throws does not stop the others.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '../testing/wait.js';
import { WatchFlushQueue } from './watchflush.js';

test('flushes run once each, in the order queued, after the caller returns', async () => {
  const q = new WatchFlushQueue();
  const ran: number[] = [];
  for (let i = 0; i < 5000; i++) q.add(() => ran.push(i));
  // Nothing is written in the caller's turn: the write that made the events is answered first.
  assert.equal(ran.length, 0);
  assert.equal(q.waiting, 5000);
  await waitFor('every flush ran', () => ran.length === 5000, 10_000);
  assert.deepEqual(
    ran,
    Array.from({ length: 5000 }, (_, i) => i),
  );
  assert.equal(q.waiting, 0);
});

test('a flush that throws does not stop the others', async () => {
  const q = new WatchFlushQueue();
  const ran: string[] = [];
  const errors: unknown[] = [];
  const log = console.error;
  console.error = (...a: unknown[]) => errors.push(a);
  try {
    q.add(() => ran.push('a'));
    q.add(() => {
      throw new Error('boom');
    });
    q.add(() => ran.push('c'));
    await waitFor('the flushes ran', () => ran.length === 2, 5_000);
  } finally {
    console.error = log;
  }
  assert.deepEqual(ran, ['a', 'c']);
  assert.equal(errors.length, 1);
});

test('with requests in hand the flushes are paced but all run, in order', async () => {
  const q = new WatchFlushQueue();
  const done = q.requestStarted();
  const ran: number[] = [];
  // Each flush takes ~0.1 ms (a socket write on a loaded machine): more than one slice's worth.
  for (let i = 0; i < 200; i++)
    q.add(() => {
      const until = performance.now() + 0.1;
      while (performance.now() < until) {
        /* busy, as a socket write */
      }
      ran.push(i);
    });
  await waitFor('every flush ran', () => ran.length === 200, 20_000);
  done();
  assert.deepEqual(
    ran,
    Array.from({ length: 200 }, (_, i) => i),
  );
});
