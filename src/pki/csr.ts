// Certificate signing requests, the client and the signer side: what kubelet's TLS bootstrap
// makes (a key and a PKCS#10 request for system:node:NAME / O=system:nodes, or for its serving
// names), and what kube-controller-manager's csrsigning does with an approved one (a certificate
// from the cluster CA with the usages asked for, capped at --cluster-signing-duration).
// Counterparts: k8s.io/client-go/util/certificate/csr and pkg/controller/certificates/authority.
// Requests are read and written with node-forge, which has RSA keys only (an ECDSA request is
// refused as unparseable); certificates are issued by certs.ts' issueCertificate (EC or RSA CA).

import { createHash, createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { createRequire } from 'node:module';
import type Forge from 'node-forge';
import { issueCertificate, type KeyPairPEM } from './certs.js';

let forgeModule: typeof Forge | undefined;

/** node-forge, loaded at the first request made or read: ~0.1 s of module loading the start of a control plane or node does not need (#13). */
function forge(): typeof Forge {
  forgeModule ??= createRequire(import.meta.url)('node-forge') as typeof Forge;
  return forgeModule;
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

/** A subject attribute as node-forge reads it: the value's bytes, one character each, and its ASN.1 type. */
interface StringAttribute {
  value?: unknown;
  valueTagClass?: number;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** PrintableString's characters, with the * and & that Go's encoding/asn1 reads too. */
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?*&]*$/;

/**
 * An attribute value of a request's subject as text, as Go's encoding/asn1 reads it into a
 * pkix.Name: a UTF8String's bytes as UTF-8, a BMPString as UTF-16 (a trailing NUL dropped), a
 * PrintableString, IA5String or NumericString as the ASCII it must be, a T61String's bytes as
 * UTF-8 (Go keeps them as they are, and a signer writing them again needs UTF-8). node-forge
 * hands every value but a BMPString's over as its bytes, one character each: a UTF-8 name was
 * signed as its bytes' Latin-1 reading (CN "é" became "Ã©"). A malformed value is refused, as
 * Go refuses the request (the API server's validation); a value of another type is undefined
 * (Go leaves it out of the name).
 */
function attributeText(a: StringAttribute): string | undefined {
  if (typeof a.value !== 'string') return undefined;
  const raw = a.value;
  switch (a.valueTagClass) {
    case 12: // UTF8String
    case 20: // T61String
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(raw, 'latin1'));
      } catch {
        throw new Error('asn1: invalid UTF-8 string');
      }
    case 30: // BMPString: node-forge reads it as UTF-16 already (an odd length does not parse)
      // Go drops a trailing NUL (a terminator) and makes a lone surrogate U+FFFD (utf16.Decode).
      return raw.replace(/\0$/, '').replace(LONE_SURROGATE, '\uFFFD');
    case 19: // PrintableString
      if (!PRINTABLE.test(raw)) throw new Error('asn1: syntax error: PrintableString contains invalid character');
      return raw;
    case 22: // IA5String
      if (/[\u0080-\uffff]/.test(raw)) throw new Error('asn1: syntax error: IA5String contains invalid character');
      return raw;
    case 18: // NumericString
      if (!/^[0-9 ]*$/.test(raw)) throw new Error('asn1: syntax error: NumericString contains invalid character');
      return raw;
    default:
      return undefined;
  }
}

/** The request in a PEM "CERTIFICATE REQUEST" block, its self-signature checked; throws with a reason otherwise. */
export function parseCSR(pem: string): ParsedCSR {
  if (!/-----BEGIN CERTIFICATE REQUEST-----/.test(pem)) throw new Error('PEM block type must be CERTIFICATE REQUEST');
  let csr: Forge.pki.CertificateSigningRequest;
  try {
    csr = forge().pki.certificationRequestFromPem(pem);
  } catch (e) {
    throw new Error(`cannot parse the certificate request (RSA keys only): ${(e as Error).message}`);
  }
  if (!csr.verify()) throw new Error('the certificate request is not signed by its own key');
  const attrs = csr.subject.attributes;
  // The subject as Go's pkix.Name.FillFromRDNSequence reads it (kube-controller-manager's signer,
  // the API server's validation, `kubectl describe csr`): every O in order, and the last CN when
  // there are several. The certificate names the CN the approver was shown, not another one.
  // Each value is read as the string type it is written in (a value of a type Go does not read is
  // left out, as Go leaves it out).
  const texts = (shortName: string) =>
    attrs.filter((a) => a.shortName === shortName).flatMap((a) => attributeText(a as StringAttribute) ?? []);
  const commonNames = texts('CN');
  const out: ParsedCSR = {
    commonName: commonNames[commonNames.length - 1] ?? '',
    organizations: texts('O'),
    dnsNames: [],
    ipAddresses: [],
    emailAddresses: [],
    uris: [],
    publicKeyPEM: forge().pki.publicKeyToPem(csr.publicKey as Forge.pki.rsa.PublicKey),
  };
  const ext = csr.getAttribute({ name: 'extensionRequest' }) as {
    extensions?: { name: string; altNames?: { type: number; value: string; ip?: string }[] }[];
  } | null;
  // As Go's parseSANExtension: names of the IA5String they must be (a dNSName of other bytes made
  // a certificate Go's x509 cannot parse, kubectl's and kubelet's TLS among them), addresses of 4
  // or 16 bytes; a request with any other is refused.
  const ia5 = (v: string, what: string) => {
    if (/[\u0080-\uffff]/.test(v)) throw new Error(`x509: SAN ${what} is malformed`);
    return v;
  };
  for (const e of ext?.extensions ?? []) {
    if (e.name !== 'subjectAltName') continue;
    for (const n of e.altNames ?? []) {
      if (n.type === 2) out.dnsNames.push(ia5(n.value, 'dNSName'));
      else if (n.type === 7) {
        if (!n.ip) throw new Error(`x509: cannot parse IP address of length ${n.value.length}`);
        out.ipAddresses.push(n.ip);
      } else if (n.type === 1) out.emailAddresses.push(ia5(n.value, 'rfc822Name'));
      else if (n.type === 6) out.uris.push(ia5(n.value, 'uniformResourceIdentifier'));
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
  const f = forge();
  const csr = f.pki.createCertificationRequest();
  csr.publicKey = f.pki.publicKeyFromPem(publicKey);
  // As Go writes a pkix.Name: a PrintableString where the value is one, else a UTF8String
  // (node-forge writes a PrintableString of whatever it is given unless told).
  const attr = (name: string, value: string) => ({ name, value, ...(PRINTABLE.test(value) ? {} : { valueTagClass: 12 }) });
  csr.setSubject([...(subject.organizations ?? []).map((o) => attr('organizationName', o)), attr('commonName', subject.commonName)]);
  const altNames = [...(alt.dnsNames ?? []).map((value) => ({ type: 2, value })), ...(alt.ips ?? []).map((ip) => ({ type: 7, ip }))];
  if (altNames.length) csr.setAttributes([{ name: 'extensionRequest', extensions: [{ name: 'subjectAltName', altNames }] }]);
  csr.sign(f.pki.privateKeyFromPem(privateKey) as Forge.pki.rsa.PrivateKey, f.md.sha256.create());
  return { csrPEM: f.pki.certificationRequestToPem(csr), keyPEM: privateKey };
}

/**
 * Signs a request with the CA (the csrsigning controller's authority.Sign): the request's subject
 * and names (DNS names, email addresses, IP addresses, URIs), for its public key, with the extended key usages asked for (server auth, client
 * auth), for the lifetime given, ending no later than the CA does (PermissiveSigningPolicy: a CA
 * past its end signs nothing). The request's own signature is checked first.
 */
export function signCSR(ca: KeyPairPEM, csrPEM: string, usages: string[], lifetimeSeconds: number): string {
  const req = parseCSR(csrPEM);
  const caEnd = new X509Certificate(ca.cert).validTo;
  const caEndMs = Date.parse(caEnd);
  const now = Date.now();
  // issueCertificate's notBefore is a minute ago.
  if (now - 60_000 >= caEndMs) throw new Error(`the signer has expired: NotAfter=${caEnd}`);
  if (now >= caEndMs) throw new Error(`refusing to sign a certificate that expired in the past: NotAfter=${caEnd}`);
  const eku: ('server' | 'client')[] = [];
  if (usages.includes('server auth')) eku.push('server');
  if (usages.includes('client auth')) eku.push('client');
  return issueCertificate(
    createPublicKey(req.publicKeyPEM),
    {
      commonName: req.commonName,
      organizations: req.organizations,
      usages: eku,
      dnsNames: req.dnsNames,
      ips: req.ipAddresses,
      emails: req.emailAddresses,
      uris: req.uris,
      years: 1,
      notAfter: new Date(Math.min(now + lifetimeSeconds * 1000, caEndMs)),
    },
    { ca },
  );
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
