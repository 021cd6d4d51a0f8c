// Certificate signing requests, the client and the signer side: what kubelet's TLS bootstrap
// makes (a key and a PKCS#10 request for system:node:NAME / O=system:nodes, or for its serving
// names), and what kube-controller-manager's csrsigning does with an approved one (a certificate
// from the cluster CA with the usages asked for, capped at --cluster-signing-duration).
// Counterparts: k8s.io/client-go/util/certificate/csr and pkg/controller/certificates/authority.
// RSA keys only: node-forge, which reads and writes the requests, has no ECDSA.

import { createHash, createPublicKey, sign as cryptoSign, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import type { KeyPairPEM } from './certs.js';

function serial(): string {
  const b = randomBytes(16);
  b[0] &= 0x7f; // a positive serial number
  return b.toString('hex');
}

/** forge's cert.sign(key, sha256) with the private-key operation done by Node's crypto (RSA or EC CA keys alike). */
function signCert(cert: forge.pki.Certificate, keyPEM: string): void {
  const ec = createPublicKey(keyPEM).asymmetricKeyType === 'ec';
  // ecdsa-with-SHA256 (RFC 5758) for an EC CA, sha256WithRSAEncryption for an RSA one.
  const oid = ec ? '1.2.840.10045.4.3.2' : forge.pki.oids.sha256WithRSAEncryption;
  cert.md = forge.md.sha256.create();
  cert.signatureOid = oid;
  cert.siginfo.algorithmOid = oid;
  cert.tbsCertificate = (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(cert);
  const tbs = Buffer.from(forge.asn1.toDer(cert.tbsCertificate).getBytes(), 'binary');
  cert.signature = cryptoSign('sha256', tbs, keyPEM).toString('binary');
}

export interface ParsedCSR {
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  emailAddresses: string[];
  uris: string[];
  /** The requested key, SPKI PEM. */
  publicKeyPEM: string;
}

/** The request in a PEM "CERTIFICATE REQUEST" block, its self-signature checked; throws with a reason otherwise. */
export function parseCSR(pem: string): ParsedCSR {
  if (!/-----BEGIN CERTIFICATE REQUEST-----/.test(pem)) throw new Error('PEM block type must be CERTIFICATE REQUEST');
  let csr: forge.pki.CertificateSigningRequest;
  try {
    csr = forge.pki.certificationRequestFromPem(pem);
  } catch (e) {
    throw new Error(`cannot parse the certificate request (RSA keys only): ${(e as Error).message}`);
  }
  if (!csr.verify()) throw new Error('the certificate request is not signed by its own key');
  const attrs = csr.subject.attributes;
  const out: ParsedCSR = {
    commonName: String(attrs.find((a) => a.shortName === 'CN')?.value ?? ''),
    organizations: attrs.filter((a) => a.shortName === 'O').map((a) => String(a.value)),
    dnsNames: [],
    ipAddresses: [],
    emailAddresses: [],
    uris: [],
    publicKeyPEM: forge.pki.publicKeyToPem(csr.publicKey as forge.pki.rsa.PublicKey),
  };
  const ext = csr.getAttribute({ name: 'extensionRequest' }) as {
    extensions?: { name: string; altNames?: { type: number; value: string; ip?: string }[] }[];
  } | null;
  for (const e of ext?.extensions ?? []) {
    if (e.name !== 'subjectAltName') continue;
    for (const n of e.altNames ?? []) {
      if (n.type === 2) out.dnsNames.push(n.value);
      else if (n.type === 7) out.ipAddresses.push(n.ip ?? '');
      else if (n.type === 1) out.emailAddresses.push(n.value);
      else if (n.type === 6) out.uris.push(n.value);
    }
  }
  return out;
}

/** A new RSA key and a request for it (client-go's certificate.MakeCSR). */
export function makeCSR(
  subject: { commonName: string; organizations?: string[] },
  alt: { dnsNames?: string[]; ips?: string[] } = {},
): { csrPEM: string; keyPEM: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.publicKeyFromPem(publicKey);
  csr.setSubject([
    ...(subject.organizations ?? []).map((value) => ({ name: 'organizationName', value })),
    { name: 'commonName', value: subject.commonName },
  ]);
  const altNames = [...(alt.dnsNames ?? []).map((value) => ({ type: 2, value })), ...(alt.ips ?? []).map((ip) => ({ type: 7, ip }))];
  if (altNames.length) csr.setAttributes([{ name: 'extensionRequest', extensions: [{ name: 'subjectAltName', altNames }] }]);
  csr.sign(forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return { csrPEM: forge.pki.certificationRequestToPem(csr), keyPEM: privateKey };
}

/** KeyUsage names of the API to x509 key usages and extended key usages (certificates.KeyUsage). */
function usageExtensions(usages: string[]): object[] {
  const ku: Record<string, boolean> = {};
  const eku: Record<string, boolean> = {};
  for (const u of usages) {
    if (u === 'digital signature' || u === 'signing') ku.digitalSignature = true;
    else if (u === 'key encipherment') ku.keyEncipherment = true;
    else if (u === 'content commitment') ku.nonRepudiation = true;
    else if (u === 'key agreement') ku.keyAgreement = true;
    else if (u === 'data encipherment') ku.dataEncipherment = true;
    else if (u === 'server auth') eku.serverAuth = true;
    else if (u === 'client auth') eku.clientAuth = true;
    else if (u === 'code signing') eku.codeSigning = true;
    else if (u === 'email protection' || u === 's/mime') eku.emailProtection = true;
    else if (u === 'timestamping') eku.timeStamping = true;
  }
  const exts: object[] = [{ name: 'basicConstraints', cA: false, critical: true }];
  if (Object.keys(ku).length) exts.push({ name: 'keyUsage', critical: true, ...ku });
  if (Object.keys(eku).length) exts.push({ name: 'extKeyUsage', ...eku });
  return exts;
}

/**
 * Signs a request with the CA (the csrsigning controller's authority.Sign): the request's subject
 * and names, the usages asked for, valid from five minutes ago (clock skew, as upstream's
 * backdate) for the lifetime given.
 */
export function signCSR(ca: KeyPairPEM, csrPEM: string, usages: string[], lifetimeSeconds: number): string {
  const req = forge.pki.certificationRequestFromPem(csrPEM);
  if (!req.verify()) throw new Error('the certificate request is not signed by its own key');
  const caCert = forge.pki.certificateFromPem(ca.cert);
  const cert = forge.pki.createCertificate();
  cert.publicKey = req.publicKey as forge.pki.rsa.PublicKey;
  cert.serialNumber = serial();
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 5 * 60_000);
  const caEnd = caCert.validity.notAfter.getTime();
  cert.validity.notAfter = new Date(Math.min(now + lifetimeSeconds * 1000, caEnd));
  cert.setSubject(req.subject.attributes);
  cert.setIssuer(caCert.subject.attributes);
  const exts = usageExtensions(usages);
  const ext = req.getAttribute({ name: 'extensionRequest' }) as { extensions?: { name: string }[] } | null;
  const san = ext?.extensions?.find((e) => e.name === 'subjectAltName');
  if (san) exts.push(san);
  exts.push({ name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() });
  cert.setExtensions(exts);
  signCert(cert, ca.key);
  return forge.pki.certificateToPem(cert);
}

/**
 * kubeadm's --discovery-token-ca-cert-hash: "sha256:" and the hex SHA-256 of the CA certificate's
 * Subject Public Key Info (pubkeypin.Hash), which a joining node pins before trusting the CA.
 */
export function caCertHash(caPEM: string): string {
  const spki = new X509Certificate(caPEM).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

/** Whether a certificate (PEM) is for the key (PEM, private). */
export function certMatchesKey(certPEM: string, keyPEM: string): boolean {
  try {
    const a = new X509Certificate(certPEM).publicKey.export({ type: 'spki', format: 'der' });
    const b = createPublicKey(keyPEM).export({ type: 'spki', format: 'der' });
    return Buffer.compare(a, b) === 0;
  } catch {
    return false;
  }
}
