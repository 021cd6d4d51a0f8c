// Kubelet's TLS bootstrap (pkg/kubelet/certificate/bootstrap): a node with no valid client
// certificate makes a key and a CertificateSigningRequest for system:node:NAME in system:nodes
// (signer kubernetes.io/kube-apiserver-client-kubelet) with its bootstrap credential, waits for
// it to be approved and issued, and keeps the certificate and key in
// DATA_DIR/pki/kubelet-client-current.pem with a kubeconfig (DATA_DIR/kubelet.conf) that
// points at it, as kubelet keeps /var/lib/kubelet/pki and /etc/kubernetes/kubelet.conf. A later
// start reuses them while the certificate is the cluster CA's, for this node, and not expiring.
// The same CSR flow gives the node its serving certificate (kubernetes.io/kubelet-serving, for
// its name and addresses), asked for with the node's own client credential.

import { randomBytes, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { KObject } from '../../api/object.js';
import { CERTIFICATESIGNINGREQUESTS } from '../../api/types.js';
import { currentContext, emptyKubeconfig, type Kubeconfig, loadKubeconfig } from '../../client/kubeconfig.js';
import { isApiError, RestClient } from '../../client/rest.js';
import { certMatchesKey, makeCSR } from '../../pki/csr.js';

export const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';

export interface NodeCredentialPaths {
  kubeconfig: string;
  clientPEM: string;
  servingPEM: string;
}

export function credentialPaths(dir: string): NodeCredentialPaths {
  return {
    kubeconfig: path.join(dir, 'kubelet.conf'),
    clientPEM: path.join(dir, 'pki', 'kubelet-client-current.pem'),
    servingPEM: path.join(dir, 'pki', 'kubelet-server-current.pem'),
  };
}

/** A cert+key PEM file's parts (kubelet keeps both in one file). */
export function splitPEM(text: string): { cert: string; key: string } | undefined {
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\r?\n?/.exec(text)?.[0];
  const key = /-----BEGIN (?:RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC )?PRIVATE KEY-----\r?\n?/.exec(text)?.[0];
  return cert && key ? { cert, key } : undefined;
}

/**
 * Whether a certificate is usable: signed by the CA, names the subject asked for, its key is the
 * one beside it, and it is valid for at least another `marginMs` (kubelet rotates at 70-90 %
 * of the lifetime; k8ts asks for a new one at start when less than a day is left).
 */
export function certificateUsable(pair: { cert: string; key: string }, caPEM: string, commonName: string, marginMs = 86400_000): boolean {
  try {
    const c = new X509Certificate(pair.cert);
    const ca = new X509Certificate(caPEM);
    if (!c.verify(ca.publicKey)) return false;
    if (!c.subject.split('\n').includes(`CN=${commonName}`)) return false;
    if (Date.parse(c.validTo) < Date.now() + marginMs) return false;
    return certMatchesKey(pair.cert, pair.key);
  } catch {
    return false;
  }
}

function writePrivate(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/**
 * Asks for a certificate through a CSR and waits for it: approved and issued, or refused (Denied
 * or Failed: the reason in the error). The key never leaves this machine.
 */
export async function requestCertificate(
  client: RestClient,
  o: {
    commonName: string;
    organizations: string[];
    dnsNames?: string[];
    ips?: string[];
    signerName: string;
    usages: string[];
    timeoutMs?: number;
  },
): Promise<{ cert: string; key: string; csrName: string }> {
  const { csrPEM, keyPEM } = makeCSR({ commonName: o.commonName, organizations: o.organizations }, { dnsNames: o.dnsNames, ips: o.ips });
  const created = await client.create<KObject>(CERTIFICATESIGNINGREQUESTS, {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { generateName: 'csr-' },
    spec: { request: Buffer.from(csrPEM).toString('base64'), signerName: o.signerName, usages: o.usages },
  });
  const name = created.metadata.name!;
  const deadline = Date.now() + (o.timeoutMs ?? 120_000);
  for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
    const csr = await client.get<
      KObject & { status?: { certificate?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[] } }
    >({
      ...CERTIFICATESIGNINGREQUESTS,
      name,
    });
    for (const c of csr.status?.conditions ?? []) {
      if ((c.type === 'Denied' || c.type === 'Failed') && c.status === 'True')
        throw new Error(`certificate signing request ${name} was ${c.type.toLowerCase()}: ${c.reason ?? ''} ${c.message ?? ''}`.trim());
    }
    if (csr.status?.certificate) {
      const cert = Buffer.from(csr.status.certificate, 'base64').toString('utf8');
      if (!certMatchesKey(cert, keyPEM))
        throw new Error(`certificate signing request ${name}: the issued certificate is not for the key asked with`);
      return { cert, key: keyPEM, csrName: name };
    }
    if (Date.now() > deadline)
      throw new Error(
        `certificate signing request ${name} was not approved and issued within ${Math.round((o.timeoutMs ?? 120_000) / 1000)} s (kubectl certificate approve ${name})`,
      );
    await new Promise((r) => setTimeout(r, delay));
  }
}

export interface BootstrapOptions {
  server: string;
  /** The cluster CA (PEM), already trusted (discovery verified it). */
  caPEM: string;
  nodeName: string;
  /** The node's data dir: kubelet.conf and pki/ live here. */
  dir: string;
  /** The bootstrap credential (a bootstrap token), needed only when there is no usable certificate. */
  bootstrapToken?: string;
  log?: (m: string) => void;
  timeoutMs?: number;
}

/**
 * LoadClientCert: the node's client certificate, from the data dir when still usable, else
 * through a CSR made with the bootstrap token. Writes kubelet.conf; returns the client options.
 */
export async function bootstrapClientCertificate(
  o: BootstrapOptions,
): Promise<{ certData: string; keyData: string; fresh: boolean; csrName?: string }> {
  const paths = credentialPaths(o.dir);
  const cn = `system:node:${o.nodeName}`;
  let existing: { cert: string; key: string } | undefined;
  try {
    existing = splitPEM(fs.readFileSync(paths.clientPEM, 'utf8'));
  } catch {
    /* none yet */
  }
  if (existing && certificateUsable(existing, o.caPEM, cn)) {
    writeNodeKubeconfig(paths, o.server, o.caPEM);
    return { certData: existing.cert, keyData: existing.key, fresh: false };
  }
  if (!o.bootstrapToken)
    throw new Error(`no usable client certificate in ${paths.clientPEM} and no bootstrap token to ask for one (give --token)`);
  o.log?.(`node ${o.nodeName}: no usable client certificate; asking for one with the bootstrap token (TLS bootstrap)`);
  const bootstrap = new RestClient({
    server: o.server,
    caData: o.caPEM,
    token: o.bootstrapToken,
    userAgent: 'kubelet/v1.32.0 (k8ts agent, bootstrap)',
  });
  try {
    const got = await requestCertificate(bootstrap, {
      commonName: cn,
      organizations: ['system:nodes'],
      signerName: KUBELET_CLIENT_SIGNER,
      usages: ['digital signature', 'client auth'],
      timeoutMs: o.timeoutMs,
    });
    writePrivate(paths.clientPEM, got.cert + got.key);
    writeNodeKubeconfig(paths, o.server, o.caPEM);
    o.log?.(`node ${o.nodeName}: client certificate issued (${got.csrName})`);
    return { certData: got.cert, keyData: got.key, fresh: true, csrName: got.csrName };
  } catch (e) {
    if (isApiError(e) && e.code === 401) throw new Error('the bootstrap token was refused (unknown, expired or deleted)');
    throw e;
  } finally {
    bootstrap.close();
  }
}

/** kubelet.conf: the cluster, and the client certificate file (kubelet's kubeconfig after bootstrap). */
export function writeNodeKubeconfig(paths: NodeCredentialPaths, server: string, caPEM: string): void {
  const cfg: Kubeconfig = emptyKubeconfig();
  cfg.clusters.push({ name: 'default-cluster', cluster: { server, 'certificate-authority-data': Buffer.from(caPEM).toString('base64') } });
  cfg.users.push({ name: 'default-auth', user: { 'client-certificate': paths.clientPEM, 'client-key': paths.clientPEM } });
  cfg.contexts.push({ name: 'default-context', context: { cluster: 'default-cluster', user: 'default-auth', namespace: 'default' } });
  cfg['current-context'] = 'default-context';
  writePrivate(paths.kubeconfig, `${JSON.stringify(cfg, null, 2)}\n`);
}

/** The node's client options from kubelet.conf, when there is one. */
export function loadNodeKubeconfig(dir: string): { server: string; caData?: string; certData?: string; keyData?: string } | undefined {
  const p = credentialPaths(dir).kubeconfig;
  if (!fs.existsSync(p)) return undefined;
  const info = currentContext(loadKubeconfig(p), undefined, p);
  return { server: info.server, caData: info.caData, certData: info.certData, keyData: info.keyData };
}

/**
 * A component's client certificate (kube-proxy, the node's add-ons), kept in `file` (cert+key)
 * and asked for again through a kube-apiserver-client CSR made with the node's own credential
 * when missing or no longer usable.
 */
export async function componentCertificate(
  nodeClient: RestClient,
  caPEM: string,
  file: string,
  commonName: string,
  organizations: string[],
): Promise<{ cert: string; key: string }> {
  try {
    const have = splitPEM(fs.readFileSync(file, 'utf8'));
    if (have && certificateUsable(have, caPEM, commonName)) return have;
  } catch {
    /* none yet */
  }
  const got = await requestCertificate(nodeClient, {
    commonName,
    organizations,
    signerName: 'kubernetes.io/kube-apiserver-client',
    usages: ['digital signature', 'client auth'],
    timeoutMs: 60_000,
  });
  writePrivate(file, got.cert + got.key);
  return { cert: got.cert, key: got.key };
}
