// The short fuzz run inside `npm test` (issue #7): a few thousand hostile and malformed
// requests against an API server in its own process; it must never die, answer each with a
// Kubernetes Status (never a 5xx for bad input), keep answering another client, and keep
// every stored object valid. The full run is `npm run fuzz` (100,000; see README).
// K8TS_FUZZ_SEED replays a run; the seed is in the failure message.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runFuzz } from './runner.js';

const seed = Number(process.env.K8TS_FUZZ_SEED ?? Date.now() % 1_000_000);
const count = Number(process.env.K8TS_FUZZ_COUNT ?? 3000);

test(`fuzz: ${count} hostile requests (seed ${seed}) harm nothing`, { timeout: 10 * 60_000 }, async () => {
  const r = await runFuzz({ seed, count, timeLimitMs: 4 * 60_000, concurrency: 16 });
  const where = `seed ${seed}: ${JSON.stringify({ failures: r.failures.slice(0, 5), invalid: r.validated.invalid.slice(0, 5), serverErrors: r.serverErrors.slice(0, 10) })}`;
  assert.equal(r.serverDied, undefined, `the server died (${where})`);
  assert.deepEqual(r.failures, [], where);
  assert.equal(r.canary.failed, 0, `the canary was not answered ${r.canary.failed} times (${where})`);
  assert.ok(r.canary.sent > 0);
  assert.deepEqual(r.validated.invalid, [], where);
  assert.ok(r.validated.objects > 0, 'the fuzz stored something to validate');
  // Bounded in time, not in count: on a loaded machine fewer may go, but never too few to mean anything.
  assert.ok(r.sent >= Math.min(count, 1000), `only ${r.sent} requests went in the time allowed`);
});
