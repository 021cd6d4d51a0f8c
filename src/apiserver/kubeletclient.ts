// The credential the API server presents to a node's streaming server (kube-apiserver's
// --kubelet-client-certificate, and kubelet's --client-ca-file on the other side). It is never
// the admin's: each node gets a token of its own, HMAC(secret, node name), where the secret is
// derived one way from the cluster's admin token (so `k8ts agent`, which is given that token,
// can compute its own). A listener posing as a node learns only the token of the node name it
// poses as: nothing that works on another node, nothing about the admin's credential.

import { createHmac } from 'node:crypto';

/** The secret node credentials are derived from (one way: it does not reveal the admin token). */
export function kubeletClientSecret(adminToken: string): string {
  return createHmac('sha256', adminToken).update('k8ts kubelet-client v1').digest('base64url');
}

/** What the API server presents to node nodeName, and what that node's streaming server expects. */
export function kubeletClientToken(secret: string, nodeName: string): string {
  return createHmac('sha256', secret).update(`node:${nodeName}`).digest('base64url');
}
