// CertificateSigningRequests, as kube-apiserver's pkg/registry/certificates/certificates with
// the admission plugins that guard them (plugin/pkg/admission/certificates): the requester's
// identity is written into the spec at creation; the spec never changes; Approved/Denied are
// set through /approval (by users with `approve` on signers/<signerName>), the certificate through
// /status (with `sign` on signers/<signerName>); CertificateSubjectRestriction refuses
// kube-apiserver-client requests for system:masters. The printer is printCertificateSigningRequest.

import { errors } from '../../../api/errors.js';
import { deepCopy, isObject, type KObject } from '../../../api/object.js';
import { ageCol, col, nameCol } from '../../../api/schema/columns.js';
import {
  KUBE_APISERVER_CLIENT_SIGNER,
  validateCSRApprovalUpdate,
  validateCSRCreate,
  validateCSRStatusUpdate,
  validateCSRUpdate,
} from '../../../api/validation/certificates.js';
import { invalid } from '../../../api/validation/field.js';
import { parseCSR } from '../../../pki/csr.js';
import type { UserInfo } from '../../authn/user.js';
import { humanDuration, type Printer, s, timestampSince } from '../../tables.js';
import type { ApiServerContext } from '../context.js';
import { defineResource } from '../rest.js';
import { keepStatus, type Strategy, type UpdateStrategy } from '../strategy.js';

const GROUP = 'certificates.k8s.io';
type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (isObject(v) ? v : {});
type Condition = { type?: string; status?: string; lastUpdateTime?: string; lastTransitionTime?: string };
const conditions = (o: KObject): Condition[] => (Array.isArray(obj(o.status).conditions) ? (obj(o.status).conditions as Condition[]) : []);

/** The request PEM of spec.request (base64 of the PEM in JSON). */
export function requestPEM(csr: KObject): string {
  return Buffer.from(s(obj(csr.spec).request), 'base64').toString('utf8');
}

function requestOrganizations(csr: KObject): string[] {
  try {
    return parseCSR(requestPEM(csr)).organizations;
  } catch {
    return [];
  }
}

const forbiddenFor = (csr: KObject, why: string) =>
  errors.forbidden(`certificatesigningrequests.${GROUP} "${csr.metadata.name ?? ''}" is forbidden: ${why}`, {
    name: csr.metadata.name,
    group: GROUP,
    kind: 'certificatesigningrequests',
  });

/**
 * certificates.IsAuthorizedForSignerName: `verb` on signers with the signer's name, or with
 * "<domain>/*", as the approval and signing admission plugins ask. No authorizer (tests that
 * run without RBAC): allowed.
 */
function authorizedForSigner(api: ApiServerContext, user: UserInfo, verb: string, signerName: string): boolean {
  const authz = api.escalation?.authorizer;
  if (!authz) return true;
  const ask = (name: string) =>
    authz.authorize({ user, verb, isResourceRequest: true, apiGroup: GROUP, apiVersion: '*', resource: 'signers', name }).decision ===
    'Allow';
  return ask(signerName) || ask(`${signerName.split('/')[0]}/*`);
}

/** Fills the condition timestamps the server sets (populateConditionTimestamps). */
function stampConditions(next: Condition[], old: Condition[]): Condition[] {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  return next.map((c) => {
    const was = old.find((o) => o.type === c.type);
    const out = { ...c };
    if (!out.lastUpdateTime) out.lastUpdateTime = now;
    if (!out.lastTransitionTime)
      out.lastTransitionTime = was && was.status === c.status && was.lastTransitionTime ? was.lastTransitionTime : now;
    return out;
  });
}

export const strategy: Strategy = {
  fieldLabels: ['spec.signerName'],
  prepareForCreate(csr, ctx) {
    // The requester is whoever sent it, whatever the body says (the API server's own fields).
    const spec = obj(csr.spec);
    spec.username = ctx.user.name;
    if (ctx.user.uid) spec.uid = ctx.user.uid;
    else delete spec.uid;
    spec.groups = [...ctx.user.groups];
    delete spec.extra;
    csr.spec = spec;
    csr.status = {};
    // CertificateSubjectRestriction: no system:masters certificate from the client signer. An
    // unreadable request is left for validation to refuse.
    if (s(spec.signerName) === KUBE_APISERVER_CLIENT_SIGNER && requestOrganizations(csr).includes('system:masters'))
      throw forbiddenFor(csr, `use of ${KUBE_APISERVER_CLIENT_SIGNER} signer with system:masters group is not allowed`);
  },
  prepareForUpdate: keepStatus,
  validate(csr) {
    const errs = validateCSRCreate(csr);
    if (s(obj(csr.spec).request)) {
      try {
        parseCSR(requestPEM(csr));
      } catch (e) {
        errs.push(invalid('spec.request', s(obj(csr.spec).request), (e as Error).message));
      }
    }
    return errs;
  },
  validateUpdate: validateCSRUpdate,
};

/** /approval: only the Approved and Denied conditions change, by users who may approve for the signer. */
export const approvalStrategy: UpdateStrategy = {
  prepareForUpdate(csr, old, ctx, api) {
    const next = deepCopy(old);
    const was = conditions(old);
    const now = conditions(csr);
    const signer = s(obj(old.spec).signerName);
    const added = now.filter((c) => (c.type === 'Approved' || c.type === 'Denied') && !was.some((w) => w.type === c.type));
    if (added.length && !authorizedForSigner(api, ctx.user, 'approve', signer))
      throw forbiddenFor(old, `user not permitted to approve requests with signerName "${signer}"`);
    next.status = { ...obj(old.status), conditions: stampConditions(now, was) };
    return next;
  },
  validateUpdate: validateCSRApprovalUpdate,
};

/** /status: the signer's certificate (and its Failed condition); Approved/Denied stay as they were. */
export const statusStrategy: UpdateStrategy = {
  prepareForUpdate(csr, old, ctx, api) {
    const next = deepCopy(old);
    const was = conditions(old);
    const signer = s(obj(old.spec).signerName);
    const cert = s(obj(csr.status).certificate);
    if (cert && cert !== s(obj(old.status).certificate) && !authorizedForSigner(api, ctx.user, 'sign', signer))
      throw forbiddenFor(old, `user not permitted to sign requests with signerName "${signer}"`);
    const kept = was.filter((c) => c.type === 'Approved' || c.type === 'Denied');
    const rest = conditions(csr).filter((c) => c.type !== 'Approved' && c.type !== 'Denied');
    next.status = { conditions: stampConditions([...kept, ...rest], was) };
    if (cert) (next.status as Obj).certificate = cert;
    return next;
  },
  validateUpdate: validateCSRStatusUpdate,
};

/** The CONDITION column: Approved/Denied/Failed as set, Issued once there is a certificate, else Pending. */
export function csrCondition(csr: KObject): string {
  const out: string[] = [];
  for (const c of conditions(csr)) if (c.type && c.status === 'True') out.push(c.type);
  if (s(obj(csr.status).certificate)) out.push('Issued');
  return out.length ? out.join(',') : 'Pending';
}

export const printer: Printer = {
  columns: [
    nameCol,
    ageCol,
    col('SignerName', 'string', 'signerName indicates the requested signer, and is a qualified name.'),
    col('Requestor', 'string', 'username contains the name of the user that created the CertificateSigningRequest.'),
    col('RequestedDuration', 'string', 'expirationSeconds is the requested duration of validity of the issued certificate.'),
    col('Condition', 'string', 'conditions applied to the request. Known conditions are "Approved", "Denied", and "Failed".'),
  ],
  row(csr, now) {
    const spec = obj(csr.spec);
    const secs = typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : undefined;
    return {
      cells: [
        s(csr.metadata.name),
        timestampSince(csr.metadata.creationTimestamp, now),
        s(spec.signerName),
        s(spec.username),
        secs === undefined ? '<none>' : humanDuration(secs * 1000),
        csrCondition(csr),
      ],
    };
  },
};

export const resource = defineResource({
  info: {
    group: GROUP,
    version: 'v1',
    resource: 'certificatesigningrequests',
    kind: 'CertificateSigningRequest',
    namespaced: false,
    schema: 'io.k8s.api.certificates.v1.CertificateSigningRequest',
    shortNames: ['csr'],
  },
  strategy,
  subresources: {
    approval: {
      kind: 'CertificateSigningRequest',
      verbs: ['get', 'patch', 'update'],
      rest: { type: 'update', strategy: approvalStrategy },
    },
    status: { kind: 'CertificateSigningRequest', verbs: ['get', 'patch', 'update'], rest: { type: 'update', strategy: statusStrategy } },
  },
  printer,
});
