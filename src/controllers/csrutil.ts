// What the CSR controllers share (pkg/apis/certificates/helpers.go and the signer's
// validators): reading a request out of the object, its state, and the shapes kubelets' requests
// must have (node client: system:node:NAME in system:nodes, client auth, no names; node serving:
// the same subject, server auth, DNS names and IPs only).

import { isObject, type KObject } from '../api/object.js';
import { type ParsedCSR, parseCSR } from '../pki/csr.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (isObject(v) ? v : {});
export type CSRCondition = { type?: string; status?: string; reason?: string; message?: string; lastUpdateTime?: string };

export const csrSpec = (csr: KObject) =>
  obj(csr.spec) as {
    request?: string;
    signerName?: string;
    usages?: string[];
    username?: string;
    uid?: string;
    groups?: string[];
    expirationSeconds?: number;
  };
export const csrConditions = (csr: KObject): CSRCondition[] =>
  Array.isArray(obj(csr.status).conditions) ? (obj(csr.status).conditions as CSRCondition[]) : [];
export const hasCondition = (csr: KObject, type: string): boolean => csrConditions(csr).some((c) => c.type === type && c.status === 'True');
export const csrCertificate = (csr: KObject): string =>
  typeof obj(csr.status).certificate === 'string' ? (obj(csr.status).certificate as string) : '';

/** The request of a CSR object, parsed; undefined when it cannot be read. */
export function csrRequest(csr: KObject): { pem: string; parsed: ParsedCSR } | undefined {
  try {
    const pem = Buffer.from(csrSpec(csr).request ?? '', 'base64').toString('utf8');
    return { pem, parsed: parseCSR(pem) };
  } catch {
    return undefined;
  }
}

const subset = (have: string[], allowed: string[]) => have.every((u) => allowed.includes(u));

function nodeSubject(p: ParsedCSR): string | undefined {
  if (p.organizations.length !== 1 || p.organizations[0] !== 'system:nodes') return 'organization is not [system:nodes]';
  if (!p.commonName.startsWith('system:node:') || p.commonName.length === 'system:node:'.length)
    return 'common name does not begin with "system:node:"';
  return undefined;
}

/** ValidateKubeletClientCSR: why a kube-apiserver-client-kubelet request is not a node's client certificate, or undefined. */
export function kubeletClientProblem(p: ParsedCSR, usages: string[]): string | undefined {
  const subj = nodeSubject(p);
  if (subj) return subj;
  if (p.dnsNames.length || p.emailAddresses.length || p.ipAddresses.length || p.uris.length)
    return 'DNS, email, IP and URI subjectAltNames are not allowed';
  if (!usages.includes('client auth') || !subset(usages, ['key encipherment', 'digital signature', 'client auth']))
    return 'usages must be client auth, with key encipherment and digital signature optional';
  return undefined;
}

/** ValidateKubeletServingCSR: why a kubelet-serving request is not a node's serving certificate, or undefined. */
export function kubeletServingProblem(p: ParsedCSR, usages: string[]): string | undefined {
  const subj = nodeSubject(p);
  if (subj) return subj;
  if (p.emailAddresses.length || p.uris.length) return 'email and URI subjectAltNames are not allowed';
  if (!p.dnsNames.length && !p.ipAddresses.length) return 'at least one DNS or IP subjectAltName is required';
  if (!usages.includes('server auth') || !subset(usages, ['key encipherment', 'digital signature', 'server auth']))
    return 'usages must be server auth, with key encipherment and digital signature optional';
  return undefined;
}

export const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The node that asked, when the requester is a node (system:node:NAME in system:nodes). */
export function requestingNode(spec: { username?: string; groups?: string[] }): string | undefined {
  const u = spec.username ?? '';
  if (!u.startsWith('system:node:') || !(spec.groups ?? []).includes('system:nodes')) return undefined;
  return u.slice('system:node:'.length) || undefined;
}

/** Why a node's kube-apiserver-client request is not one of its components' certificates, or undefined. */
export function nodeComponentProblem(p: ParsedCSR, usages: string[], node: string): string | undefined {
  const proxy = p.commonName === 'system:kube-proxy' && p.organizations.length === 0;
  const addons =
    p.commonName === `system:k8ts:node-addons:${node}` && p.organizations.length === 1 && p.organizations[0] === 'system:k8ts:node-addons';
  if (!proxy && !addons) return `subject ${p.commonName} (O=${p.organizations.join(',')}) is not a component of node ${node}`;
  if (p.dnsNames.length || p.emailAddresses.length || p.ipAddresses.length || p.uris.length) return 'subjectAltNames are not allowed';
  if (!usages.includes('client auth') || !subset(usages, ['key encipherment', 'digital signature', 'client auth']))
    return 'usages must be client auth, with key encipherment and digital signature optional';
  return undefined;
}
