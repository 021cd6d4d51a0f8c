// The official Python client (Debian's python3-kubernetes, run by the system python3) against
// `k8ts up` with a node: each method of python/k8ts_client_test.py is one test here. .ci/run
// installs python3-kubernetes; without it this suite fails and says so.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isRoot, ownNodeArgs, run, TestCluster } from './harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The Python sources stay in the source tree (dist/test/e2e -> test/e2e/python). */
const PY_DIR = path.resolve(here, '../../../test/e2e/python');
/** Debian's interpreter: the one python3-kubernetes is installed for (a python3 earlier on PATH may not have it). */
const PYTHON = process.env.K8TS_TEST_PYTHON ?? '/usr/bin/python3';

const PY_TESTS = [
  'test_list_and_create',
  'test_patch_strategic_merge_json',
  'test_watch_in_order_and_resume',
  'test_watch_bookmark',
  'test_pod_log_follow',
  'test_exec_output_and_exit_code',
  'test_exec_stdin',
  'test_portforward',
  'test_delete_propagation',
  'test_informer_list_then_watch',
];

const cluster = new TestCluster('python', 'memory');
const ns = `py-${process.pid}`;
const pod = 'bootcamp';

describe(`the Python client (python3-kubernetes) against k8ts${isRoot ? '' : ' (pods as host processes)'}`, () => {
  before(async () => {
    const v = await run(PYTHON, ['-c', 'import kubernetes, websocket; print(kubernetes.__version__)']);
    if (v.code !== 0)
      throw new Error(
        `${PYTHON} cannot import kubernetes: install Debian's python3-kubernetes (apt-get install -y python3-kubernetes; .ci/run does)\n${v.stderr}`,
      );
    await cluster.up(ownNodeArgs('py'));
    await cluster.waitFor('the node Ready', async () => / Ready /.test(await cluster.k('get', 'nodes', '--no-headers')), 60_000);
    await cluster.k('create', 'namespace', ns);
    await cluster.k('run', pod, '-n', ns, '--image=gcr.io/google-samples/kubernetes-bootcamp:v1', '--port=8080');
    await cluster.k('wait', '-n', ns, '--for=condition=Ready', `pod/${pod}`, '--timeout=90s');
  });
  after(async () => {
    await cluster.stop();
  });

  for (const name of PY_TESTS) {
    test(name, async () => {
      const r = await run(PYTHON, ['-m', 'unittest', '-v', `k8ts_client_test.ClientTest.${name}`], {
        env: cluster.env({ PYTHONPATH: PY_DIR, PYTHONDONTWRITEBYTECODE: '1', K8TS_NAMESPACE: ns, K8TS_POD: pod }),
        timeoutMs: 120_000,
      });
      assert.equal(r.code, 0, `${r.stdout}${r.stderr}\n--- cluster log ---\n${cluster.log()}`);
      assert.match(r.stderr, /^Ran 1 test in .*\n\nOK$/m);
    });
  }
});
