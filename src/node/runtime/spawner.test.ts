import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Spawner } from './spawner.js';

// A helper that answers once, then stops reading (closes its stdin) but lives on: the agent's next
// request meets a broken pipe.
const ONCE_THEN_DEAF = String.raw`
const fs = require('node:fs');
const buf = Buffer.alloc(65536);
let text = '';
while (!text.includes('\n')) {
  let n = 0;
  try { n = fs.readSync(0, buf); } catch (e) { if (e.code === 'EAGAIN') continue; throw e; }
  if (!n) break;
  text += buf.toString('utf8', 0, n);
}
fs.closeSync(0);
const r = JSON.parse(text.split('\n')[0]);
process.stdout.write(JSON.stringify({ id: r.id, code: 0, stdout: 'helper\n', stderr: '' }) + '\n');
setTimeout(() => {}, 10000);
`;

test('a helper whose pipe broke does not crash the agent with EPIPE: commands run directly (issue #7)', async () => {
  const s = new Spawner(ONCE_THEN_DEAF);
  try {
    assert.equal((await s.run('echo', ['first'])).stdout, 'helper\n');
    await new Promise((res) => setTimeout(res, 300)); // the helper has closed its end by now
    const r = await s.run('echo', ['second']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'second\n');
  } finally {
    s.stop();
  }
});
