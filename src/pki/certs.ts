// The cluster's certificate authority and the API server's serving certificate, as kubeadm
// makes them: a self-signed CA kept in the data dir, and a server certificate it signs for
// every name and address clients use. kubectl sends bearer tokens only over TLS, so the API
// server always serves HTTPS.

import { sign as cryptoSign, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import forge from 'node-forge';

/** The API server's client certificate to nodes (kubeadm's apiserver-kubelet-client): what node streaming servers accept. */
export const KUBELET_CLIENT_COMMON_NAME = 'kube-apiserver-kubelet-client';

export interface KeyPairPEM {
  cert: string;
  key: string;
}

function newKey(): { pem: string; publicKey: forge.pki.rsa.PublicKey } {
  // Node's native key generation is two orders of magnitude faster than forge's pure-JS one.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { pem: privateKey, publicKey: forge.pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey };
}

/**
 * forge's cert.sign(key, sha256), with the RSA private-key operation done by Node's crypto
 * (native) instead of forge's pure-JS big integers, a quarter of a new cluster's start (#13):
 * the same PKCS#1 v1.5 SHA-256 signature over the same TBSCertificate.
 */
function signCert(cert: forge.pki.Certificate, keyPEM: string): void {
  cert.md = forge.md.sha256.create();
  cert.signatureOid = forge.pki.oids.sha256WithRSAEncryption;
  cert.siginfo.algorithmOid = forge.pki.oids.sha256WithRSAEncryption;
  // forge has it (cert.sign uses it); its type declarations leave it out.
  cert.tbsCertificate = (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(cert);
  const tbs = Buffer.from(forge.asn1.toDer(cert.tbsCertificate).getBytes(), 'binary');
  cert.signature = cryptoSign('sha256', tbs, keyPEM).toString('binary');
}

function serial(): string {
  const b = randomBytes(16);
  b[0] &= 0x7f; // a positive serial number
  return b.toString('hex');
}

/**
 * A new key and a certificate for it: subject, extensions and lifetime as given, issued and signed
 * by ca, or self-signed when there is no ca (client-go's certutil does the same for both).
 */
function issueCert(subject: forge.pki.CertificateField[], extensions: object[], years: number, ca?: KeyPairPEM): KeyPairPEM {
  const k = newKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = k.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + years * 365 * 86400_000);
  cert.setSubject(subject);
  cert.setIssuer(ca ? forge.pki.certificateFromPem(ca.cert).subject.attributes : subject);
  cert.setExtensions(extensions);
  signCert(cert, ca ? ca.key : k.pem);
  return { cert: forge.pki.certificateToPem(cert), key: k.pem };
}

export function makeCA(commonName = 'k8ts-ca', years = 10): KeyPairPEM {
  return issueCert(
    [{ name: 'commonName', value: commonName }],
    [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
      { name: 'subjectKeyIdentifier' },
    ],
    years,
  );
}

export function makeServingCert(ca: KeyPairPEM, commonName: string, dnsNames: string[], ips: string[], years = 1): KeyPairPEM {
  return issueCert(
    [{ name: 'commonName', value: commonName }],
    [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
      { name: 'subjectAltName', altNames: [...dnsNames.map((value) => ({ type: 2, value })), ...ips.map((ip) => ({ type: 7, ip }))] },
    ],
    years,
    ca,
  );
}

/**
 * A client certificate the cluster CA signs: the API server's x509 authenticator reads the user
 * from its Common Name and the groups from its Organizations (kubeadm's admin.conf: CN
 * kubernetes-admin, O system:masters).
 */
export function makeClientCert(ca: KeyPairPEM, commonName: string, organizations: string[] = [], years = 1): KeyPairPEM {
  return issueCert(
    [...organizations.map((value) => ({ name: 'organizationName', value })), { name: 'commonName', value: commonName }],
    [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', clientAuth: true },
    ],
    years,
    ca,
  );
}

/** Names the API server's certificate must carry beyond the standard ones (--advertise-address, --tls-san). */
export interface ExtraSANs {
  ips?: string[];
  dns?: string[];
}

/** The API server's names: what kube-apiserver's certificate carries, plus this host's addresses and the extra SANs. */
export function apiServerNames(extra: ExtraSANs = {}): { dns: string[]; ips: string[] } {
  const ips = new Set(['127.0.0.1', '10.96.0.1', ...(extra.ips ?? [])]);
  for (const addrs of Object.values(os.networkInterfaces())) for (const a of addrs ?? []) if (a.family === 'IPv4') ips.add(a.address);
  const dns = new Set([
    'localhost',
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    'kubernetes.default.svc.cluster.local',
    os.hostname(),
    ...(extra.dns ?? []),
  ]);
  return { dns: [...dns], ips: [...ips] };
}

/** The first non-loopback IPv4 of this host: where pods and other machines reach the API server. */
function primaryIPv4(): string | undefined {
  for (const addrs of Object.values(os.networkInterfaces()))
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}

/**
 * Whether a serving certificate still names what clients use: the kubernetes service's IP and
 * names (in-cluster clients) and this host's advertised address. A certificate made before
 * they were needed (or before the host's address changed) is made again, as `kubeadm certs renew`.
 */
function servesRequiredNames(pem: string, extra: ExtraSANs): boolean {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    return false;
  }
  const ips = ['127.0.0.1', '10.96.0.1', primaryIPv4(), ...(extra.ips ?? [])].filter((x): x is string => !!x);
  const dns = ['kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', ...(extra.dns ?? [])];
  return (
    ips.every((ip) => cert.checkIP(ip) !== undefined) &&
    dns.every((d) => cert.checkHost(d, { wildcards: false }) !== undefined) &&
    Date.parse(cert.validTo) > Date.now() + 86400_000
  );
}

export interface ClusterPKI {
  ca: KeyPairPEM;
  apiserver: KeyPairPEM;
  /** The admin's client certificate (kubeadm's admin.conf identity). */
  admin: KeyPairPEM;
}

/** Loads the data dir's PKI, making what is missing (the CA once; the serving cert when absent). */
export function ensurePKI(dir: string, extraSANs: ExtraSANs = {}): ClusterPKI {
  const pki = path.join(dir, 'pki');
  fs.mkdirSync(pki, { recursive: true, mode: 0o700 });
  const read = (name: string): KeyPairPEM | undefined => {
    try {
      return { cert: fs.readFileSync(path.join(pki, `${name}.crt`), 'utf8'), key: fs.readFileSync(path.join(pki, `${name}.key`), 'utf8') };
    } catch {
      return undefined;
    }
  };
  const write = (name: string, kp: KeyPairPEM) => {
    fs.writeFileSync(path.join(pki, `${name}.key`), kp.key, { mode: 0o600 });
    fs.writeFileSync(path.join(pki, `${name}.crt`), kp.cert);
  };
  let ca = read('ca');
  if (!ca) {
    ca = makeCA();
    write('ca', ca);
  }
  let apiserver = read('apiserver');
  if (!apiserver || !servesRequiredNames(apiserver.cert, extraSANs)) {
    const names = apiServerNames(extraSANs);
    apiserver = makeServingCert(ca, 'kube-apiserver', names.dns, names.ips);
    write('apiserver', apiserver);
  }
  let admin = read('admin');
  if (!admin) {
    admin = makeClientCert(ca, 'kubernetes-admin', ['system:masters']);
    write('admin', admin);
  }
  return { ca, apiserver, admin };
}

/**
 * A component's client certificate (kubeadm's scheduler.conf, controller-manager.conf,
 * kube-proxy's): made once by the cluster CA, kept in pki/<file>.{crt,key}, reissued when the
 * identity it should carry changes.
 */
export function ensureClientCert(dir: string, ca: KeyPairPEM, file: string, commonName: string, organizations: string[] = []): KeyPairPEM {
  const pki = path.join(dir, 'pki');
  fs.mkdirSync(pki, { recursive: true, mode: 0o700 });
  const crt = path.join(pki, `${file}.crt`);
  const key = path.join(pki, `${file}.key`);
  try {
    const kp = { cert: fs.readFileSync(crt, 'utf8'), key: fs.readFileSync(key, 'utf8') };
    const c = forge.pki.certificateFromPem(kp.cert);
    const cn = c.subject.getField('CN')?.value;
    const orgs = c.subject.attributes.filter((a) => a.shortName === 'O').map((a) => String(a.value));
    const caCert = forge.pki.certificateFromPem(ca.cert);
    if (
      cn === commonName &&
      JSON.stringify(orgs) === JSON.stringify(organizations) &&
      caCert.verify(c) &&
      c.validity.notAfter.getTime() > Date.now() + 86400_000
    )
      return kp;
  } catch {
    /* missing or unreadable: make it */
  }
  const kp = makeClientCert(ca, commonName, organizations);
  fs.writeFileSync(key, kp.key, { mode: 0o600 });
  fs.writeFileSync(crt, kp.cert);
  return kp;
}

/** The admin's client certificate, if the data dir's PKI has been made (by the cluster's first start). */
export function readAdminCert(dir: string): KeyPairPEM | undefined {
  try {
    return {
      cert: fs.readFileSync(path.join(dir, 'pki', 'admin.crt'), 'utf8'),
      key: fs.readFileSync(path.join(dir, 'pki', 'admin.key'), 'utf8'),
    };
  } catch {
    return undefined;
  }
}
