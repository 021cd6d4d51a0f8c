// Certificate signing requests as the signer reads them: the subject of the certificate issued
// for a request is the one Go's x509 reads from it (kube-controller-manager's signer, the API
// server's validation, `kubectl describe csr`, which is what an approver is shown).

import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject, sign, X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { issueCertificate, makeCA, newPrivateKey } from './certs.js';
import { makeCSR, parseCSR, signCSR } from './csr.js';
import * as der from './der.js';

const CN = '2.5.4.3';
const O = '2.5.4.10';
const UTF8 = 0x0c;

/** A PKCS#10 request (RSA, SHA-256) whose subject is these RDNs, each value written as the tag and bytes given. */
function requestPEM(
  rdns: [type: string, tag: number, value: Buffer][][],
  key: { privateKey: KeyObject; publicKey: KeyObject },
  sans: Buffer[] = [],
): string {
  const name = der.sequence(
    ...rdns.map((rdn) => der.tlv(0x31, ...rdn.map(([type, tag, value]) => der.sequence(der.oid(type), der.tlv(tag, value))))),
  );
  // The subjectAltName extension asked for (PKCS#9 extensionRequest), of GeneralNames given encoded.
  const attributes = sans.length
    ? [
        der.sequence(
          der.oid('1.2.840.113549.1.9.14'),
          der.setOfOne(der.sequence(der.sequence(der.oid('2.5.29.17'), der.octetString(der.sequence(...sans))))),
        ),
      ]
    : [];
  const spki = key.publicKey.export({ type: 'spki', format: 'der' });
  const info = der.sequence(der.integer(Buffer.from([0])), name, spki, der.tlv(0xa0, ...attributes));
  const alg = der.sequence(der.oid('1.2.840.113549.1.1.11'), der.nullValue());
  const csr = der.sequence(info, alg, der.bitString(sign('sha256', info, key.privateKey)));
  return `-----BEGIN CERTIFICATE REQUEST-----\n${csr
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END CERTIFICATE REQUEST-----\n`;
}

const utf8 = (type: string, s: string): [string, number, Buffer] => [type, UTF8, Buffer.from(s, 'utf8')];

test('a request with several CNs is for the last one, as Go reads it (what the approver is shown), in the certificate too', () => {
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ca = makeCA();
  // One RDN each, and two in one multi-valued RDN: the last in encoding order counts either way.
  for (const rdns of [
    [[utf8(CN, 'system:admin')], [utf8(CN, 'alice')], [utf8(O, 'dev')]],
    [[utf8(CN, 'system:admin'), utf8(CN, 'alice')], [utf8(O, 'dev')]],
  ]) {
    const pem = requestPEM(rdns, key);
    const parsed = parseCSR(pem);
    assert.equal(parsed.commonName, 'alice');
    assert.deepEqual(parsed.organizations, ['dev']);
    const cert = new X509Certificate(signCSR(ca, pem, ['client auth'], 3600));
    assert.equal(cert.subject, 'O=dev\nCN=alice');
  }
});

test("a request's names are read as the string types they are written in, and the certificate holds the same text", () => {
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ca = makeCA();
  const bmp = (s: string) => Buffer.from(s, 'utf16le').swap16();
  const pem = requestPEM(
    [
      [utf8(O, 'grüppe')],
      [[O, 0x1e, bmp('système 中')]], // BMPString
      [[O, 0x13, Buffer.from('Acme (UK) Ltd., 1+1=2?')]], // PrintableString
      [[O, 0x16, Buffer.from('mail@example')]], // IA5String
      [[O, 0x1c, Buffer.from('\0\0\0a')]], // UniversalString: Go leaves it out
      [utf8(CN, 'système:é中😀')],
    ],
    key,
  );
  const parsed = parseCSR(pem);
  assert.equal(parsed.commonName, 'système:é中😀');
  assert.deepEqual(parsed.organizations, ['grüppe', 'système 中', 'Acme (UK) Ltd., 1+1=2?', 'mail@example']);
  const cert = new X509Certificate(signCSR(ca, pem, ['client auth'], 3600));
  assert.equal(cert.subject, 'O=grüppe\nO=système 中\nO=Acme (UK) Ltd.\\, 1\\+1=2?\nO=mail@example\nCN=système:é中😀');
  // A BMPString's trailing NUL is no character; a lone surrogate is U+FFFD.
  assert.equal(
    parseCSR(requestPEM([[[CN, 0x1e, Buffer.concat([bmp('a'), Buffer.from([0xd8, 0x00]), bmp('b'), Buffer.alloc(2)])]]], key)).commonName,
    'a\ufffdb',
  );
});

test('a request whose names are malformed for their string type is refused, as Go refuses it', () => {
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const bad: [string, number, Buffer][] = [
    [CN, UTF8, Buffer.from([0x61, 0xc3])], // a truncated UTF-8 sequence
    [CN, UTF8, Buffer.from([0xe9])], // Latin-1 in a UTF8String
    [O, 0x13, Buffer.from('under_score')], // not a PrintableString character
    [O, 0x13, Buffer.from([0xe9])],
    [O, 0x16, Buffer.from([0x80])], // not IA5
    [O, 0x1e, Buffer.from([0x00, 0x61, 0x00])], // an odd-length BMPString (node-forge does not parse it)
  ];
  for (const value of bad)
    assert.throws(() => parseCSR(requestPEM([[value], [utf8(CN, 'alice')]], key)), /invalid|cannot parse/, JSON.stringify(value));
});

test('makeCSR writes a name a PrintableString cannot hold as a UTF8String, as Go does: it reads back the same', () => {
  for (const name of ['system:node:n1', 'user_1@example.com', 'é中']) {
    const parsed = parseCSR(makeCSR({ commonName: name, organizations: [name, 'system:nodes'] }).csrPEM);
    assert.equal(parsed.commonName, name);
    assert.deepEqual(parsed.organizations, [name, 'system:nodes']);
  }
});

test('a certificate signed for a request ends no later than the CA, and a CA past its end signs nothing (the signer policy)', () => {
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = requestPEM([[utf8(CN, 'alice')]], key);
  const caWithin = (ms: number) => {
    const k = newPrivateKey();
    const end = new Date(Math.floor((Date.now() + ms) / 1000) * 1000);
    return {
      cert: issueCertificate(k.publicKey, { commonName: 'short-ca', isCA: true, years: 10, notAfter: end }, { selfKey: k.privateKey }),
      key: k.pem,
    };
  };
  const ca = caWithin(86400_000);
  const cert = new X509Certificate(signCSR(ca, pem, ['client auth'], 365 * 86400));
  assert.equal(cert.validTo, new X509Certificate(ca.cert).validTo);
  assert.throws(() => signCSR(caWithin(-1000), pem, ['client auth'], 3600), /refusing to sign a certificate that expired in the past/);
  assert.throws(() => signCSR(caWithin(-120_000), pem, ['client auth'], 3600), /the signer has expired/);
});

test("a request's subjectAltNames must be what Go's x509 reads (IA5 names, 4 or 16 byte addresses), else it is refused", () => {
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ca = makeCA();
  const dns = (b: Buffer) => der.implicitPrimitive(2, b);
  const ip = (b: Buffer) => der.implicitPrimitive(7, b);
  const good = requestPEM([[utf8(CN, 'alice')]], key, [dns(Buffer.from('a.example')), ip(Buffer.from([10, 0, 0, 1]))]);
  assert.deepEqual(parseCSR(good).dnsNames, ['a.example']);
  assert.deepEqual(parseCSR(good).ipAddresses, ['10.0.0.1']);
  assert.equal(new X509Certificate(signCSR(ca, good, ['server auth'], 3600)).subjectAltName, 'DNS:a.example, IP Address:10.0.0.1');
  for (const [san, why] of [
    [dns(Buffer.from('b\xfccher.example', 'latin1')), /SAN dNSName is malformed/],
    [der.implicitPrimitive(1, Buffer.from('\xe9@example', 'latin1')), /SAN rfc822Name is malformed/],
    [der.implicitPrimitive(6, Buffer.from('spiffe://\xe9', 'latin1')), /SAN uniformResourceIdentifier is malformed/],
    [ip(Buffer.from([10, 0, 0, 1, 2])), /cannot parse IP address of length 5/],
  ] as const)
    assert.throws(() => parseCSR(requestPEM([[utf8(CN, 'alice')]], key, [san])), why);
});

test("the certificate for a request carries the request's email and URI subjectAltNames too, as kube-controller-manager's signer copies them", () => {
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = requestPEM([[utf8(CN, 'workload')]], key, [
    der.implicitPrimitive(6, Buffer.from('spiffe://cluster.local/ns/default/sa/web')),
    der.implicitPrimitive(2, Buffer.from('web.example')),
    der.implicitPrimitive(7, Buffer.from([10, 0, 0, 7])),
    der.implicitPrimitive(1, Buffer.from('web@example.com')),
  ]);
  const cert = new X509Certificate(signCSR(makeCA(), pem, ['client auth'], 3600));
  // Go's order: DNS names, emails, addresses, URIs.
  assert.equal(
    cert.subjectAltName,
    'DNS:web.example, email:web@example.com, IP Address:10.0.0.7, URI:spiffe://cluster.local/ns/default/sa/web',
  );
});
