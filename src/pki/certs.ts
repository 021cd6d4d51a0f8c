// The cluster's certificate authority and the API server's serving certificate, as kubeadm
// makes them: a self-signed CA kept in the data dir, and a server certificate it signs for
// every name and address clients use. kubectl sends bearer tokens only over TLS, so the API
// server always serves HTTPS.
//
// Keys are ECDSA P-256 (kubeadm's --encryption-algorithm=ECDSA-P256): Node's crypto makes one
// in well under a millisecond where an RSA-2048 key took 0.1-1 s, six of which were most of a
// new cluster's start (#13). Certificates are written in DER by der.ts (a schema library's cost
// ~10 ms each, and its loading ~25 ms, on a new cluster's way to ready) and signed by Node's
// crypto. Certificates and keys already in a data dir (RSA ones from earlier versions included)
// keep working: they are read, never converted.

import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  X509Certificate,
} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as der from './der.js';

/** The API server's client certificate to nodes (kubeadm's apiserver-kubelet-client): what node streaming servers accept. */
export const KUBELET_CLIENT_COMMON_NAME = 'kube-apiserver-kubelet-client';

export interface KeyPairPEM {
  cert: string;
  key: string;
}

/** What a certificate says about its subject: the request half of client-go's certutil.Config. */
export interface CertificateSpec {
  commonName: string;
  /** Organizations (O): the groups the API server's x509 authenticator reads. */
  organizations?: string[];
  /** A CA certificate (basicConstraints cA, keyCertSign). */
  isCA?: boolean;
  /** Extended key usages: server (TLS serving), client (TLS client). */
  usages?: ('server' | 'client')[];
  dnsNames?: string[];
  ips?: string[];
  /** rfc822Name and URI subjectAltNames (ASCII: a request's, which the signer copies as kube-controller-manager's does). */
  emails?: string[];
  uris?: string[];
  /** Lifetime in years from now (the certificate is valid from a minute ago)... */
  years: number;
  /** ... unless it ends earlier than that (a CSR signer's --cluster-signing-duration, the CA's own end). */
  notAfter?: Date;
}

/** A new ECDSA P-256 key pair (PKCS#8 PEM private key). */
export function newPrivateKey(): { pem: string; privateKey: KeyObject; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { pem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, privateKey, publicKey };
}

// Signature algorithms by the signing key's type (RFC 5758 for ECDSA, RFC 4055 for RSA).
const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
const OID_CN = '2.5.4.3';
const OID_O = '2.5.4.10';
// Extensions (RFC 5280 4.2.1) and extended key usages (4.2.1.12).
const OID_BASIC_CONSTRAINTS = '2.5.29.19';
const OID_KEY_USAGE = '2.5.29.15';
const OID_EXT_KEY_USAGE = '2.5.29.37';
const OID_SUBJECT_KEY_ID = '2.5.29.14';
const OID_AUTHORITY_KEY_ID = '2.5.29.35';
const OID_SUBJECT_ALT_NAME = '2.5.29.17';
const OID_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const OID_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
// KeyUsage's named bits (RFC 5280 4.2.1.3).
const DIGITAL_SIGNATURE = 0;
const KEY_ENCIPHERMENT = 2;
const KEY_CERT_SIGN = 5;
const CRL_SIGN = 6;

function serialNumber(): Buffer {
  const b = randomBytes(16);
  b[0] &= 0x7f; // a positive serial number
  b[0] |= 0x01; // and no leading zero byte to be stripped
  return b;
}

/** A key identifier as RFC 5280 4.2.1.2 (1) describes it: SHA-1 of the subjectPublicKey bits. */
function keyIdentifier(spkiDER: Buffer): Buffer {
  // SHA-1 as an identifier (what Go's crypto/x509 computes too), not as a security boundary.
  return createHash('sha1').update(der.subjectPublicKeyBits(spkiDER)).digest();
}

/** A Name of the organizations, then the common name, each a UTF8String in an RDN of its own. */
function name(commonName: string, organizations: string[]): Buffer {
  const rdn = (type: string, value: string) => der.setOfOne(der.sequence(der.oid(type), der.utf8String(value)));
  return der.sequence(...organizations.map((o) => rdn(OID_O, o)), rdn(OID_CN, commonName));
}

/** An Extension; critical is written only when true (DER leaves a DEFAULT FALSE out). */
function extension(extnID: string, value: Buffer, critical = false): Buffer {
  return der.sequence(der.oid(extnID), ...(critical ? [der.booleanTrue()] : []), der.octetString(value));
}

/**
 * A certificate for publicKey, as spec describes it, issued and signed by ca, or self-signed by
 * selfKey when there is no ca. The one place this codebase writes certificates: the cluster's
 * own, the components', and (for CSRs) anyone's public key. DER written by der.ts (#13: a schema
 * library cost a new cluster's start ~10 ms a certificate), signed by Node's crypto.
 */
export function issueCertificate(publicKey: KeyObject, spec: CertificateSpec, signer: { ca: KeyPairPEM } | { selfKey: KeyObject }): string {
  const spkiDER = publicKey.export({ type: 'spki', format: 'der' });
  const signingKey = 'ca' in signer ? createPrivateKey(signer.ca.key) : signer.selfKey;
  const sigAlg = signingKey.asymmetricKeyType === 'ec' ? ECDSA_WITH_SHA256 : SHA256_WITH_RSA;
  const subject = name(spec.commonName, spec.organizations ?? []);
  let issuer = subject;
  let authorityKeyId: Buffer;
  if ('ca' in signer) {
    const caCert = new X509Certificate(signer.ca.cert);
    // The issuer is the CA's subject byte for byte, as chain building compares them.
    issuer = der.certificateSubject(caCert.raw);
    authorityKeyId = keyIdentifier(caCert.publicKey.export({ type: 'spki', format: 'der' }));
  } else {
    authorityKeyId = keyIdentifier(spkiDER);
  }
  const ku = spec.isCA
    ? [DIGITAL_SIGNATURE, KEY_CERT_SIGN, CRL_SIGN]
    : // keyEncipherment is RSA key transport: an EC key only signs (Go's crypto/tls checks the same).
      [DIGITAL_SIGNATURE, ...(publicKey.asymmetricKeyType === 'rsa' ? [KEY_ENCIPHERMENT] : [])];
  const extensions = [
    // basicConstraints: cA written only when true (DEFAULT FALSE).
    extension(OID_BASIC_CONSTRAINTS, der.sequence(...(spec.isCA ? [der.booleanTrue()] : [])), true),
    extension(OID_KEY_USAGE, der.namedBits(ku), true),
  ];
  const eku = (spec.usages ?? []).map((u) => der.oid(u === 'server' ? OID_SERVER_AUTH : OID_CLIENT_AUTH));
  if (eku.length) extensions.push(extension(OID_EXT_KEY_USAGE, der.sequence(...eku)));
  extensions.push(extension(OID_SUBJECT_KEY_ID, der.octetString(keyIdentifier(spkiDER))));
  // authorityKeyIdentifier: its keyIdentifier, [0] IMPLICIT.
  if ('ca' in signer) extensions.push(extension(OID_AUTHORITY_KEY_ID, der.sequence(der.implicitPrimitive(0, authorityKeyId))));
  // subjectAltName, in Go's order (marshalSANs): dNSName [2] IMPLICIT IA5String, rfc822Name [1]
  // IA5String, iPAddress [7] IMPLICIT OCTET STRING, uniformResourceIdentifier [6] IA5String.
  const sans = [
    ...(spec.dnsNames ?? []).map((d) => der.implicitPrimitive(2, Buffer.from(d, 'ascii'))),
    ...(spec.emails ?? []).map((e) => der.implicitPrimitive(1, Buffer.from(e, 'ascii'))),
    ...(spec.ips ?? []).map((ip) => der.implicitPrimitive(7, der.ipBytes(ip))),
    ...(spec.uris ?? []).map((u) => der.implicitPrimitive(6, Buffer.from(u, 'ascii'))),
  ];
  if (sans.length) extensions.push(extension(OID_SUBJECT_ALT_NAME, der.sequence(...sans)));
  const algorithm = der.sequence(der.oid(sigAlg), ...(sigAlg === SHA256_WITH_RSA ? [der.nullValue()] : []));
  const now = Date.now();
  const notAfter = Math.min(now + spec.years * 365 * 86400_000, spec.notAfter?.getTime() ?? Number.POSITIVE_INFINITY);
  const tbsDER = der.sequence(
    der.explicit(0, der.integer(Buffer.from([2]))), // v3
    der.integer(serialNumber()),
    algorithm,
    issuer,
    der.sequence(der.time(new Date(now - 60_000)), der.time(new Date(notAfter))),
    subject,
    spkiDER,
    der.explicit(3, der.sequence(...extensions)),
  );
  // ECDSA signatures in X.509 are DER (Ecdsa-Sig-Value), Node's default encoding.
  const signature = sign('sha256', tbsDER, signingKey);
  const certDER = der.sequence(tbsDER, algorithm, der.bitString(signature));
  return `-----BEGIN CERTIFICATE-----\n${certDER
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** A new key and a certificate for it, issued by ca or self-signed (client-go's certutil does both). */
function issueKeyPair(spec: CertificateSpec, ca?: KeyPairPEM): KeyPairPEM {
  const k = newPrivateKey();
  return { cert: issueCertificate(k.publicKey, spec, ca ? { ca } : { selfKey: k.privateKey }), key: k.pem };
}

export function makeCA(commonName = 'k8ts-ca', years = 10): KeyPairPEM {
  return issueKeyPair({ commonName, isCA: true, years });
}

export function makeServingCert(ca: KeyPairPEM, commonName: string, dnsNames: string[], ips: string[], years = 1): KeyPairPEM {
  return issueKeyPair({ commonName, usages: ['server', 'client'], dnsNames, ips, years }, ca);
}

/**
 * A client certificate the cluster CA signs: the API server's x509 authenticator reads the user
 * from its Common Name and the groups from its Organizations (kubeadm's admin.conf: CN
 * kubernetes-admin, O system:masters).
 */
export function makeClientCert(ca: KeyPairPEM, commonName: string, organizations: string[] = [], years = 1): KeyPairPEM {
  return issueKeyPair({ commonName, organizations, usages: ['client'], years }, ca);
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
 * The subject a client certificate names in the form Node's X509Certificate.subject prints it
 * (one "O=..." line per organization, then "CN=..."), for names of the characters Kubernetes'
 * identities use; anything else never matches and the certificate is made again.
 */
function subjectLines(commonName: string, organizations: string[]): string | undefined {
  const plain = /^[A-Za-z0-9:._@-]+$/;
  if (![commonName, ...organizations].every((v) => plain.test(v))) return undefined;
  return [...organizations.map((o) => `O=${o}`), `CN=${commonName}`].join('\n');
}

/**
 * A component's client certificate (kubeadm's scheduler.conf, controller-manager.conf,
 * kube-proxy's): made once by the cluster CA, kept in pki/<file>.{crt,key}, reissued when the
 * identity it should carry changes or the CA no longer signs it.
 */
export function ensureClientCert(dir: string, ca: KeyPairPEM, file: string, commonName: string, organizations: string[] = []): KeyPairPEM {
  return ensureKeptCert(
    dir,
    ca,
    file,
    subjectLines(commonName, organizations),
    () => true,
    () => makeClientCert(ca, commonName, organizations),
  );
}

/**
 * A serving certificate (makeServingCert's) for these names, kept in DIR/pki/FILE.crt and .key and
 * reused while the CA's signature, its key, its subject and every name hold and it is valid for a
 * day more, as kubelet keeps its kubelet.crt across restarts: a start on an existing data dir
 * issues none (and so loads no X.509 writer).
 */
export function ensureServingCert(
  dir: string,
  ca: KeyPairPEM,
  file: string,
  commonName: string,
  dnsNames: string[],
  ips: string[],
): KeyPairPEM {
  return ensureKeptCert(
    dir,
    ca,
    file,
    subjectLines(commonName, []),
    (c) => dnsNames.every((d) => c.checkHost(d, { wildcards: false }) !== undefined) && ips.every((ip) => c.checkIP(ip) !== undefined),
    () => makeServingCert(ca, commonName, dnsNames, ips),
  );
}

/** DIR/pki/FILE.crt and .key when the CA signed them for this subject and they pass `holds`, else make() written there. */
function ensureKeptCert(
  dir: string,
  ca: KeyPairPEM,
  file: string,
  want: string | undefined,
  holds: (c: X509Certificate) => boolean,
  make: () => KeyPairPEM,
): KeyPairPEM {
  const pki = path.join(dir, 'pki');
  fs.mkdirSync(pki, { recursive: true, mode: 0o700 });
  const crt = path.join(pki, `${file}.crt`);
  const key = path.join(pki, `${file}.key`);
  try {
    const kp = { cert: fs.readFileSync(crt, 'utf8'), key: fs.readFileSync(key, 'utf8') };
    const c = new X509Certificate(kp.cert);
    const caCert = new X509Certificate(ca.cert);
    if (
      want !== undefined &&
      c.subject === want &&
      c.checkIssued(caCert) &&
      c.verify(caCert.publicKey) &&
      // The key on disk is the certificate's own.
      createPublicKey(kp.key)
        .export({ type: 'spki', format: 'der' })
        .equals(c.publicKey.export({ type: 'spki', format: 'der' })) &&
      Date.parse(c.validTo) > Date.now() + 86400_000 &&
      holds(c)
    )
      return kp;
  } catch {
    /* missing or unreadable: make it */
  }
  const kp = make();
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
