// The kubelet's token manager: one TokenRequest per pod and source until 80 % of the token's
// life (or 24 h) has passed, then a new one; a token still valid is used while the API server
// cannot be reached; a deleted pod's tokens are forgotten. And the projected volume that holds
// it: rewritten through the atomic writer when the token is renewed (a tmpfs as root: run
// under the host lock).

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ServiceAccountTokenManager, type TokenRequestSpec } from './token.js';
import { DependencyNotFound, type ObjectSource, type PodObject } from './types.js';
import { VolumeManager } from './volumes.js';

test('tokens are reused until 80 % of their life, then renewed', async () => {
  let now = Date.UTC(2026, 0, 1);
  let calls = 0;
  let failing = false;
  const manager = new ServiceAccountTokenManager(
    async (_ns, _sa, spec) => {
      calls++;
      if (failing) throw new Error('connection refused');
      return { token: `t${calls}`, expirationTimestamp: new Date(now + spec.expirationSeconds * 1000).toISOString() };
    },
    () => now,
  );
  const spec = (uid: string, expirationSeconds = 3600): TokenRequestSpec => ({
    expirationSeconds,
    boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'p', uid },
  });

  assert.equal((await manager.get('ns', 'default', spec('u1'))).token, 't1');
  assert.equal((await manager.get('ns', 'default', spec('u1'))).token, 't1');
  // Another pod (another binding) gets its own.
  assert.equal((await manager.get('ns', 'default', spec('u2'))).token, 't2');
  // Up to 80 % of the life, less the jitter (at most 10 s): the same token.
  now += 2880_000 - 11_000;
  assert.equal((await manager.get('ns', 'default', spec('u1'))).token, 't1');
  // Past 80 %: a new one.
  now += 12_000;
  assert.equal((await manager.get('ns', 'default', spec('u1'))).token, 't3');

  // The API server away: the current token (still valid) is kept; once expired, the error shows.
  failing = true;
  now += 2900_000;
  assert.equal((await manager.get('ns', 'default', spec('u1'))).token, 't3');
  now += 800_000;
  await assert.rejects(manager.get('ns', 'default', spec('u1')), /connection refused/);
  failing = false;

  // A long-lived token is renewed after 24 h all the same.
  const day = spec('u3', 7 * 24 * 3600);
  const first = (await manager.get('ns', 'default', day)).token;
  now += 24 * 3600_000 - 11_000;
  assert.equal((await manager.get('ns', 'default', day)).token, first);
  now += 12_000;
  assert.notEqual((await manager.get('ns', 'default', day)).token, first);

  // The pod goes: its tokens go with it.
  const before = manager.size;
  manager.forgetPod('u3');
  assert.equal(manager.size, before - 1);
});

test('a projected token is rewritten in its volume, atomically, once 80 % of its life has passed', async (t) => {
  const base = mkdtempSync(path.join(os.tmpdir(), 'k8ts-token-'));
  let now = Date.UTC(2026, 0, 1);
  let n = 0;
  const requests: TokenRequestSpec[] = [];
  const manager = new ServiceAccountTokenManager(
    async (_ns, _sa, spec) => {
      requests.push(spec);
      return { token: `token-${++n}`, expirationTimestamp: new Date(now + spec.expirationSeconds * 1000).toISOString() };
    },
    () => now,
  );
  const source: ObjectSource = {
    configMap: async (_ns, name) => {
      throw new DependencyNotFound('configmap', name);
    },
    secret: async (_ns, name) => {
      throw new DependencyNotFound('secret', name);
    },
    services: () => [],
    serviceAccountToken: (ns, sa, spec) => manager.get(ns, sa, spec),
    forgetServiceAccountTokens: (uid) => manager.forgetPod(uid),
  };
  const vm = new VolumeManager(path.join(base, 'kubelet'), source);
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'ns', uid: 'uid-1' },
    spec: {
      serviceAccountName: 'robot',
      volumes: [
        { name: 'tok', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 600, audience: 'vault' } }] } },
      ],
      containers: [{ name: 'app', image: 'x' }],
    },
  } as PodObject;
  const dctx = { podIPs: [], hostIPs: ['127.0.0.1'], allocatable: { memory: '64Mi' } };
  t.after(async () => {
    await vm.tearDown('uid-1').catch(() => undefined);
    rmSync(base, { recursive: true, force: true });
  });

  const dir = (await vm.setUp(pod, dctx)).get('tok')!.hostPath;
  assert.equal(readFileSync(path.join(dir, 'token'), 'utf8'), 'token-1');
  assert.deepEqual(requests[0], {
    audiences: ['vault'],
    expirationSeconds: 600,
    boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'uid-1' },
  });
  const firstData = readlinkSync(path.join(dir, '..data'));
  // A resync before 80 %: the same token, nothing rewritten.
  now += 470_000;
  await vm.setUp(pod, dctx);
  assert.equal(readlinkSync(path.join(dir, '..data')), firstData);
  // After 80 %: a new token, swapped in by the ..data link; the old payload directory is gone.
  now += 20_000;
  await vm.setUp(pod, dctx);
  assert.equal(readFileSync(path.join(dir, 'token'), 'utf8'), 'token-2');
  assert.notEqual(readlinkSync(path.join(dir, '..data')), firstData);
  assert.equal(existsSync(path.join(dir, firstData)), false);
  assert.equal(n, 2);
  // The pod torn down: its tokens are forgotten.
  await vm.tearDown('uid-1');
  assert.equal(manager.size, 0);
});
