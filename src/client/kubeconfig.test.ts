import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import YAML from 'yaml';
import { RestClient } from './rest.js';
import { currentContext, kubeconfigPath, loadKubeconfig, mergeContext, removeContext } from './kubeconfig.js';

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8ts-kubeconfig-'));
});
after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const existing = {
  apiVersion: 'v1', kind: 'Config', 'current-context': 'other',
  clusters: [{ name: 'other', cluster: { server: 'https://10.0.0.1:6443', 'certificate-authority-data': 'Q0E=' } }],
  users: [{ name: 'other-admin', user: { token: 'other-token' } }],
  contexts: [{ name: 'other', context: { cluster: 'other', user: 'other-admin', namespace: 'team' } }],
  preferences: {},
};

test('mergeContext adds a context, keeps the others, writes 0600 and creates the folder', () => {
  const file = path.join(dir, 'a', '.kube', 'config');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, YAML.stringify(existing));

  mergeContext(file, { clusterName: 'k8ts', userName: 'k8ts-admin', contextName: 'k8ts', server: 'https://127.0.0.1:6443', token: 't1', setCurrent: true });
  let cfg = loadKubeconfig(file);
  assert.deepEqual(cfg.contexts.map((c) => c.name), ['other', 'k8ts']);
  assert.equal(cfg['current-context'], 'k8ts');
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(currentContext(cfg), { contextName: 'k8ts', server: 'https://127.0.0.1:6443', token: 't1', namespace: 'default' });
  assert.deepEqual(currentContext(cfg, 'other'), { contextName: 'other', server: 'https://10.0.0.1:6443', token: 'other-token', namespace: 'team', caData: 'Q0E=' });

  // Merging again replaces that entry, not duplicates it.
  mergeContext(file, { clusterName: 'k8ts', userName: 'k8ts-admin', contextName: 'k8ts', server: 'https://127.0.0.1:7443', token: 't2', insecure: true });
  cfg = loadKubeconfig(file);
  assert.equal(cfg.clusters.length, 2);
  assert.equal(cfg.users.length, 2);
  assert.equal(currentContext(cfg).server, 'https://127.0.0.1:7443');
  assert.equal(currentContext(cfg).insecure, true);

  // The stock kubectl reads what we wrote.
  let out: string | undefined;
  try {
    out = execFileSync('kubectl', ['config', 'get-contexts', '-o', 'name', '--kubeconfig', file], { encoding: 'utf8' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; // no kubectl on PATH: skip this check
  }
  if (out !== undefined) assert.deepEqual(out.trim().split('\n').sort(), ['k8ts', 'other']);

  assert.equal(removeContext(file, 'k8ts'), true);
  assert.equal(removeContext(file, 'k8ts'), false);
  cfg = loadKubeconfig(file);
  assert.deepEqual(cfg.contexts.map((c) => c.name), ['other']);
  assert.deepEqual(cfg.clusters.map((c) => c.name), ['other']);
  assert.deepEqual(cfg.users.map((u) => u.name), ['other-admin']);
  assert.equal(cfg['current-context'], '');
});

test('a new file in a missing folder; $KUBECONFIG picks the first file of its list', () => {
  const file = path.join(dir, 'b', 'nested', 'config');
  const saved = process.env.KUBECONFIG;
  try {
    process.env.KUBECONFIG = `${file}${path.delimiter}${path.join(dir, 'unused')}`;
    assert.equal(kubeconfigPath(), file);
    assert.equal(loadKubeconfig().contexts.length, 0, 'a missing file reads as empty');
    mergeContext(undefined, { clusterName: 'c', userName: 'u', contextName: 'x', server: 'http://127.0.0.1:1', token: 'tok', setCurrent: false });
    assert.ok(fs.existsSync(file));
    const cfg = loadKubeconfig();
    assert.equal(cfg['current-context'], 'x', 'an empty current-context is set');
    assert.equal(currentContext(cfg).token, 'tok');
    // A resolved context is what RestClient takes.
    const client = new RestClient(currentContext(cfg));
    assert.equal(client.server.port, '1');
    client.close();
    delete process.env.KUBECONFIG;
    assert.equal(kubeconfigPath(), path.join(os.homedir(), '.kube', 'config'));
    assert.throws(() => currentContext(cfg, 'nope'), /context "nope" does not exist/);
  } finally {
    if (saved === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = saved;
  }
});
