import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { useFakeApiServer } from '../testing/fakeserver.js';
import { NetworkPolicyAgent } from './controller.js';

// An `nft` of the test's own, first on PATH (the agent's commands find it there): it records when
// each run starts and ends, and `nft list tables` is slow, so that runs in turn and runs
// side by side tell apart. No kernel table is touched. The API is a stand-in holding nothing, so
// that no object's arrival starts a sync of its own (a policy's, a pod's): the start's is the only one.
let dir: string;
const fake = useFakeApiServer();
const savedPath = process.env.PATH;
before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8ts-netpol-'));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(
    path.join(bin, 'nft'),
    [
      '#!/bin/sh',
      `log=${JSON.stringify(path.join(dir, 'nft.log'))}`,
      'echo "start $*" >> "$log"',
      'if [ "$1" = list ]; then sleep 0.4; echo "table ip k8ts-netpol-test0"; fi',
      'if [ "$1" = -f ]; then cat > /dev/null; fi',
      'echo "end $*" >> "$log"',
    ].join('\n'),
    { mode: 0o755 },
  );
  process.env.PATH = `${bin}:${savedPath}`;
});
after(() => {
  process.env.PATH = savedPath;
  fs.rmSync(dir, { recursive: true, force: true });
});

test("the agent's first sync is not kept waiting for the look for other instances' orphaned tables (#13)", async () => {
  const agent = new NetworkPolicyAgent({ client: fake.client, nodeName: 'n1', instance: 'test0' });
  try {
    await agent.start();
    const log = fs.readFileSync(path.join(dir, 'nft.log'), 'utf8').trim().split('\n');
    const at = (line: string) => log.indexOf(line);
    assert.ok(at('start -f -') >= 0, `the table was written: ${log.join(' | ')}`);
    assert.ok(at('end list tables ip') >= 0, `the tables were looked at: ${log.join(' | ')}`);
    // Side by side: the table's write began while the listing still ran.
    assert.ok(at('start -f -') < at('end list tables ip'), `nft's runs: ${log.join(' | ')}`);
    // Its own table is never taken for an orphan.
    assert.ok(!log.some((l) => l.startsWith('start delete')), `nft's runs: ${log.join(' | ')}`);
    assert.equal(agent.applies, 1);
  } finally {
    await agent.stop({ cleanup: false });
  }
});
