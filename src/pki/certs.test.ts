// The cluster's certificates as TLS peers and OpenSSL see them: a P-256 CA, a serving certificate
// a TLS client verifies by name and address, a client certificate the server accepts and reads
// the identity from, and a data dir's existing (RSA) certificates kept as they are.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import tls from 'node:tls';
import { ensureClientCert, ensurePKI, ensureServingCert, issueCertificate, makeCA, makeClientCert, makeServingCert } from './certs.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8ts-pki-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('the CA and certificates are P-256, with the extensions kubeadm gives them, and OpenSSL verifies the chain', (t) => {
  const dir = tempDir(t);
  const ca = makeCA('test-ca');
  const serving = makeServingCert(ca, 'kube-apiserver', ['localhost', 'kubernetes.default.svc'], ['127.0.0.1', '10.96.0.1']);
  const client = makeClientCert(ca, 'kubernetes-admin', ['system:masters']);
  const caX = new X509Certificate(ca.cert);
  const sX = new X509Certificate(serving.cert);
  const cX = new X509Certificate(client.cert);
  assert.ok(caX.ca);
  assert.ok(!sX.ca && !cX.ca);
  assert.equal(caX.publicKey.asymmetricKeyType, 'ec');
  assert.equal(caX.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.match(ca.key, /^-----BEGIN PRIVATE KEY-----/);
  assert.ok(caX.verify(caX.publicKey) && caX.checkIssued(caX));
  assert.ok(sX.verify(caX.publicKey) && sX.checkIssued(caX));
  assert.ok(cX.verify(caX.publicKey) && cX.checkIssued(caX));
  assert.equal(sX.checkIP('10.96.0.1'), '10.96.0.1');
  assert.equal(sX.checkHost('kubernetes.default.svc'), 'kubernetes.default.svc');
  assert.equal(sX.checkHost('elsewhere.example'), undefined);
  assert.deepEqual(sX.keyUsage, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
  assert.deepEqual(cX.keyUsage, ['1.3.6.1.5.5.7.3.2']);
  assert.equal(cX.subject, 'O=system:masters\nCN=kubernetes-admin');
  assert.equal(sX.issuer, 'CN=test-ca');
  for (const [name, pem] of Object.entries({ ca: ca.cert, serving: serving.cert, client: client.cert }))
    fs.writeFileSync(path.join(dir, `${name}.crt`), pem);
  const verify = (purpose: string, file: string) =>
    execFileSync('openssl', ['verify', '-CAfile', path.join(dir, 'ca.crt'), '-purpose', purpose, path.join(dir, file)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  assert.match(verify('sslserver', 'serving.crt'), /OK/);
  assert.match(verify('sslclient', 'client.crt'), /OK/);
  // A client certificate is no server's.
  assert.throws(() => verify('sslserver', 'client.crt'));
});

test('a TLS server with the serving certificate and a client with the client certificate accept each other', async (t) => {
  const ca = makeCA();
  const serving = makeServingCert(ca, 'kube-apiserver', ['localhost'], ['127.0.0.1']);
  const client = makeClientCert(ca, 'alice', ['devs', 'ops']);
  const server = tls.createServer(
    { cert: serving.cert, key: serving.key, ca: ca.cert, requestCert: true, rejectUnauthorized: true },
    (s) => {
      s.end(`${s.getPeerCertificate().subject.CN} ${JSON.stringify(s.getPeerCertificate().subject.O)}`);
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as { port: number }).port;
  const said = await new Promise<string>((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, ca: ca.cert, cert: client.cert, key: client.key }, () => undefined);
    let out = '';
    s.on('data', (d) => {
      out += d;
    });
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
  assert.equal(said, 'alice ["devs","ops"]');
  // Another CA's client is refused.
  const stranger = makeClientCert(makeCA('other'), 'mallory');
  await assert.rejects(
    new Promise((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port, ca: ca.cert, cert: stranger.cert, key: stranger.key });
      s.on('data', resolve);
      s.on('end', () => reject(new Error('closed')));
      s.on('error', reject);
    }),
  );
});

test('issueCertificate signs any public key (a CSR), and an RSA CA of an older data dir still signs', () => {
  const ca = makeCA();
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = issueCertificate(
    publicKey,
    { commonName: 'system:node:n1', organizations: ['system:nodes'], usages: ['client'], years: 1 },
    { ca },
  );
  const x = new X509Certificate(pem);
  assert.ok(x.publicKey.export({ type: 'spki', format: 'der' }).equals(publicKey.export({ type: 'spki', format: 'der' })));
  assert.ok(x.verify(new X509Certificate(ca.cert).publicKey));
  // An RSA CA (what earlier versions made) signs sha256WithRSAEncryption.
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rsaCA = {
    cert: issueCertificate(rsa.publicKey, { commonName: 'old-ca', isCA: true, years: 1 }, { selfKey: rsa.privateKey }),
    key: rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string,
  };
  const leaf = makeClientCert(rsaCA, 'bob');
  assert.ok(new X509Certificate(leaf.cert).verify(new X509Certificate(rsaCA.cert).publicKey));
});

test('ensurePKI and ensureClientCert make what is missing once, keep what is there, and reissue a changed identity', (t) => {
  const dir = tempDir(t);
  const pki = ensurePKI(dir);
  assert.deepEqual(ensurePKI(dir), pki);
  const kcm = ensureClientCert(dir, pki.ca, 'controller-manager', 'system:kube-controller-manager');
  assert.deepEqual(ensureClientCert(dir, pki.ca, 'controller-manager', 'system:kube-controller-manager'), kcm);
  const other = ensureClientCert(dir, pki.ca, 'controller-manager', 'system:kube-controller-manager', ['g1']);
  assert.notEqual(other.cert, kcm.cert);
  assert.equal(new X509Certificate(other.cert).subject, 'O=g1\nCN=system:kube-controller-manager');
  // Signed by another CA (the data dir's CA was replaced): made again.
  const pki2 = { ...pki, ca: makeCA() };
  const again = ensureClientCert(dir, pki2.ca, 'controller-manager', 'system:kube-controller-manager', ['g1']);
  assert.ok(new X509Certificate(again.cert).checkIssued(new X509Certificate(pki2.ca.cert)));
  // A key that is not the certificate's: made again.
  fs.writeFileSync(path.join(dir, 'pki', 'controller-manager.key'), makeCA().key);
  const fixed = ensureClientCert(dir, pki2.ca, 'controller-manager', 'system:kube-controller-manager', ['g1']);
  assert.notEqual(fixed.cert, again.cert);
  assert.equal(fs.statSync(path.join(dir, 'pki', 'ca.key')).mode & 0o777, 0o600);
});

test('ensureServingCert keeps a node serving certificate across starts and reissues it when its names, CA or key change', (t) => {
  const dir = tempDir(t);
  const { ca } = ensurePKI(dir);
  const make = (c = ca, name = 'node-a', ip = '10.244.0.1') =>
    ensureServingCert(dir, c, 'kubelet-serving', `system:node:${name}`, [name], [ip]);
  const first = make();
  const x = new X509Certificate(first.cert);
  assert.equal(x.subject, 'CN=system:node:node-a');
  assert.ok(x.checkHost('node-a') && x.checkIP('10.244.0.1'));
  assert.ok(x.checkIssued(new X509Certificate(ca.cert)));
  assert.deepEqual(make(), first, 'kept while it holds');
  // Another address (a new pod CIDR's gateway), another name: made again for them.
  const moved = make(ca, 'node-a', '10.244.7.1');
  assert.notEqual(moved.cert, first.cert);
  assert.ok(new X509Certificate(moved.cert).checkIP('10.244.7.1'));
  const renamed = make(ca, 'node-b', '10.244.7.1');
  assert.equal(new X509Certificate(renamed.cert).subject, 'CN=system:node:node-b');
  // Another CA: made again by it; a key that is not the certificate's: made again.
  const ca2 = makeCA();
  const reissued = make(ca2, 'node-b', '10.244.7.1');
  assert.ok(new X509Certificate(reissued.cert).checkIssued(new X509Certificate(ca2.cert)));
  fs.writeFileSync(path.join(dir, 'pki', 'kubelet-serving.key'), makeCA().key);
  assert.notEqual(make(ca2, 'node-b', '10.244.7.1').cert, reissued.cert);
  assert.equal(fs.statSync(path.join(dir, 'pki', 'kubelet-serving.key')).mode & 0o777, 0o600);
});
