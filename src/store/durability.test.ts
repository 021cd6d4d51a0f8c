// An acknowledged write survives kill -9: a child process writes and reports each key the
// store acknowledged; we SIGKILL it mid-stream and look for every one of them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SqliteStore } from './sqlite.js';

const ACKS_BEFORE_KILL = 300;

test('sqlite: every acknowledged write survives SIGKILL of the writer', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-durability-'));
  const dataDir = join(dir, 'data');
  const script = join(dir, 'writer.mjs');
  // The writer imports the compiled store beside this compiled test.
  writeFileSync(script, `
import { SqliteStore } from ${JSON.stringify(new URL('./sqlite.js', import.meta.url).href)};
const store = new SqliteStore(process.argv[2], { compactEvery: 0 });
const body = JSON.stringify({ kind: 'Pod', metadata: { name: 'x' }, spec: { pad: 'x'.repeat(512) } });
for (let i = 0; ; i++) {
  const key = '/registry/pods/default/p' + i;
  await store.create(key, body);
  process.stdout.write(key + '\\n');
}
`);
  const child = spawn(process.execPath, [script, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  const acked: string[] = [];
  try {
    const deadline = setTimeout(() => child.kill('SIGKILL'), 60_000);
    for await (const line of createInterface({ input: child.stdout })) {
      acked.push(line);
      if (acked.length === ACKS_BEFORE_KILL) child.kill('SIGKILL');
    }
    clearTimeout(deadline);
    assert.equal(await exited, 'SIGKILL', `writer ended on its own: ${stderr}`);
    assert.ok(acked.length >= ACKS_BEFORE_KILL, `only ${acked.length} acks before the writer ended: ${stderr}`);

    const store = new SqliteStore(dataDir, { compactEvery: 0 });
    try {
      const missing: string[] = [];
      for (const key of acked) if (!(await store.get(key))) missing.push(key);
      assert.deepEqual(missing, [], `${missing.length} of ${acked.length} acknowledged keys lost`);
      const stored = await store.range('/registry/pods/default/', { countOnly: true });
      assert.ok(stored.count >= acked.length);
      assert.ok((await store.currentRevision()) >= acked.length);
      // And the store goes on from where it was.
      const next = await store.create('/registry/pods/default/after-crash', '{}');
      assert.equal(next.modRevision, stored.count + 1);
    } finally {
      await store.close();
    }
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
});
