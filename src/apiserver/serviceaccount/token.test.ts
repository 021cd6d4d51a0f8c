// Service-account tokens: issued through the TokenRequest API with Kubernetes' claims and
// defaults, and refused by the authenticator when expired, for another audience, forged, or
// when the service account or the pod they are bound to is gone (or came back with a new uid).

import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import type { KObject } from '../../api/object.js';
import { isApiError, RestClient } from '../../client/rest.js';
import { newServiceAccountKeyPair } from '../../pki/serviceaccount.js';
import { createNamespace, startTestControlPlane } from '../../testing/controlplane.js';
import {
  DEFAULT_ISSUER,
  EXPIRATION_EXTENSION_SECONDS,
  EXTRA_CREDENTIAL_ID,
  EXTRA_NODE_NAME,
  EXTRA_POD_NAME,
  EXTRA_POD_UID,
  InvalidTokenError,
  keyID,
  type ServiceAccountTokenGetter,
  ServiceAccountTokens,
} from './token.js';

const obj = (kind: string, name: string, uid: string, extra: Partial<KObject> = {}): KObject => ({
  apiVersion: 'v1',
  kind,
  metadata: { name, namespace: 'ns1', uid },
  ...extra,
});

/** A getter over a mutable set of objects, so tests can delete and recreate them. */
function fakeGetter(objects: Map<string, KObject>): ServiceAccountTokenGetter {
  return {
    serviceAccount: async (ns, n) => objects.get(`sa/${ns}/${n}`),
    pod: async (ns, n) => objects.get(`pod/${ns}/${n}`),
    secret: async (ns, n) => objects.get(`secret/${ns}/${n}`),
    node: async (n) => objects.get(`node/${n}`),
  };
}

test('issued tokens carry Kubernetes claims and authenticate as the service account', async () => {
  const keys = newServiceAccountKeyPair();
  const objects = new Map<string, KObject>();
  const sa = obj('ServiceAccount', 'robot', 'sa-uid-1');
  const pod = obj('Pod', 'web', 'pod-uid-1');
  const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'node-uid' } };
  objects.set('sa/ns1/robot', sa).set('pod/ns1/web', pod).set('node/n1', node);
  let now = Date.UTC(2026, 0, 1);
  const tokens = new ServiceAccountTokens({ keys, getter: fakeGetter(objects), now: () => now });

  const { token, expiresAt } = await tokens.generate(sa, { pod, node }, 3600, tokens.audiences);
  assert.equal(expiresAt, now + 3600_000);
  const header = decodeProtectedHeader(token);
  // A new key is P-256: ES256, as kube-apiserver signs with an ECDSA --service-account-signing-key-file.
  assert.equal(header.alg, 'ES256');
  assert.equal(header.kid, keyID(keys.publicKey));
  const claims = decodeJwt(token);
  assert.equal(claims.iss, DEFAULT_ISSUER);
  assert.equal(claims.sub, 'system:serviceaccount:ns1:robot');
  assert.deepEqual(claims.aud, [DEFAULT_ISSUER]);
  assert.equal(claims.iat, now / 1000);
  assert.equal(claims.nbf, now / 1000);
  assert.equal(claims.exp, now / 1000 + 3600);
  assert.match(String(claims.jti), /^[0-9a-f-]{36}$/);
  assert.deepEqual(claims['kubernetes.io'], {
    namespace: 'ns1',
    serviceaccount: { name: 'robot', uid: 'sa-uid-1' },
    pod: { name: 'web', uid: 'pod-uid-1' },
    node: { name: 'n1', uid: 'node-uid' },
  });

  const user = await tokens.authenticateToken(token);
  assert.deepEqual(user, {
    name: 'system:serviceaccount:ns1:robot',
    uid: 'sa-uid-1',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:ns1'],
    extra: {
      [EXTRA_POD_NAME]: ['web'],
      [EXTRA_POD_UID]: ['pod-uid-1'],
      [EXTRA_NODE_NAME]: ['n1'],
      'authentication.kubernetes.io/node-uid': ['node-uid'],
      [EXTRA_CREDENTIAL_ID]: [`JTI=${claims.jti}`],
    },
  });

  // Within go-jose's minute of leeway the token still works; after it, it has expired.
  now += 3600_000 + 59_000;
  assert.ok(await tokens.authenticateToken(token));
  now += 2000;
  await assert.rejects(tokens.authenticateToken(token), (e: unknown) => e instanceof InvalidTokenError && /expired/.test(e.message));
});

test('a verified signature is kept 10 s at most and never past exp; what the token names is looked up every time', async () => {
  const keys = newServiceAccountKeyPair();
  const objects = new Map<string, KObject>();
  const sa = obj('ServiceAccount', 'robot', 'sa-uid-1');
  objects.set('sa/ns1/robot', sa);
  let now = Date.UTC(2026, 0, 1);
  const tokens = new ServiceAccountTokens({ keys, getter: fakeGetter(objects), now: () => now });
  const { token } = await tokens.generate(sa, {}, 3600, tokens.audiences);
  assert.ok(await tokens.authenticateToken(token));
  // The verification is remembered: with the public key swapped for another, the same token
  // still authenticates within the 10 s, and not after.
  const real = keys.publicKey;
  keys.publicKey = newServiceAccountKeyPair().publicKey;
  now += 9_000;
  assert.ok(await tokens.authenticateToken(token));
  now += 2_000;
  await assert.rejects(tokens.authenticateToken(token), (e: unknown) => e instanceof InvalidTokenError);
  keys.publicKey = real;
  assert.ok(await tokens.authenticateToken(token));
  // Another string (the signature changed) is verified on its own: refused.
  const [h, p, sig] = token.split('.');
  const forged = `${h}.${p}.${sig.startsWith('A') ? `B${sig.slice(1)}` : `A${sig.slice(1)}`}`;
  await assert.rejects(tokens.authenticateToken(forged), (e: unknown) => e instanceof InvalidTokenError);
  // The service account gone: refused at once, remembered signature or not.
  objects.delete('sa/ns1/robot');
  await assert.rejects(tokens.authenticateToken(token), (e: unknown) => e instanceof InvalidTokenError && /not found/.test(e.message));
  objects.set('sa/ns1/robot', sa);
  // A token 5 s from its exp is remembered until exp only; then the full check (with its minute of leeway) runs again.
  const short = await tokens.generate(sa, {}, 600, tokens.audiences);
  now += 595_000;
  assert.ok(await tokens.authenticateToken(short.token));
  keys.publicKey = newServiceAccountKeyPair().publicKey;
  now += 6_000;
  await assert.rejects(tokens.authenticateToken(short.token), (e: unknown) => e instanceof InvalidTokenError);
  keys.publicKey = real;
});

test("a data dir's RSA key (made before keys were P-256) keeps signing RS256, and its tokens keep verifying", async () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keys = { privateKey, publicKey };
  const objects = new Map<string, KObject>();
  const sa = obj('ServiceAccount', 'robot', 'sa-uid-1');
  objects.set('sa/ns1/robot', sa);
  const tokens = new ServiceAccountTokens({ keys, getter: fakeGetter(objects) });
  const { token } = await tokens.generate(sa, {}, 3600, tokens.audiences);
  assert.equal(decodeProtectedHeader(token).alg, 'RS256');
  assert.equal((await tokens.authenticateToken(token))?.name, 'system:serviceaccount:ns1:robot');
  // A token of the other algorithm, signed by a key that is not the cluster's, is refused.
  const other = newServiceAccountKeyPair();
  const forged = await new SignJWT(decodeJwt(token)).setProtectedHeader({ alg: 'ES256' }).sign(other.privateKey);
  await assert.rejects(tokens.authenticateToken(forged), (e: unknown) => e instanceof InvalidTokenError);
});

test('the authenticator refuses wrong audiences, forgeries, and tokens whose service account or pod is gone', async () => {
  const keys = newServiceAccountKeyPair();
  const objects = new Map<string, KObject>();
  const sa = obj('ServiceAccount', 'robot', 'sa-uid-1');
  const pod = obj('Pod', 'web', 'pod-uid-1');
  objects.set('sa/ns1/robot', sa).set('pod/ns1/web', pod);
  const tokens = new ServiceAccountTokens({ keys, getter: fakeGetter(objects) });
  const refused = (p: Promise<unknown>, re: RegExp) =>
    assert.rejects(p, (e: unknown) => e instanceof InvalidTokenError && re.test(e.message));

  // For another audience (say, a vault): not for this API server.
  const vault = (await tokens.generate(sa, {}, 3600, ['vault'])).token;
  await refused(tokens.authenticateToken(vault), /audiences/);

  // Signed with another key, same issuer and claims: a forgery.
  const other = new ServiceAccountTokens({ keys: newServiceAccountKeyPair(), getter: fakeGetter(objects) });
  await refused(tokens.authenticateToken((await other.generate(sa, { pod }, 3600, tokens.audiences)).token), /signature/);

  // A genuine token whose payload was edited (another service account) no longer verifies.
  const good = (await tokens.generate(sa, { pod }, 3600, tokens.audiences)).token;
  const [h, p, sig] = good.split('.');
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
  payload.sub = 'system:serviceaccount:kube-system:admin';
  await refused(tokens.authenticateToken(`${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${sig}`), /signature/);

  // alg none and HS256 with the public key as secret are not accepted.
  const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${p}.`;
  await refused(tokens.authenticateToken(unsigned), /./);
  const hs = await new SignJWT(decodeJwt(good))
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new Uint8Array(keys.publicKey.export({ type: 'spki', format: 'der' })));
  await refused(tokens.authenticateToken(hs), /./);

  // Not a JWT, or another issuer's JWT: not ours to judge (another authenticator may know it).
  assert.equal(await tokens.authenticateToken('0123456789abcdef'), undefined);
  const foreign = await new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).setIssuer('https://elsewhere').sign(keys.privateKey);
  assert.equal(await tokens.authenticateToken(foreign), undefined);

  // The pod is deleted: its token stops working; a new pod of the same name does not revive it.
  assert.ok(await tokens.authenticateToken(good));
  objects.delete('pod/ns1/web');
  await refused(tokens.authenticateToken(good), /invalidated/);
  objects.set('pod/ns1/web', obj('Pod', 'web', 'pod-uid-2'));
  await refused(tokens.authenticateToken(good), /pod UID/);
  // A pod being deleted keeps its token through its grace period (deletionTimestamp in the future).
  objects.set(
    'pod/ns1/web',
    obj('Pod', 'web', 'pod-uid-1', {
      metadata: { name: 'web', namespace: 'ns1', uid: 'pod-uid-1', deletionTimestamp: new Date(Date.now() + 30_000).toISOString() },
    }),
  );
  assert.ok(await tokens.authenticateToken(good));

  // The service account is deleted, then made again: every token of the old one is refused.
  const unbound = (await tokens.generate(sa, {}, 3600, tokens.audiences)).token;
  assert.ok(await tokens.authenticateToken(unbound));
  objects.delete('sa/ns1/robot');
  await refused(tokens.authenticateToken(unbound), /not found/);
  objects.set('sa/ns1/robot', obj('ServiceAccount', 'robot', 'sa-uid-2'));
  await refused(tokens.authenticateToken(unbound), /service account UID/);
});

test("TokenRequest API: defaults, validation, binding, and the 401 of a deleted pod's token", async (t) => {
  const cp = await startTestControlPlane();
  t.after(() => cp.stop());
  const c = cp.client;
  const ns = 'tokens';
  await createNamespace(c, ns);
  for (const n of ['default', 'robot'])
    await c.create(
      { group: '', version: 'v1', resource: 'serviceaccounts', namespace: ns },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: n } },
    );
  const pod = await c.create(
    { group: '', version: 'v1', resource: 'pods', namespace: ns },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web' },
      spec: { serviceAccountName: 'robot', automountServiceAccountToken: false, containers: [{ name: 'c', image: 'busybox' }] },
    },
  );
  const tokenRef = (sa: string) => ({
    group: '',
    version: 'v1',
    resource: 'serviceaccounts',
    namespace: ns,
    name: sa,
    subresource: 'token',
  });
  const request = (sa: string, spec: object) =>
    c.create<
      KObject & { spec: { audiences: string[]; expirationSeconds: number }; status: { token: string; expirationTimestamp: string } }
    >(tokenRef(sa), { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec });

  // Defaults: the API's audience and one hour.
  const before = Date.now();
  const tr = await request('robot', {});
  assert.equal(tr.kind, 'TokenRequest');
  assert.deepEqual(tr.spec.audiences, [DEFAULT_ISSUER]);
  assert.equal(tr.spec.expirationSeconds, 3600);
  const exp = Date.parse(tr.status.expirationTimestamp);
  assert.ok(exp >= Math.floor(before / 1000) * 1000 + 3600_000 - 1000 && exp <= Date.now() + 3600_000, tr.status.expirationTimestamp);
  assert.equal(decodeJwt(tr.status.token).sub, `system:serviceaccount:${ns}:robot`);

  // Validation and binding errors, as kube-apiserver words them.
  const failure = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      if (isApiError(e)) return e;
      throw e;
    }
    assert.fail('expected the request to fail');
  };
  let e = await failure(request('robot', { expirationSeconds: 60 }));
  assert.equal(e.code, 422);
  assert.equal(
    e.message,
    'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes',
  );
  e = await failure(request('ghost', {}));
  assert.equal(e.code, 404);
  assert.equal(e.message, 'serviceaccounts "ghost" not found');
  e = await failure(request('default', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' } }));
  assert.equal(e.code, 400);
  assert.equal(e.message, 'cannot bind token for serviceaccount "default" to pod running with serviceaccount "robot"');
  e = await failure(request('robot', { boundObjectRef: { kind: 'ConfigMap', apiVersion: 'v1', name: 'x' } }));
  assert.equal(e.message, 'cannot bind token to object of type /v1, Kind=ConfigMap');
  e = await failure(request('robot', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: 'not-the-uid' } }));
  assert.equal(e.code, 409);

  // What kube-api-access volumes ask for (3607 s, bound to the pod): it says 3607 s but lives a year.
  const projected = await request('robot', {
    expirationSeconds: 3607,
    boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: pod.metadata.uid },
  });
  assert.equal(projected.spec.expirationSeconds, 3607);
  const pc = decodeJwt(projected.status.token) as {
    iat: number;
    exp: number;
    'kubernetes.io': { warnafter: number; pod: { uid: string } };
  };
  assert.equal(pc.exp - pc.iat, EXPIRATION_EXTENSION_SECONDS);
  assert.equal(pc['kubernetes.io'].warnafter - pc.iat, 3607);
  assert.equal(pc['kubernetes.io'].pod.uid, pod.metadata.uid);
  assert.ok(Date.parse(projected.status.expirationTimestamp) <= Date.now() + 3607_000);

  // The bound token authenticates over HTTP (whatever it is then allowed), and after the pod is deleted it is 401.
  const asPod = new RestClient({ server: cp.url, token: projected.status.token });
  t.after(() => asPod.close());
  const path = `/api/v1/namespaces/${ns}/pods`;
  assert.notEqual((await asPod.requestRaw({ method: 'GET', path })).statusCode, 401);
  assert.equal((await cp.api.serviceAccountTokens.authenticateToken(projected.status.token))?.name, `system:serviceaccount:${ns}:robot`);
  await c.delete({ group: '', version: 'v1', resource: 'pods', namespace: ns, name: 'web' }, { gracePeriodSeconds: 0 });
  const gone = await asPod.requestRaw({ method: 'GET', path });
  assert.equal(gone.statusCode, 401);
  assert.equal(JSON.parse(gone.body.toString()).message, 'Unauthorized');
  // An unbound token of the same account still works until the account itself goes.
  const asRobot = new RestClient({ server: cp.url, token: tr.status.token });
  t.after(() => asRobot.close());
  assert.notEqual((await asRobot.requestRaw({ method: 'GET', path })).statusCode, 401);
  await c.delete({ group: '', version: 'v1', resource: 'serviceaccounts', namespace: ns, name: 'robot' });
  assert.equal((await asRobot.requestRaw({ method: 'GET', path })).statusCode, 401);
});

test('issuer discovery: a service account reads the OpenID configuration and keys, and a third party verifies a token with them', async (t) => {
  const cp = await startTestControlPlane();
  t.after(() => cp.stop());
  const c = cp.client;
  await c.create(
    { group: '', version: 'v1', resource: 'serviceaccounts', namespace: 'default' },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'vault-client' } },
  );
  const tr = await c.create<KObject & { status: { token: string } }>(
    { group: '', version: 'v1', resource: 'serviceaccounts', namespace: 'default', name: 'vault-client', subresource: 'token' },
    { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: ['vault'] } },
  );
  // The discovery documents are for service accounts (RBAC: system:service-account-issuer-discovery) ...
  const own = (
    await c.create<KObject & { status: { token: string } }>(
      { group: '', version: 'v1', resource: 'serviceaccounts', namespace: 'default', name: 'vault-client', subresource: 'token' },
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} },
    )
  ).status.token;
  const asSA = new RestClient({ server: cp.url, token: own });
  t.after(() => asSA.close());
  const conf = await asSA.requestRaw({ method: 'GET', path: '/.well-known/openid-configuration' });
  assert.equal(conf.statusCode, 200, conf.body.toString());
  const doc = JSON.parse(conf.body.toString());
  assert.equal(doc.issuer, DEFAULT_ISSUER);
  assert.deepEqual(doc.id_token_signing_alg_values_supported, ['ES256']);
  const keysRes = await asSA.requestRaw({ method: 'GET', path: '/openid/v1/jwks' });
  assert.equal(keysRes.statusCode, 200);
  assert.match(String(keysRes.headers['content-type']), /^application\/jwk-set\+json/);
  const set = JSON.parse(keysRes.body.toString()) as { keys: { kid: string; alg: string; use: string }[] };
  assert.equal(set.keys[0].kid, keyID(cp.api.serviceAccountTokens.keys.publicKey));
  // ... and with them a vault verifies the token issued for it, without asking the API server.
  const { payload } = await jwtVerify(tr.status.token, createLocalJWKSet(set as never), { issuer: doc.issuer, audience: 'vault' });
  assert.equal(payload.sub, 'system:serviceaccount:default:vault-client');
  // Nobody anonymous.
  const anon = new RestClient({ server: cp.url });
  t.after(() => anon.close());
  assert.equal((await anon.requestRaw({ method: 'GET', path: '/openid/v1/jwks' })).statusCode, 401);
});
