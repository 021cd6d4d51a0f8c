// The fallback without namespaces (no root or not Linux): containers are plain host processes.
// Runs for every user; forces isolation 'none'.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { waitFor } from '../../testing/wait.js';
import { LocalImageStore } from './images.js';
import { ProcessRuntime } from './process.js';

test('host-process fallback runs containers, records exits, logs and exec', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'k8ts-hostrt-test-'));
  const images = new LocalImageStore({ dir: path.join(dir, 'images') });
  const rt = new ProcessRuntime({ stateDir: path.join(dir, 'state'), node: null, images, isolation: 'none' });
  try {
    assert.match(rt.limitations().join('\n'), /plain host processes/);
    const sbConfig = {
      metadata: { name: 'p', namespace: 'default', uid: 'u1', attempt: 0 },
      hostname: 'p',
      logDirectory: path.join(dir, 'logs'),
    };
    const sb = await rt.runPodSandbox(sbConfig);
    const base = { image: 'gcr.io/google-samples/kubernetes-bootcamp:v1', args: [], envs: [{ key: 'GREETING', value: 'hi' }], mounts: [] };
    const once = await rt.createContainer(
      sb,
      {
        ...base,
        metadata: { name: 'once', attempt: 0 },
        command: ['sh', '-c', 'echo "$GREETING from $(pwd)"; ls server.js; echo oops >&2; exit 4'],
        logPath: 'once/0.log',
      },
      sbConfig,
    );
    await rt.startContainer(once);
    const st = await waitFor('the container to exit', async () => {
      const s = await rt.containerStatus(once);
      return s?.state === 'CONTAINER_EXITED' ? s : undefined;
    });
    assert.equal(st.exitCode, 4);
    assert.equal(st.reason, 'Error');
    const log = await waitFor('stderr in the log', () => {
      const l = readFileSync(st.logPath, 'utf8');
      return l.includes('oops') && l;
    });
    assert.match(log, / stdout F hi from \/.*\n/); // the image's files, unpacked on the host
    assert.match(log, / stdout F server\.js\n/);
    assert.match(log, / stderr F oops\n/);

    const long = await rt.createContainer(
      sb,
      { ...base, metadata: { name: 'long', attempt: 0 }, command: ['sleep', '60'], logPath: 'long/0.log' },
      sbConfig,
    );
    await rt.startContainer(long);
    const r = await rt.execSync(long, ['sh', '-c', 'echo $GREETING; exit 2'], 10);
    assert.deepEqual(r, { exitCode: 2, stdout: 'hi\n', stderr: '' });
    await rt.stopContainer(long, 5);
    assert.equal((await rt.containerStatus(long))?.exitCode, 143);
  } finally {
    await rt.cleanupAll();
    rmSync(dir, { recursive: true, force: true });
  }
});
