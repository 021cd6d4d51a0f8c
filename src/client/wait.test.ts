// until (wait.Until): passes repeat a period after each ends, never overlap, go on after a
// failure, and none runs or is left running once stop has resolved.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stays, waitFor } from '../testing/wait.js';
import { until } from './wait.js';

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

test('until: repeats after each pass ends, without overlap, and goes on after a failure', async () => {
  let passes = 0;
  let active = 0;
  let overlapped = false;
  const errors: string[] = [];
  const stop = until(
    async () => {
      passes++;
      active++;
      overlapped ||= active > 1;
      try {
        // A pass longer than the period: the next one waits for it.
        await pause(30);
        if (passes === 2) throw new Error('second pass failed');
      } finally {
        active--;
      }
    },
    5,
    (e) => errors.push((e as Error).message),
  );
  try {
    await waitFor('four passes', () => passes >= 4);
    assert.equal(overlapped, false);
    assert.deepEqual(errors, ['second pass failed']);
  } finally {
    await stop();
  }
});

test('until: stop waits for the running pass, and no pass starts after it', async () => {
  let passes = 0;
  let finished = 0;
  let release!: () => void;
  const stop = until(
    async () => {
      passes++;
      await new Promise<void>((r) => {
        release = r;
      });
      finished++;
    },
    1,
    () => {},
  );
  await waitFor('the first pass to start', () => passes === 1);
  const stopping = stop();
  let stopped = false;
  void stopping.then(() => {
    stopped = true;
  });
  await stays('stop waiting for the running pass', () => !stopped, 50);
  release();
  await stopping;
  assert.equal(finished, 1);
  await stays('no pass after stop', () => passes === 1, 50);
});
