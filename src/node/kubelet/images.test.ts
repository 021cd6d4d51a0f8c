import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { FakeRuntime } from '../runtime/fake.js';
import { LocalImageStore } from '../runtime/images.js';
import { ImageGCManager, ImagePuller } from './images.js';

async function folderImage(store: LocalImageStore, dir: string, tag: string, bytes: number) {
  const src = path.join(dir, tag.replace(/\W/g, '_'));
  mkdirSync(path.join(src, 'rootfs'), { recursive: true });
  writeFileSync(path.join(src, 'rootfs', 'blob'), Buffer.alloc(bytes, 7));
  writeFileSync(path.join(src, 'image.json'), JSON.stringify({ cmd: ['sleep', '1'] }));
  return store.importImage(src, tag);
}

test('image GC frees unused images, least recently used first, down to the low threshold', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'k8ts-imagegc-'));
  try {
    const store = new LocalImageStore({ dir: path.join(dir, 'store'), snapshotter: 'native' });
    const a = await folderImage(store, dir, 'example.com/a:1', 300_000);
    const b = await folderImage(store, dir, 'example.com/b:1', 200_000);
    const c = await folderImage(store, dir, 'example.com/c:1', 100_000);
    const runtime = new FakeRuntime();
    let now = 1_000_000;
    let available = 1_000_000;
    const capacity = 10_000_000;
    const events: string[] = [];
    const gc = new ImageGCManager({
      images: store,
      runtime,
      nodeName: 'n1',
      now: () => now,
      fsStats: async () => ({ capacity, available }),
      recorder: {
        event: (_o: unknown, type: string, reason: string, msg: string) => {
          events.push(`${type} ${reason} ${msg}`);
        },
      } as never,
    });
    // c is used by a container; a was seen in use more recently than b.
    const sb = await runtime.runPodSandbox({
      metadata: { name: 'p', namespace: 'd', uid: 'u', attempt: 0 },
      hostname: 'p',
      logDirectory: path.join(dir, 'logs'),
    });
    const sbCfg = { metadata: { name: 'p', namespace: 'd', uid: 'u', attempt: 0 }, hostname: 'p', logDirectory: path.join(dir, 'logs') };
    const useA = await runtime.createContainer(
      sb,
      { metadata: { name: 'x', attempt: 0 }, image: a.id, command: ['sleep'], args: [], envs: [], mounts: [], logPath: 'x.log' },
      sbCfg,
    );
    await gc.detectImages();
    now += 60_000;
    await runtime.removeContainer(useA);
    await runtime.createContainer(
      sb,
      { metadata: { name: 'y', attempt: 0 }, image: c.id, command: ['sleep'], args: [], envs: [], mounts: [], logPath: 'y.log' },
      sbCfg,
    );
    // Below the high threshold (90% used is above 85; 50% is not): nothing goes.
    available = 5_000_000;
    assert.equal(await gc.garbageCollect(), 0);
    // Too young (min age 2 min): nothing goes yet.
    available = 1_000_000;
    assert.equal(await gc.garbageCollect(), 0);
    assert.match(
      events.pop()!,
      /^Warning FreeDiskSpaceFailed Failed to garbage collect required amount of images\. Attempted to free 1000000 bytes, but only found 0 bytes eligible to free\.$/,
    );
    now += 5 * 60_000;
    // 90% used: free to 80% = 1,000,000 bytes; b (never used) goes first, then a; c is in use.
    const freed = await gc.garbageCollect();
    assert.equal(freed, a.size + b.size);
    const left = (await store.listImages()).map((i) => i.id);
    assert.deepEqual(left, ['example.com/c:1']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pulls run one at a time and know how long they waited', async () => {
  const p = new ImagePuller(true);
  const order: string[] = [];
  let waited2 = -1;
  let release!: () => void;
  const first = p.run(() =>
    new Promise<void>((r) => {
      release = r;
      order.push('1 start');
    }).then(() => {
      order.push('1 end');
    }),
  );
  const second = p.run(
    async () => {
      order.push('2 start');
    },
    (w) => {
      waited2 = w;
    },
  );
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(order, ['1 start']);
  release();
  await Promise.all([first, second]);
  assert.deepEqual(order, ['1 start', '1 end', '2 start']);
  assert.ok(waited2 >= 25, `waited ${waited2}`);
});
