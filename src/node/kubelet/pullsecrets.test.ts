import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DockerKeyring, dockerConfigOf, pullCredentials, urlsMatch } from './pullsecrets.js';
import type { SecretObject } from './types.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

function secret(name: string, type: string, key: string, body: unknown): SecretObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'default' },
    type,
    data: { [key]: b64(JSON.stringify(body)) },
  } as SecretObject;
}

test('keys match as the docker client matches them', () => {
  assert.ok(urlsMatch('registry.example.com', 'registry.example.com/team/app'));
  assert.ok(urlsMatch('*.example.com', 'registry.example.com/team/app'));
  assert.ok(!urlsMatch('*.example.com', 'example.com/team/app'));
  assert.ok(urlsMatch('127.0.0.1:5000', '127.0.0.1:5000/x'));
  assert.ok(!urlsMatch('127.0.0.1:5000', '127.0.0.1:5001/x'));
  assert.ok(urlsMatch('quay.io/coreos', 'quay.io/coreos/etcd'));
  assert.ok(!urlsMatch('quay.io/coreos', 'quay.io/other/etcd'));
});

test('dockerconfigjson and dockercfg secrets, most specific first, Docker Hub by its v1 key', async () => {
  const json = secret('a', 'kubernetes.io/dockerconfigjson', '.dockerconfigjson', {
    auths: {
      'quay.io': { username: 'broad', password: 'p1' },
      'quay.io/coreos': { auth: b64('narrow:p2') },
      'https://index.docker.io/v1/': { username: 'hub', password: 'p3' },
    },
  });
  const cfg = secret('b', 'kubernetes.io/dockercfg', '.dockercfg', { 'http://127.0.0.1:5000': { username: 'local', password: 'p4' } });
  const k = new DockerKeyring();
  k.add(dockerConfigOf(json));
  k.add(dockerConfigOf(cfg));
  assert.deepEqual(
    k.lookup('quay.io/coreos/etcd:v3').map((a) => a.username),
    ['narrow', 'broad'],
  );
  assert.deepEqual(
    k.lookup('nginx').map((a) => a.username),
    ['hub'],
  );
  assert.deepEqual(
    k.lookup('docker.io/me/app:v1').map((a) => a.username),
    ['hub'],
  );
  assert.deepEqual(
    k.lookup('127.0.0.1:5000/team/app:v1').map((a) => [a.username, a.password]),
    [['local', 'p4']],
  );
  assert.deepEqual(k.lookup('gcr.io/x/y'), []);
  const { auth, missing } = await pullCredentials('127.0.0.1:5000/a:b', ['b', 'nope', 'opaque'], async (n) => {
    if (n === 'b') return cfg;
    if (n === 'opaque') return { apiVersion: 'v1', kind: 'Secret', metadata: { name: n }, type: 'Opaque', data: {} } as SecretObject;
    throw new Error('not found');
  });
  assert.equal(auth.length, 1);
  assert.deepEqual(missing, ['nope']);
});
