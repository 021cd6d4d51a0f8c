import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Bitmap } from './allocators.js';

test('a bitmap restored from a snapshot holds its bits and count, and the snapshot of it is the same', () => {
  const b = new Bitmap(1000);
  for (const i of [0, 7, 8, 500, 999]) b.set(i);
  const snap = b.snapshot();
  assert.equal(snap.length, 125);
  const r = new Bitmap(1000);
  r.set(3);
  r.restore(snap);
  assert.equal(r.count, 5);
  assert.deepEqual(
    [0, 3, 7, 8, 500, 999].map((i) => r.has(i)),
    [true, false, true, true, true, true],
  );
  assert.deepEqual(r.snapshot(), snap);
  r.restore(new Uint8Array(0));
  assert.equal(r.count, 0);
  assert.equal(r.pick(0, 1000) !== undefined, true);
});

test("restoring counts the snapshot's bytes, not the whole range's (#13: the service range's 128 KiB at every start)", () => {
  // 2^30 offsets, 128 MiB of bitmap, of which a snapshot of two bytes sets three bits.
  const b = new Bitmap(2 ** 30);
  const t = process.cpuUsage();
  b.restore(Uint8Array.of(0b101, 0x80));
  const used = process.cpuUsage(t);
  assert.equal(b.count, 3);
  assert.deepEqual(
    [0, 1, 2, 15, 2 ** 30 - 1].map((i) => b.has(i)),
    [true, false, true, true, false],
  );
  // Walking 128 Mi bytes takes over 100 ms of CPU; the two bytes, well under 50.
  assert.ok((used.user + used.system) / 1000 < 50, `restore took ${(used.user + used.system) / 1000} ms of CPU`);
});
