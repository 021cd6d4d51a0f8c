// Certificate signing requests as the signer reads them: the subject of the certificate issued
// for a request is the one Go's x509 reads from it (kube-controller-manager's signer, the API
// server's validation, `kubectl describe csr`, which is what an approver is shown).

import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject, sign, X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { makeCA } from './certs.js';
import { parseCSR, signCSR } from './csr.js';
import * as der from './der.js';

const CN = '2.5.4.3';
const O = '2.5.4.10';
const UTF8 = 0x0c;

/** A PKCS#10 request (RSA, SHA-256) whose subject is these RDNs, each value written as the tag and bytes given. */
function requestPEM(rdns: [type: string, tag: number, value: Buffer][][], key: { privateKey: KeyObject; publicKey: KeyObject }): string {
  const name = der.sequence(
    ...rdns.map((rdn) => der.tlv(0x31, ...rdn.map(([type, tag, value]) => der.sequence(der.oid(type), der.tlv(tag, value))))),
  );
  const info = der.sequence(der.integer(Buffer.from([0])), name, key.publicKey.export({ type: 'spki', format: 'der' }), der.tlv(0xa0));
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
