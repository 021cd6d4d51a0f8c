// certificates.k8s.io/v1: CertificateSigningRequest, through which kubelets get their client and
// serving certificates (TLS bootstrap). Field numbers from k8s.io/api certificates/v1
// generated.proto (v1.32). spec.extra (map[string]ExtraValue, ExtraValue being []string) is left
// out of the wire schema as in authentication.ts: the API server fills it, no client sends it.

import type { TypeDef } from './types.js';

const CERTS = 'io.k8s.api.certificates.v1';
const certs = (name: string): string => `${CERTS}.${name}`;
const meta = (name: string): string => `io.k8s.apimachinery.pkg.apis.meta.v1.${name}`;
const gvk = (kind: string) => [{ group: 'certificates.k8s.io', version: 'v1', kind }];

export const CERTIFICATES_V1_TYPES: TypeDef[] = [
  {
    name: certs('CertificateSigningRequest'),
    description: 'CertificateSigningRequest objects provide a mechanism to obtain x509 certificates by submitting a certificate signing request, and having it asynchronously approved and issued.',
    gvk: gvk('CertificateSigningRequest'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ObjectMeta'), keepZero: true, description: "Standard object's metadata." },
      { json: 'spec', proto: 2, type: certs('CertificateSigningRequestSpec'), keepZero: true, required: true, description: 'spec contains the certificate request, and is immutable after creation.' },
      { json: 'status', proto: 3, type: certs('CertificateSigningRequestStatus'), keepZero: true, description: 'status contains information about whether the request is approved or denied, and the certificate issued by the signer, or the failure condition indicating signer failure.' },
    ],
  },
  {
    name: certs('CertificateSigningRequestSpec'),
    description: 'CertificateSigningRequestSpec contains the certificate request.',
    fields: [
      { json: 'request', proto: 1, type: 'bytes', required: true, listType: 'atomic', description: 'request contains an x509 certificate signing request encoded in a "CERTIFICATE REQUEST" PEM block.' },
      { json: 'signerName', proto: 7, type: 'string', required: true, description: 'signerName indicates the requested signer, and is a qualified name.' },
      { json: 'expirationSeconds', proto: 8, type: 'int32', description: 'expirationSeconds is the requested duration of validity of the issued certificate.' },
      { json: 'usages', proto: 5, type: 'string', list: true, listType: 'atomic', description: 'usages specifies a set of key usages requested in the issued certificate.' },
      { json: 'username', proto: 2, type: 'string', description: 'username contains the name of the user that created the CertificateSigningRequest.' },
      { json: 'uid', proto: 3, type: 'string', description: 'uid contains the uid of the user that created the CertificateSigningRequest.' },
      { json: 'groups', proto: 4, type: 'string', list: true, listType: 'atomic', description: 'groups contains group membership of the user that created the CertificateSigningRequest.' },
    ],
  },
  {
    name: certs('CertificateSigningRequestStatus'),
    description: 'CertificateSigningRequestStatus contains conditions used to indicate approved/denied/failed status of the request, and the issued certificate.',
    fields: [
      { json: 'conditions', proto: 1, type: certs('CertificateSigningRequestCondition'), list: true, listType: 'map', listMapKeys: ['type'], description: 'conditions applied to the request. Known conditions are "Approved", "Denied", and "Failed".' },
      { json: 'certificate', proto: 2, type: 'bytes', listType: 'atomic', description: 'certificate is populated with an issued certificate by the signer after an Approved condition is present.' },
    ],
  },
  {
    name: certs('CertificateSigningRequestCondition'),
    description: 'CertificateSigningRequestCondition describes a condition of a CertificateSigningRequest object',
    fields: [
      { json: 'type', proto: 1, type: 'string', required: true, description: 'type of the condition. Known conditions are "Approved", "Denied", and "Failed".' },
      { json: 'status', proto: 6, type: 'string', required: true, description: 'status of the condition, one of True, False, Unknown.' },
      { json: 'reason', proto: 2, type: 'string', description: 'reason indicates a brief reason for the request state' },
      { json: 'message', proto: 3, type: 'string', description: 'message contains a human readable message with details about the request state' },
      { json: 'lastUpdateTime', proto: 4, type: 'Time', description: 'lastUpdateTime is the time of the last update to this condition' },
      { json: 'lastTransitionTime', proto: 5, type: 'Time', description: 'lastTransitionTime is the time the condition last transitioned from one status to another.' },
    ],
  },
  {
    name: certs('CertificateSigningRequestList'),
    description: 'CertificateSigningRequestList is a collection of CertificateSigningRequest objects',
    gvk: gvk('CertificateSigningRequestList'),
    fields: [
      { json: 'metadata', proto: 1, type: meta('ListMeta'), keepZero: true, description: 'Standard list metadata.' },
      { json: 'items', proto: 2, type: certs('CertificateSigningRequest'), list: true, required: true, description: 'items is a collection of CertificateSigningRequest objects' },
    ],
  },
];
