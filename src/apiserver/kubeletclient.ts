// How the API server reaches nodes (kube-apiserver's --kubelet-certificate-authority,
// --kubelet-client-certificate and --kubelet-client-key): over TLS, verifying the node's serving
// certificate against the cluster CA, for the address dialled and for the very node
// (system:node:NAME, the subject the kubelet-serving signer issues), and presenting the API
// server's own client certificate (kubeadm's apiserver-kubelet-client, CN
// kube-apiserver-kubelet-client), never the admin's credential. A listener posing as a node
// without a serving certificate of that node gets no connection, so no request and nothing of
// the client's credentials.

import tls from 'node:tls';

export { KUBELET_CLIENT_COMMON_NAME } from '../pki/certs.js';

export interface KubeletClientTLS {
  /** The CA the nodes' serving certificates chain to (PEM). */
  caData: string;
  /** The API server's client certificate and key (PEM). */
  certData: string;
  keyData: string;
}

/** TLS options to dial node nodeName: its CA, the client certificate, and the node's identity checked. */
export function kubeletTLSOptions(cfg: KubeletClientTLS, nodeName: string): tls.ConnectionOptions {
  return {
    ca: cfg.caData,
    cert: cfg.certData,
    key: cfg.keyData,
    checkServerIdentity(host, cert) {
      const err = tls.checkServerIdentity(host, cert);
      if (err) return err;
      const cn = cert.subject?.CN;
      if (cn !== `system:node:${nodeName}`)
        return Object.assign(new Error(`the serving certificate at ${host} is ${cn ?? 'nameless'}'s, not system:node:${nodeName}'s`), {
          reason: 'node mismatch',
          host,
          cert,
        });
      return undefined;
    },
  };
}
