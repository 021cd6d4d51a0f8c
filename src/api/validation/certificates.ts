// CertificateSigningRequest (pkg/apis/certificates/validation, v1.32), with Kubernetes' field
// paths and messages. Whether spec.request and status.certificate are well-formed PEM is checked
// by the registry (apiserver/registry/certificates), which parses them with the PKI helpers.

import { isObject, type KObject } from '../object.js';
import { semanticEqual } from './compare.js';
import { duplicate, type FieldError, forbidden, goLiteral, invalid, notSupported, required } from './field.js';
import { fieldImmutableErrorMsg, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { isDNS1123Subdomain, isQualifiedName, nameIsDNSSubdomain } from './names.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (isObject(v) ? v : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** certificates.KeyUsage values. */
export const KEY_USAGES = [
  'signing',
  'digital signature',
  'content commitment',
  'key encipherment',
  'key agreement',
  'data encipherment',
  'cert sign',
  'crl sign',
  'encipher only',
  'decipher only',
  'any',
  'server auth',
  'client auth',
  'code signing',
  'email protection',
  's/mime',
  'ipsec end system',
  'ipsec tunnel',
  'ipsec user',
  'timestamping',
  'ocsp signing',
  'microsoft sgc',
  'netscape sgc',
];

export const KUBE_APISERVER_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';
export const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';
export const LEGACY_UNKNOWN_SIGNER = 'kubernetes.io/legacy-unknown';

/** ValidateSignerName: a qualified name, "domain/path", the domain a DNS subdomain. */
function validateSignerName(path: string, signerName: string): FieldError[] {
  if (!signerName) return [required(path, '')];
  const parts = signerName.split('/');
  if (parts.length < 2)
    return [invalid(path, signerName, "must be a fully qualified domain and path of the form 'example.com/signer-name'")];
  const errs: FieldError[] = [];
  const domain = parts[0];
  for (const msg of isDNS1123Subdomain(domain)) errs.push(invalid(path, signerName, `validating domain component: ${msg}`));
  const rest = parts.slice(1).join('/');
  // The path must be a qualified name once its slashes are taken out, as Kubernetes checks it.
  for (const msg of isQualifiedName(rest.replaceAll('/', '-'))) errs.push(invalid(path, signerName, `validating path component: ${msg}`));
  if (signerName.length > 571) errs.push(invalid(path, signerName, 'must be no more than 571 characters'));
  return errs;
}

const CONDITION_TYPES_EXCLUSIVE = ['Approved', 'Denied'];

/** validateConditions: known types appear once, Approved/Denied/Failed only as True, Approved and Denied not both. */
function validateConditions(status: unknown): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  const path = 'status.conditions';
  list(obj(status).conditions).forEach((c, i) => {
    const t = str(obj(c).type);
    const st = str(obj(c).status);
    if (!t) errs.push(required(`${path}[${i}].type`, ''));
    else if (seen.has(t)) errs.push(duplicate(`${path}[${i}].type`, t));
    seen.add(t);
    if (!st) errs.push(required(`${path}[${i}].status`, ''));
    else if (['Approved', 'Denied', 'Failed'].includes(t) && st !== 'True') errs.push(notSupported(`${path}[${i}].status`, st, ['True']));
    else if (!['True', 'False', 'Unknown'].includes(st)) errs.push(notSupported(`${path}[${i}].status`, st, ['False', 'True', 'Unknown']));
  });
  if (CONDITION_TYPES_EXCLUSIVE.every((t) => seen.has(t)))
    errs.push(invalid(path, goLiteral('[...]'), 'Approved and Denied conditions are mutually exclusive'));
  return errs;
}

function validateSpec(spec: unknown): FieldError[] {
  const s = obj(spec);
  const errs: FieldError[] = [];
  if (!str(s.request)) errs.push(required('spec.request', ''));
  errs.push(...validateSignerName('spec.signerName', str(s.signerName)));
  if (s.expirationSeconds !== undefined && s.expirationSeconds !== null) {
    const e = Number(s.expirationSeconds);
    if (!Number.isInteger(e) || e < 600)
      errs.push(invalid('spec.expirationSeconds', s.expirationSeconds, 'may not specify a duration less than 600 seconds (10 minutes)'));
  }
  const usages = list(s.usages);
  if (usages.length === 0) errs.push(required('spec.usages', ''));
  const seen = new Set<string>();
  usages.forEach((u, i) => {
    if (!KEY_USAGES.includes(str(u))) errs.push(notSupported(`spec.usages[${i}]`, u, KEY_USAGES));
    else if (seen.has(str(u))) errs.push(duplicate(`spec.usages[${i}]`, u));
    seen.add(str(u));
  });
  return errs;
}

export function validateCSRCreate(csr: KObject): FieldError[] {
  return [...validateObjectMeta(csr, false, nameIsDNSSubdomain), ...validateSpec(csr.spec), ...validateConditions(csr.status)];
}

/** An update of the object itself: the spec never changes. */
export function validateCSRUpdate(csr: KObject, old: KObject): FieldError[] {
  const errs = [...validateObjectMetaUpdate(csr, old), ...validateConditions(csr.status)];
  if (!semanticEqual(csr.spec, old.spec))
    errs.push(invalid('spec', goLiteral('certificates.CertificateSigningRequestSpec{...}'), fieldImmutableErrorMsg));
  return errs;
}

/** Conditions of these types, once added, stay (validateConditionsPreserved). */
function preservedConditions(csr: KObject, old: KObject, types: string[]): FieldError[] {
  const have = new Set(list(obj(csr.status).conditions).map((c) => str(obj(c).type)));
  return list(obj(old.status).conditions)
    .map((c) => str(obj(c).type))
    .filter((t) => types.includes(t) && !have.has(t))
    .map((t) => forbidden('status.conditions', `updates may not remove a condition of type "${t}"`));
}

/** The approval subresource: Approved/Denied may be added, never removed. */
export function validateCSRApprovalUpdate(csr: KObject, old: KObject): FieldError[] {
  return [...validateCSRUpdate(csr, old), ...preservedConditions(csr, old, ['Approved', 'Denied', 'Failed'])];
}

/** The status subresource: the certificate, once issued, does not change. */
export function validateCSRStatusUpdate(csr: KObject, old: KObject): FieldError[] {
  const errs = [...validateCSRUpdate(csr, old), ...preservedConditions(csr, old, ['Approved', 'Denied', 'Failed'])];
  const was = str(obj(old.status).certificate);
  const now = str(obj(csr.status).certificate);
  if (was && now !== was) errs.push(forbidden('status.certificate', 'updates may not modify existing certificate content'));
  return errs;
}
