import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import YAML from 'yaml';
import {
  currentContext,
  kubeconfigPath,
  kubeconfigPaths,
  loadKubeconfig,
  mergeContext,
  removeContext,
  withKubeconfigLock,
} from './kubeconfig.js';
import { RestClient } from './rest.js';

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8ts-kubeconfig-'));
});
after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const existing = {
  apiVersion: 'v1',
  kind: 'Config',
  'current-context': 'other',
  clusters: [{ name: 'other', cluster: { server: 'https://10.0.0.1:6443', 'certificate-authority-data': 'Q0E=' } }],
  users: [{ name: 'other-admin', user: { token: 'other-token' } }],
  contexts: [{ name: 'other', context: { cluster: 'other', user: 'other-admin', namespace: 'team' } }],
  preferences: {},
};

test('mergeContext adds a context, keeps the others, writes 0600 and creates the folder', () => {
  const file = path.join(dir, 'a', '.kube', 'config');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, YAML.stringify(existing));

  mergeContext(file, {
    clusterName: 'k8ts',
    userName: 'k8ts-admin',
    contextName: 'k8ts',
    server: 'https://127.0.0.1:6443',
    token: 't1',
    setCurrent: true,
  });
  let cfg = loadKubeconfig(file);
  assert.deepEqual(
    cfg.contexts.map((c) => c.name),
    ['other', 'k8ts'],
  );
  assert.equal(cfg['current-context'], 'k8ts');
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(currentContext(cfg), { contextName: 'k8ts', server: 'https://127.0.0.1:6443', token: 't1', namespace: 'default' });
  assert.deepEqual(currentContext(cfg, 'other'), {
    contextName: 'other',
    server: 'https://10.0.0.1:6443',
    token: 'other-token',
    namespace: 'team',
    caData: 'Q0E=',
  });

  // Merging again replaces that entry, not duplicates it.
  mergeContext(file, {
    clusterName: 'k8ts',
    userName: 'k8ts-admin',
    contextName: 'k8ts',
    server: 'https://127.0.0.1:7443',
    token: 't2',
    insecure: true,
  });
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

  assert.deepEqual(removeContext(file, 'k8ts'), [file]);
  assert.deepEqual(removeContext(file, 'k8ts'), []);
  cfg = loadKubeconfig(file);
  assert.deepEqual(
    cfg.contexts.map((c) => c.name),
    ['other'],
  );
  assert.deepEqual(
    cfg.clusters.map((c) => c.name),
    ['other'],
  );
  assert.deepEqual(
    cfg.users.map((u) => u.name),
    ['other-admin'],
  );
  assert.equal(cfg['current-context'], '');
});

test('a new file in a missing folder; with $KUBECONFIG a list, new entries go where kubectl puts them', () => {
  const file = path.join(dir, 'b', 'nested', 'config');
  const other = path.join(dir, 'b', 'other');
  const last = path.join(dir, 'b', 'last');
  const saved = process.env.KUBECONFIG;
  try {
    // None exists: kubectl creates the last file of the list.
    process.env.KUBECONFIG = `${file}${path.delimiter}${last}`;
    assert.equal(kubeconfigPath(), last);
    // One exists: that one.
    process.env.KUBECONFIG = `${other}${path.delimiter}${file}${path.delimiter}${last}`;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '');
    assert.equal(kubeconfigPath(), file);
    assert.equal(loadKubeconfig().contexts.length, 0, 'an empty file reads as empty');
    assert.equal(
      mergeContext(undefined, {
        clusterName: 'c',
        userName: 'u',
        contextName: 'x',
        server: 'http://127.0.0.1:1',
        token: 'tok',
        setCurrent: false,
      }),
      file,
    );
    const cfg = loadKubeconfig();
    assert.equal(cfg['current-context'], 'x', 'an empty current-context is set');
    assert.equal(currentContext(cfg).token, 'tok');
    // A context defined in a later file is updated there, not duplicated in the first.
    fs.writeFileSync(last, YAML.stringify({ ...existing, contexts: [{ name: 'y', context: { cluster: 'other', user: 'other-admin' } }] }));
    assert.equal(
      mergeContext(undefined, { clusterName: 'c2', userName: 'u2', contextName: 'y', server: 'http://127.0.0.1:2', token: 't' }),
      last,
    );
    assert.deepEqual(
      loadKubeconfig(file).contexts.map((c) => c.name),
      ['x'],
    );
    assert.equal(currentContext(loadKubeconfig(last), 'y').server, 'http://127.0.0.1:2');
    // Removing without a file removes from every file of the list that has it.
    mergeContext(file, { clusterName: 'c2', userName: 'u2', contextName: 'y', server: 'http://127.0.0.1:2', token: 't' });
    assert.deepEqual(removeContext(undefined, 'y').sort(), [file, last].sort());
    // A resolved context is what RestClient takes.
    const client = new RestClient(currentContext(cfg));
    assert.equal(client.server.port, '1');
    client.close();
    delete process.env.KUBECONFIG;
    assert.equal(kubeconfigPath(), path.join(os.homedir(), '.kube', 'config'));
    assert.deepEqual(kubeconfigPaths(undefined, { KUBECONFIG: `a${path.delimiter}${path.delimiter}b${path.delimiter}a` }), ['a', 'b']);
    assert.throws(() => currentContext(cfg, 'nope'), /context "nope" does not exist/);
  } finally {
    if (saved === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = saved;
  }
});

test("merging keeps the user's comments, key order and unknown fields", () => {
  const file = path.join(dir, 'c', 'config');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const text = [
    '# my clusters: prod is the one that pays',
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: prod # careful',
    '  cluster:',
    '    server: https://10.0.0.1:6443',
    '    proxy-url: http://proxy:3128',
    'users:',
    '- name: prod',
    '  user:',
    '    exec:',
    '      command: get-token',
    'contexts:',
    '- name: prod',
    '  context: {cluster: prod, user: prod}',
    'current-context: prod',
    '',
  ].join('\n');
  fs.writeFileSync(file, text);
  mergeContext(file, {
    clusterName: 'k8ts',
    userName: 'k8ts',
    contextName: 'k8ts',
    server: 'https://127.0.0.1:6443',
    token: 't',
    setCurrent: true,
  });
  const out = fs.readFileSync(file, 'utf8');
  assert.match(out, /^# my clusters: prod is the one that pays$/m);
  assert.match(out, /- name: prod # careful/);
  assert.match(out, /proxy-url: http:\/\/proxy:3128/);
  assert.match(out, /command: get-token/);
  assert.match(out, /current-context: k8ts/);
  removeContext(file, 'k8ts');
  const back = fs.readFileSync(file, 'utf8');
  assert.match(back, /- name: prod # careful/);
  assert.doesNotMatch(back, /k8ts/);
  assert.match(back, /current-context: ""/);
});

test('a writer waits for FILE.lock, as kubectl takes it, and fails plainly when it stays', () => {
  const file = path.join(dir, 'd', 'config');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(`${file}.lock`, '');
  const t = Date.now();
  assert.throws(() => withKubeconfigLock(file, () => 1, 300), /config\.lock exists: another program is writing/);
  assert.ok(Date.now() - t >= 250, 'it waited for the lock');
  assert.ok(!fs.existsSync(file), 'nothing was written while locked');
  // A lock another process releases meanwhile is waited for, then taken.
  const holder = spawn(process.execPath, ['-e', `setTimeout(() => require('fs').rmSync(${JSON.stringify(`${file}.lock`)}), 300)`], {
    stdio: 'ignore',
  });
  const t2 = Date.now();
  assert.equal(
    withKubeconfigLock(file, () => 'written', 10_000),
    'written',
  );
  assert.ok(Date.now() - t2 >= 250, 'it waited for the other writer');
  holder.kill();
  assert.equal(
    withKubeconfigLock(file, () => fs.existsSync(`${file}.lock`)),
    true,
    'held during fn',
  );
  assert.ok(!fs.existsSync(`${file}.lock`), 'released after');
});

test('mode and owner: --kubeconfig-mode, and a file made for another user is theirs', {
  skip: process.getuid?.() === 0 ? false : 'chown needs root',
}, () => {
  const file = path.join(dir, 'e', '.kube', 'config');
  mergeContext(file, {
    clusterName: 'k',
    userName: 'k',
    contextName: 'k',
    server: 'https://127.0.0.1:1',
    token: 't',
    mode: 0o644,
    owner: { uid: 65534, gid: 65534 },
  });
  const st = fs.statSync(file);
  assert.equal(st.mode & 0o777, 0o644);
  assert.equal(st.uid, 65534);
  assert.equal(fs.statSync(path.dirname(file)).uid, 65534, 'the .kube folder it made is theirs too');
  // An existing file keeps its owner when root rewrites it.
  mergeContext(file, { clusterName: 'k2', userName: 'k2', contextName: 'k2', server: 'https://127.0.0.1:2', token: 't' });
  assert.equal(fs.statSync(file).uid, 65534);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
});
