// The kubelet's token manager: one TokenRequest per pod and source until 80 % of the token's
// life (or 24 h) has passed, then a new one; a token still valid is used while the API server
// cannot be reached; a deleted pod's tokens are forgotten.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServiceAccountTokenManager, type TokenRequestSpec } from './token.js';

test('tokens are reused until 80 % of their life, then renewed', async () => {
  let now = Date.UTC(2026, 0, 1);
  let calls = 0;
  let failing = false;
  const manager = new ServiceAccountTokenManager(async (_ns, _sa, spec) => {
    calls++;
    if (failing) throw new Error('connection refused');
    return { token: `t${calls}`, expirationTimestamp: new Date(now + spec.expirationSeconds * 1000).toISOString() };
  }, () => now);
  const spec = (uid: string, expirationSeconds = 3600): TokenRequestSpec => ({ expirationSeconds, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'p', uid } });

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
