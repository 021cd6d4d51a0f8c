// The certificates der.ts writes, against an X.509 schema library's encoding of the same
// certificates (@peculiar/asn1-x509, which wrote them before #13): byte for byte, for every kind
// certs.ts issues; and issuing one loads no such library.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { issueCertificate, makeCA, makeClientCert, makeServingCert } from './certs.js';
import { certificateSubject, ipBytes, readElement, subjectPublicKeyBits } from './der.js';

const require = createRequire(import.meta.url);
type X509Schema = typeof import('@peculiar/asn1-x509');
type AsnSchema = typeof import('@peculiar/asn1-schema');

test('each kind of certificate is the DER the schema library writes for it (parsed by it and written again: the same bytes)', () => {
  const x509 = require('@peculiar/asn1-x509') as X509Schema;
  const { AsnConvert } = require('@peculiar/asn1-schema') as AsnSchema;
  const ca = makeCA('k8ts-ca');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rsaCA = {
    key: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    cert: issueCertificate(rsa.publicKey, { commonName: 'old-rsa-ca', isCA: true, years: 10 }, { selfKey: rsa.privateKey }),
  };
  const certs: Record<string, string> = {
    ca: ca.cert,
    serving: makeServingCert(ca, 'kube-apiserver', ['localhost', 'kubernetes.default.svc'], ['127.0.0.1', '10.96.0.1', '::1', 'fe80::1:2'])
      .cert,
    client: makeClientCert(ca, 'system:node:n1', ['system:nodes', 'other']).cert,
    rsaKey: issueCertificate(rsa.publicKey, { commonName: 'rsa-key', usages: ['client'], years: 1 }, { ca }),
    rsaCA: rsaCA.cert,
    byRSACA: makeClientCert(rsaCA, 'signed-by-rsa').cert,
    // Past 2049 the validity is a GeneralizedTime.
    long: issueCertificate(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey, { commonName: 'long', years: 40 }, { ca }),
    capped: issueCertificate(
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey,
      { commonName: 'capped', usages: ['server'], dnsNames: ['a.example'], years: 5, notAfter: new Date('2027-01-02T03:04:05Z') },
      { ca },
    ),
  };
  const ec = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
  Object.assign(certs, {
    // Lengths past 127, 255 and 65535 bytes (long-form lengths of one, two and three bytes).
    long1: makeClientCert(ca, 'x'.repeat(200), ['g'.repeat(300)]).cert,
    long3: makeServingCert(
      ca,
      'y'.repeat(70_000),
      Array.from({ length: 3000 }, (_, i) => `host-${i}.example`),
      ['10.0.0.1'],
    ).cert,
    // Names no ASCII holds, and ones that look like more RDNs or escapes in a string form.
    names: makeClientCert(ca, 'bob\nO=system:masters, CN=admin', ['dev, O=system:masters', 'a+b=c\\', 'grüppe 中 😀', '\0']).cert,
    // Every kind of subjectAltName the signer writes.
    sans: issueCertificate(
      ec(),
      {
        commonName: 'sans',
        dnsNames: ['a.example'],
        emails: ['e@example'],
        ips: ['10.0.0.1', '2001:db8::1'],
        uris: ['spiffe://c/ns/x'],
        years: 1,
      },
      { ca },
    ),
    // The last UTCTime second and the first GeneralizedTime one.
    utc2049: issueCertificate(ec(), { commonName: 'u', years: 100, notAfter: new Date('2049-12-31T23:59:59Z') }, { ca }),
    gen2050: issueCertificate(ec(), { commonName: 'g', years: 100, notAfter: new Date('2050-01-01T00:00:00Z') }, { ca }),
  });
  for (const [kind, pem] of Object.entries(certs)) {
    const der = new X509Certificate(pem).raw;
    const parsed = AsnConvert.parse(der, x509.Certificate);
    const tbs = readElement(der, readElement(der, 0).start);
    const tbsDER = der.subarray(tbs.at, tbs.end);
    assert.ok(Buffer.from(AsnConvert.serialize(parsed.tbsCertificate)).equals(tbsDER), `${kind}: tbsCertificate`);
    const again = new x509.Certificate({
      tbsCertificate: parsed.tbsCertificate,
      signatureAlgorithm: parsed.signatureAlgorithm,
      signatureValue: parsed.signatureValue,
    });
    assert.ok(Buffer.from(AsnConvert.serialize(again)).equals(der), `${kind}: certificate`);
  }
  // The values themselves, as the library writes them from the same inputs.
  const serving = AsnConvert.parse(new X509Certificate(certs.serving).raw, x509.Certificate).tbsCertificate;
  const san = serving.extensions!.find((e) => e.extnID === x509.id_ce_subjectAltName)!;
  const want = new x509.SubjectAlternativeName([
    new x509.GeneralName({ dNSName: 'localhost' }),
    new x509.GeneralName({ dNSName: 'kubernetes.default.svc' }),
    ...['127.0.0.1', '10.96.0.1', '::1', 'fe80::1:2'].map((iPAddress) => new x509.GeneralName({ iPAddress })),
  ]);
  assert.ok(Buffer.from(san.extnValue.buffer).equals(Buffer.from(AsnConvert.serialize(want))));
  const client = AsnConvert.parse(new X509Certificate(certs.client).raw, x509.Certificate).tbsCertificate;
  const rdn = (type: string, value: string) =>
    new x509.RelativeDistinguishedName([new x509.AttributeTypeAndValue({ type, value: new x509.AttributeValue({ utf8String: value }) })]);
  const name = new x509.Name([rdn('2.5.4.10', 'system:nodes'), rdn('2.5.4.10', 'other'), rdn('2.5.4.3', 'system:node:n1')]);
  assert.ok(Buffer.from(AsnConvert.serialize(client.subject)).equals(Buffer.from(AsnConvert.serialize(name))));
  // The issuer is the CA's subject, byte for byte.
  assert.ok(certificateSubject(new X509Certificate(ca.cert).raw).equals(Buffer.from(AsnConvert.serialize(client.issuer))));
  const caSPKI = new X509Certificate(ca.cert).publicKey.export({ type: 'spki', format: 'der' });
  const parsedSPKI = AsnConvert.parse(caSPKI, x509.SubjectPublicKeyInfo);
  assert.ok(subjectPublicKeyBits(caSPKI).equals(Buffer.from(parsedSPKI.subjectPublicKey)));
});

test('IP addresses as a subjectAltName holds them', () => {
  assert.deepEqual([...ipBytes('10.96.0.1')], [10, 96, 0, 1]);
  assert.equal(ipBytes('::1').toString('hex'), '00000000000000000000000000000001');
  assert.equal(ipBytes('2001:db8::ffff:1.2.3.4').toString('hex'), '20010db8000000000000ffff01020304');
  assert.equal(ipBytes('1:2:3:4:5:6:7:8').toString('hex'), '00010002000300040005000600070008');
  assert.throws(() => ipBytes('10.96.0'), /invalid IP address/);
});

test('issuing certificates loads no X.509 schema library (#13: ~25 ms of loading, ~10 ms a certificate)', () => {
  const certs = fileURLToPath(new URL('./certs.js', import.meta.url));
  const script = `
    const { createRequire } = await import('node:module');
    const m = await import(${JSON.stringify(certs)});
    const ca = m.makeCA();
    m.makeServingCert(ca, 'kube-apiserver', ['localhost'], ['127.0.0.1']);
    m.makeClientCert(ca, 'kubernetes-admin', ['system:masters']);
    const loaded = Object.keys(createRequire(import.meta.url).cache).filter((f) => f.includes('asn1'));
    process.stdout.write(JSON.stringify(loaded));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out), []);
});

test('what other readers make of the certificates: no RDN more than written, the names as written, times either side of 2050, OpenSSL verifies', (t) => {
  const ca = makeCA();
  const names = makeClientCert(ca, 'bob\nO=system:masters', ['dev, O=system:masters', 'grüppe 中 😀']);
  const x = new X509Certificate(names.cert);
  // One line per RDN written (a newline in a value is escaped), the values as written.
  assert.equal(x.subject, 'O=dev\\, O=system:masters\nO=grüppe 中 😀\nCN=bob\\0AO=system:masters');
  assert.deepEqual({ ...x.toLegacyObject().subject }, { O: ['dev, O=system:masters', 'grüppe 中 😀'], CN: 'bob\nO=system:masters' });
  const utc = new X509Certificate(
    issueCertificate(
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey,
      { commonName: 'u', years: 100, notAfter: new Date('2049-12-31T23:59:59Z') },
      { ca },
    ),
  );
  const gen = new X509Certificate(
    issueCertificate(
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey,
      { commonName: 'g', years: 100, notAfter: new Date('2050-01-01T00:00:00Z') },
      { ca },
    ),
  );
  assert.equal(Date.parse(utc.validTo), Date.parse('2049-12-31T23:59:59Z'));
  assert.equal(Date.parse(gen.validTo), Date.parse('2050-01-01T00:00:00Z'));
  // An IPv4-mapped IPv6 address as its 16 bytes (the schema library wrote ::ffff:10.0.0.1 wrong).
  const serving = new X509Certificate(makeServingCert(ca, 's', ['localhost'], ['::ffff:10.0.0.1', 'fe80::1%lo']).cert);
  assert.equal(serving.subjectAltName, 'DNS:localhost, IP Address:0:0:0:0:0:FFFF:A00:1, IP Address:FE80:0:0:0:0:0:0:1');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8ts-der-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'ca.crt'), ca.cert);
  for (const [name, pem] of Object.entries({ names: names.cert, utc: utc.toString(), gen: gen.toString() })) {
    fs.writeFileSync(path.join(dir, `${name}.crt`), pem);
    const out = execFileSync('openssl', ['verify', '-CAfile', path.join(dir, 'ca.crt'), path.join(dir, `${name}.crt`)], {
      encoding: 'utf8',
    });
    assert.match(out, /: OK/, name);
  }
});
