// Client certificate authentication, as kube-apiserver's --client-ca-file authenticator
// (k8s.io/apiserver/pkg/authentication/request/x509): a certificate the TLS handshake verified
// against the cluster CA, for client authentication, names the user by its Common Name and
// the groups by its Organizations (CN=kubernetes-admin, O=system:masters, as kubeadm's admin.conf).

import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { errors } from '../../api/errors.js';
import type { Authenticator } from './authenticator.js';
import type { UserInfo } from './user.js';

const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export class X509Authenticator implements Authenticator {
  authenticate(req: IncomingMessage): UserInfo | undefined {
    const sock = req.socket as TLSSocket;
    if (typeof sock.getPeerCertificate !== 'function') return undefined; // plain HTTP
    const cert = sock.getPeerCertificate();
    if (!cert || Object.keys(cert).length === 0) return undefined; // no client certificate sent
    // The server asks for certificates without refusing the handshake (tokens must still work):
    // a certificate that did not verify is refused here, as x509.Authenticator's Verify.
    if (!sock.authorized) throw errors.unauthorized();
    const eku = cert.ext_key_usage;
    if (eku && !eku.includes(CLIENT_AUTH_OID)) throw errors.unauthorized();
    const name = list(cert.subject?.CN)[0];
    if (!name) throw errors.unauthorized();
    return { name, groups: list(cert.subject?.O) };
  }
}
