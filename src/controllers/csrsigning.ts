// The CSR signer, as kube-controller-manager's csrsigning (pkg/controller/certificates/signer):
// an approved request for one of the kubernetes.io signers (kube-apiserver-client,
// kube-apiserver-client-kubelet, kubelet-serving, legacy-unknown) gets a certificate from the
// cluster CA (--cluster-signing-cert-file/--cluster-signing-key-file), valid for the smaller of
// spec.expirationSeconds and --cluster-signing-duration (one year); a request its signer cannot
// issue (a kubelet signer's request of the wrong shape) gets a Failed condition instead.

import type { KObject } from '../api/object.js';
import {
  KUBE_APISERVER_CLIENT_SIGNER,
  KUBELET_CLIENT_SIGNER,
  KUBELET_SERVING_SIGNER,
  LEGACY_UNKNOWN_SIGNER,
} from '../api/validation/certificates.js';
import type { SharedInformerFactory } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import type { KeyPairPEM } from '../pki/certs.js';
import { signCSR } from '../pki/csr.js';
import { CertificateController } from './certificatecontroller.js';
import { csrConditions, csrRequest, csrSpec, hasCondition, kubeletClientProblem, kubeletServingProblem, now } from './csrutil.js';

const SIGNERS = [KUBE_APISERVER_CLIENT_SIGNER, KUBELET_CLIENT_SIGNER, KUBELET_SERVING_SIGNER, LEGACY_UNKNOWN_SIGNER];
/** --cluster-signing-duration's default. */
export const CLUSTER_SIGNING_DURATION_SECONDS = 365 * 24 * 3600;

export class CSRSigningController extends CertificateController {
  constructor(
    client: RestClient,
    factory: SharedInformerFactory,
    private readonly ca: KeyPairPEM,
    log?: (m: string) => void,
    private readonly maxDurationSeconds = CLUSTER_SIGNING_DURATION_SECONDS,
  ) {
    super('csrsigning', client, factory, log);
  }

  protected async handle(csr: KObject): Promise<void> {
    if (!hasCondition(csr, 'Approved') || hasCondition(csr, 'Denied') || hasCondition(csr, 'Failed')) return;
    const spec = csrSpec(csr);
    if (!SIGNERS.includes(spec.signerName ?? '')) return;
    const req = csrRequest(csr);
    const usages = spec.usages ?? [];
    const problem = !req
      ? 'the request cannot be parsed'
      : spec.signerName === KUBELET_CLIENT_SIGNER
        ? kubeletClientProblem(req.parsed, usages)
        : spec.signerName === KUBELET_SERVING_SIGNER
          ? kubeletServingProblem(req.parsed, usages)
          : spec.signerName === KUBE_APISERVER_CLIENT_SIGNER && !usages.includes('client auth')
            ? 'usages must include client auth'
            : undefined;
    const next = structuredClone(csr);
    if (problem || !req) {
      next.status = {
        ...((next.status as object) ?? {}),
        conditions: [
          ...csrConditions(csr),
          { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: problem, lastUpdateTime: now() },
        ],
      };
    } else {
      const lifetime = Math.min(spec.expirationSeconds ?? this.maxDurationSeconds, this.maxDurationSeconds);
      const cert = signCSR(this.ca, req.pem, usages, lifetime);
      next.status = { ...((next.status as object) ?? {}), certificate: Buffer.from(cert).toString('base64') };
    }
    await this.writeSubresource('status', next);
  }
}
